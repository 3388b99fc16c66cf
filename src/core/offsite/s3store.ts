// An S3-compatible bucket through the AWS SDK v3 (loaded lazily from dist/offsite.js). Settings that
// keep it working beyond AWS (../shared/notes/s3.md): no flexible checksums unless required (R2 501,
// B2 400, aws-chunked framing stored inside objects), a known ContentLength on every body, single
// DeleteObject calls (DeleteObjects still sends CRC32), request timeouts (a full store hangs writes).
// Every error leaves as an OffsiteError of a kind, naming the destination.
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import type { S3Client, S3ClientConfig } from '@aws-sdk/client-s3';
import { CancelledError } from '../errors';
import { describeDestination, S3Destination } from './config';
import {
  OffsiteAuthError, OffsiteBucketError, OffsiteError, OffsiteIntegrityError, OffsiteNetworkError, OffsiteNotFoundError, OffsiteQuotaError,
  OffsiteSkewError,
} from './errors';
import { vendor } from './lazy';
import { ExpectedObject, PutFileOptions, RemoteObject, RemoteStore, StoreRuntime } from './store';

interface SdkError extends Error {
  Code?: string;
  code?: string;
  $metadata?: { httpStatusCode?: number; attempts?: number; clockSkewCorrected?: boolean };
  $fault?: 'client' | 'server';
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNABORTED', 'UND_ERR_SOCKET']);

export function isSkewError(e: unknown): boolean {
  const err = e as SdkError;
  return err?.name === 'RequestTimeTooSkewed' || err?.Code === 'RequestTimeTooSkewed' || err?.name === 'RequestExpired';
}

/** Turns an SDK or socket error into one line of a known kind, naming the destination. */
export function mapS3Error(e: unknown, label: string, what: string): Error {
  if (e instanceof OffsiteError || e instanceof CancelledError) return e;
  const err = e as SdkError;
  const name = err?.name ?? '';
  const status = err?.$metadata?.httpStatusCode;
  const attempts = err?.$metadata?.attempts;
  const msg = (err?.message ?? String(e)).split('\n')[0];
  const opts = { cause: e };
  if (name === 'AbortError') return new CancelledError(label);
  if (name === 'CredentialsProviderError' || /Could not load credentials|Resolved credential object is not valid/i.test(msg)) {
    return new OffsiteAuthError(label, `${what}: no credentials (set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE or a "profile")`, opts);
  }
  if (name === 'SignatureDoesNotMatch') return new OffsiteAuthError(label, `${what}: the secret key is wrong (SignatureDoesNotMatch)`, opts);
  if (name === 'InvalidAccessKeyId') return new OffsiteAuthError(label, `${what}: the access key is unknown to the server (InvalidAccessKeyId)`, opts);
  if (name === 'ExpiredToken' || name === 'TokenRefreshRequired') return new OffsiteAuthError(label, `${what}: the session token has expired (${name})`, opts);
  if (isSkewError(e)) return new OffsiteSkewError(label, `${what}: this machine's clock differs too much from the server's (${name}); fix the clock`, opts);
  if (name === 'QuotaExceeded' || name === 'XMinioStorageFull' || name === 'InsufficientStorage' || name === 'StorageFull' || status === 507) {
    return new OffsiteQuotaError(label, `${what}: the destination is full or over its quota (${name || status})`, opts);
  }
  if (name === 'AccessDenied' || name === 'Forbidden' || status === 403) {
    return new OffsiteAuthError(label, `${what}: access denied (${name || 403}: wrong secret, unknown key, or no permission)`, opts);
  }
  if (name === 'NoSuchBucket') return new OffsiteBucketError(label, `${what}: the bucket does not exist (NoSuchBucket)`, opts);
  if (name === 'NoSuchKey' || name === 'NotFound' || status === 404) return new OffsiteNotFoundError(label, `${what}: not found`);
  const code = err?.code ?? (err?.cause as SdkError | undefined)?.code;
  if (code && NETWORK_CODES.has(code)) return new OffsiteNetworkError(label, `${what}: network error (${code}: ${msg})`, opts);
  if (name === 'TimeoutError' || name === 'RequestTimeout' || /timed? ?out|socket hang up/i.test(msg)) {
    return new OffsiteNetworkError(label, `${what}: no answer in time (${msg})`, opts);
  }
  if (err?.$fault === 'server' || (status !== undefined && status >= 500)) {
    return new OffsiteNetworkError(label, `${what}: the server failed (${status ?? ''} ${name}${attempts ? `, after ${attempts} attempts` : ''})`, opts);
  }
  return new OffsiteError(label, `${what}: ${name && name !== 'Error' ? `${name}: ` : ''}${msg}`, 'network', opts);
}

const md5ish = (etag: string | undefined): string | null => {
  const t = (etag ?? '').replace(/"/g, '').toLowerCase();
  return /^[0-9a-f]{32}(-\d+)?$/.test(t) ? t : null;
};

/** Multipart ETags are `md5(concat(md5(part)))-N`: what S3, Ceph, MinIO, B2 and Wasabi return. */
export function isMd5Etag(etag: string | undefined): boolean {
  return md5ish(etag) !== null;
}

export class S3Store implements RemoteStore {
  readonly label: string;
  private readonly client: S3Client;

  constructor(readonly destination: S3Destination, runtime: StoreRuntime = {}) {
    this.label = describeDestination(destination);
    const config: S3ClientConfig = {
      region: destination.region,
      endpoint: destination.endpoint,
      forcePathStyle: destination.forcePathStyle,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      // the SDK's standard retries (5xx, throttling, resets) with 5 attempts in all
      maxAttempts: 5,
      requestHandler: { requestTimeout: destination.requestTimeoutMs, connectionTimeout: 15_000 },
    };
    const creds = runtime.credentials?.(destination);
    if (creds) config.credentials = creds;
    else if (destination.profile) config.profile = destination.profile;
    if (runtime.systemClockOffsetMs) config.systemClockOffset = runtime.systemClockOffsetMs;
    this.client = new (vendor().S3Client)(config);
  }

  private get bucket(): string {
    return this.destination.bucket;
  }

  /**
   * Runs one operation; a clock-skew refusal is retried once, since the SDK has corrected its
   * clock offset from the server's Date by then (measured: the second call succeeds).
   */
  private async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      if (!isSkewError(e)) throw mapS3Error(e, this.label, what);
      try {
        return await fn();
      } catch (e2) {
        throw mapS3Error(e2, this.label, what);
      }
    }
  }

  async checkAccess(signal?: AbortSignal): Promise<void> {
    const v = vendor();
    try {
      await this.call('checking the bucket', () => this.client.send(new v.HeadBucketCommand({ Bucket: this.bucket }), { abortSignal: signal }));
    } catch (e) {
      // HEAD has no body: a 404 on the bucket itself is a missing bucket
      if (e instanceof OffsiteNotFoundError) throw new OffsiteBucketError(this.label, `bucket "${this.bucket}" does not exist`);
      throw e;
    }
  }

  /** Creates the bucket (`offsite init --create-bucket`, and the tests); an existing one of ours is fine. */
  async createBucket(signal?: AbortSignal): Promise<void> {
    const v = vendor();
    try {
      await this.call(`creating bucket "${this.bucket}"`, () => this.client.send(new v.CreateBucketCommand({ Bucket: this.bucket }), { abortSignal: signal }));
    } catch (e) {
      const name = ((e as OffsiteError).cause as SdkError | undefined)?.name;
      if (name !== 'BucketAlreadyOwnedByYou') throw e;
    }
  }

  async list(prefix: string, signal?: AbortSignal): Promise<RemoteObject[]> {
    const v = vendor();
    const out: RemoteObject[] = [];
    let token: string | undefined;
    do {
      const page = await this.call('listing', () => this.client.send(new v.ListObjectsV2Command({
        Bucket: this.bucket, Prefix: prefix, ContinuationToken: token,
      }), { abortSignal: signal }));
      for (const o of page.Contents ?? []) if (o.Key) out.push({ key: o.Key, size: o.Size ?? 0, lastModified: o.LastModified ?? null });
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return out;
  }

  async getBytes(key: string, signal?: AbortSignal): Promise<Buffer | null> {
    const v = vendor();
    try {
      return await this.call(`reading ${key}`, async () => {
        const r = await this.client.send(new v.GetObjectCommand({ Bucket: this.bucket, Key: key }), { abortSignal: signal });
        return Buffer.from(await r.Body!.transformToByteArray());
      });
    } catch (e) {
      if (e instanceof OffsiteNotFoundError) return null;
      throw e;
    }
  }

  async getHead(key: string, n: number, signal?: AbortSignal): Promise<Buffer> {
    const v = vendor();
    return this.call(`reading the start of ${key}`, async () => {
      const r = await this.client.send(new v.GetObjectCommand({ Bucket: this.bucket, Key: key, Range: `bytes=0-${n - 1}` }), { abortSignal: signal });
      return Buffer.from(await r.Body!.transformToByteArray());
    });
  }

  async getStream(key: string, signal?: AbortSignal): Promise<{ stream: Readable; size: number }> {
    const v = vendor();
    return this.call(`downloading ${key}`, async () => {
      const r = await this.client.send(new v.GetObjectCommand({ Bucket: this.bucket, Key: key }), { abortSignal: signal });
      return { stream: r.Body as Readable, size: r.ContentLength ?? -1 };
    });
  }

  async putBytes(key: string, body: Uint8Array, signal?: AbortSignal): Promise<void> {
    const v = vendor();
    await this.call(`uploading ${key}`, () => this.client.send(new v.PutObjectCommand({
      Bucket: this.bucket, Key: key, Body: body, ContentLength: body.length,
    }), { abortSignal: signal }));
  }

  async putFile(key: string, file: string, expected: ExpectedObject, opts: PutFileOptions = {}): Promise<void> {
    let skewRetried = false;
    for (;;) {
      try {
        await this.uploadOnce(key, file, expected.size, opts);
        return;
      } catch (e) {
        if (isSkewError(e) && !skewRetried) {
          skewRetried = true;
          continue;
        }
        throw mapS3Error(e, this.label, `uploading ${key}`);
      }
    }
  }

  /** One multipart `Upload` in bounded memory (queueSize × partSize); aborted by us on any failure. */
  private async uploadOnce(key: string, file: string, size: number, opts: PutFileOptions): Promise<void> {
    const v = vendor();
    const body = createReadStream(file, { highWaterMark: 1 << 20 });
    const upload = new v.Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key: key, Body: body, ContentLength: size, ContentType: 'application/octet-stream' },
      partSize: this.destination.partSizeBytes,
      queueSize: this.destination.queueSize,
      // we abort ourselves: lib-storage's own abort, when it fails, replaces the real error
      leavePartsOnError: true,
    });
    upload.on('httpUploadProgress', (p) => opts.onBytes?.(p.loaded ?? 0));
    const onAbort = () => { void upload.abort(); };
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      if (opts.signal?.aborted) throw new CancelledError(this.label);
      await upload.done();
    } catch (e) {
      if (upload.uploadId) await this.abortUpload(key, upload.uploadId).catch(() => undefined);
      throw opts.signal?.aborted ? new CancelledError(this.label) : e;
    } finally {
      opts.signal?.removeEventListener('abort', onAbort);
      body.destroy();
    }
  }

  private async abortUpload(key: string, uploadId: string): Promise<void> {
    const v = vendor();
    await this.client.send(new v.AbortMultipartUploadCommand({ Bucket: this.bucket, Key: key, UploadId: uploadId }));
  }

  async verifyStored(key: string, expected: ExpectedObject, signal?: AbortSignal): Promise<void> {
    const v = vendor();
    const head = await this.call(`checking ${key}`, () => this.client.send(new v.HeadObjectCommand({ Bucket: this.bucket, Key: key }), { abortSignal: signal }));
    if (head.ContentLength !== expected.size) {
      throw new OffsiteIntegrityError(this.label, `${key} was stored with ${head.ContentLength} bytes, ${expected.size} were sent`);
    }
    const etag = md5ish(head.ETag);
    if (!this.destination.verifyEtag || !etag) return;
    const want = etag.includes('-') ? expected.multipartEtag : expected.md5;
    if (etag !== want) throw new OffsiteIntegrityError(this.label, `${key} was stored with ETag ${etag}, but what was sent has ${want}`);
  }

  async delete(key: string, signal?: AbortSignal): Promise<void> {
    const v = vendor();
    await this.call(`deleting ${key}`, () => this.client.send(new v.DeleteObjectCommand({ Bucket: this.bucket, Key: key }), { abortSignal: signal }));
  }

  async listInterrupted(prefix: string, signal?: AbortSignal): Promise<{ key: string; initiated: Date | null; uploadId: string }[]> {
    const v = vendor();
    const out: { key: string; initiated: Date | null; uploadId: string }[] = [];
    let keyMarker: string | undefined;
    let idMarker: string | undefined;
    for (;;) {
      const page = await this.call('listing interrupted uploads', () => this.client.send(new v.ListMultipartUploadsCommand({
        Bucket: this.bucket, Prefix: prefix, KeyMarker: keyMarker, UploadIdMarker: idMarker,
      }), { abortSignal: signal }));
      for (const u of page.Uploads ?? []) if (u.Key && u.UploadId) out.push({ key: u.Key, uploadId: u.UploadId, initiated: u.Initiated ?? null });
      if (!page.IsTruncated) return out;
      keyMarker = page.NextKeyMarker;
      idMarker = page.NextUploadIdMarker;
    }
  }

  async cleanInterrupted(prefix: string, keys: string[], olderThanMs: number, signal?: AbortSignal): Promise<string[]> {
    const mine = new Set(keys);
    const cleaned: string[] = [];
    for (const u of await this.listInterrupted(prefix, signal)) {
      const old = u.initiated !== null && Date.now() - u.initiated.getTime() > olderThanMs;
      if (!mine.has(u.key) && !old) continue;
      await this.call(`aborting the interrupted upload of ${u.key}`, () => this.abortUpload(u.key, u.uploadId));
      cleaned.push(u.key);
    }
    return cleaned;
  }

  close(): void {
    this.client.destroy();
  }
}
