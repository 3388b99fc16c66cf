// One lock per database and per backup folder for Lifeboat's own operations, held across
// processes (cron's CLI and the editor) and within one (two commands at once in the editor).
// A lock is a file created with O_EXCL holding its owner's stamp (pid, host, boot id, process
// start time). A lock whose owner is provably dead (SIGKILL, reboot, a reused PID) is broken
// and the temporary files its owner recorded in it are swept by exact name and inode.
import { constants as C, promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { CancelledError, LifeboatError, LockTimeoutError } from './errors';
import { sleep } from './fsutil';
import { describeOwner, OwnerStamp, ownerLiveness, ownStamp, parseStamp } from './owner';

/** A lock held by a process on another host counts as abandoned when not refreshed for this long. */
const FOREIGN_STALE_MS = 10 * 60_000;
/** A lock file that never got its stamp (its creator died right after creating it). */
const UNSTAMPED_STALE_MS = 10_000;
const HEARTBEAT_MS = 30_000;
const MAX_LOCK_BYTES = 64 * 1024;

export const DEFAULT_LOCK_TIMEOUT_MS = 10 * 60_000;

/** A temporary file a lock holder made; swept if the holder dies. */
export interface RecordedTemp { path: string; ino: string }

interface LockContent extends OwnerStamp { temps?: RecordedTemp[] }

export interface LockOptions {
  /** what the holder does, shown to those who wait ("restore", "backup", …) */
  op: string;
  /** the user's file the lock protects, named in errors (a database or backup folder) */
  subject?: string;
  signal?: AbortSignal;
  /** how long to wait for another holder (default 10 min) */
  timeoutMs?: number;
  /** called once when the lock is taken by someone else and this call starts waiting */
  onWait?: (holder: string, lockFile: string) => void;
  /** called with the paths of a dead holder's temporary files that were removed */
  onSwept?: (paths: string[]) => void;
}

export interface LockHandle {
  readonly file: string;
  /** records a temporary file in the lock so that it is swept should this process die */
  record(path: string): Promise<void>;
  /** forgets a recorded file (it was removed or became permanent) */
  forget(path: string): Promise<void>;
  release(): Promise<void>;
}

// In-process queue per lock file: a second operation of this process waits for the first.
const localTails = new Map<string, { tail: Promise<void>; op: string }>();

async function acquireLocal(file: string, opts: LockOptions): Promise<() => void> {
  const ahead = localTails.get(file);
  const prev = ahead?.tail ?? Promise.resolve();
  let done!: () => void;
  const mine = new Promise<void>((r) => (done = r));
  const tail = prev.then(() => mine);
  localTails.set(file, { tail, op: opts.op });
  const release = () => {
    done();
    if (localTails.get(file)?.tail === tail) localTails.delete(file);
  };
  const holder = ahead ? `${ahead.op} (another operation of this process)` : undefined;
  if (holder !== undefined) opts.onWait?.(holder, file);
  try {
    await waitOrAbort(prev, opts, file, holder);
  } catch (e) {
    release();
    throw e;
  }
  return release;
}

async function waitOrAbort(p: Promise<void>, opts: LockOptions, file: string, holder: string | undefined): Promise<void> {
  const timeout = opts.timeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS;
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  try {
    await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new LockTimeoutError(opts.subject, holder ?? 'another operation of this process', file, timeout)), timeout);
        onAbort = () => reject(new CancelledError(opts.subject));
        if (opts.signal?.aborted) onAbort();
        opts.signal?.addEventListener('abort', onAbort, { once: true });
      }),
    ]);
  } finally {
    clearTimeout(timer);
    if (onAbort) opts.signal?.removeEventListener('abort', onAbort);
  }
}

async function readLock(file: string): Promise<{ content: LockContent | null; text: string; ino: bigint; mtimeMs: number } | null> {
  let fh: fsp.FileHandle;
  try {
    fh = await fsp.open(file, C.O_RDONLY | (C.O_NOFOLLOW ?? 0) | (C.O_NONBLOCK ?? 0));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    if (code === 'ELOOP') throw new LifeboatError('is a link, not a Lifeboat lock file: remove it if it is not yours', file);
    throw e;
  }
  try {
    const st = await fh.stat({ bigint: true });
    if (!st.isFile()) throw new LifeboatError('is not a Lifeboat lock file (not a regular file)', file);
    const buf = Buffer.alloc(Math.min(Number(st.size), MAX_LOCK_BYTES));
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    const text = buf.subarray(0, bytesRead).toString('utf8');
    return { content: parseStamp(text) as LockContent | null, text, ino: st.ino, mtimeMs: Number(st.mtimeMs) };
  } finally {
    await fh.close();
  }
}

function isStale(l: { content: LockContent | null; mtimeMs: number }): boolean {
  if (!l.content) return Date.now() - l.mtimeMs > UNSTAMPED_STALE_MS;
  const live = ownerLiveness(l.content);
  if (live === 'dead') return true;
  if (live === 'unknown') return Date.now() - l.mtimeMs > FOREIGN_STALE_MS;
  return false;
}

/** Removes the temporary files a dead holder recorded, each only if it is still the same file. */
async function sweepTemps(temps: RecordedTemp[] | undefined): Promise<string[]> {
  const removed: string[] = [];
  for (const t of temps ?? []) {
    if (typeof t?.path !== 'string' || typeof t?.ino !== 'string') continue;
    const st = await fsp.lstat(t.path, { bigint: true }).catch(() => null);
    if (!st || !st.isFile() || String(st.ino) !== t.ino) continue;
    await fsp.unlink(t.path).then(() => removed.push(t.path), () => undefined);
  }
  return removed;
}

/**
 * Breaks a stale lock exactly once however many processes try: a breaker file taken with O_EXCL,
 * and the lock removed only if it is still the one judged stale (same inode and content).
 */
async function breakStale(file: string, seen: { text: string; ino: bigint; content: LockContent | null }, opts: LockOptions): Promise<void> {
  const breaker = `${file}.break`;
  let fh: fsp.FileHandle;
  try {
    fh = await fsp.open(breaker, 'wx', 0o600);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    const st = await fsp.lstat(breaker).catch(() => null);
    // a breaker that died while breaking
    if (st?.isFile() && Date.now() - st.mtimeMs > UNSTAMPED_STALE_MS) await fsp.unlink(breaker).catch(() => undefined);
    return;
  }
  await fh.close();
  try {
    const now = await readLock(file);
    if (!now || now.ino !== seen.ino || now.text !== seen.text) return;
    const swept = await sweepTemps(seen.content?.temps);
    await fsp.unlink(file).catch(() => undefined);
    if (swept.length) opts.onSwept?.(swept);
  } finally {
    await fsp.unlink(breaker).catch(() => undefined);
  }
}

async function writeContent(file: string, content: LockContent, flag: 'wx' | 'r+'): Promise<void> {
  const fh = await fsp.open(file, flag, 0o600);
  try {
    const buf = Buffer.from(JSON.stringify(content));
    await fh.write(buf, 0, buf.length, 0);
    if (flag === 'r+') await fh.truncate(buf.length); // after the write: never an empty stamp
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * Takes the lock `file` (its folder must exist), waiting for a live holder up to `timeoutMs`.
 * Throws LockTimeoutError naming the holder, or CancelledError when `signal` aborts the wait.
 */
export async function acquireLock(file: string, opts: LockOptions): Promise<LockHandle> {
  const releaseLocal = await acquireLocal(file, opts);
  try {
    const handle = await acquireFile(file, opts);
    return {
      file,
      record: handle.record,
      forget: handle.forget,
      release: async () => {
        try {
          await handle.release();
        } finally {
          releaseLocal();
        }
      },
    };
  } catch (e) {
    releaseLocal();
    throw e;
  }
}

async function acquireFile(file: string, opts: LockOptions): Promise<LockHandle> {
  const timeout = opts.timeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS;
  const started = Date.now();
  const content: LockContent = ownStamp(opts.op);
  let waited = false;
  for (let round = 0; ; round++) {
    if (opts.signal?.aborted) throw new CancelledError(opts.subject);
    try {
      await writeContent(file, content, 'wx');
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') {
        if (e instanceof LifeboatError) throw e;
        throw new LifeboatError(`cannot take Lifeboat's lock: ${(e as Error).message}`, file);
      }
    }
    const held = await readLock(file);
    if (!held) continue; // released meanwhile
    if (isStale(held)) {
      await breakStale(file, held, opts);
      continue;
    }
    // a lock file just created is empty until its owner writes its stamp: read it again before
    // telling who holds it (the message names the operation and process when it can)
    if (!held.content && !waited && Date.now() - started < 1000) {
      await sleep(10, opts.signal);
      continue;
    }
    const holder = held.content ? describeOwner(held.content) : 'another Lifeboat operation';
    if (!waited) {
      waited = true;
      opts.onWait?.(holder, file);
    }
    if (Date.now() - started >= timeout) throw new LockTimeoutError(opts.subject, holder, file, timeout);
    await sleep(Math.min(250, 20 * 2 ** Math.min(round, 4)), opts.signal);
  }

  const heartbeat = setInterval(() => { void fsp.utimes(file, new Date(), new Date()).catch(() => undefined); }, HEARTBEAT_MS);
  heartbeat.unref();
  let queue = Promise.resolve();
  const rewrite = (change: () => void) => {
    queue = queue.then(async () => {
      change();
      await writeContent(file, content, 'r+');
    });
    return queue;
  };
  return {
    file,
    record: async (path) => {
      const st = await fsp.lstat(path, { bigint: true });
      await rewrite(() => { content.temps = [...(content.temps ?? []).filter((t) => t.path !== path), { path, ino: String(st.ino) }]; });
    },
    forget: (path) => rewrite(() => { content.temps = (content.temps ?? []).filter((t) => t.path !== path); }),
    release: async () => {
      clearInterval(heartbeat);
      await queue.catch(() => undefined);
      const now = await readLock(file).catch(() => null);
      // only our own lock is removed (never one that another process took after breaking ours)
      if (now?.content && now.content.pid === content.pid && now.content.since === content.since && now.content.host === content.host) {
        await fsp.unlink(file).catch(() => undefined);
      }
    },
  };
}

/**
 * Breaks `file` if its holder is provably dead, sweeping the temporary files it recorded; leaves
 * a live holder's lock alone. For operations that do not take the lock but should not let a
 * killed restore's leftovers linger (a backup of the same database).
 */
export async function breakIfStale(file: string, opts: Pick<LockOptions, 'onSwept'> = {}): Promise<void> {
  const held = await readLock(file).catch(() => null);
  if (held && isStale(held)) await breakStale(file, held, { op: 'sweep', ...opts });
}

/** Runs `fn` holding the locks `files` (taken in a fixed order, so two callers cannot deadlock). */
export async function withLocks<T>(files: string[], opts: LockOptions, fn: (locks: LockHandle[]) => Promise<T>): Promise<T> {
  const ordered = [...new Set(files)].sort();
  const held: LockHandle[] = [];
  try {
    for (const f of ordered) held.push(await acquireLock(f, opts));
    return await fn(held);
  } finally {
    for (const h of held.reverse()) await h.release();
  }
}

/** The lock of a backup folder: `<dir>/.lifeboat-lock`. */
export const folderLockFile = (dir: string): string => join(dir, '.lifeboat-lock');
/** The lock of a database (taken by restores): `<real path of the db>.lifeboat-lock`, beside it. */
export const dbLockFile = (realDbPath: string): string => `${realDbPath}.lifeboat-lock`;
