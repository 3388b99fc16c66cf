// Restore: nothing lost, ever.
//   lock the database and its backup folder(s) → copy the backup into a private file beside the
//   database and validate *that copy* (what is installed is exactly what was checked) → refuse a
//   database in use or a backup of another database (unless told) → confirm → check again →
//   safety copy of the live database by the backup engine (so it includes the live WAL's
//   commits), remembering what the live files looked like → keep a link to the original file →
//   re-check the live files (abort if an application wrote meanwhile) → make the live file
//   self-contained, move -wal/-shm/-journal aside into the safety set → rename the validated
//   copy over the live file (owner, group, mode kept) → verify → keep the journal mode.
// Every state a crash can leave is a whole database, the old content or the new one. A failure
// after the live file was touched puts the original back: the same inode (bytes, owner, mode,
// journal mode) and the same companions. Our temporary files are recorded in the database's lock
// so that a killed restore's leftovers are swept by the next run, by name and inode.
import { randomBytes } from 'node:crypto';
import { constants as C, promises as fsp } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { backupDatabase, BackupResult, ProgressFn } from './backup';
import {
  BusyError, CancelledError, IncompatibleError, InUseError, IntegrityError, LifeboatError, NotConfirmedError, NotSqliteError, OtherSourceError,
  renameSubject, RestoreError, throwIfAborted,
} from './errors';
import { prepareBackupFolder } from './folder';
import { HEADER_SIZE, parseDbHeader } from './format';
import { assertFreeSpace, assertReadableRegularFile, fastCopy, fsyncDir, fsyncFile, readHead, statOrNull } from './fsutil';
import { classifySources, gatherFacts, identify, locateDatabase, Ownership, pathsToCheck } from './identity';
import { acquireLock, dbLockFile, folderLockFile, LockHandle, LockOptions } from './lock';
import { loadManifest, ManifestRead, sha256File } from './manifest';
import { backupBaseName, formatTimestamp } from './naming';
import { defaultBackupDir, preRestoreDir } from './paths';
import { ensurePrivateDir, makePrivateDirExclusive } from './perms';
import { Fingerprint, liveFingerprint, sameLiveState } from './snapshot';
import { planOnlineRestore } from './onlinePlan';
import { OnlineSession, probeInUse, sqliteLockSupport } from './sqliteLocks';
import { checkDatabase, InspectResult } from './sqlite';
import { sweepTempOnce } from './tempdir';

export const COMPANION_SUFFIXES = ['-wal', '-shm', '-journal'] as const;

/** The points of a restore where a test may fail it (RestoreHooks.step). */
export type RestoreStep =
  | 'validate' | 'confirmed' | 'safety-copy' | 'keep-original' | 'recheck' | 'self-contained' | 'move-companions'
  | 'swap' | 'verify' | 'journal-mode' | 'cleanup' | 'online-begin' | 'online-apply';

export interface RestoreHooks {
  /** runs before each step; a throw fails the restore there */
  step?: (step: RestoreStep) => void | Promise<void>;
}

/** What a restore is about to do: shown to the user before anything is touched. */
export interface RestorePreflight {
  backupFile: string;
  /** the target as given */
  dbPath: string;
  /** the file that is written (the target of a link) */
  realPath: string;
  viaLink: boolean;
  liveExists: boolean;
  liveSizeBytes: number;
  backupSizeBytes: number;
  /** when the backup was made (its manifest, else its file's mtime) */
  backupCreatedAt: string | null;
  /** some process may have the database open: restoring now would lose its writes */
  inUse: boolean;
  inUseReasons: string[];
  /** how that was found: SQLite's own locks (exact) or the companion files (a guess) */
  inUseBy: InUseCheck['by'];
  /** an online restore (through SQLite into the live database) is possible here */
  onlineAvailable: boolean;
  /** how this restore will run */
  method: 'swap' | 'online';
  companions: string[];
  /** the validated copy: integrity, row counts, checksum */
  backup: InspectResult & { sha256: string; checksumMatch: boolean | null; manifestState: ManifestRead['state'] };
  /** whose backup it is (see identity.ts) */
  ownership: Ownership;
  /** it is another database's backup and would replace this database: needs allowOtherSource or an explicit yes */
  otherSource: boolean;
  /** the database the backup was made from, per its manifest */
  sourcePath: string | null;
  warnings: string[];
  safetyDir: string;
}

export interface RestoreOptions {
  backupFile: string;
  dbPath: string;
  outputDir?: string;
  requireTables?: string[];
  signal?: AbortSignal;
  onProgress?: ProgressFn;
  /** asked after validation, before anything is touched; false refuses. Without it, a backup of another database is refused. */
  confirm?: (p: RestorePreflight) => Promise<boolean>;
  /** restore although the database looks in use (its application's later writes are lost) */
  force?: boolean;
  /** restore a backup made from another database without asking */
  allowOtherSource?: boolean;
  /** use SQLite's own locks where the runtime has them (in-use detection, the safety copy; default true) */
  locks?: boolean;
  /**
   * 'swap' (default): install the validated file in place of the live one (byte for byte; the
   * application must be stopped). 'online': restore through SQLite into the live database, in one
   * transaction, so that a connected application sees the restored content and its later writes
   * land in it (needs node:sqlite: Node ≥ 22.13).
   */
  method?: 'swap' | 'online';
  busyTimeoutMs?: number;
  lockTimeoutMs?: number;
  now?: () => Date;
  hooks?: RestoreHooks;
}

export interface RestoreResult {
  dbPath: string;
  realPath: string;
  backupFile: string;
  safetyDir: string;
  safetyCopy: string | null;
  /** byte copies of the live files, kept when the engine could not copy a damaged database */
  rawCopies: string[];
  movedCompanions: string[];
  journalMode: 'wal' | 'rollback';
  /** 'swap': the validated file replaced the live one; 'online': through SQLite, into the live database */
  method: 'swap' | 'online';
  durationMs: number;
  tables: Record<string, number>;
  integrity: string;
  warnings: string[];
}

/** Signs that another process has the database open (without SQLite's locks, from its companions). */
export async function inUseSigns(realPath: string): Promise<string[]> {
  const reasons: string[] = [];
  const name = basename(realPath);
  const wal = await statOrNull(`${realPath}-wal`);
  if (wal && wal.size > 0) reasons.push(`${name}-wal holds ${wal.size} bytes of recent changes`);
  if (await statOrNull(`${realPath}-shm`)) reasons.push(`${name}-shm exists (an application has it open in WAL mode, or did not close it)`);
  return reasons;
}

/** Whether another process uses the database, and how that was found out. */
export interface InUseCheck {
  inUse: boolean;
  reasons: string[];
  /** 'sqlite-lock': SQLite's own locks said so (exact); 'files': the companions' presence (a guess) */
  by: 'sqlite-lock' | 'files';
  /** what the lock probe said about companions that looked like use */
  note?: string;
}

/**
 * Asks SQLite's locks where the runtime has them (an open WAL connection, a transaction in
 * progress), else judges by the companions a connection leaves (a non-empty -wal, a -shm).
 */
export async function checkInUse(realPath: string, locks = true): Promise<InUseCheck> {
  const files = await inUseSigns(realPath);
  if (locks && (await statOrNull(realPath))) {
    const p = await probeInUse(realPath);
    if (p.inUse === true) return { inUse: true, reasons: [`SQLite says ${p.reason}`], by: 'sqlite-lock' };
    if (p.inUse === false) {
      const note = files.length ? `${files.join('; ')}, but SQLite's lock shows that no process has it open: leftovers of a crash` : undefined;
      return { inUse: false, reasons: [], by: 'sqlite-lock', ...(note ? { note } : {}) };
    }
  }
  return { inUse: files.length > 0, reasons: files, by: 'files' };
}

async function presentCompanions(realPath: string): Promise<string[]> {
  const out: string[] = [];
  for (const s of COMPANION_SUFFIXES) if (await fsp.lstat(realPath + s).catch(() => null)) out.push(realPath + s);
  return out;
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

/** A fresh owner-only folder `<out>/pre-restore/<db>-<timestamp>[-n]` for this restore's safety set. */
async function makeSafetyDir(outputDir: string, dbPath: string, now: Date): Promise<string> {
  await ensurePrivateDir(preRestoreDir(outputDir));
  const base = join(preRestoreDir(outputDir), `${backupBaseName(dbPath).dbName}-${formatTimestamp(now)}`);
  for (let n = 0; ; n++) {
    const dir = n ? `${base}-${n}` : base;
    try {
      await makePrivateDirExclusive(dir);
      return dir;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
}

/** Owner, group and mode of a file, to give the file that replaces it. */
interface FileMeta { mode: number; uid: number; gid: number }

async function applyMeta(file: string, meta: FileMeta | null, warnings: string[]): Promise<void> {
  await fsp.chmod(file, meta ? meta.mode & 0o7777 : 0o600);
  if (!meta || process.platform === 'win32') return;
  const st = await fsp.stat(file);
  if (st.uid === meta.uid && st.gid === meta.gid) return;
  try {
    await fsp.chown(file, meta.uid, meta.gid);
  } catch (e) {
    warnings.push(`could not give the restored file its owner ${meta.uid}:${meta.gid} (${(e as NodeJS.ErrnoException).code}); it belongs to ${st.uid}:${st.gid}`);
  }
}

/** Writes header bytes 18/19 (1 = rollback journal, 2 = WAL) in place and makes it durable. */
async function setJournalMode(file: string, mode: 'wal' | 'rollback'): Promise<void> {
  const v = mode === 'wal' ? 2 : 1;
  const fh = await fsp.open(file, 'r+');
  try {
    await fh.write(Buffer.from([v, v]), 0, 2, 18);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

async function journalModeOf(file: string): Promise<'wal' | 'rollback' | null> {
  const h = parseDbHeader(await readHead(file, HEADER_SIZE).catch(() => Buffer.alloc(0)));
  return typeof h === 'string' ? null : h.writeVersion === 2 ? 'wal' : 'rollback';
}

const tag = () => randomBytes(4).toString('hex');

/** Restores `backupFile` over `dbPath`. See the header comment for the steps and guarantees. */
export async function restoreDatabase(opts: RestoreOptions): Promise<RestoreResult> {
  const started = Date.now();
  const { signal } = opts;
  const progress = opts.onProgress ?? (() => undefined);
  const step = async (s: RestoreStep) => { await opts.hooks?.step?.(s); };
  const warnings: string[] = [];

  const backupFile = resolve(opts.backupFile);
  const loc = await locateDatabase(opts.dbPath);
  const dbPath = loc.path;
  const realPath = loc.realPath;
  const dbDir = dirname(realPath);
  const outputDir = resolve(opts.outputDir ?? defaultBackupDir(dbPath));

  const bst = await assertReadableRegularFile(backupFile);
  const bhead = parseDbHeader(await readHead(backupFile, HEADER_SIZE));
  if (typeof bhead === 'string') throw new NotSqliteError(backupFile, `refusing to restore: ${bhead}`);
  if (bst.size < bhead.pageSize) throw new NotSqliteError(backupFile, 'refusing to restore: the file is truncated');
  const live0 = await fsp.stat(realPath, { bigint: true }).catch(() => null);
  if (live0 && !live0.isFile()) throw new NotSqliteError(dbPath, 'the restore target exists and is not a regular file');
  const bstBig = await fsp.stat(backupFile, { bigint: true });
  if (live0 && live0.dev === bstBig.dev && live0.ino === bstBig.ino) {
    throw new LifeboatError(`the backup file is the live database itself${backupFile === realPath ? '' : ` (${backupFile} is another name for it)`}`, dbPath);
  }
  const manifestRead = await loadManifest(backupFile);

  await fsp.mkdir(dbDir, { recursive: true, mode: 0o700 }); // a disaster may have taken the folder too
  warnings.push(...(await prepareBackupFolder(outputDir)));
  await sweepTempOnce();

  // Locks: the database first, then the backup folders, in a fixed order (no deadlock with another restore).
  const lockOpts: Omit<LockOptions, 'op'> = {
    signal,
    subject: dbPath,
    timeoutMs: opts.lockTimeoutMs,
    onWait: (holder) => progress({ phase: 'wait', message: `Waiting for another Lifeboat operation: ${holder}` }),
  };
  const held: LockHandle[] = [];
  const release = async () => { for (const h of held.splice(0).reverse()) await h.release().catch(() => undefined); };
  try {
    held.push(await acquireLock(dbLockFile(realPath), { ...lockOpts, op: 'restore' }));
    const folders = [...new Set([outputDir, ...(manifestRead.state === 'ok' ? [dirname(backupFile)] : [])])].sort();
    for (const f of folders) held.push(await acquireLock(folderLockFile(f), { ...lockOpts, op: 'restore' }));
    return await restoreLocked();
  } finally {
    await release();
  }

  async function restoreLocked(): Promise<RestoreResult> {
    const dbLock = held[0];
    const id = tag();
    const tmp = `${realPath}.lifeboat-restore-${id}.tmp`;
    const swapTmp = `${realPath}.lifeboat-swap-${id}.tmp`;
    const originalLink = `${realPath}.lifeboat-original-${id}`;
    const ours = new Set<string>();
    const created = async (p: string) => { ours.add(p); await dbLock.record(p); };
    const removeOurs = async (p: string) => { await fsp.unlink(p).catch(() => undefined); ours.delete(p); await dbLock.forget(p).catch(() => undefined); };

    try {
      // ---- validate a private copy of the backup: the bytes checked are the bytes installed
      progress({ phase: 'validate', message: `Checking ${basename(backupFile)}` });
      await step('validate');
      await assertFreeSpace(dbDir, bst.size, `restoring ${basename(backupFile)}`);
      await fastCopy(backupFile, tmp, signal, 0o600);
      await created(tmp);
      const checking = checkDatabase(tmp, { signal, requireTables: opts.requireTables });
      checking.catch(() => undefined);
      const sha256 = await sha256File(tmp, signal);
      let checksumMatch: boolean | null = null;
      if (manifestRead.state === 'ok') {
        // the checksum's verdict comes first: it says why a damaged backup is damaged
        checksumMatch = manifestRead.manifest.sha256 === sha256;
        if (!checksumMatch) throw new IntegrityError(backupFile, 'refusing to restore: its SHA-256 does not match the manifest: the file changed after the backup was made');
      }
      const info = await checking;
      if (!info.ok) throw new IntegrityError(backupFile, `refusing to restore: integrity_check failed: ${info.integrity}`);
      if (info.missingTables.length) throw new IntegrityError(backupFile, `refusing to restore: required table(s) missing: ${info.missingTables.join(', ')}`);
      if (manifestRead.state === 'invalid') {
        warnings.push(`${manifestRead.reason}: the backup was checked fully (integrity ok), but its checksum could not be compared with a record`);
      } else if (manifestRead.state === 'missing') {
        warnings.push('the backup has no manifest: it was checked fully (integrity ok), but its checksum could not be compared with a record');
      }
      for (const u of info.uncheckedIndexes) warnings.push(`index ${u.index} (table ${u.table}) ${u.reason}`);

      // ---- whose backup, and is the database in use?
      const ident = await identify(loc);
      const source = manifestRead.state === 'ok' ? manifestRead.manifest.source : null;
      const ownership = classifySources(ident, [source], await gatherFacts(pathsToCheck(ident, [source])))[0];
      const sourcePath = source ? source.realPath ?? source.path : null;
      if (ownership === 'other' && live0 && !opts.allowOtherSource && !opts.confirm) {
        throw new OtherSourceError(dbPath, `refusing to restore: the backup was made from another database (${sourcePath})`, sourcePath!);
      }
      const preflight = async (): Promise<RestorePreflight> => {
        const st = await statOrNull(realPath);
        const use = await checkInUse(realPath, opts.locks !== false);
        const onlineAvailable = !!st && opts.locks !== false && (await sqliteLockSupport()).available;
        if (use.note && !warnings.includes(use.note)) warnings.push(use.note);
        return {
          backupFile, dbPath, realPath, viaLink: loc.viaLink, liveExists: !!st, liveSizeBytes: st?.size ?? 0, backupSizeBytes: bst.size,
          backupCreatedAt: manifestRead.state === 'ok' ? manifestRead.manifest.createdAt : bst.mtime.toISOString(),
          inUse: use.inUse, inUseReasons: use.reasons, inUseBy: use.by, onlineAvailable, method: opts.method ?? 'swap', companions: await presentCompanions(realPath),
          backup: { ...info, sha256, checksumMatch, manifestState: manifestRead.state },
          ownership, otherSource: ownership === 'other' && !!st, sourcePath, warnings: [...warnings], safetyDir: preRestoreDir(outputDir),
        };
      };
      const refuseInUse = (p: RestorePreflight) => {
        if (opts.method === 'online') {
          if (!p.onlineAvailable) throw new IncompatibleError(dbPath, p.liveExists ? 'cannot restore online: SQLite\'s locks are not available here (node:sqlite needs Node 22.13 or later)' : 'cannot restore online: the database does not exist');
          return; // a connected application is what an online restore is for
        }
        if (p.inUse && !opts.force) {
          const what = p.inUseBy === 'sqlite-lock' ? 'is in use by another process' : 'looks in use by another process';
          const online = p.onlineAvailable ? '; or restore online, through SQLite, while it stays connected' : '';
          throw new InUseError(dbPath, `refusing to restore: the database ${what} (${p.inUseReasons.join('; ')}); stop the application that uses it, then restore${online} (or force it: that application's later writes would be lost)`, p.inUseReasons, p.onlineAvailable);
        }
      };
      let pre = await preflight();
      refuseInUse(pre);
      if (opts.confirm && !(await opts.confirm(pre))) throw new NotConfirmedError(dbPath, 'restore cancelled: not confirmed');
      throwIfAborted(signal, dbPath);
      await step('confirmed');
      pre = await preflight(); // the prompt may have waited a long time
      refuseInUse(pre);
      if (pre.inUse && opts.method !== 'online') warnings.push(`restored although the database looked in use: ${pre.inUseReasons.join('; ')}`);

      return opts.method === 'online' ? await onlineIn(pre, info) : await swapIn(pre, info);
    } catch (e) {
      throw renameSubject(e, tmp, backupFile, basename(backupFile));
    } finally {
      for (const p of [...ours]) await removeOurs(p);
    }

    /**
     * The online restore: in the lock helper, one transaction on the live database (the write
     * lock taken first, the safety copy made under it, then the plan, the checks, the commit).
     * Any failure before the commit is a rollback: the live database is as it was.
     */
    async function onlineIn(pre: RestorePreflight, info: InspectResult): Promise<RestoreResult> {
      const opened = await OnlineSession.open(realPath, tmp, { busyTimeoutMs: opts.busyTimeoutMs ?? 30_000 });
      if (!('session' in opened)) throw new IncompatibleError(dbPath, `cannot restore online: ${opened.reason}`);
      const { session } = opened;
      let committed = false;
      try {
        const plan = planOnlineRestore(opened.live, opened.source, { live: dbPath, backup: backupFile });
        await assertFreeSpace(outputDir, pre.liveSizeBytes * 2, 'the safety copy');
        const safetyDir = await makeSafetyDir(outputDir, dbPath, opts.now?.() ?? new Date());
        await step('online-begin');
        progress({ phase: 'safety-copy', message: `Safety copy of ${dbPath} (its writers wait)` });
        await session.begin();
        await step('safety-copy');
        // under our write lock nobody commits: the engine's lock-free copy is the state we replace
        const safety = await backupDatabase({ dbPath: realPath, outputDir: safetyDir, label: 'pre-restore', lockHeld: true, locks: false, signal, busyTimeoutMs: opts.busyTimeoutMs, now: opts.now });
        throwIfAborted(signal, dbPath);
        await step('online-apply');
        progress({ phase: 'replace', message: `Restoring into ${basename(dbPath)} through SQLite` });
        const r = await session.apply(plan, info.tables);
        committed = true;
        return {
          dbPath, realPath, backupFile, safetyDir, safetyCopy: safety.file, rawCopies: [], movedCompanions: [],
          journalMode: (await journalModeOf(realPath)) ?? 'rollback', method: 'online', durationMs: Date.now() - started,
          tables: r.counts, integrity: r.integrity, warnings,
        };
      } catch (e) {
        if (!committed) await session.rollback();
        if (e instanceof IncompatibleError) throw e;
        const why = e instanceof CancelledError ? 'restore cancelled' : `online restore failed: ${e instanceof Error ? e.message : String(e)}`;
        throw new RestoreError(dbPath, `${why}; nothing was changed (its transaction was rolled back)`, true);
      } finally {
        await session.close();
      }
    }

    async function swapIn(pre: RestorePreflight, info: InspectResult): Promise<RestoreResult> {
      const liveMeta: FileMeta | null = pre.liveExists ? await fsp.stat(realPath).then((s) => ({ mode: s.mode, uid: s.uid, gid: s.gid }), () => null) : null;
      const originalMode = pre.liveExists ? await journalModeOf(realPath) : null;
      const wantMode: 'wal' | 'rollback' = originalMode ?? (manifestRead.state === 'ok' ? manifestRead.manifest.source.journalMode : 'rollback');
      await assertFreeSpace(outputDir, pre.liveSizeBytes * 2, 'the safety copy');
      const safetyDir = await makeSafetyDir(outputDir, dbPath, opts.now?.() ?? new Date());

      // ---- safety copy, and what the live files looked like when it was taken
      let safety: BackupResult | null = null;
      let captured = null as Fingerprint | null;
      const rawCopies: string[] = [];
      if (pre.liveExists) {
        progress({ phase: 'safety-copy', message: `Safety copy of ${dbPath}` });
        await step('safety-copy');
        try {
          safety = await backupDatabase({
            dbPath: realPath, outputDir: safetyDir, label: 'pre-restore', lockHeld: true, signal, busyTimeoutMs: opts.busyTimeoutMs, now: opts.now, locks: opts.locks,
            hooks: { onSnapshot: (snap) => { captured = snap.fingerprint; } },
          });
        } catch (e) {
          if (e instanceof CancelledError || e instanceof BusyError) throw e;
          // The live database is damaged (the usual reason to restore): keep its raw bytes instead.
          warnings.push(`the live database could not be copied by the engine (${(e as Error).message}); its raw files are kept instead`);
          const before = await liveFingerprint(realPath, dbPath);
          for (const f of [realPath, ...pre.companions]) {
            const to = join(safetyDir, basename(f) + (f === realPath ? '.original' : ''));
            if (!(await statOrNull(f))) continue;
            await fastCopy(f, to, signal, 0o600);
            await fsyncFile(to);
            rawCopies.push(to);
          }
          captured = await liveFingerprint(realPath, dbPath);
          if (!sameLiveState(before, captured)) throw new LifeboatError('the database changed while its raw files were being kept: an application is writing to it; nothing was restored', dbPath);
        }
      }
      throwIfAborted(signal, dbPath);

      // ---- the undo log: what was done, in order, so that it can be undone
      let keptOriginal: 'link' | 'copy' | null = null;
      let selfContained = false;
      const moved: { from: string; to: string; mode: number }[] = [];
      let swapped = false;
      let installedIno: bigint | null = null;

      const putBack = async (): Promise<string> => {
        if (!selfContained && !moved.length && !swapped) return 'the live database was not touched';
        if (!pre.liveExists) {
          const st = await fsp.stat(realPath, { bigint: true }).catch(() => null);
          if (st && st.ino === installedIno) await fsp.unlink(realPath);
          await fsyncDir(dbDir);
          return 'the restored file was removed (the database did not exist before)';
        }
        // With companions to bring back, the live file first becomes the self-contained safety
        // copy (consistent with or without them), then they come back, then the original file.
        if (moved.length && swapped && safety) {
          await fsp.copyFile(safety.file, swapTmp, C.COPYFILE_EXCL);
          await created(swapTmp);
          await applyMeta(swapTmp, liveMeta, []);
          await fsyncFile(swapTmp);
          await fsp.rename(swapTmp, realPath);
          ours.delete(swapTmp);
          await fsyncDir(dbDir);
        }
        for (const m of [...moved].reverse()) {
          await moveFile(m.to, m.from);
          await fsp.chmod(m.from, m.mode & 0o7777).catch(() => undefined);
        }
        if (keptOriginal) {
          const [cur, orig] = await Promise.all([realPath, originalLink].map((p) => fsp.stat(p, { bigint: true }).catch(() => null)));
          if (keptOriginal === 'link' && cur && orig && cur.ino === orig.ino && cur.dev === orig.dev) {
            await removeOurs(originalLink); // the live file is the original file still
          } else {
            await fsp.rename(originalLink, realPath); // the original file itself: same bytes, inode, owner, mode
            ours.delete(originalLink);
            await dbLock.forget(originalLink).catch(() => undefined);
          }
        }
        await fsyncDir(dbDir);
        return 'the original database was put back as it was';
      };
      const fail = async (e: unknown): Promise<never> => {
        let note: string;
        let restored = true;
        try {
          note = await putBack();
        } catch (e2) {
          restored = false;
          // never sweep the pieces of the original
          if (ours.has(originalLink)) { ours.delete(originalLink); await dbLock.forget(originalLink).catch(() => undefined); }
          note = `putting the original back failed too (${(e2 as Error).message}): its files are in ${safetyDir}${keptOriginal ? ` and ${originalLink}` : ''}`;
        }
        const why = e instanceof CancelledError ? 'restore cancelled' : `restore failed: ${e instanceof Error ? e.message : String(e)}`;
        throw new RestoreError(dbPath, `${why}; ${note}`, restored);
      };

      try {
        if (pre.liveExists) {
          await step('keep-original');
          try {
            await fsp.link(realPath, originalLink);
            keptOriginal = 'link';
          } catch {
            // no hard links here: a byte copy with the same owner and mode
            await fastCopy(realPath, originalLink, signal, liveMeta ? liveMeta.mode & 0o7777 : 0o600);
            await applyMeta(originalLink, liveMeta, warnings);
            await fsyncFile(originalLink);
            keptOriginal = 'copy';
          }
          await created(originalLink);
        }

        // ---- the moment of truth: nothing may have changed since the safety copy
        await step('recheck');
        if (captured) {
          const now = await liveFingerprint(realPath, dbPath);
          const companionsNow = await presentCompanions(realPath);
          const appeared = companionsNow.filter((c) => !pre.companions.includes(c));
          if (!sameLiveState(captured, now) || appeared.length) {
            throw new LifeboatError(`the database changed during the restore (an application wrote to it${appeared.length ? `; ${appeared.map((a) => basename(a)).join(', ')} appeared` : ''}); stop the application and try again`, dbPath);
          }
        } else if (!pre.liveExists && (await statOrNull(realPath))) {
          throw new LifeboatError('a file appeared at the restore target during the restore', dbPath);
        }
        const companions = await presentCompanions(realPath);

        if (safety && companions.length) {
          // The live file becomes the safety copy (same content, self-contained) before its
          // companions leave, so that no crash can separate a main file from its WAL or journal.
          await step('self-contained');
          await fsp.copyFile(safety.file, swapTmp, C.COPYFILE_EXCL);
          await created(swapTmp);
          await applyMeta(swapTmp, liveMeta, []);
          await fsyncFile(swapTmp);
          selfContained = true;
          await fsp.rename(swapTmp, realPath);
          ours.delete(swapTmp);
          await dbLock.forget(swapTmp).catch(() => undefined);
          await fsyncDir(dbDir);
        }
        await step('move-companions');
        for (const from of companions) {
          const st = await statOrNull(from);
          if (!st) continue;
          const to = join(safetyDir, basename(from));
          await moveFile(from, to);
          moved.push({ from, to, mode: st.mode });
          await fsp.chmod(to, 0o600);
        }
        const late = await presentCompanions(realPath);
        if (late.length) throw new LifeboatError(`${late.map((l) => basename(l)).join(', ')} appeared during the restore: an application opened the database; stop it and try again`, dbPath);

        // ---- install the validated copy
        progress({ phase: 'replace', message: `Replacing ${basename(dbPath)}` });
        await step('swap');
        await applyMeta(tmp, liveMeta, warnings);
        await fsyncFile(tmp);
        installedIno = (await fsp.stat(tmp, { bigint: true })).ino;
        swapped = true;
        await fsp.rename(tmp, realPath);
        ours.delete(tmp);
        await dbLock.forget(tmp).catch(() => undefined);
        await fsyncDir(dbDir);

        // ---- verify what is now live
        progress({ phase: 'verify', message: 'Verifying the restored database' });
        await step('verify');
        const after = await checkDatabase(realPath, {});
        if (!after.ok) throw new IntegrityError(dbPath, `integrity_check after restore: ${after.integrity}`);
        const diff = Object.keys({ ...info.tables, ...after.tables }).filter((t) => info.tables[t] !== after.tables[t]);
        if (diff.length) throw new IntegrityError(dbPath, `row counts after restore differ from the backup in: ${diff.join(', ')}`);
        const installed = await fsp.stat(realPath, { bigint: true });
        if (installed.ino !== installedIno) throw new LifeboatError('the restored file was replaced by another process during verification', dbPath);

        await step('journal-mode');
        if (wantMode === 'wal') {
          await setJournalMode(realPath, 'wal');
          if ((await journalModeOf(realPath)) !== 'wal') throw new LifeboatError('could not keep WAL mode on the restored database', dbPath);
        }

        await step('cleanup');
        return {
          dbPath, realPath, backupFile, safetyDir, safetyCopy: safety?.file ?? null, rawCopies, movedCompanions: moved.map((m) => m.to),
          journalMode: wantMode, method: 'swap', durationMs: Date.now() - started, tables: after.tables, integrity: after.integrity, warnings,
        };
      } catch (e) {
        return fail(e);
      }
    }
  }
}

