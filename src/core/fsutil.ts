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
export async function assertReadableRegularFile(file: string): Promise<Stats> {
  let st: Stats;
  try {
    st = await fsp.stat(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new NotSqliteError(file, 'no such file');
    if (code === 'EACCES' || code === 'EPERM') throw new NotSqliteError(file, 'permission denied');
    throw new NotSqliteError(file, (e as Error).message);
  }
  if (st.isDirectory()) throw new NotSqliteError(file, 'is a directory, not a database file');
  if (!st.isFile()) throw new NotSqliteError(file, 'is not a regular file');
  try {
    await fsp.access(file, C.R_OK);
    const fh = await fsp.open(file, 'r');
    await fh.close();
  } catch {
    throw new NotSqliteError(file, 'permission denied (cannot read the file)');
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

/** Bytes per read/write of the chunked copy, and how many run at once. */
const COPY_CHUNK = 8 * 1024 * 1024;
const COPY_LANES = 2;

/** Changes a chunk of a copy in memory before it is written: `buf[0..length)` holds the bytes at `offset`. */
export type ChunkPatch = (buf: Buffer, offset: number, length: number) => void;

/**
 * Copies a file: a reflink where the file system has them (instant, no extra space), otherwise
 * in chunks of 8 MiB through two concurrent read/write lanes (memory: 16 MiB whatever the size).
 * Node's own copyFile (copy_file_range) is not used for the fallback: it truncates the
 * destination first, and on ext4 a truncated file is flushed to disk when it is closed
 * (auto_da_alloc), which made the copy 2-2.5x slower than `cp` (docs/benchmarks.md).
 * The copy is owner-only whatever the source's mode. With `patch`, every chunk passes through it
 * on its way (no reflink then). Returns the bytes copied.
 */
export async function fastCopy(src: string, dest: string, signal?: AbortSignal, mode = 0o600, patch?: ChunkPatch): Promise<number> {
  if (signal?.aborted) throw new CancelledError(src);
  if (!patch) {
    try {
      await fsp.copyFile(src, dest, C.COPYFILE_FICLONE_FORCE);
      await fsp.chmod(dest, mode);
      return (await fsp.stat(dest)).size;
    } catch {
      // no reflinks here (or the source is gone): the chunked copy says which
    }
  }
  const from = await fsp.open(src, 'r');
  try {
    const to = await fsp.open(dest, C.O_WRONLY | C.O_CREAT, mode);
    try {
      await to.chmod(mode).catch(() => undefined);
      const size = (await from.stat()).size;
      let end = size;
      let next = 0;
      const lane = async () => {
        const buf = Buffer.allocUnsafe(Math.min(COPY_CHUNK, Math.max(1, size)));
        while (next < end) {
          if (signal?.aborted) throw new CancelledError(src);
          const off = next;
          next += buf.length;
          const want = Math.min(buf.length, end - off);
          let got = 0;
          while (got < want) {
            const { bytesRead } = await from.read(buf, got, want - got, off + got);
            if (bytesRead === 0) { end = Math.min(end, off + got); break; } // the source shrank
            got += bytesRead;
          }
          patch?.(buf, off, got);
          let put = 0;
          while (put < got) put += (await to.write(buf, put, got - put, off + put)).bytesWritten;
        }
      };
      await Promise.all(Array.from({ length: COPY_LANES }, lane));
      if ((await to.stat()).size > end) await to.truncate(end); // a longer file was there before
      return end;
    } finally {
      await to.close();
    }
  } finally {
    await from.close();
  }
}
