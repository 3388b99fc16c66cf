// A consistent copy of a live SQLite database without SQLite's locks (Node has no POSIX
// byte-range locks, so a WASM reader cannot take them). Consistency comes from reading
// and re-checking: fingerprint → copy main file → copy the companion (-wal or -journal) →
// fingerprint again; accept only when the two fingerprints prove that the pair belongs
// together, otherwise retry with backoff up to a time budget. The committed state is then
// rebuilt in TypeScript: committed WAL frames are applied, or a hot journal's saved pages
// rolled back, exactly as SQLite's own recovery would. The live files are only ever read.
import { createHash } from 'node:crypto';
import { promises as fsp, writeSync } from 'node:fs';
import { basename } from 'node:path';
import { BusyError, NotSqliteError, throwIfAborted } from './errors';
import {
  DbHeader, HEADER_SIZE, parseDbHeader, parseWalHeader, WAL_HEADER_SIZE, WalIndex, journalIdentity,
  planJournalRollback, superJournalName,
} from './format';
import { assertReadableRegularFile, fastCopy, fsyncFile, readHead, removeQuietly, sleep, statOrNull } from './fsutil';
import { locateDatabase } from './identity';
import type { SourceState } from './manifest';
import { LockSession, LockSupport } from './sqliteLocks';

export type JournalMode = 'wal' | 'rollback';

/** Seams for tests: each runs at its point of the snapshot and may fail or change the world. */
export interface SnapshotHooks {
  /** after the main file and its companion were copied, before the second fingerprint */
  afterCopy?: (attempt: number) => void | Promise<void>;
}

export interface SnapshotOptions {
  signal?: AbortSignal;
  /** the path to name in errors (the user's path, when `db` is its resolved target) */
  subject?: string;
  /** a WAL up to this many bytes is read into memory; a larger one is streamed (default 64 MiB) */
  walInMemoryMax?: number;
  hooks?: SnapshotHooks;
  /** use SQLite's own locks where the runtime has them (default true; see sqliteLocks.ts) */
  locks?: boolean;
  /** rollback mode: how long lock-free copies are tried before copying under SQLite's lock (default min(0.5 s, a quarter of the budget)) */
  lockFreeFirstMs?: number;
  /** how long a busy writer may keep invalidating copies before we give up */
  busyTimeoutMs?: number;
  onAttempt?: (attempt: number) => void;
  /** fsync the copy before returning (default true; backup overlaps it with the check) */
  fsync?: boolean;
}

export interface SnapshotResult {
  journalMode: JournalMode;
  attempts: number;
  pageSize: number;
  pageCount: number;
  sourceSize: number;
  header: DbHeader;
  walFramesApplied: number;
  walCommits: number;
  journalPagesRolledBack: number;
  /** the live files as they were when the copy was proven consistent */
  fingerprint: Fingerprint;
  /** the WAL bytes this copy was built from: how many and their SHA-256 (null: no WAL was read) */
  walCopied: WalDigest | null;
  /**
   * How consistency was proven: by re-reading alone ('lock-free'), by re-reading and then
   * confirming under SQLite's SHARED lock that nothing uncommitted was in the file
   * ('lock-free, confirmed under lock'), or by copying while holding SHARED ('under lock').
   */
  method: 'lock-free' | 'lock-free, confirmed under lock' | 'under lock';
  /** longest time SHARED was held (ms), when a lock was used */
  lockHeldMs: number | null;
  /** what the runtime offered, when the snapshot asked (rollback mode only) */
  sqliteLocks: LockSupport | null;
}

/** The length and SHA-256 of a WAL's bytes. */
export interface WalDigest { size: number; sha256: string }

/** What the live main file and its companions looked like at one moment. */
export interface Fingerprint {
  mainSize: number;
  mainMtime: bigint;
  mainIno: bigint;
  mainHead: Buffer;
  wal: { size: number; ino: bigint; head: Buffer; mtime: bigint } | null;
  journal: { ino: bigint; id: string } | null; // null also when present but not a live journal (empty, zeroed)
}

/** stat that says null for a missing file and throws for anything else */
async function statCompanion(file: string) {
  try {
    return await fsp.stat(file, { bigint: true });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

/** Reads a companion's head; a companion that exists but cannot be read is refused, never taken for absent. */
async function readCompanionHead(db: string, suffix: string, length: number, subject: string): Promise<Buffer | null> {
  try {
    return await readHead(`${db}${suffix}`, length);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null; // went away between stat and open: the next fingerprint sees it
    throw companionError(db, suffix, subject, e);
  }
}

function companionError(db: string, suffix: string, subject: string, e: unknown): Error {
  const code = (e as NodeJS.ErrnoException).code;
  const what = suffix === '-wal' ? 'it holds committed changes that are not in the main file yet' : 'it may hold a hot journal whose changes must be rolled back';
  return new NotSqliteError(subject, `cannot read ${basename(db)}${suffix} (${code ?? (e as Error).message}): ${what}, so no consistent copy can be made`);
}

/** Reads a whole companion; null when it went away meanwhile. */
async function readCompanion(db: string, suffix: string, subject: string): Promise<Buffer | null> {
  try {
    return await fsp.readFile(`${db}${suffix}`);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw companionError(db, suffix, subject, e);
  }
}

async function fingerprint(db: string, subject: string): Promise<Fingerprint> {
  const st = await fsp.stat(db, { bigint: true });
  const mainHead = await readHead(db, HEADER_SIZE);
  const walSt = await statCompanion(`${db}-wal`);
  let wal: Fingerprint['wal'] = null;
  if (walSt && walSt.isFile()) {
    const head = await readCompanionHead(db, '-wal', WAL_HEADER_SIZE, subject);
    if (head) wal = { size: Number(walSt.size), ino: walSt.ino, head, mtime: walSt.mtimeNs };
  }
  const jSt = await statCompanion(`${db}-journal`);
  let journal: Fingerprint['journal'] = null;
  if (jSt && jSt.isFile() && jSt.size > 0n) {
    const head = await readCompanionHead(db, '-journal', 28, subject);
    const id = head ? journalIdentity(head) : null;
    if (id) journal = { ino: jSt.ino, id };
  }
  return { mainSize: Number(st.size), mainMtime: st.mtimeNs, mainIno: st.ino, mainHead, wal, journal };
}

/** The live files' fingerprint now (for a restore that re-checks them just before its swap). */
export function liveFingerprint(db: string, subject = db): Promise<Fingerprint> {
  return fingerprint(db, subject);
}

/**
 * The fingerprint as recorded in a manifest (see SourceState). A WAL is recorded by the bytes
 * the copy was built from (`walCopied`): frames appended while it was copied, or written over
 * old frames after a WAL restart (same size, same header, maybe the same mtime), make the live
 * WAL differ from them. Without them the state can never match.
 */
export function sourceState(f: Fingerprint, walCopied: WalDigest | null): SourceState {
  return {
    ino: String(f.mainIno), size: f.mainSize, mtimeNs: String(f.mainMtime), head: f.mainHead.toString('hex'),
    wal: f.wal ? { ino: String(f.wal.ino), size: walCopied?.size ?? f.wal.size, head: f.wal.head.toString('hex'), ...(walCopied ? { sha256: walCopied.sha256 } : {}) } : null,
    journal: !!f.journal,
  };
}

/** The live files' state now, their WAL's bytes hashed (to compare with a manifest's). */
export async function liveSourceState(db: string, subject = db, signal?: AbortSignal): Promise<SourceState> {
  const f = await fingerprint(db, subject);
  let digest: WalDigest | null = null;
  if (f.wal) {
    const bytes = await readCompanion(db, '-wal', subject);
    digest = bytes ? digestOf(bytes) : null;
  }
  throwIfAborted(signal, subject);
  return sourceState(f, digest);
}

/** The live WAL's length and SHA-256 now (null: there is none). */
export async function liveWalDigest(db: string, subject = db): Promise<WalDigest | null> {
  const bytes = await readCompanion(db, '-wal', subject);
  return bytes ? digestOf(bytes) : null;
}

function digestOf(bytes: Buffer): WalDigest {
  return { size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
}

async function digestFile(file: string): Promise<WalDigest> {
  const h = createHash('sha256');
  let size = 0;
  const fh = await fsp.open(file, 'r');
  try {
    for await (const chunk of fh.createReadStream({ autoClose: false })) { h.update(chunk as Buffer); size += (chunk as Buffer).length; }
  } finally {
    await fh.close();
  }
  return { size, sha256: h.digest('hex') };
}

/** Whether the live files are exactly as a manifest recorded them (no journal may be in play; a WAL by its bytes). */
export function sameSourceState(recorded: SourceState, now: SourceState): boolean {
  const a = recorded;
  const b = now;
  if (a.journal || b.journal || a.ino !== b.ino || a.size !== b.size || a.mtimeNs !== b.mtimeNs || a.head !== b.head) return false;
  if (!a.wal || !b.wal) return !a.wal && !b.wal;
  return a.wal.sha256 !== undefined && a.wal.ino === b.wal.ino && a.wal.size === b.wal.size && a.wal.head === b.wal.head && a.wal.sha256 === b.wal.sha256;
}

/** Whether nothing about the main file and its WAL/journal changed between two fingerprints. */
export function sameLiveState(a: Fingerprint, b: Fingerprint): boolean {
  if (!mainUnchanged(a, b)) return false;
  if (!a.wal !== !b.wal || !a.journal !== !b.journal) return false;
  // a WAL written over after a restart keeps its size and header: its mtime moves (see also walDigestOf)
  if (a.wal && b.wal && (a.wal.size !== b.wal.size || a.wal.ino !== b.wal.ino || a.wal.mtime !== b.wal.mtime || !a.wal.head.equals(b.wal.head))) return false;
  if (a.journal && b.journal && (a.journal.ino !== b.journal.ino || a.journal.id !== b.journal.id)) return false;
  return true;
}

function mainUnchanged(a: Fingerprint, b: Fingerprint): boolean {
  return a.mainSize === b.mainSize && a.mainMtime === b.mainMtime && a.mainIno === b.mainIno && a.mainHead.equals(b.mainHead);
}

/** Why the pair of fingerprints does not prove a consistent copy, or null when it does. */
function inconsistency(mode: JournalMode, a: Fingerprint, b: Fingerprint): string | null {
  if (mode === 'wal') {
    if (!mainUnchanged(a, b)) return 'main file changed (checkpoint)';
    if (!a.wal !== !b.wal) return 'WAL appeared or disappeared';
    if (a.wal && b.wal) {
      if (!a.wal.head.equals(b.wal.head) || a.wal.ino !== b.wal.ino) return 'WAL was reset (salts changed)';
      if (b.wal.size < a.wal.size) return 'WAL shrank';
    }
    return null;
  }
  if (!a.journal && !b.journal) return mainUnchanged(a, b) ? null : 'main file changed';
  if (a.journal && b.journal && a.journal.ino === b.journal.ino && a.journal.id === b.journal.id) {
    // One transaction held the journal throughout: rolling back its saved pages gives the
    // state before it, however far its writes to the main file got.
    return a.mainIno === b.mainIno ? null : 'main file replaced';
  }
  return 'a transaction started or committed';
}

const CHUNK = 4 * 1024 * 1024;

/** Why SHARED was refused for longer than the helper's busy timeout. */
const HELD_EXCLUSIVELY = 'a connection holds the database exclusively (committing, or a transaction in journal_mode MEMORY or OFF that wrote pages it has not committed)';

/**
 * A WAL up to this size is read into memory between the two fingerprints and its committed pages
 * are written from there. A larger one is copied beside the snapshot and applied from that copy,
 * in bounded memory.
 */
const WAL_IN_MEMORY = 64 * 1024 * 1024;

/** The in-memory limit: the option, else LIFEBOAT_WAL_IN_MEMORY_MAX (bytes; for tests of the CLI), else 64 MiB. */
function walInMemoryMax(opt?: number): number {
  if (opt !== undefined) return opt;
  const v = process.env.LIFEBOAT_WAL_IN_MEMORY_MAX;
  return v !== undefined && v !== '' && Number(v) >= 0 ? Number(v) : WAL_IN_MEMORY;
}

interface WalOverlay {
  wal: Buffer;
  pageSize: number;
  pgnos: number[]; // committed pages in ascending order, each at most dbSizePages
  offsets: number[]; // where each one's data starts in `wal`
  dbSizePages: number; // 0: no commit, the main file stands as it is
  commits: number;
}

/** Indexes an in-memory WAL as SQLite's recovery would; null when its header is invalid (an empty WAL to SQLite). */
function indexWal(wal: Buffer, pageSize: number): WalOverlay | null {
  const header = parseWalHeader(wal.subarray(0, WAL_HEADER_SIZE));
  if (!header) return null;
  if (header.pageSize !== pageSize) throw new Error(`WAL page size ${header.pageSize} differs from the database page size ${pageSize}`);
  const idx = new WalIndex(header);
  idx.addFrames(wal.subarray(WAL_HEADER_SIZE), WAL_HEADER_SIZE);
  const entries = idx.committedPages();
  return {
    wal, pageSize, pgnos: entries.map((e) => e[0]), offsets: entries.map((e) => e[1]),
    dbSizePages: idx.commitCount ? idx.dbSizePages : 0, commits: idx.commitCount,
  };
}

/**
 * Writes the overlay's committed pages into the copy of the main file and sets the committed size.
 * Runs of consecutive pages go out as one write. The writes are synchronous (each lands in the page
 * cache in microseconds; thousands of them through the thread pool took 5x longer), in batches
 * that give the event loop a turn in between.
 */
async function applyOverlay(o: WalOverlay, dest: string): Promise<number> {
  if (!o.dbSizePages) return 0;
  const ps = o.pageSize;
  const maxRun = Math.max(1, Math.floor((256 * 1024) / ps));
  const scratch = Buffer.allocUnsafe(maxRun * ps);
  const out = await fsp.open(dest, 'r+');
  try {
    let i = 0;
    let writes = 0;
    while (i < o.pgnos.length) {
      let n = 1;
      while (n < maxRun && i + n < o.pgnos.length && o.pgnos[i + n] === o.pgnos[i] + n) n++;
      if (n === 1) {
        writeAll(out.fd, o.wal.subarray(o.offsets[i], o.offsets[i] + ps), (o.pgnos[i] - 1) * ps);
      } else {
        for (let k = 0; k < n; k++) o.wal.copy(scratch, k * ps, o.offsets[i + k], o.offsets[i + k] + ps);
        writeAll(out.fd, scratch.subarray(0, n * ps), (o.pgnos[i] - 1) * ps);
      }
      i += n;
      if (++writes % 512 === 0) await new Promise((r) => setImmediate(r));
    }
    await out.truncate(o.dbSizePages * ps);
  } finally {
    await out.close();
  }
  return o.pgnos.length;
}

function writeAll(fd: number, buf: Buffer, position: number): void {
  for (let put = 0; put < buf.length;) put += writeSync(fd, buf, put, buf.length - put, position + put);
}

/** Applies the committed WAL frames of `walCopy` onto `dest` (a copy of the main file). */
async function applyWal(walCopy: string, dest: string, pageSize: number, inMemoryMax: number, signal?: AbortSignal): Promise<{ frames: number; commits: number; dbPages: number } | null> {
  const fh = await fsp.open(walCopy, 'r');
  const out = await fsp.open(dest, 'r+');
  try {
    const head = Buffer.alloc(WAL_HEADER_SIZE);
    const { bytesRead } = await fh.read(head, 0, WAL_HEADER_SIZE, 0);
    const header = parseWalHeader(head.subarray(0, bytesRead));
    if (!header) return null; // no valid WAL header: SQLite treats the WAL as empty
    if (header.pageSize !== pageSize) throw new Error(`WAL page size ${header.pageSize} differs from the database page size ${pageSize}`);
    const idx = new WalIndex(header);
    const frameSize = idx.frameSize;
    // A WAL up to the in-memory limit is read once into memory; a larger one is streamed in chunks.
    const walSize = (await fh.stat()).size;
    const inMemory = walSize <= inMemoryMax ? await fh.readFile() : null;
    if (inMemory) {
      idx.addFrames(inMemory.subarray(WAL_HEADER_SIZE), WAL_HEADER_SIZE);
    } else {
      const framesPerChunk = Math.max(1, Math.floor(CHUNK / frameSize));
      const buf = Buffer.alloc(framesPerChunk * frameSize);
      let pos = WAL_HEADER_SIZE;
      for (;;) {
        throwIfAborted(signal);
        const { bytesRead: n } = await fh.read(buf, 0, buf.length, pos);
        const whole = Math.floor(n / frameSize);
        if (!idx.addFrames(buf.subarray(0, whole * frameSize), pos)) break;
        if (whole < framesPerChunk) break;
        pos += whole * frameSize;
      }
    }
    if (idx.commitCount === 0) return { frames: 0, commits: 0, dbPages: 0 };
    const entries = idx.committedPages();
    // Runs of consecutive pages go out in one write, and up to 32 writes are in flight at once:
    // far fewer round trips than page by page. At most 32 × 256 KiB is buffered.
    const maxRun = Math.max(1, Math.floor((256 * 1024) / pageSize));
    const runs: { first: number; offsets: number[] }[] = [];
    for (const [pgno, off] of entries) {
      const last = runs[runs.length - 1];
      if (last && pgno === last.first + last.offsets.length && last.offsets.length < maxRun) last.offsets.push(off);
      else runs.push({ first: pgno, offsets: [off] });
    }
    for (let i = 0; i < runs.length; i += 32) {
      throwIfAborted(signal);
      await Promise.all(runs.slice(i, i + 32).map(async ({ first, offsets }) => {
        const buf = Buffer.allocUnsafe(offsets.length * pageSize);
        for (let k = 0; k < offsets.length; k++) {
          if (inMemory) inMemory.copy(buf, k * pageSize, offsets[k], offsets[k] + pageSize);
          else await fh.read(buf, k * pageSize, pageSize, offsets[k]);
        }
        await out.write(buf, 0, buf.length, (first - 1) * pageSize);
      }));
    }
    await out.truncate(idx.dbSizePages * pageSize);
    return { frames: entries.length, commits: idx.commitCount, dbPages: idx.dbSizePages };
  } finally {
    await fh.close();
    await out.close();
  }
}

/** Rolls a hot journal's saved pages back into `dest`; returns the number of pages, or -1 when the journal is not hot. */
async function rollbackJournal(journal: Buffer, dest: string, pageSize: number): Promise<number> {
  const superName = superJournalName(journal);
  // its multi-database transaction committed (SQLite treats an empty super-journal as absent too)
  if (superName && !((await statOrNull(superName))?.size)) return -1;
  const plan = planJournalRollback(journal, pageSize);
  if (!plan) return -1;
  const ps = plan.pageSize;
  const out = await fsp.open(dest, 'r+');
  try {
    for (const r of plan.records) {
      await out.write(journal, r.offset, ps, (r.pgno - 1) * ps);
    }
    await out.truncate(plan.initialPages * ps);
  } finally {
    await out.close();
  }
  return plan.records.length;
}

/**
 * Makes the copy self-contained and honest: rollback-journal mode (bytes 18/19 = 1), and an
 * in-header page count that matches the file (valid-for = change counter).
 */
async function finishHeader(dest: string): Promise<{ header: DbHeader; pageCount: number }> {
  const fh = await fsp.open(dest, 'r+');
  try {
    const st = await fh.stat();
    const head = Buffer.alloc(HEADER_SIZE);
    await fh.read(head, 0, HEADER_SIZE, 0);
    const before = parseDbHeader(head);
    if (typeof before === 'string') throw new NotSqliteError(dest, before);
    const pageSize = before.pageSize; // a rolled-back page-size change restores the old one
    const pageCount = Math.floor(st.size / pageSize);
    if (st.size % pageSize !== 0) await fh.truncate(pageCount * pageSize);
    if (head[18] === 2) head[18] = 1;
    if (head[19] === 2) head[19] = 1;
    head.writeUInt32BE(pageCount, 28);
    head.writeUInt32BE(head.readUInt32BE(24), 92);
    await fh.write(head, 0, HEADER_SIZE, 0);
    const header = parseDbHeader(head);
    if (typeof header === 'string') throw new NotSqliteError(dest, header);
    return { header, pageCount };
  } finally {
    await fh.close();
  }
}

/**
 * Waits until a rollback-journal writer has just committed (its journal went from present to
 * absent), or until `maxMs` passed; polls every millisecond without blocking the event loop.
 */
async function waitForCommit(db: string, maxMs: number, signal?: AbortSignal): Promise<void> {
  const journal = `${db}-journal`;
  const end = Date.now() + maxMs;
  let seen = false;
  let firstMtime: bigint | undefined;
  while (Date.now() < end && !signal?.aborted) {
    const [st, main] = await Promise.all([fsp.stat(journal).catch(() => null), fsp.stat(db, { bigint: true }).catch(() => null)]);
    const live = !!st && st.size > 0;
    firstMtime ??= main?.mtimeNs;
    // A fast writer (synchronous=OFF) keeps its journal for microseconds: a new mtime on the main
    // file with no journal present also means "just committed".
    if (live) seen = true;
    else if (seen || (main && main.mtimeNs !== firstMtime)) return;
    await sleep(1, signal);
  }
}

/**
 * Writes a consistent, self-contained copy of the live database `db` to `dest`, a path private to
 * the caller (whatever is there is replaced). A large WAL is copied next to `dest` temporarily.
 */
export async function takeSnapshot(dbArg: string, dest: string, opts: SnapshotOptions = {}): Promise<SnapshotResult> {
  const { signal } = opts;
  const budget = opts.busyTimeoutMs ?? 30_000;
  const started = Date.now();
  const subject = opts.subject ?? dbArg;
  // SQLite keeps -wal and -journal beside the target of a link: read the target's.
  const db = (await locateDatabase(dbArg)).realPath;
  await assertReadableRegularFile(db, subject);
  const walTmp = `${dest}.wal-tmp`;
  let lastReason = '';
  // SQLite's locks, for rollback-journal databases only (a WAL reader needs none): asked for
  // lazily, one helper process for the whole snapshot.
  let support: LockSupport | null = null;
  let session: LockSession | null | undefined;
  let lockHeldMs: number | null = null;
  let lockPhaseTried = false;
  const lockFreeFirst = opts.lockFreeFirstMs ?? Math.min(500, budget / 4);
  const lockSession = async (): Promise<LockSession | null> => {
    if (session !== undefined) return session;
    if (opts.locks === false) return (session = null);
    const o = await LockSession.open(db, { busyTimeoutMs: 1000, maxHoldMs: Math.max(10_000, budget) });
    support = o.support;
    return (session = o.session);
  };
  const held = (ms: number) => { lockHeldMs = Math.max(lockHeldMs ?? 0, ms); };
  try {
    for (let attempt = 1; ; attempt++) {
      throwIfAborted(signal, subject);
      opts.onAttempt?.(attempt);
      const a = await fingerprint(db, subject);
      const header = parseDbHeader(a.mainHead);
      if (typeof header === 'string') throw new NotSqliteError(subject, header);
      const walHeader = a.wal ? parseWalHeader(a.wal.head) : null;
      const mode: JournalMode = header.writeVersion === 2 || walHeader ? 'wal' : 'rollback';

      await removeQuietly(dest); // the previous attempt's copy (dest is private to the caller)
      await removeQuietly(walTmp);
      // The kernel copies the main file (owner-only even when the source is read-only to us) while
      // the companion is read, and a WAL read into memory is indexed, on the other core.
      const copying = fastCopy(db, dest, signal);
      const walMax = walInMemoryMax(opts.walInMemoryMax);
      const companionRead = (async (): Promise<{ overlay?: WalOverlay | Error | null; companion?: string; journal?: Buffer | null; walCopied?: WalDigest }> => {
        if (mode === 'wal' && a.wal && a.wal.size <= walMax) {
          const wal = await readCompanion(db, '-wal', subject);
          if (!wal) return { overlay: null };
          const walCopied = digestOf(wal);
          try {
            return { overlay: indexWal(wal, header.pageSize), walCopied };
          } catch (e) {
            return { overlay: e as Error, walCopied }; // reported only if the copy proves consistent
          }
        } else if (mode === 'wal' && a.wal) {
          const got = await fastCopy(`${db}-wal`, walTmp, signal).then(() => true, (e) => { if (e.code !== 'ENOENT') throw companionError(db, '-wal', subject, e); return false; });
          return got ? { companion: walTmp, walCopied: await digestFile(walTmp) } : {};
        } else if (mode === 'rollback' && a.journal) {
          // read straight into memory (the rollback needs all of it there anyway): one read in the window
          return { journal: await readCompanion(db, '-journal', subject) };
        }
        return {};
      })();
      const [copyDone, companionDone] = await Promise.allSettled([copying, companionRead]);
      if (copyDone.status === 'rejected') throw copyDone.reason;
      if (companionDone.status === 'rejected') throw companionDone.reason;
      const { overlay, companion, journal, walCopied } = companionDone.value;
      const copied = copyDone.value;
      await opts.hooks?.afterCopy?.(attempt);
      const b = await fingerprint(db, subject);
      let reason = inconsistency(mode, a, b);
      if (!reason && copied < header.pageSize) reason = 'main file shrank';
      let method: SnapshotResult['method'] = 'lock-free';
      if (!reason && mode === 'rollback') {
        // Re-reading cannot see a transaction of a connection in journal_mode MEMORY or OFF that
        // wrote pages and has not committed (no journal is ever written): under SHARED the main
        // file is committed state, so an unchanged main file proves the copy.
        const ls = await lockSession();
        if (ls) {
          const got = await ls.acquire(signal);
          if (got === true) {
            const c = await fingerprint(db, subject);
            held(await ls.release());
            if (!mainUnchanged(b, c)) reason = 'main file changed before SQLite\'s lock confirmed the copy';
            else method = 'lock-free, confirmed under lock';
          } else if (got.kind === 'busy') {
            reason = HELD_EXCLUSIVELY;
          }
          // a hot journal (no writer alive) or a helper error: the journal rollback stands, as without locks
        } else if (!journal && header.versionValidFor === header.changeCounter && header.pageCount > 0 && header.pageCount < Math.floor(copied / header.pageSize)) {
          // without locks, the one trace such a transaction can leave: pages past the committed size
          reason = 'the file holds pages past its committed size and no journal (a transaction in journal_mode MEMORY or OFF?)';
        }
      }
      if (!reason) {
        let walFramesApplied = 0;
        let walCommits = 0;
        let journalPagesRolledBack = 0;
        if (overlay instanceof Error) throw overlay;
        if (overlay) {
          walFramesApplied = await applyOverlay(overlay, dest);
          walCommits = overlay.commits;
        } else if (companion === walTmp) {
          const r = await applyWal(walTmp, dest, header.pageSize, walMax, signal);
          if (r) { walFramesApplied = r.frames; walCommits = r.commits; }
        } else if (journal) {
          const n = await rollbackJournal(journal, dest, header.pageSize);
          journalPagesRolledBack = Math.max(0, n);
        }
        const fin = await finishHeader(dest);
        if (opts.fsync !== false) await fsyncFile(dest);
        return {
          journalMode: mode,
          attempts: attempt,
          pageSize: fin.header.pageSize,
          pageCount: fin.pageCount,
          sourceSize: a.mainSize,
          header: fin.header,
          walFramesApplied,
          walCommits,
          journalPagesRolledBack,
          fingerprint: b,
          walCopied: walCopied ?? null,
          method,
          lockHeldMs,
          sqliteLocks: support,
        };
      }
      lastReason = reason;
      await removeQuietly(walTmp);
      let elapsed = Date.now() - started;
      if (mode === 'rollback' && !lockPhaseTried && elapsed >= lockFreeFirst && elapsed < budget) {
        // The ladder: lock-free copies had their short budget; now copy while holding SHARED.
        lockPhaseTried = true;
        const under = await copyUnderLock(attempt);
        if (under) return under;
        elapsed = Date.now() - started;
      }
      if (elapsed >= budget) {
        const locks = support === null ? '' : (support as LockSupport).available ? '; SQLite\'s locks were used too' : `; SQLite's locks are not available here (${(support as LockSupport).reason})`;
        throw new BusyError(subject, `database too busy: a writer changed it during each of ${attempt} copy attempts over ${(elapsed / 1000).toFixed(1)} s (last: ${lastReason})${locks}`);
      }
      if (mode === 'rollback') {
        // Under steady writes the journal comes and goes with every transaction: start the next
        // copy right after a commit, when the gap before the next transaction is longest.
        await waitForCommit(db, Math.min(250, budget - elapsed), signal);
      } else {
        const backoff = Math.min(250, 2 ** Math.min(attempt, 8)) * (0.5 + Math.random());
        await sleep(Math.min(backoff, budget - elapsed), signal);
      }
    }
  } finally {
    session?.close();
    await removeQuietly(walTmp);
  }

  /**
   * Copies the main file while the helper holds SHARED: no writer can commit or spill meanwhile,
   * so an unchanged main file is the committed state (a writer's journal only holds pre-images of
   * pages it has not written). Tries for what is left of the budget; null when it cannot help.
   */
  async function copyUnderLock(attempt: number): Promise<SnapshotResult | null> {
    const ls = await lockSession();
    if (!ls) return null;
    while (Date.now() - started < budget) {
      throwIfAborted(signal, subject);
      const got = await ls.acquire(signal);
      if (got !== true) {
        if (got.kind !== 'busy') return null; // a hot journal: the lock-free journal rollback is the way
        lastReason = HELD_EXCLUSIVELY;
        continue;
      }
      let ok = false;
      let a: Fingerprint | undefined;
      try {
        a = await fingerprint(db, subject);
        await removeQuietly(dest);
        await fastCopy(db, dest, signal);
        await opts.hooks?.afterCopy?.(attempt);
        const b = await fingerprint(db, subject);
        ok = mainUnchanged(a, b);
        if (!ok) lastReason = 'main file changed under the lock';
      } finally {
        held(await ls.release());
      }
      if (!ok || !a) continue;
      const header = parseDbHeader(a.mainHead);
      if (typeof header === 'string' || header.writeVersion === 2) return null;
      const fin = await finishHeader(dest);
      if (opts.fsync !== false) await fsyncFile(dest);
      return {
        journalMode: 'rollback', attempts: attempt, pageSize: fin.header.pageSize, pageCount: fin.pageCount, sourceSize: a.mainSize,
        header: fin.header, walFramesApplied: 0, walCommits: 0, journalPagesRolledBack: 0, fingerprint: a, walCopied: null,
        method: 'under lock', lockHeldMs, sqliteLocks: support,
      };
    }
    return null;
  }
}
