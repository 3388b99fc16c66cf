// Operations on a backup folder that must not race: every change to a manifest (pin, a
// verification's record, a new backup's commit), every deletion, and the sweep of what killed
// runs left, happen under the folder's lock. Only files that are provably ours are touched.
import { promises as fsp } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { LifeboatError, NotSqliteError } from './errors';
import { acquireLock, folderLockFile, LockHandle, LockOptions } from './lock';
import { loadManifest, Manifest, MANIFEST_TMP_RE, manifestPath, writeManifest } from './manifest';
import { parseBackupName } from './naming';
import { ensurePrivateDir } from './perms';
import { sweepPrivateDirs } from './tempdir';

/** Prefix of a backup's work folder inside the backup folder (`.lifeboat-work-XXXXXX`). */
export const WORK_PREFIX = '.lifeboat-work-';

export type FolderLockOptions = Omit<LockOptions, 'op'>;

/** Runs `fn` holding the lock of backup folder `dir` (which must exist). */
export async function withFolderLock<T>(dir: string, op: string, opts: FolderLockOptions, fn: (lock: LockHandle) => Promise<T>): Promise<T> {
  const lock = await acquireLock(folderLockFile(dir), { ...opts, op, subject: opts.subject ?? dir });
  try {
    return await fn(lock);
  } finally {
    await lock.release();
  }
}

/**
 * Makes sure a backup folder exists. One we create is owner-only; an existing one is never
 * changed, and a warning says so when others can read it (backups hold user data).
 */
export async function prepareBackupFolder(dir: string): Promise<string[]> {
  let state;
  try {
    state = await ensurePrivateDir(dir);
  } catch (e) {
    throw new LifeboatError(`cannot create the backup folder: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, dir);
  }
  const st = await fsp.stat(dir);
  if (!st.isDirectory()) throw new LifeboatError('the backup folder is not a folder', dir);
  return state.openToOthers
    ? [`the backup folder ${dir} can be read by other users (mode ${(st.mode & 0o777).toString(8)}); backups hold your data: use a private folder`]
    : [];
}

function pidIsDead(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/**
 * Removes what killed runs left in a backup folder: work folders of dead owners, manifests whose
 * backup file never got published (a run killed between the two), and unfinished manifest
 * writes of dead processes. The caller holds the folder's lock (a commit in progress also has a
 * manifest without its file for a moment). Returns what was removed.
 */
export async function sweepFolder(dir: string): Promise<string[]> {
  const removed = await sweepPrivateDirs(dir, WORK_PREFIX);
  const names = await fsp.readdir(dir).catch(() => [] as string[]);
  for (const name of names) {
    const path = join(dir, name);
    const tmp = MANIFEST_TMP_RE.exec(name);
    if (tmp) {
      const st = await fsp.lstat(path).catch(() => null);
      if (st?.isFile() && parseBackupName(name.slice(0, tmp.index)) && pidIsDead(Number(tmp[1]))) {
        await fsp.unlink(path).then(() => removed.push(path), () => undefined);
      }
      continue;
    }
    if (!name.endsWith('.json')) continue;
    const backup = path.slice(0, -'.json'.length);
    if (!parseBackupName(basename(backup))) continue;
    if (await fsp.lstat(backup).then(() => true, () => false)) continue;
    const st = await fsp.lstat(path).catch(() => null);
    // only a valid manifest of ours, naming exactly the missing file
    if (st?.isFile() && (await loadManifest(backup)).state === 'ok') {
      await fsp.unlink(path).then(() => removed.push(path), () => undefined);
    }
  }
  return removed;
}

/** The backup file must be a regular file with a valid manifest; returns the manifest. */
async function requireManaged(backupFile: string): Promise<Manifest> {
  const st = await fsp.lstat(backupFile).catch(() => null);
  if (!st) throw new NotSqliteError(backupFile, 'no such backup file');
  if (!st.isFile()) throw new NotSqliteError(backupFile, 'is not a regular file (a link or a folder is not a Lifeboat backup)');
  const read = await loadManifest(backupFile);
  if (read.state === 'missing') throw new LifeboatError('has no manifest, so it is not a Lifeboat backup that can be changed', backupFile);
  if (read.state === 'invalid') throw new LifeboatError(`cannot be changed: ${read.reason}`, backupFile);
  return read.manifest;
}

/**
 * Changes a backup's manifest under its folder's lock: read, change, write durably. Two
 * concurrent changes (a pin and a verification) both survive.
 */
export async function updateManifestLocked(backupFile: string, op: string, change: (m: Manifest) => void, opts: FolderLockOptions = {}): Promise<Manifest> {
  return withFolderLock(dirname(backupFile), op, { ...opts, subject: backupFile }, async () => {
    const m = await requireManaged(backupFile);
    change(m);
    await writeManifest(backupFile, m);
    return m;
  });
}

/** Pins or unpins a backup (retention never deletes a pinned one). */
export function setPinned(backupFile: string, pinned: boolean, opts: FolderLockOptions = {}): Promise<Manifest> {
  return updateManifestLocked(backupFile, pinned ? 'pin' : 'unpin', (m) => { m.pinned = pinned; }, opts);
}

/** Deletes a backup and its manifest (only a regular file; its manifest only if it is ours). */
export async function deleteBackup(backupFile: string, opts: FolderLockOptions = {}): Promise<void> {
  await withFolderLock(dirname(backupFile), 'delete', { ...opts, subject: backupFile }, async () => {
    const st = await fsp.lstat(backupFile).catch(() => null);
    if (!st) throw new NotSqliteError(backupFile, 'no such backup file');
    if (!st.isFile()) throw new NotSqliteError(backupFile, 'is not a regular file; not deleted');
    const read = await loadManifest(backupFile);
    await fsp.unlink(backupFile);
    if (read.state !== 'missing') {
      const mst = await fsp.lstat(manifestPath(backupFile)).catch(() => null);
      if (mst?.isFile()) await fsp.unlink(manifestPath(backupFile)).catch(() => undefined);
    }
  });
}
