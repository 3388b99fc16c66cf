// Restore: nothing lost, ever. Validate the backup → check space → safety copy of the live
// database made by the backup engine (so it includes the live WAL's commits) → make the live
// file self-contained → move -wal/-shm/-journal aside into the safety set → write
// `<db>.restore-tmp`, fsync, rename over the live file → verify. Every intermediate state a
// crash can leave is a whole database: the old content, or the new one.
import { constants as C, promises as fsp } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { backupDatabase, BackupResult, ProgressFn } from './backup';
import {
  BusyError, CancelledError, IntegrityError, LifeboatError, NotConfirmedError, NotSqliteError, RestoreError, throwIfAborted,
} from './errors';
import { assertFreeSpace, fastCopy, fsyncDir, fsyncFile, removeQuietly, statOrNull } from './fsutil';
import { backupBaseName, formatTimestamp } from './naming';
import { defaultBackupDir, preRestoreDir } from './paths';
import { ensurePrivateDir } from './perms';
import { checkDatabase } from './sqlite';
import { verifyBackup, VerifyResult } from './verify';

export const COMPANION_SUFFIXES = ['-wal', '-shm', '-journal'] as const;

export interface RestorePreflight {
  backupFile: string;
  dbPath: string;
  liveExists: boolean;
  liveSizeBytes: number;
  /** non-empty -wal or a -shm: some process may have the database open */
  inUse: boolean;
  inUseReasons: string[];
  companions: string[];
  backup: VerifyResult;
  safetyDir: string;
}

export interface RestoreOptions {
  backupFile: string;
  dbPath: string;
  outputDir?: string;
  requireTables?: string[];
  signal?: AbortSignal;
  onProgress?: ProgressFn;
  /** asked after validation, before anything is touched; false refuses */
  confirm?: (p: RestorePreflight) => Promise<boolean>;
  busyTimeoutMs?: number;
  now?: () => Date;
}

export interface RestoreResult {
  dbPath: string;
  backupFile: string;
  safetyDir: string;
  safetyCopy: string | null;
  rawOriginal: string | null;
  movedCompanions: string[];
  durationMs: number;
  tables: Record<string, number>;
  integrity: string;
  warnings: string[];
}

async function moveFile(from: string, to: string): Promise<void> {
  try {
    await fsp.rename(from, to);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EXDEV') throw e;
    await fsp.copyFile(from, to, C.COPYFILE_EXCL);
    await fsyncFile(to);
    await fsp.unlink(from);
  }
}

/** Copies `src` next to `target`, fsyncs it and renames it over `target` (one atomic step). */
async function replaceAtomically(src: string, target: string, tmp: string, mode: number | null): Promise<void> {
  await fsp.copyFile(src, tmp);
  if (mode !== null) await fsp.chmod(tmp, mode);
  await fsyncFile(tmp);
  await fsp.rename(tmp, target);
  await fsyncDir(dirname(target));
}

async function safetySetDir(outputDir: string, dbPath: string, now: Date): Promise<string> {
  const base = join(preRestoreDir(outputDir), `${backupBaseName(dbPath).dbName}-${formatTimestamp(now)}`);
  await ensurePrivateDir(preRestoreDir(outputDir));
  for (let n = 0; ; n++) {
    const dir = n ? `${base}-${n}` : base;
    try {
      await fsp.mkdir(dir, { mode: 0o700 });
      await ensurePrivateDir(dir);
      return dir;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
}

export async function inspectRestore(opts: RestoreOptions): Promise<RestorePreflight> {
  const backupFile = resolve(opts.backupFile);
  const dbPath = resolve(opts.dbPath);
  if (backupFile === dbPath) throw new LifeboatError('the backup file is the live database itself', dbPath);
  const backup = await verifyBackup(backupFile, { signal: opts.signal, requireTables: opts.requireTables, record: false });
  if (!backup.ok) {
    const reason = `refusing to restore: ${backup.reason}`;
    throw backup.integrity === null && backup.sha256 === null ? new NotSqliteError(backupFile, reason) : new IntegrityError(backupFile, reason);
  }
  const live = await statOrNull(dbPath);
  if (live && !live.isFile()) throw new NotSqliteError(dbPath, 'the restore target exists and is not a regular file');
  const companions: string[] = [];
  const inUseReasons: string[] = [];
  for (const s of COMPANION_SUFFIXES) {
    const st = await statOrNull(dbPath + s);
    if (!st) continue;
    companions.push(dbPath + s);
    if (s === '-wal' && st.size > 0) inUseReasons.push(`${basename(dbPath)}-wal holds ${st.size} bytes of recent changes`);
    if (s === '-shm') inUseReasons.push(`${basename(dbPath)}-shm is present`);
  }
  const outputDir = resolve(opts.outputDir ?? defaultBackupDir(dbPath));
  return {
    backupFile,
    dbPath,
    liveExists: !!live,
    liveSizeBytes: live?.size ?? 0,
    inUse: inUseReasons.length > 0,
    inUseReasons,
    companions,
    backup,
    safetyDir: preRestoreDir(outputDir),
  };
}

export async function restoreDatabase(opts: RestoreOptions): Promise<RestoreResult> {
  const started = Date.now();
  const { signal } = opts;
  const progress = opts.onProgress ?? (() => undefined);
  progress({ phase: 'validate', message: `Checking ${opts.backupFile}` });
  const pre = await inspectRestore(opts);
  const { dbPath, backupFile } = pre;
  const outputDir = resolve(opts.outputDir ?? defaultBackupDir(dbPath));
  if (opts.confirm && !(await opts.confirm(pre))) throw new NotConfirmedError(dbPath, 'restore cancelled: not confirmed');
  throwIfAborted(signal, dbPath);

  const dbDir = dirname(dbPath);
  await fsp.mkdir(dbDir, { recursive: true }); // a disaster may have taken the folder too
  const tmp = `${dbPath}.restore-tmp`;
  const oldTmp = `${dbPath}.lifeboat-old`;
  await removeQuietly(tmp);
  await removeQuietly(oldTmp);
  const backupSize = (await fsp.stat(backupFile)).size;
  await assertFreeSpace(dbDir, backupSize + pre.liveSizeBytes, `restoring ${basename(backupFile)}`);
  await ensurePrivateDir(outputDir);
  await assertFreeSpace(outputDir, pre.liveSizeBytes * 2, 'the safety copy');

  const warnings: string[] = [...pre.inUseReasons.map((r) => `database looks in use: ${r}`)];
  const safetyDir = await safetySetDir(outputDir, dbPath, opts.now?.() ?? new Date());
  let safety: BackupResult | null = null;
  let rawOriginal: string | null = null;
  const live = await statOrNull(dbPath);
  const liveMode = live ? live.mode & 0o7777 : null;

  if (live) {
    progress({ phase: 'safety-copy', message: `Safety copy of ${dbPath}` });
    try {
      safety = await backupDatabase({ dbPath, outputDir: safetyDir, label: 'pre-restore', signal, busyTimeoutMs: opts.busyTimeoutMs, now: opts.now });
    } catch (e) {
      if (e instanceof CancelledError || e instanceof BusyError) throw e;
      // The live database is damaged (the usual reason to restore): keep its raw bytes instead.
      warnings.push(`the live database could not be copied by the engine (${(e as Error).message}); its raw bytes are kept instead`);
    }
    rawOriginal = join(safetyDir, `${basename(dbPath)}.original`);
    try {
      await fsp.link(dbPath, rawOriginal);
    } catch {
      if (safety) rawOriginal = null; // the engine copy already holds the content; skip a second full copy
      else await fsp.copyFile(dbPath, rawOriginal);
    }
  }
  throwIfAborted(signal, dbPath);

  const moved: { from: string; to: string }[] = [];
  let replaced = false;
  let liveTouched = false;
  const putBack = async (): Promise<string> => {
    if (!liveTouched) return 'the live database was not touched';
    if (safety) {
      await replaceAtomically(safety.file, dbPath, oldTmp, liveMode);
      return `the original content was put back from the safety copy ${safety.file}`;
    }
    if (rawOriginal && replaced) {
      await fsp.copyFile(rawOriginal, oldTmp);
      await fsp.rename(oldTmp, dbPath);
    }
    for (const m of moved.reverse()) await moveFile(m.to, m.from).catch(() => undefined);
    return live ? 'the original database was put back' : 'the restored file was removed';
  };

  try {
    progress({ phase: 'replace', message: `Writing ${basename(dbPath)}.restore-tmp` });
    await fastCopy(backupFile, tmp, signal, liveMode ?? 0o600);
    await fsp.chmod(tmp, liveMode ?? 0o600);
    await fsyncFile(tmp);
    throwIfAborted(signal, dbPath);

    if (safety && pre.companions.length) {
      // The live file becomes the safety copy (same content, self-contained) before its
      // companions leave, so that no crash can separate a main file from its WAL or journal.
      liveTouched = true;
      await replaceAtomically(safety.file, dbPath, oldTmp, liveMode);
    }
    for (const from of pre.companions) {
      if (!(await statOrNull(from))) continue;
      const to = join(safetyDir, basename(from));
      liveTouched = true;
      await moveFile(from, to);
      moved.push({ from, to });
    }
    liveTouched = true;
    await fsp.rename(tmp, dbPath);
    replaced = true;
    await fsyncDir(dbDir);
  } catch (e) {
    await removeQuietly(tmp);
    let note: string;
    try { note = await putBack(); } catch (e2) { note = `putting the original back failed too (${(e2 as Error).message}); it is in ${safetyDir}`; }
    if (e instanceof CancelledError) throw new RestoreError(dbPath, `restore cancelled; ${note}`, true);
    throw new RestoreError(dbPath, `restore failed: ${(e as Error).message}; ${note}`, true);
  }

  progress({ phase: 'verify', message: 'Verifying the restored database' });
  let verifyProblem: string | null = null;
  let info;
  try {
    info = await checkDatabase(dbPath, {});
    if (!info.ok) verifyProblem = `integrity_check after restore: ${info.integrity}`;
    else {
      const want = pre.backup.tables;
      const diff = Object.keys({ ...want, ...info.tables }).filter((t) => want[t] !== info!.tables[t]);
      if (diff.length) verifyProblem = `row counts differ from the backup in: ${diff.join(', ')}`;
    }
  } catch (e) {
    verifyProblem = `verification after restore failed: ${(e as Error).message}`;
  }
  if (verifyProblem) {
    let note: string;
    try { note = await putBack(); } catch (e2) { note = `putting the original back failed too (${(e2 as Error).message}); it is in ${safetyDir}`; }
    throw new RestoreError(dbPath, `${verifyProblem}; ${note}`, true);
  }
  await removeQuietly(oldTmp);
  return {
    dbPath,
    backupFile,
    safetyDir,
    safetyCopy: safety?.file ?? null,
    rawOriginal,
    movedCompanions: moved.map((m) => m.to),
    durationMs: Date.now() - started,
    tables: info!.tables,
    integrity: info!.integrity,
    warnings,
  };
}
