// Bringing a copy back: download → (check the stored bytes' SHA-256) → decrypt → decompress → a
// private file (0600 in a 0700 folder), its plaintext SHA-256 checked against the manifest, and
// the backup's own manifest written beside it, so that verifyBackup and restoreDatabase check the
// file exactly as they check a local backup. Streams all the way: memory stays bounded.
import { createHash } from 'node:crypto';
import { createWriteStream, promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { PassThrough, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CancelledError } from '../errors';
import { assertFreeSpace, removeQuietly } from '../fsutil';
import { writeManifest } from '../manifest';
import { FILE_MODE } from '../perms';
import { decryptStream } from './age';
import { describeAgeError, fetchRemoteManifest, RemoteCopy, requireIdentity } from './catalog';
import { decompressor } from './codec';
import { OffsiteProgressFn } from './context';
import { OffsiteError, OffsiteIntegrityError, OffsiteNetworkError } from './errors';
import { RemoteManifest } from './layout';
import { RemoteStore } from './store';

export interface FetchedCopy {
  file: string;
  manifest: RemoteManifest;
}

function tap(hash: ReturnType<typeof createHash>, onBytes?: (n: number) => void): Transform {
  let n = 0;
  return new Transform({
    transform(chunk: Buffer, _e, cb) {
      hash.update(chunk);
      n += chunk.length;
      onBytes?.(n);
      cb(null, chunk);
    },
  });
}

const NETWORK = /ECONNRESET|ECONNREFUSED|ETIMEDOUT|EPIPE|socket hang up|aborted|premature close/i;

/**
 * Downloads `copy` into `dir` (which must be private) as `<backup name>` plus `<backup name>.json`.
 * Throws OffsiteIntegrityError when the bytes do not decrypt, decompress or hash as recorded; on
 * any failure the partial file is removed.
 */
export async function fetchCopy(
  store: RemoteStore, copy: RemoteCopy, identity: string | null, dir: string,
  opts: { signal?: AbortSignal; onProgress?: OffsiteProgressFn } = {},
): Promise<FetchedCopy> {
  const { signal, onProgress } = opts;
  if (!copy.dataKey) throw new OffsiteIntegrityError(store.label, `${copy.name}: the data object is missing`);
  const manifest = await fetchRemoteManifest(store, copy, identity, signal);
  const backup = manifest.backup;
  await assertFreeSpace(dir, backup.sizeBytes, `downloading ${copy.name}`);
  const file = join(dir, backup.file);
  const stored = createHash('sha256');
  const plain = createHash('sha256');
  const total = copy.storedBytes;
  const { stream } = await store.getStream(copy.dataKey, signal);
  const cipher = new PassThrough({ highWaterMark: 1 << 20 });
  const receiving = pipeline(stream, tap(stored, (n) => onProgress?.({ phase: 'download', destination: store.destination.name, message: `Downloading ${copy.name}`, bytes: n, totalBytes: total })), cipher, { signal });
  receiving.catch(() => undefined);
  try {
    const body = copy.encrypted ? await decryptStream(cipher, requireIdentity(store, identity)) : cipher;
    await pipeline(body, decompressor(manifest.object.codec), tap(plain), createWriteStream(file, { mode: FILE_MODE, flags: 'wx' }), { signal });
    await receiving;
  } catch (e) {
    stream.destroy();
    await removeQuietly(file);
    if (signal?.aborted) throw new CancelledError(store.label);
    if (e instanceof OffsiteError) throw e;
    const msg = (e as Error).message ?? String(e);
    if (NETWORK.test(msg) || NETWORK.test((e as NodeJS.ErrnoException).code ?? '')) {
      throw new OffsiteNetworkError(store.label, `downloading ${copy.dataKey}: the connection failed (${msg})`, { cause: e });
    }
    const what = /incorrect header|invalid|unexpected end|zlib|zstd|unknown compression/i.test(msg) && !/tag/i.test(msg)
      ? `does not decompress as ${manifest.object.codec} (${msg})` : `does not decrypt: ${describeAgeError(e)}`;
    throw new OffsiteIntegrityError(store.label, `${copy.dataKey} ${what}`, { cause: e });
  }
  const storedSha = stored.digest('hex');
  const plainSha = plain.digest('hex');
  const problems: string[] = [];
  if (storedSha !== manifest.object.storedSha256) problems.push(`the stored bytes' SHA-256 is ${storedSha.slice(0, 12)}…, the manifest says ${manifest.object.storedSha256.slice(0, 12)}…`);
  if (plainSha !== backup.sha256) problems.push(`the restored file's SHA-256 is ${plainSha.slice(0, 12)}…, the backup's manifest says ${backup.sha256.slice(0, 12)}…`);
  if (problems.length) {
    await removeQuietly(file);
    throw new OffsiteIntegrityError(store.label, `${copy.name}: ${problems.join('; ')}`);
  }
  // the backup's own manifest beside it: verify and restore check the file against it as for a local backup
  await writeManifest(file, backup);
  await fsp.chmod(file, FILE_MODE);
  return { file, manifest };
}
