// Backup: a consistent snapshot written as `<name>.partial.copy` (the name claimed by `<name>.partial`), checked by SQLite (WASM), hashed,
// then committed under a collision-free name with its manifest. On any failure nothing is left
// that could be taken for a backup.
import { promises as fsp } from 'node:fs';
import { join, resolve } from 'node:path';
import { IntegrityError, LifeboatError, NotSqliteError, throwIfAborted } from './errors';
import { parseDbHeader, HEADER_SIZE } from './format';
import { assertFreeSpace, assertReadableRegularFile, fsyncDir, fsyncFile, readHead, removeQuietly, statOrNull } from './fsutil';
import { Manifest, MANIFEST_FORMAT, MANIFEST_VERSION, sha256File, TOOL_VERSION, writeManifest } from './manifest';
import { backupBaseName, formatBackupName } from './naming';
import { defaultBackupDir } from './paths';
import { ensurePrivateDir, secureFile } from './perms';
import { pruneBackups, PruneResult } from './prune';
import { RetentionPolicy } from './retention';
import { takeSnapshot } from './snapshot';
import { checkDatabase } from './sqlite';

export type Phase = 'snapshot' | 'check' | 'hash' | 'commit' | 'prune' | 'validate' | 'safety-copy' | 'replace' | 'verify';
export interface Progress { phase: Phase; message: string }
export type ProgressFn = (p: Progress) => void;

export interface BackupOptions {
  dbPath: string;
  outputDir?: string;
  /** prune after a successful backup with this policy */
  policy?: RetentionPolicy;
  signal?: AbortSignal;
  onProgress?: ProgressFn;
  now?: () => Date;
  busyTimeoutMs?: number;
  /** name prefix override used for safety copies (`<db>-pre-restore-…`) */
  label?: string;
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
  verified: boolean;
  integrity: string;
  attempts: number;
  source: { path: string; journalMode: string; sizeBytes: number; walFramesApplied: number; journalPagesRolledBack: number };
  pruned: string[];
  manifest: Manifest;
}

const STALE_PARTIAL_MS = 60 * 60 * 1000;

/** Removes `.partial` leftovers of killed runs (older than an hour, so never a running backup's). */
async function cleanStalePartials(dir: string): Promise<void> {
  const names = await fsp.readdir(dir).catch(() => [] as string[]);
  const now = Date.now();
  for (const n of names) {
    if (!/\.partial(\.copy)?(\.(wal|journal)-tmp)?$/.test(n)) continue;
    const st = await statOrNull(join(dir, n));
    if (st && now - st.mtimeMs > STALE_PARTIAL_MS) await removeQuietly(join(dir, n));
  }
}

/** Claims `<name>.partial` exclusively so that concurrent runs in one second get distinct names. */
async function reserveName(dir: string, namer: (seq: number) => string): Promise<{ final: string; partial: string; seq: number }> {
  for (let seq = 0; seq < 10_000; seq++) {
    const final = join(dir, namer(seq));
    if (await statOrNull(final)) continue;
    try {
      const fh = await fsp.open(`${final}.partial`, 'wx', 0o600);
      await fh.close();
      return { final, partial: `${final}.partial`, seq };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw e;
    }
  }
  throw new LifeboatError('cannot find a free backup name', dir);
}

/** Publishes the copy under `final` without ever replacing an existing file. */
async function commitFile(partial: string, final: string): Promise<boolean> {
  try {
    await fsp.link(partial, final);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    // file systems without hard links: fall back to a checked rename
    if (await statOrNull(final)) return false;
    await fsp.rename(partial, final);
    return true;
  }
  await fsp.unlink(partial);
  return true;
}

export async function backupDatabase(opts: BackupOptions): Promise<BackupResult> {
  const started = Date.now();
  const dbPath = resolve(opts.dbPath);
  const progress = opts.onProgress ?? (() => undefined);
  const { signal } = opts;

  const st = await assertReadableRegularFile(dbPath);
  const head = parseDbHeader(await readHead(dbPath, HEADER_SIZE));
  if (typeof head === 'string') throw new NotSqliteError(dbPath, head);
  if (st.size % head.pageSize !== 0 && st.size < head.pageSize) throw new NotSqliteError(dbPath, 'the file is truncated');

  const outputDir = resolve(opts.outputDir ?? defaultBackupDir(dbPath));
  if (outputDir === resolve(dbPath)) throw new LifeboatError('the output folder is the database file itself', outputDir);
  await ensurePrivateDir(outputDir);
  const wal = await statOrNull(`${dbPath}-wal`);
  await assertFreeSpace(outputDir, st.size + (wal?.size ?? 0), `a backup of ${dbPath}`);
  await cleanStalePartials(outputDir);

  const now = opts.now?.() ?? new Date();
  const { dbName } = backupBaseName(dbPath);
  const namer = (seq: number) => {
    const name = formatBackupName(dbPath, now, seq);
    return opts.label ? `${dbName}-${opts.label}-${name.slice(dbName.length + '-backup-'.length)}` : name;
  };
  let { final, partial } = await reserveName(outputDir, namer);
  // `partial` is the empty claim on the name; the copy is written beside it as `<name>.partial.copy`,
  // a file created fresh that nobody else touches (fastCopy says why it is not the claim itself).
  let work = `${partial}.copy`;
  try {
    progress({ phase: 'snapshot', message: `Copying ${dbPath}` });
    const snap = await takeSnapshot(dbPath, work, { signal, busyTimeoutMs: opts.busyTimeoutMs, fsync: false });
    await secureFile(work);
    throwIfAborted(signal, dbPath);

    progress({ phase: 'check', message: 'Running integrity_check on the copy' });
    // The check runs in workers; meanwhile this thread makes the copy durable and hashes it.
    const copy = work;
    const hashing = fsyncFile(copy).then(() => sha256File(copy, signal));
    hashing.catch(() => undefined);
    const info = await checkDatabase(work, { signal });
    if (!info.ok) {
      throw new IntegrityError(dbPath, `the copy fails integrity_check, so the database itself is damaged: ${info.integrity}`);
    }
    progress({ phase: 'hash', message: 'Computing SHA-256' });
    const sha256 = await hashing;
    const sizeBytes = (await fsp.stat(work)).size;
    throwIfAborted(signal, dbPath);

    progress({ phase: 'commit', message: 'Saving the backup' });
    // A concurrent run may have taken the name between reservation and now: take the next free one.
    while (!(await commitFile(work, final))) {
      const next = await reserveName(outputDir, namer);
      const nextWork = `${next.partial}.copy`;
      await fsp.rename(work, nextWork);
      await removeQuietly(partial);
      ({ final, partial } = next);
      work = nextWork;
    }
    const durationMs = Date.now() - started;
    const manifest: Manifest = {
      format: MANIFEST_FORMAT,
      formatVersion: MANIFEST_VERSION,
      tool: { name: 'sqlite-lifeboat', version: TOOL_VERSION },
      file: final.slice(outputDir.length + 1),
      sha256,
      sizeBytes,
      createdAt: now.toISOString(),
      durationMs,
      source: {
        path: dbPath,
        sizeBytes: st.size,
        journalMode: snap.journalMode,
        walFramesApplied: snap.walFramesApplied,
        journalPagesRolledBack: snap.journalPagesRolledBack,
      },
      pageSize: info.pageSize,
      pageCount: info.pageCount,
      userVersion: info.userVersion,
      applicationId: info.applicationId,
      autoVacuum: info.autoVacuum,
      tables: info.tables,
      skippedTables: info.skippedTables,
      integrity: info.integrity,
      verified: true,
      engine: info.engine,
      attempts: snap.attempts,
      pinned: false,
    };
    await writeManifest(final, manifest);
    await fsyncDir(outputDir);

    let pruned: PruneResult | undefined;
    if (opts.policy) {
      progress({ phase: 'prune', message: 'Applying retention' });
      pruned = await pruneBackups({ dbPath, outputDir, policy: opts.policy, now: new Date() });
    }
    return {
      file: final,
      manifestFile: `${final}.json`,
      sha256,
      sizeBytes,
      durationMs,
      createdAt: manifest.createdAt,
      tables: info.tables,
      skippedTables: info.skippedTables,
      verified: true,
      integrity: info.integrity,
      attempts: snap.attempts,
      source: manifest.source,
      pruned: pruned?.deleted ?? [],
      manifest,
    };
  } finally {
    await removeQuietly(work);
    await removeQuietly(partial);
  }
}
