// A folder destination (a NAS, an external disk, a synced folder): the same keys as a bucket,
// as paths below the folder, with the same bytes. Writes go to `<key>.partial-<pid>` first, are
// fsynced and renamed, so a reader never sees half an object; a full disk is a quota error.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, promises as fsp } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CancelledError } from '../errors';
import { fsyncDir, fsyncFile, readHead, removeQuietly } from '../fsutil';
import { describeDestination, FolderDestination } from './config';
import { OffsiteBucketError, OffsiteError, OffsiteIntegrityError, OffsiteNotFoundError, OffsiteQuotaError } from './errors';
import { ExpectedObject, PutFileOptions, RemoteObject, RemoteStore } from './store';

const PARTIAL_RE = /\.partial-\d+-[0-9a-f]{8}$/;

export class FolderStore implements RemoteStore {
  readonly label: string;

  constructor(readonly destination: FolderDestination) {
    this.label = describeDestination(destination);
  }

  private path(key: string): string {
    if (key.split('/').some((p) => p === '..' || p === '')) throw new OffsiteError(this.label, `refusing the key "${key}"`, 'config');
    return join(this.destination.path, ...key.split('/'));
  }

  private map(e: unknown, what: string): Error {
    if (e instanceof OffsiteError || e instanceof CancelledError) return e;
    const err = e as NodeJS.ErrnoException;
    if (err.name === 'AbortError') return new CancelledError(this.label);
    if (err.code === 'ENOSPC' || err.code === 'EDQUOT') return new OffsiteQuotaError(this.label, `${what}: the disk is full (${err.code})`, { cause: e });
    if (err.code === 'ENOENT') return new OffsiteNotFoundError(this.label, `${what}: not found`);
    if (err.code === 'EACCES' || err.code === 'EPERM' || err.code === 'EROFS') return new OffsiteError(this.label, `${what}: ${err.code} (no permission to write there)`, 'auth', { cause: e });
    return new OffsiteError(this.label, `${what}: ${err.message}`, 'network', { cause: e });
  }

  async checkAccess(): Promise<void> {
    const st = await fsp.stat(this.destination.path).catch(() => null);
    // a missing folder is the folder's "missing bucket": an unmounted disk must not be filled silently
    if (!st?.isDirectory()) throw new OffsiteBucketError(this.label, `the folder ${this.destination.path} does not exist (is the disk mounted?)`);
  }

  async list(prefix: string): Promise<RemoteObject[]> {
    const root = this.destination.path;
    const out: RemoteObject[] = [];
    const walk = async (dir: string): Promise<void> => {
      let names: string[];
      try {
        names = await fsp.readdir(dir);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR') return;
        throw this.map(e, 'listing');
      }
      for (const n of names) {
        const p = join(dir, n);
        const st = await fsp.stat(p).catch(() => null);
        if (!st) continue;
        if (st.isDirectory()) await walk(p);
        else if (st.isFile() && !PARTIAL_RE.test(n)) {
          const key = relative(root, p).split(sep).join('/');
          if (key.startsWith(prefix)) out.push({ key, size: st.size, lastModified: st.mtime });
        }
      }
    };
    // walk only the folder that can hold the prefix
    const base = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/')) : '';
    await walk(base ? this.path(base) : root);
    return out;
  }

  async getBytes(key: string): Promise<Buffer | null> {
    try {
      return await fsp.readFile(this.path(key));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw this.map(e, `reading ${key}`);
    }
  }

  async getHead(key: string, n: number): Promise<Buffer> {
    try {
      return await readHead(this.path(key), n);
    } catch (e) {
      throw this.map(e, `reading the start of ${key}`);
    }
  }

  async getStream(key: string, signal?: AbortSignal): Promise<{ stream: Readable; size: number }> {
    try {
      const p = this.path(key);
      const st = await fsp.stat(p);
      return { stream: createReadStream(p, { highWaterMark: 1 << 20, signal }), size: st.size };
    } catch (e) {
      throw this.map(e, `reading ${key}`);
    }
  }

  private async write(key: string, fill: (tmp: string) => Promise<void>, what: string): Promise<void> {
    const target = this.path(key);
    const tmp = `${target}.partial-${process.pid}-${createHash('sha256').update(`${Math.random()}`).digest('hex').slice(0, 8)}`;
    try {
      await fsp.mkdir(dirname(target), { recursive: true, mode: 0o700 });
      await fill(tmp);
      await fsyncFile(tmp);
      await fsp.rename(tmp, target);
      await fsyncDir(dirname(target));
    } catch (e) {
      await removeQuietly(tmp);
      throw this.map(e, what);
    }
  }

  async putBytes(key: string, body: Uint8Array): Promise<void> {
    await this.write(key, (tmp) => fsp.writeFile(tmp, body, { mode: 0o600 }), `writing ${key}`);
  }

  async putFile(key: string, file: string, _expected: ExpectedObject, opts: PutFileOptions = {}): Promise<void> {
    await this.write(key, async (tmp) => {
      let sent = 0;
      const src = createReadStream(file, { highWaterMark: 1 << 20 });
      src.on('data', (c) => { sent += c.length; opts.onBytes?.(sent); });
      await pipeline(src, createWriteStream(tmp, { mode: 0o600, flags: 'wx' }), { signal: opts.signal });
    }, `writing ${key}`);
  }

  async verifyStored(key: string, expected: ExpectedObject, signal?: AbortSignal): Promise<void> {
    const p = this.path(key);
    const st = await fsp.stat(p).catch((e) => { throw this.map(e, `checking ${key}`); });
    if (st.size !== expected.size) throw new OffsiteIntegrityError(this.label, `${key} was stored with ${st.size} bytes, ${expected.size} were sent`);
    // no ETag here: read it back (what a NAS or a USB disk stored is what counts)
    const h = createHash('sha256');
    for await (const c of createReadStream(p, { highWaterMark: 1 << 20, signal })) h.update(c as Buffer);
    const got = h.digest('hex');
    if (got !== expected.sha256) throw new OffsiteIntegrityError(this.label, `${key} reads back with SHA-256 ${got.slice(0, 12)}…, what was sent has ${expected.sha256.slice(0, 12)}…`);
  }

  async delete(key: string): Promise<void> {
    try {
      await fsp.rm(this.path(key), { force: true });
    } catch (e) {
      throw this.map(e, `deleting ${key}`);
    }
  }

  async listInterrupted(prefix: string): Promise<{ key: string; initiated: Date | null; file: string }[]> {
    const out: { key: string; initiated: Date | null; file: string }[] = [];
    const base = prefix.includes('/') ? this.path(prefix.slice(0, prefix.lastIndexOf('/'))) : this.destination.path;
    const walk = async (dir: string): Promise<void> => {
      for (const n of await fsp.readdir(dir).catch(() => [] as string[])) {
        const p = join(dir, n);
        const st = await fsp.stat(p).catch(() => null);
        if (st?.isDirectory()) await walk(p);
        else if (st && PARTIAL_RE.test(n)) {
          out.push({ key: relative(this.destination.path, p).split(sep).join('/').replace(PARTIAL_RE, ''), initiated: st.mtime, file: p });
        }
      }
    };
    await walk(base);
    return out;
  }

  async cleanInterrupted(prefix: string, keys: string[], olderThanMs: number): Promise<string[]> {
    const mine = new Set(keys);
    const cleaned: string[] = [];
    for (const u of await this.listInterrupted(prefix)) {
      const old = u.initiated !== null && Date.now() - u.initiated.getTime() > olderThanMs;
      if (!mine.has(u.key) && !old) continue;
      await removeQuietly(u.file);
      cleaned.push(u.key);
    }
    return cleaned;
  }

  close(): void {
    // nothing held open
  }
}
