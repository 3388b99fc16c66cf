// The manifest written beside each backup (`<backup>.json`): what was copied, from where,
// and what the checks found. Listing and retention read manifests, never database contents.
// A manifest is untrusted input (a folder can hold anything): it is read only from a regular
// file of bounded size, parsed and checked field by field, and an invalid one is reported as
// such — never taken for a valid one, never silently taken for none.
import { createHash, randomBytes } from 'node:crypto';
import { constants as C, createReadStream, promises as fsp } from 'node:fs';
import { basename, dirname } from 'node:path';
import { fsyncDir } from './fsutil';
import { FILE_MODE } from './perms';
import pkg from '../../package.json';

export const MANIFEST_FORMAT = 'sqlite-lifeboat-manifest';
/** 2: the source's identity (real path, device, inode, lineage id) and the check's unchecked indexes */
export const MANIFEST_VERSION = 2;
export const TOOL_VERSION: string = pkg.version;
/** Manifests are a few KB; a larger file is not one of ours. */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

export type JournalMode = 'wal' | 'rollback';

/** Where a backup came from. `realPath`, `dev`, `ino` and `id` are absent in version-1 manifests. */
export interface ManifestSource {
  /** the path the database was given by (absolute) */
  path: string;
  /** the same with every link resolved: the file SQLite itself opened */
  realPath?: string;
  /** device and inode of that file (decimal strings: they can exceed 2^53) */
  dev?: string;
  ino?: string;
  /** the lineage id shared by every backup of one database, kept when the database moves */
  id?: string;
  sizeBytes: number;
  journalMode: JournalMode;
  walFramesApplied: number;
  journalPagesRolledBack: number;
  /**
   * The live files as the snapshot proved them (inode, size, mtime, header, WAL header and size):
   * a later backup that finds them exactly so writes no second identical copy.
   */
  state?: SourceState;
}

/** What "unchanged since this backup" is judged by. */
export interface SourceState {
  ino: string;
  size: number;
  mtimeNs: string;
  /** the 100-byte database header, hex (its change counter included) */
  head: string;
  /** the WAL as copied: its length and, since 0.4, the SHA-256 of those bytes (without it, never unchanged) */
  wal: { ino: string; size: number; head: string; sha256?: string } | null;
  journal: boolean;
}

/** An index whose content integrity_check could not compare with its table, and why. */
export interface UncheckedIndex { index: string; table: string; reason: string }

export interface Manifest {
  format: typeof MANIFEST_FORMAT;
  formatVersion: number;
  tool: { name: 'sqlite-lifeboat'; version: string };
  file: string; // base name of the backup
  sha256: string;
  sizeBytes: number;
  createdAt: string; // ISO 8601 UTC
  durationMs: number;
  source: ManifestSource;
  pageSize: number;
  pageCount: number;
  userVersion: number;
  applicationId: number;
  autoVacuum: number;
  tables: Record<string, number>;
  skippedTables: { name: string; reason: string }[];
  integrity: string;
  verified: boolean;
  engine: string;
  attempts: number;
  pinned: boolean;
  uncheckedIndexes?: UncheckedIndex[];
  /** how the snapshot was proven consistent, and whether SQLite's locks were there to help */
  snapshot?: { method: string; lockHeldMs: number | null; sqliteLocks: string };
  /** the last time a backup found the database exactly as this one holds it (so no new copy was made) */
  unchangedAt?: string;
  lastVerified?: { at: string; ok: boolean; reason?: string };
}

export type ManifestRead =
  | { state: 'ok'; manifest: Manifest }
  | { state: 'missing' }
  | { state: 'invalid'; reason: string };

export const manifestPath = (backupFile: string): string => `${backupFile}.json`;

export async function sha256File(file: string, signal?: AbortSignal): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20, signal })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

type Check = (v: unknown) => string | null;
const str: Check = (v) => (typeof v === 'string' ? null : 'a string');
const bool: Check = (v) => (typeof v === 'boolean' ? null : 'true or false');
const num: Check = (v) => (typeof v === 'number' && Number.isFinite(v) ? null : 'a number');
const count: Check = (v) => (Number.isSafeInteger(v) && (v as number) >= 0 ? null : 'a whole number ≥ 0');
const digits: Check = (v) => (typeof v === 'string' && /^\d{1,40}$/.test(v) ? null : 'a decimal string');
const isoDate: Check = (v) => (typeof v === 'string' && !Number.isNaN(Date.parse(v)) && /^\d{4}-\d\d-\d\dT/.test(v) ? null : 'an ISO 8601 date');
const oneOf = (...xs: string[]): Check => (v) => (xs.includes(v as string) ? null : `one of ${xs.join(', ')}`);
const opt = (c: Check): Check => (v) => (v === undefined ? null : c(v));
const obj = (shape: Record<string, Check>): Check => (v) => {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return 'an object';
  for (const [k, c] of Object.entries(shape)) {
    const why = c((v as Record<string, unknown>)[k]);
    if (why) return `${k} must be ${why}`;
  }
  return null;
};
const arrayOf = (c: Check): Check => (v) => {
  if (!Array.isArray(v)) return 'a list';
  for (const [i, x] of v.entries()) {
    const why = c(x);
    if (why) return `item ${i + 1}: ${why}`;
  }
  return null;
};
const counts: Check = (v) => {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return 'an object';
  for (const [k, n] of Object.entries(v)) if (count(n)) return `the count of ${JSON.stringify(k)} must be a whole number ≥ 0`;
  return null;
};

const MANIFEST_SHAPE = obj({
  formatVersion: count,
  tool: obj({ name: str, version: str }),
  file: str,
  sha256: (v) => (typeof v === 'string' && /^[0-9a-f]{64}$/.test(v) ? null : '64 hex digits'),
  sizeBytes: count,
  createdAt: isoDate,
  durationMs: num,
  source: obj({
    path: str, realPath: opt(str), dev: opt(digits), ino: opt(digits), id: opt(str),
    sizeBytes: count, journalMode: oneOf('wal', 'rollback'), walFramesApplied: count, journalPagesRolledBack: count,
    state: opt(obj({ ino: digits, size: count, mtimeNs: digits, head: str, journal: bool, wal: (v) => (v === null ? null : obj({ ino: digits, size: count, head: str, sha256: opt(str) })(v)) })),
  }),
  pageSize: count,
  pageCount: count,
  userVersion: num,
  applicationId: num,
  autoVacuum: num,
  tables: counts,
  skippedTables: arrayOf(obj({ name: str, reason: str })),
  integrity: str,
  verified: bool,
  engine: str,
  attempts: count,
  pinned: bool,
  uncheckedIndexes: opt(arrayOf(obj({ index: str, table: str, reason: str }))),
  snapshot: opt(obj({ method: str, lockHeldMs: (v) => (v === null || typeof v === 'number' ? null : 'a number or null'), sqliteLocks: str })),
  lastVerified: opt(obj({ at: isoDate, ok: bool, reason: opt(str) })),
  unchangedAt: opt(isoDate),
});

/** Why `value` is not a valid manifest of the backup named `backupName`, or null when it is. */
export function manifestProblem(value: unknown, backupName: string): string | null {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return 'it is not a JSON object';
  const m = value as Record<string, unknown>;
  if (m.format !== MANIFEST_FORMAT) return 'it is not a Lifeboat manifest (format field)';
  const why = MANIFEST_SHAPE(m);
  if (why) return why;
  if ((m.formatVersion as number) > MANIFEST_VERSION) return `it was written by a newer Lifeboat (format ${String(m.formatVersion)})`;
  if (m.file !== backupName) return `it describes another file (${JSON.stringify(m.file)})`;
  return null;
}

/**
 * Reads and checks the manifest of `backupFile`. Only a regular file (not a link, FIFO or
 * device) of at most MAX_MANIFEST_BYTES is read; opening never blocks.
 */
export async function loadManifest(backupFile: string): Promise<ManifestRead> {
  const path = manifestPath(backupFile);
  let fh: fsp.FileHandle;
  try {
    fh = await fsp.open(path, C.O_RDONLY | (C.O_NOFOLLOW ?? 0) | (C.O_NONBLOCK ?? 0));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { state: 'missing' };
    if (code === 'ELOOP') return { state: 'invalid', reason: 'the manifest is a link, not a file' };
    return { state: 'invalid', reason: `the manifest cannot be read (${code ?? (e as Error).message})` };
  }
  let text: string;
  try {
    const st = await fh.stat();
    if (!st.isFile()) return { state: 'invalid', reason: 'the manifest is not a regular file' };
    if (st.size > MAX_MANIFEST_BYTES) return { state: 'invalid', reason: `the manifest is too large (${st.size} bytes)` };
    const buf = Buffer.alloc(st.size);
    let got = 0;
    while (got < buf.length) {
      const { bytesRead } = await fh.read(buf, got, buf.length - got, got);
      if (!bytesRead) break;
      got += bytesRead;
    }
    text = buf.subarray(0, got).toString('utf8');
  } catch (e) {
    return { state: 'invalid', reason: `the manifest cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})` };
  } finally {
    await fh.close();
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { state: 'invalid', reason: 'the manifest is not valid JSON' };
  }
  const problem = manifestProblem(value, basename(backupFile));
  return problem ? { state: 'invalid', reason: `manifest invalid: ${problem}` } : { state: 'ok', manifest: value as Manifest };
}

/** The manifest when it is valid, else null (see loadManifest for why). */
export async function readManifest(backupFile: string): Promise<Manifest | null> {
  const r = await loadManifest(backupFile);
  return r.state === 'ok' ? r.manifest : null;
}

/**
 * Writes a manifest durably: a uniquely named owner-only temp file, fsync, rename over the old
 * one, fsync of the folder. Callers that may race (pin, verify, backup) hold the folder's lock.
 */
export async function writeManifest(backupFile: string, m: Manifest): Promise<void> {
  const target = manifestPath(backupFile);
  const tmp = `${target}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
  const fh = await fsp.open(tmp, 'wx', FILE_MODE);
  try {
    await fh.chmod(FILE_MODE).catch(() => undefined); // whatever the umask
    await fh.writeFile(JSON.stringify(m, null, 2) + '\n');
    await fh.sync();
  } catch (e) {
    await fh.close();
    await fsp.unlink(tmp).catch(() => undefined);
    throw e;
  }
  await fh.close();
  try {
    await fsp.rename(tmp, target);
  } catch (e) {
    await fsp.unlink(tmp).catch(() => undefined);
    throw e;
  }
  await fsyncDir(dirname(target));
}

/** `<backup>.json.<pid>-<8 hex>.tmp`: a manifest write that did not finish. */
export const MANIFEST_TMP_RE = /\.json\.(\d+)-[0-9a-f]{8}\.tmp$/;
