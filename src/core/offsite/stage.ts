// The outbox: every off-site copy is first staged locally, backup → compress → encrypt, into a
// private file (0600 in a 0700 folder) beside a small journal that says which destinations still
// need it. Staging once gives every destination the same bytes and a known ContentLength, and
// it makes uploads resumable: after a crash the next run finds the journal and sends the staged
// file again instead of starting over. The journal is removed with the file once all have it.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, promises as fsp } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { PassThrough, Readable, Transform } from 'node:stream';
import { CancelledError, IntegrityError, LifeboatError } from '../errors';
import { assertFreeSpace, readHead, removeQuietly, statOrNull } from '../fsutil';
import { Manifest } from '../manifest';
import { backupRoot } from '../paths';
import { ensurePrivateDir, FILE_MODE } from '../perms';
import { encryptStream, hasAgeHeader } from './age';
import { compressor } from './codec';
import { Codec, Encryption } from './config';
import { OffsiteRefusedError } from './errors';
import { dataName } from './layout';
import { ExpectedObject } from './store';

/** `LIFEBOAT_OUTBOX`, else `<backup root>/.outbox` (same disk as the backups it stages). */
export function outboxDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.LIFEBOAT_OUTBOX ? env.LIFEBOAT_OUTBOX : join(backupRoot(env), '.outbox');
}

/** A `.partial` staging file untouched this long was left by a killed run (as backup.ts's rule). */
const STALE_PARTIAL_MS = 60 * 60 * 1000;

export interface StagedJournal {
  format: 'sqlite-lifeboat-outbox';
  backupFile: string;
  backupName: string;
  dbKey: string;
  codec: Codec;
  encryption: Encryption;
  recipient: string | null;
  size: number;
  sha256: string;
  md5: string;
  /** S3 multipart ETag per part size */
  etags: Record<string, string>;
  manifest: Manifest;
  /** destinations that still need this copy */
  pending: string[];
  stagedAt: string;
}

export interface Staged {
  file: string;
  journalFile: string;
  journal: StagedJournal;
}

export function expectedFor(j: StagedJournal, partSize: number): ExpectedObject {
  return { size: j.size, md5: j.md5, sha256: j.sha256, multipartEtag: j.etags[String(partSize)] ?? null };
}

/** Hashes the staged file once for all the part sizes its destinations use. */
async function hashStaged(file: string, partSizes: number[], signal?: AbortSignal): Promise<{ sha256: string; md5: string; etags: Record<string, string> }> {
  const sha = createHash('sha256');
  const md5 = createHash('md5');
  const per = [...new Set(partSizes)].map((size) => ({ size, digests: [] as Buffer[], cur: createHash('md5'), filled: 0 }));
  for await (const c of createReadStream(file, { highWaterMark: 1 << 20, signal })) {
    const chunk = c as Buffer;
    sha.update(chunk);
    md5.update(chunk);
    for (const p of per) {
      let off = 0;
      while (off < chunk.length) {
        const take = Math.min(p.size - p.filled, chunk.length - off);
        p.cur.update(chunk.subarray(off, off + take));
        p.filled += take;
        off += take;
        if (p.filled === p.size) { p.digests.push(p.cur.digest()); p.cur = createHash('md5'); p.filled = 0; }
      }
    }
  }
  const etags: Record<string, string> = {};
  for (const p of per) {
    if (p.filled > 0 || p.digests.length === 0) p.digests.push(p.cur.digest());
    etags[String(p.size)] = `${createHash('md5').update(Buffer.concat(p.digests)).digest('hex')}-${p.digests.length}`;
  }
  return { sha256: sha.digest('hex'), md5: md5.digest('hex'), etags };
}

/** A pass-through that hashes what flows by (the backup's plaintext, checked against its manifest). */
function hashTap(hash: ReturnType<typeof createHash>): Transform {
  return new Transform({ transform(chunk, _enc, cb) { hash.update(chunk as Buffer); cb(null, chunk); } });
}

export type EncryptFn = (src: Readable, recipient: string) => Promise<Readable>;

export interface StageRequest {
  backupFile: string;
  manifest: Manifest;
  dbKey: string;
  codec: Codec;
  level?: number;
  encryption: Encryption;
  recipient: string | null;
  destinations: string[];
  partSizes: number[];
  outbox: string;
  signal?: AbortSignal;
  /** test seam: how the stream is encrypted (a broken one must be caught by the age-header check) */
  encrypt?: EncryptFn;
}

/**
 * Stages a backup for upload, or adds destinations to an existing staged copy of it.
 * Refuses (OffsiteRefusedError) a staged file that should be encrypted but does not start with
 * the age header; refuses (IntegrityError) a backup whose bytes differ from its manifest.
 */
export async function stageBackup(req: StageRequest): Promise<Staged> {
  const dir = join(req.outbox, req.dbKey);
  await ensurePrivateDir(req.outbox);
  await ensurePrivateDir(dir);
  const file = join(dir, dataName(req.manifest.file, req.codec, req.encryption));
  const journalFile = `${file}.json`;
  const existing = await readJournal(journalFile);
  if (existing && existing.journal.sha256 && existing.journal.recipient === req.recipient && existing.journal.manifest.sha256 === req.manifest.sha256) {
    const pending = [...new Set([...existing.journal.pending, ...req.destinations])];
    const missing = req.partSizes.filter((p) => !existing.journal.etags[String(p)]);
    if (missing.length) Object.assign(existing.journal.etags, (await hashStaged(file, missing, req.signal)).etags);
    existing.journal.pending = pending;
    await writeJournal(journalFile, existing.journal);
    return existing;
  }
  await assertFreeSpace(dir, req.manifest.sizeBytes, `staging ${req.manifest.file} for upload`);
  const partial = `${file}.partial`;
  await removeQuietly(partial);
  const plain = createHash('sha256');
  try {
    const src = createReadStream(req.backupFile, { highWaterMark: 1 << 20, signal: req.signal });
    const compressed = new PassThrough({ highWaterMark: 1 << 20 });
    const compressing = pipeline(src, hashTap(plain), compressor(req.codec, req.level), compressed);
    compressing.catch(() => undefined);
    const body = req.encryption === 'age'
      ? await (req.encrypt ?? encryptStream)(compressed, req.recipient!)
      : compressed;
    await pipeline(body, createWriteStream(partial, { mode: FILE_MODE, flags: 'wx' }), { signal: req.signal });
    await compressing;
  } catch (e) {
    await removeQuietly(partial);
    if (req.signal?.aborted || (e as Error).name === 'AbortError') throw new CancelledError(req.backupFile);
    if ((e as NodeJS.ErrnoException).code === 'ENOSPC') throw new LifeboatError(`no space left to stage the upload in ${dir}`, req.backupFile, 'NO_SPACE');
    throw e;
  }
  const plainSha = plain.digest('hex');
  if (plainSha !== req.manifest.sha256) {
    await removeQuietly(partial);
    throw new IntegrityError(req.backupFile, `not uploaded: the file's SHA-256 (${plainSha.slice(0, 12)}…) differs from its manifest's (${req.manifest.sha256.slice(0, 12)}…), so it changed after the backup`);
  }
  if (req.encryption === 'age' && !hasAgeHeader(await readHead(partial, 32))) {
    await removeQuietly(partial);
    throw new OffsiteRefusedError(`upload of ${req.manifest.file}`, 'refusing to upload: the staged copy is not age-encrypted (it does not start with the age header), although its destination requires encryption');
  }
  const h = await hashStaged(partial, req.partSizes, req.signal);
  const journal: StagedJournal = {
    format: 'sqlite-lifeboat-outbox',
    backupFile: req.backupFile,
    backupName: req.manifest.file,
    dbKey: req.dbKey,
    codec: req.codec,
    encryption: req.encryption,
    recipient: req.recipient,
    size: (await fsp.stat(partial)).size,
    ...h,
    manifest: req.manifest,
    pending: [...new Set(req.destinations)],
    stagedAt: new Date().toISOString(),
  };
  await fsp.rename(partial, file);
  await writeJournal(journalFile, journal);
  return { file, journalFile, journal };
}

async function readJournal(journalFile: string): Promise<Staged | null> {
  try {
    const journal = JSON.parse(await fsp.readFile(journalFile, 'utf8')) as StagedJournal;
    const file = journalFile.replace(/\.json$/, '');
    if (journal.format !== 'sqlite-lifeboat-outbox') return null;
    const st = await statOrNull(file);
    if (!st || st.size !== journal.size) return null;
    return { file, journalFile, journal };
  } catch {
    return null;
  }
}

async function writeJournal(journalFile: string, j: StagedJournal): Promise<void> {
  const tmp = `${journalFile}.tmp-${process.pid}`;
  await fsp.writeFile(tmp, JSON.stringify(j, null, 2) + '\n', { mode: FILE_MODE });
  await fsp.rename(tmp, journalFile);
}

/** Records that `destination` has the copy; removes the staged file when nobody needs it any more. */
export async function markDelivered(s: Staged, destination: string): Promise<void> {
  const fresh = (await readJournal(s.journalFile)) ?? s;
  fresh.journal.pending = fresh.journal.pending.filter((d) => d !== destination);
  s.journal.pending = fresh.journal.pending;
  if (fresh.journal.pending.length === 0) {
    await removeQuietly(s.journalFile);
    await removeQuietly(s.file);
  } else {
    await writeJournal(s.journalFile, fresh.journal);
  }
}

/** Staged copies left by earlier runs (a crash, a failed destination) that still have somewhere to go. */
export async function pendingStaged(outbox: string): Promise<Staged[]> {
  const out: Staged[] = [];
  for (const db of await fsp.readdir(outbox).catch(() => [] as string[])) {
    const dir = join(outbox, db);
    for (const n of await fsp.readdir(dir).catch(() => [] as string[])) {
      if (n.endsWith('.partial')) {
        // a staging killed half-way; one being written by a concurrent run has a fresh mtime
        const st = await statOrNull(join(dir, n));
        if (st && Date.now() - st.mtimeMs > STALE_PARTIAL_MS) await removeQuietly(join(dir, n));
        continue;
      }
      if (!n.endsWith('.json')) continue;
      const s = await readJournal(join(dir, n));
      if (s && s.journal.pending.length) out.push(s);
    }
  }
  return out;
}

// ---------------------------------------------------------------- one process per staged copy

interface LockInfo { pid: number; host: string; at: string }

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function lockHeld(journalFile: string): Promise<boolean> {
  try {
    const info = JSON.parse(await fsp.readFile(`${journalFile}.lock`, 'utf8')) as LockInfo;
    return info.host !== hostname() || (info.pid !== process.pid && alive(info.pid));
  } catch {
    return false;
  }
}

/**
 * Takes the lock of a staged copy (an O_EXCL file: pid, host, time). A lock whose process is gone
 * on this host is stale and taken over. Returns a release function, or null when another live
 * process holds it (it is uploading this copy right now).
 */
export async function lockStaged(journalFile: string): Promise<(() => Promise<void>) | null> {
  const lock = `${journalFile}.lock`;
  const info: LockInfo = { pid: process.pid, host: hostname(), at: new Date().toISOString() };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await fsp.writeFile(lock, JSON.stringify(info), { flag: 'wx', mode: FILE_MODE });
      return () => removeQuietly(lock);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      if (await lockHeld(journalFile)) return null;
      await removeQuietly(lock);
    }
  }
  return null;
}
