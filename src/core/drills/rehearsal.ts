// The restore rehearsal: restore a backup into a scratch copy (never the live database), time
// it, check it, compare its row counts with the live database, and judge it by the pass
// criteria. The result is the evidence row the drill records.
import { promises as fsp } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { LifeboatError, describeError } from '../errors';
import { makePrivateDir } from '../tempdir';
import { inspectLive } from '../live';
import { listBackups } from '../list';
import { RestoreHooks, restoreDatabase } from '../restore';
import { EvidenceRow } from './evidence';

export interface RehearsalOptions {
  dbPath: string;
  backupFile?: string;
  outputDir?: string;
  operator: string;
  rtoMinutes: number;
  rpoHours: number;
  signal?: AbortSignal;
  now?: () => Date;
  /** failure-injection seam for tests, passed to the rehearsal's restore */
  hooks?: RestoreHooks;
}

export interface RehearsalResult {
  pass: boolean;
  reasons: string[]; // why it failed (empty on pass)
  backupFile: string | null;
  backupCreatedAt: string | null;
  backupAgeHours: number | null;
  restoreDurationMs: number | null;
  integrity: string;
  rowCountMatch: boolean | null;
  differingTables: string[];
  liveTables: Record<string, number> | null;
  restoredTables: Record<string, number> | null;
  row: EvidenceRow;
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

export function formatAge(hours: number): string {
  if (hours < 1) return `${Math.round(hours * 60)} min`;
  if (hours < 48) return `${hours.toFixed(1)} h`;
  return `${(hours / 24).toFixed(1)} days`;
}

/**
 * The backup a rehearsal uses: `backupFile`, or the newest verified backup of `dbPath`; with its
 * creation time (from its manifest, else the file's mtime) and its age in hours at `now`.
 */
export async function chooseBackup(dbPath: string, backupFileArg: string | undefined, outputDir: string | undefined, now: Date): Promise<{ backupFile: string; createdAt: string | null; ageHours: number | null }> {
  let backupFile: string;
  let createdAt: string | null;
  if (!backupFileArg) {
    const entries = await listBackups(dbPath, outputDir);
    const pick = entries.find((e) => e.verified);
    if (!pick) throw new LifeboatError(entries.length ? 'no verified backup to rehearse with' : 'has no backups to rehearse with', dbPath);
    backupFile = pick.file;
    createdAt = pick.createdAt;
  } else {
    backupFile = resolve(backupFileArg);
    const entry = (await listBackups(dbPath, outputDir)).find((e) => e.file === backupFile);
    createdAt = entry?.createdAt ?? (await fsp.stat(backupFile).then((s) => s.mtime.toISOString(), () => null));
  }
  const ageHours = createdAt ? (now.getTime() - new Date(createdAt).getTime()) / 3_600_000 : null;
  return { backupFile, createdAt, ageHours };
}

/** Why a rehearsal misses its targets: the restore (or recovery) slower than the RTO, the backup older than the RPO. */
export function timeCriteria(what: string, durationMs: number | null, ageHours: number | null, t: { rtoMinutes: number; rpoHours: number }): string[] {
  const out: string[] = [];
  if (durationMs !== null && durationMs > t.rtoMinutes * 60_000) out.push(`${what} took ${formatDuration(durationMs)}, over the RTO of ${t.rtoMinutes} min`);
  if (ageHours !== null && ageHours > t.rpoHours) out.push(`backup is ${formatAge(ageHours)} old, over the RPO of ${t.rpoHours} h`);
  return out;
}

/** The evidence row of a rehearsal, in the table's standard columns. */
export function evidenceRow(p: {
  now: Date; operator: string; ageHours: number | null; backupFile: string; durationMs: number | null; integrity: string;
  rowCountMatch: string; pass: boolean; notes: string[];
}): EvidenceRow {
  return {
    'Date': p.now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    'Operator': p.operator,
    'Backup Age': p.ageHours === null ? 'unknown' : formatAge(p.ageHours),
    'Backup File': basename(p.backupFile),
    'Restore Duration': p.durationMs === null ? '—' : formatDuration(p.durationMs),
    'integrity_check': p.integrity,
    'Row Count Match': p.rowCountMatch,
    'Pass/Fail': p.pass ? 'Pass' : 'Fail',
    'Notes': p.notes.join('; ') || '—',
  };
}

export async function runRehearsal(opts: RehearsalOptions): Promise<RehearsalResult> {
  const now = opts.now?.() ?? new Date();
  const dbPath = resolve(opts.dbPath);
  const reasons: string[] = [];
  const { backupFile, createdAt, ageHours } = await chooseBackup(dbPath, opts.backupFile, opts.outputDir, now);

  // a private scratch folder (it holds a full copy of user data), swept if this process is killed
  const scratchDir = await makePrivateDir('rehearsal');
  const scratch = scratchDir.dir;
  let duration: number | null = null;
  let integrity = 'not run';
  let restored: Record<string, number> | null = null;
  let live: Record<string, number> | null = null;
  let differing: string[] = [];
  let match: boolean | null = null;
  try {
    const target = join(scratch, basename(dbPath));
    const t0 = process.hrtime.bigint();
    try {
      // the scratch target is not the backup's database: restoring another database's backup is the point here
      const r = await restoreDatabase({ backupFile, dbPath: target, outputDir: join(scratch, 'safety'), signal: opts.signal, allowOtherSource: true, hooks: opts.hooks });
      duration = Number((process.hrtime.bigint() - t0) / 1_000_000n);
      integrity = r.integrity;
      restored = r.tables;
    } catch (e) {
      if ((e as Error).name === 'CancelledError') throw e;
      integrity = 'failed';
      reasons.push(`restore failed: ${describeError(e)}`);
    }
    if (restored) {
      try {
        live = (await inspectLive(dbPath, { signal: opts.signal })).tables;
        differing = [...new Set([...Object.keys(live), ...Object.keys(restored)])].sort().filter((t) => live![t] !== restored![t]);
        match = differing.length === 0;
      } catch (e) {
        if ((e as Error).name === 'CancelledError') throw e;
        differing = [];
        match = null;
      }
    }
  } finally {
    await scratchDir.remove();
  }
  if (integrity !== 'ok' && !reasons.length) reasons.push(`integrity_check: ${integrity}`);
  reasons.push(...timeCriteria('restore', duration, ageHours, opts));
  const pass = reasons.length === 0;

  const notes: string[] = [];
  if (differing.length && live && restored) {
    notes.push(`row counts differ (live vs backup): ${differing.map((t) => `${t} ${live![t] ?? 'missing'} vs ${restored![t] ?? 'missing'}`).join(', ')}`);
  }
  if (match === null && restored) notes.push('live database could not be read for comparison');
  notes.push(...reasons);
  const row = evidenceRow({
    now, operator: opts.operator, ageHours, backupFile, durationMs: duration, integrity, pass, notes,
    rowCountMatch: match === null ? 'n/a' : match ? 'yes' : `no (${differing.length} table${differing.length === 1 ? '' : 's'})`,
  });
  return {
    pass, reasons, backupFile, backupCreatedAt: createdAt, backupAgeHours: ageHours, restoreDurationMs: duration,
    integrity, rowCountMatch: match, differingTables: differing, liveTables: live, restoredTables: restored, row,
  };
}
