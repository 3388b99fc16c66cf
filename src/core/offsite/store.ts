// What the engine needs from a destination, whatever it is: a bucket or a folder hold the same
// keys with the same bytes (layout.ts). Implementations: s3store.ts, folderstore.ts.
import { Readable } from 'node:stream';
import type { S3ClientConfig } from '@aws-sdk/client-s3';
import { Destination } from './config';

export interface RemoteObject {
  key: string;
  size: number;
  lastModified: Date | null;
}

export interface ExpectedObject {
  size: number;
  /** hex MD5 of the whole body, and the S3 multipart ETag (`md5(md5s)-N`) for the part size used */
  md5: string;
  multipartEtag: string | null;
  sha256: string;
}

export interface PutFileOptions {
  signal?: AbortSignal;
  /** bytes sent so far */
  onBytes?: (sent: number) => void;
}

export interface RemoteStore {
  readonly destination: Destination;
  /** `destination "NAME" (where)`, for every message */
  readonly label: string;
  /** A cheap request that proves the bucket/folder is there and the credentials work. */
  checkAccess(signal?: AbortSignal): Promise<void>;
  /** Every object under `prefix`, in one ListObjectsV2 pass (paginated) or one folder walk. */
  list(prefix: string, signal?: AbortSignal): Promise<RemoteObject[]>;
  getBytes(key: string, signal?: AbortSignal): Promise<Buffer | null>;
  /** The first `n` bytes of an object (a ranged GET). */
  getHead(key: string, n: number, signal?: AbortSignal): Promise<Buffer>;
  getStream(key: string, signal?: AbortSignal): Promise<{ stream: Readable; size: number }>;
  putBytes(key: string, body: Uint8Array, signal?: AbortSignal): Promise<void>;
  /** Uploads a local file of known size; on failure nothing partial is left behind. */
  putFile(key: string, file: string, expected: ExpectedObject, opts?: PutFileOptions): Promise<void>;
  /** Checks that what is stored under `key` is what was sent (size, and ETag or content hash). */
  verifyStored(key: string, expected: ExpectedObject, signal?: AbortSignal): Promise<void>;
  delete(key: string, signal?: AbortSignal): Promise<void>;
  /**
   * Removes interrupted uploads under `prefix`: those of `keys` (this machine was uploading them and
   * holds their lock, so any upload of them in flight is an orphan) and any older than `olderThanMs`.
   * Returns the keys cleaned.
   */
  cleanInterrupted(prefix: string, keys: string[], olderThanMs: number, signal?: AbortSignal): Promise<string[]>;
  /** Multipart uploads (S3) or partial files (folder) in flight under `prefix`: for tests and `list --json`. */
  listInterrupted(prefix: string, signal?: AbortSignal): Promise<{ key: string; initiated: Date | null }[]>;
  close(): void;
}

/** How the engine reaches a destination; everything injectable so the editor and the tests can supply their own. */
export interface StoreRuntime {
  /** credentials for an s3 destination; undefined: the AWS default chain (env, profile, SSO, …) */
  credentials?: (d: Destination) => S3ClientConfig['credentials'] | undefined;
  /** test seam for clock skew: passed to the SDK as `systemClockOffset` (ms) */
  systemClockOffsetMs?: number;
}
