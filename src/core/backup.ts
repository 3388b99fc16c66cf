// Backup: a consistent snapshot written into a private work folder inside the backup folder,
// checked by SQLite (WASM), hashed, then committed under the folder's lock: a free name, the
// manifest written durably first, then the file published beside it. A backup is therefore
// never listed before it is complete, and a run killed at any moment leaves nothing that could
// be taken for a backup (its work folder and any orphaned manifest are swept by the next run).
import { promises as fsp } from 'node:fs';
import { join, resolve } from 'node:path';
import { IntegrityError, LifeboatError, NotSqliteError, renameSubject, throwIfAborted } from './errors';
import { FolderLockOptions, prepareBackupFolder, sweepFolder, updateManifestLocked, withFolderLock, WORK_PREFIX } from './folder';
import { parseDbHeader, HEADER_SIZE } from './format';
import { assertFreeSpace, assertReadableRegularFile, fsyncDir, fsyncFile, readHead, statOrNull } from './fsutil';
import { DbIdentity, identify, lineageId, locateDatabase } from './identity';
import { BackupEntry, listBackups } from './list';
import { Manifest, MANIFEST_FORMAT, MANIFEST_VERSION, manifestPath, sha256File, TOOL_VERSION, writeManifest } from './manifest';
import { backupBaseName, formatBackupName } from './naming';
import { defaultBackupDir } from './paths';
import { secureFile } from './perms';
import { pruneLocked, PruneResult } from './prune';
import { RetentionPolicy } from './retention';
import { liveSourceState, sameSourceState, SnapshotHooks, SnapshotResult, sourceState, takeSnapshot } from './snapshot';
import { breakIfStale, dbLockFile } from './lock';
import type { LockSupport } from './sqliteLocks';
import { checkDatabase } from './sqlite';
import { makePrivateDir, sweepTempOnce } from './tempdir';

export type Phase = 'snapshot' | 'check' | 'hash' | 'commit' | 'prune' | 'validate' | 'safety-copy' | 'replace' | 'verify' | 'wait' | 'busy';
export interface Progress { phase: Phase; message: string }
export type ProgressFn = (p: Progress) => void;

/** The points of a backup where a test may fail it (BackupHooks.step). */
export type BackupStep = 'snapshot' | 'check' | 'hash' | 'manifest' | 'publish' | 'prune';

export interface BackupHooks extends SnapshotHooks {
  /** runs before each step; a throw fails the backup there */
  step?: (step: BackupStep) => void | Promise<void>;
  /** receives the snapshot's result (a restore keeps the fingerprint of the live files it captured) */
  onSnapshot?: (snap: SnapshotResult) => void;
}

export interface BackupOptions {
  dbPath: string;
  outputDir?: string;
  /** prune after a successful backup with this policy */
  policy?: RetentionPolicy;
  signal?: AbortSignal;
  onProgress?: ProgressFn;
  now?: () => Date;
  /** how long a writer may keep invalidating the copy before "database too busy" (default 30 s) */
  busyTimeoutMs?: number;
  /** how long to wait for another Lifeboat operation on the same folder (default 10 min) */
  lockTimeoutMs?: number;
  /** name prefix override used for safety copies (`<db>-pre-restore-…`) */
  label?: string;
  /** the caller already holds the folder's lock (a restore making its safety copy) */
  lockHeld?: boolean;
  /** a WAL up to this many bytes is read into memory (tests take the streamed path with 0) */
  walInMemoryMax?: number;
  /** use SQLite's own locks where the runtime has them (default true; `--no-locks`) */
  locks?: boolean;
  /** rollback mode: lock-free tries before copying under SQLite's lock (tests) */
  lockFreeFirstMs?: number;
  /** write a new copy even when the database is exactly as its newest verified backup holds it */
  force?: boolean;
  hooks?: BackupHooks;
}

export interface BackupResult {
  file: string;
  manifestFile: string;
  sha256: string;
  sizeBytes: number;
  durationMs: number;
  createdAt: string;
  tables: Record<string, number>;
  skippedTables: { name: string; reason: string }[];
  uncheckedIndexes: Manifest['uncheckedIndexes'];
  verified: boolean;
  integrity: string;
  attempts: number;
  /** how the snapshot was made consistent (see SnapshotResult.method) */
  snapshot: NonNullable<Manifest['snapshot']>;
  source: Manifest['source'];
  pruned: string[];
  warnings: string[];
  manifest: Manifest;
  /**
   * Set when no new copy was made: the database was exactly as `file` (its newest verified
   * backup, made `since`) holds it, and that backup's manifest now records the check.
   */
  unchanged?: { since: string; checkedAt: string };
}

/**
 * The newest verified backup of this database when the live files are exactly as it recorded
 * them (inode, size, mtime, header with its change counter, WAL header and size; no journal).
 */
async function unchangedSince(dbPath: string, realPath: string, outputDir: string, identity: DbIdentity): Promise<BackupEntry | null> {
  const own = await listBackups(dbPath, outputDir, { identity }).catch(() => [] as BackupEntry[]);
  const newest = own.find((e) => e.ownership === 'own' && e.verified);
  const recorded = newest?.manifest?.source.state;
  if (!newest || !recorded) return null;
  const now = await liveSourceState(realPath, dbPath);
  return sameSourceState(recorded, now) ? newest : null;
}

/** One line for the manifest: whether SQLite's locks were there (for rollback-journal databases). */
function describeLocks(wanted: boolean | undefined, s: LockSupport | null, mode: string): string {
  if (wanted === false) return 'off';
  if (mode === 'wal') return 'not needed (WAL)';
  if (!s) return 'not asked';
  return s.available ? `available (Node ${s.node}, SQLite ${s.sqlite})` : `not available: ${s.reason}`;
}

/** A free name in `dir` (no backup, manifest or old-style claim by that name); the caller holds the lock. */
async function freeName(dir: string, namer: (seq: number) => string): Promise<string> {
  for (let seq = 0; seq < 10_000; seq++) {
    const final = join(dir, namer(seq));
    const taken = await Promise.all([final, manifestPath(final), `${final}.partial`].map((p) => fsp.lstat(p).then(() => true, () => false)));
    if (!taken.some(Boolean)) return final;
  }
  throw new LifeboatError('cannot find a free backup name', dir);
}

/** Publishes the checked copy under `final`, never replacing anything. */
async function publish(copy: string, final: string): Promise<void> {
  try {
    await fsp.link(copy, final);
    await fsp.unlink(copy);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw new LifeboatError('a file appeared under the backup name meanwhile', final);
    // file systems without hard links: a checked rename (we hold the folder's lock)
    if (await statOrNull(final)) throw new LifeboatError('a file appeared under the backup name meanwhile', final);
    await fsp.rename(copy, final);
  }
}

/**
 * Makes a verified backup of the database at `dbPath` (a link is followed to the file SQLite
 * opens). Throws a typed error naming the database; on any failure nothing is listed.
 */
export async function backupDatabase(opts: BackupOptions): Promise<BackupResult> {
  const started = Date.now();
  const progress = opts.onProgress ?? (() => undefined);
  const { signal } = opts;
  const step = async (s: BackupStep) => { await opts.hooks?.step?.(s); };

  const loc = await locateDatabase(opts.dbPath);
  const dbPath = loc.path;
  const st = await assertReadableRegularFile(loc.realPath, dbPath);
  const head = parseDbHeader(await readHead(loc.realPath, HEADER_SIZE));
  if (typeof head === 'string') throw new NotSqliteError(dbPath, head);
  if (st.size % head.pageSize !== 0 && st.size < head.pageSize) throw new NotSqliteError(dbPath, 'the file is truncated');
  const identity: DbIdentity = await identify(loc);

  const outputDir = resolve(opts.outputDir ?? defaultBackupDir(dbPath));
  if (outputDir === loc.realPath || outputDir === dbPath) throw new LifeboatError('the output folder is the database file itself', outputDir);
  const warnings = await prepareBackupFolder(outputDir);
  const wal = await statOrNull(`${loc.realPath}-wal`);
  await assertFreeSpace(outputDir, st.size + (wal?.size ?? 0), `a backup of ${dbPath}`);
  await sweepTempOnce();
  await breakIfStale(dbLockFile(loc.realPath)); // a killed restore's leftovers beside the database

  const lockOpts: FolderLockOptions = {
    signal,
    subject: dbPath,
    timeoutMs: opts.lockTimeoutMs,
    onWait: (holder) => progress({ phase: 'wait', message: `Waiting for another Lifeboat operation: ${holder}` }),
  };
  const locked = <T>(op: string, fn: () => Promise<T>): Promise<T> => (opts.lockHeld ? fn() : withFolderLock(outputDir, op, lockOpts, fn));

  const now = opts.now?.() ?? new Date();
  const { dbName } = backupBaseName(dbPath);
  const namer = (seq: number) => {
    const name = formatBackupName(dbPath, now, seq);
    return opts.label ? `${dbName}-${opts.label}-${name.slice(dbName.length + '-backup-'.length)}` : name;
  };
  if (!opts.force && !opts.label) {
    const same = await unchangedSince(dbPath, loc.realPath, outputDir, identity);
    if (same) {
      const checkedAt = now.toISOString();
      const m = await updateManifestLocked(same.file, 'backup', (x) => { x.unchangedAt = checkedAt; }, lockOpts);
      let pruned: PruneResult | undefined;
      if (opts.policy) {
        progress({ phase: 'prune', message: 'Applying retention' });
        pruned = await withFolderLock(outputDir, 'prune', lockOpts, () => pruneLocked({ dbPath, outputDir, policy: opts.policy!, now: new Date() }, identity))
          .catch((e) => { warnings.push(`retention was not applied: ${(e as Error).message}`); return undefined; });
      }
      return {
        file: same.file, manifestFile: manifestPath(same.file), sha256: m.sha256, sizeBytes: m.sizeBytes, durationMs: Date.now() - started,
        createdAt: m.createdAt, tables: m.tables, skippedTables: m.skippedTables, uncheckedIndexes: m.uncheckedIndexes ?? [], verified: true,
        integrity: m.integrity, attempts: 0, snapshot: m.snapshot ?? { method: 'unchanged', lockHeldMs: null, sqliteLocks: 'not asked' },
        source: m.source, pruned: pruned?.deleted ?? [], warnings, manifest: m, unchanged: { since: m.createdAt, checkedAt },
      };
    }
  }

  const work = await makePrivateDir('work', outputDir, WORK_PREFIX);
  const copy = join(work.dir, 'copy');
  try {
    await step('snapshot');
    progress({ phase: 'snapshot', message: `Copying ${dbPath}` });
    let saidBusy = false;
    const snapStarted = Date.now();
    const snap = await takeSnapshot(loc.realPath, copy, {
      signal, subject: dbPath, busyTimeoutMs: opts.busyTimeoutMs, fsync: false, walInMemoryMax: opts.walInMemoryMax, hooks: opts.hooks,
      locks: opts.locks, lockFreeFirstMs: opts.lockFreeFirstMs,
      onAttempt: (n) => {
        // a writer that keeps the database busy: say so after a few seconds, once
        if (!saidBusy && n > 1 && Date.now() - snapStarted > 3000) {
          saidBusy = true;
          progress({ phase: 'busy', message: `A writer keeps changing ${dbPath}: waiting for a moment to copy it (${n} attempts so far)` });
        }
      },
    });
    opts.hooks?.onSnapshot?.(snap);
    await secureFile(copy);
    throwIfAborted(signal, dbPath);

    await step('check');
    progress({ phase: 'check', message: 'Running integrity_check on the copy' });
    // The check runs in workers; meanwhile this thread makes the copy durable and hashes it.
    const hashing = fsyncFile(copy).then(() => sha256File(copy, signal));
    hashing.catch(() => undefined);
    const info = await checkDatabase(copy, { signal });
    if (!info.ok) {
      throw new IntegrityError(dbPath, `the copy fails integrity_check, so the database itself is damaged: ${info.integrity}`, info.problems.join('\n'));
    }
    await step('hash');
    progress({ phase: 'hash', message: 'Computing SHA-256' });
    const sha256 = await hashing;
    const sizeBytes = (await fsp.stat(copy)).size;
    throwIfAborted(signal, dbPath);

    progress({ phase: 'commit', message: 'Saving the backup' });
    return await locked('backup', async () => {
      await sweepFolder(outputDir);
      const final = await freeName(outputDir, namer);
      const own = await listBackups(dbPath, outputDir, { identity });
      const manifest: Manifest = {
        format: MANIFEST_FORMAT,
        formatVersion: MANIFEST_VERSION,
        tool: { name: 'sqlite-lifeboat', version: TOOL_VERSION },
        file: final.slice(outputDir.length + 1),
        sha256,
        sizeBytes,
        createdAt: now.toISOString(),
        durationMs: Date.now() - started,
        source: {
          path: dbPath,
          realPath: loc.realPath,
          dev: identity.dev,
          ino: identity.ino,
          id: lineageId(own.flatMap((e) => (e.ownership === 'own' && e.manifest ? [e.manifest.source] : []))),
          sizeBytes: st.size,
          journalMode: snap.journalMode,
          walFramesApplied: snap.walFramesApplied,
          journalPagesRolledBack: snap.journalPagesRolledBack,
          state: sourceState(snap.fingerprint, snap.walCopied),
        },
        pageSize: info.pageSize,
        pageCount: info.pageCount,
        userVersion: info.userVersion,
        applicationId: info.applicationId,
        autoVacuum: info.autoVacuum,
        tables: info.tables,
        skippedTables: info.skippedTables,
        ...(info.uncheckedIndexes.length ? { uncheckedIndexes: info.uncheckedIndexes } : {}),
        integrity: info.integrity,
        verified: true,
        engine: info.engine,
        attempts: snap.attempts,
        snapshot: { method: snap.method, lockHeldMs: snap.lockHeldMs, sqliteLocks: describeLocks(opts.locks, snap.sqliteLocks, snap.journalMode) },
        pinned: false,
      };
      await step('manifest');
      await writeManifest(final, manifest);
      try {
        await step('publish');
        await publish(copy, final);
        await fsyncDir(outputDir);
      } catch (e) {
        await fsp.unlink(manifestPath(final)).catch(() => undefined); // never leave a manifest of nothing
        throw e;
      }

      // The backup is complete from here on: a retention failure is reported, not a failed backup.
      let pruned: PruneResult | undefined;
      if (opts.policy) {
        try {
          await step('prune');
          progress({ phase: 'prune', message: 'Applying retention' });
          pruned = await pruneLocked({ dbPath, outputDir, policy: opts.policy, now: new Date() }, identity);
        } catch (e) {
          warnings.push(`retention was not applied: ${e instanceof Error ? e.message : String(e)}`);
        }
      }
      return {
        file: final,
        manifestFile: manifestPath(final),
        sha256,
        sizeBytes,
        durationMs: Date.now() - started,
        createdAt: manifest.createdAt,
        tables: info.tables,
        skippedTables: info.skippedTables,
        uncheckedIndexes: info.uncheckedIndexes,
        verified: true,
        integrity: info.integrity,
        attempts: snap.attempts,
        snapshot: manifest.snapshot!,
        source: manifest.source,
        pruned: pruned?.deleted ?? [],
        warnings,
        manifest,
      };
    });
  } catch (e) {
    throw renameSubject(e, copy, dbPath);
  } finally {
    await work.remove();
  }
}
