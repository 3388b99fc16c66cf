// Small file-system helpers shared by backup and restore.
import { constants as C, promises as fsp, Stats } from 'node:fs';
import { dirname } from 'node:path';
import { CancelledError, NoSpaceError, NotSqliteError } from './errors';

export async function fsyncFile(file: string): Promise<void> {
  const fh = await fsp.open(file, 'r+');
  try { await fh.sync(); } finally { await fh.close(); }
}

/** Makes a rename durable. Directories cannot be opened for fsync on Windows; there it is a no-op. */
export async function fsyncDir(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  let fh: fsp.FileHandle | undefined;
  try {
    fh = await fsp.open(dir, C.O_RDONLY);
    await fh.sync();
  } catch {
    // some file systems refuse fsync on directories; the rename itself has still happened
  } finally {
    await fh?.close();
  }
}

export async function statOrNull(p: string): Promise<Stats | null> {
  try {
    return await fsp.stat(p);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

export async function exists(p: string): Promise<boolean> {
  return (await statOrNull(p)) !== null;
}

export async function removeQuietly(p: string): Promise<void> {
  await fsp.rm(p, { force: true, recursive: true }).catch(() => undefined);
}

/** Reads up to `length` bytes from the start of a file (fewer when it is shorter). */
export async function readHead(file: string, length: number): Promise<Buffer> {
  const fh = await fsp.open(file, 'r');
  try {
    const buf = Buffer.alloc(length);
    const { bytesRead } = await fh.read(buf, 0, length, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/** Refuses what cannot be a database file, with the reason, before anything reads it as one. */
export async function assertReadableRegularFile(file: string, subject = file): Promise<Stats> {
  let st: Stats;
  try {
    st = await fsp.stat(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new NotSqliteError(subject, 'no such file');
    if (code === 'EACCES' || code === 'EPERM') throw new NotSqliteError(subject, 'permission denied');
    throw new NotSqliteError(subject, (e as Error).message);
  }
  if (st.isDirectory()) throw new NotSqliteError(subject, 'is a directory, not a database file');
  if (!st.isFile()) throw new NotSqliteError(subject, 'is not a regular file');
  try {
    await fsp.access(file, C.R_OK);
    const fh = await fsp.open(file, 'r');
    await fh.close();
  } catch {
    throw new NotSqliteError(subject, 'permission denied (cannot read the file)');
  }
  return st;
}

/** Refuses to start when the folder's file system has less than `needed` bytes free (plus a margin). */
export async function assertFreeSpace(dir: string, needed: number, what: string): Promise<void> {
  let probe = dir;
  for (;;) {
    try {
      const s = await fsp.statfs(probe);
      const free = Number(s.bavail) * Number(s.bsize);
      const margin = Math.min(64 * 1024 * 1024, Math.max(1024 * 1024, needed * 0.05));
      if (free < needed + margin) {
        throw new NoSpaceError(dir, `not enough free space for ${what}: ${fmtBytes(needed)} needed, ${fmtBytes(free)} free`);
      }
      return;
    } catch (e) {
      if (e instanceof NoSpaceError) throw e;
      const parent = dirname(probe);
      if (parent === probe) return; // cannot tell: let the write itself fail clearly
      probe = parent;
    }
  }
}

export function fmtBytes(n: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() { signal?.removeEventListener('abort', done); clearTimeout(t); resolve(); }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * Copies a file the way `cp` does: a reflink where the file system has them (instant, no extra
 * space), otherwise the kernel copies it (copy_file_range/sendfile: nothing passes through our
 * memory, whatever the size). `dest` must not exist: it is created exclusively, and that is also
 * what keeps the copy fast. On ext4 a file that was truncated, or renamed over another file, is
 * flushed to disk right then (auto_da_alloc); Node's copyFile truncates a destination unless it
 * creates it exclusively, and a copy into a temporary file renamed over `dest` paid the same
 * flush: both were 2.3x slower than `cp` on 1 GiB (docs/benchmarks.md). The copy is owner-only
 * whatever the source's mode. Returns its size.
 */
export async function fastCopy(src: string, dest: string, signal?: AbortSignal, mode = 0o600): Promise<number> {
  if (signal?.aborted) throw new CancelledError(src);
  await fsp.copyFile(src, dest, C.COPYFILE_EXCL | C.COPYFILE_FICLONE);
  await fsp.chmod(dest, mode);
  return (await fsp.stat(dest)).size;
}
