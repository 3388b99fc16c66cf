// The "destructive query" rehearsal: on a scratch copy of the live database (never the live file),
// run `DELETE FROM <table>` without a WHERE, recover the deleted rows from a backup with Recover
// deleted rows (the real partial-restore path), and measure it: rows lost, rows recovered, rows
// that cannot be (written after the backup), whether every other table is untouched, how long
// the recovery took. The result is the drill's evidence row.
import { basename, join, resolve } from 'node:path';
import { describeError, LifeboatError } from '../errors';
import { fastCopy } from '../fsutil';
import { makePrivateDir } from '../tempdir';
import { openCompare, openInside } from '../inside/api';
import { openPrivateCopy } from '../inside/conn';
import { partialRestore } from '../inside/partial';
import { ident } from '../inside/values';
import { takeSnapshot } from '../snapshot';
import { RecordedRehearsal } from './drill';
import { EvidenceRow } from './evidence';
import { chooseBackup, evidenceRow, timeCriteria } from './rehearsal';

/** The marker in a drill file that asks for this rehearsal instead of a restore rehearsal. */
export const RECOVERY_MARKER = /<!--\s*lifeboat:rehearsal=recover-rows\s*-->/;

export interface RecoveryRehearsalOptions {
  dbPath: string;
  backupFile?: string;
  outputDir?: string;
  /** the table to delete from (default: the largest table of the backup that has a key) */
  table?: string;
  operator: string;
  rtoMinutes: number;
  rpoHours: number;
  signal?: AbortSignal;
  now?: () => Date;
}

export interface RecoveryRehearsalResult extends RecordedRehearsal {
  pass: boolean;
  reasons: string[];
  backupFile: string;
  backupAgeHours: number | null;
  table: string;
  /** rows `DELETE FROM table` removed from the scratch copy */
  rowsLost: number;
  /** rows Recover deleted rows put back */
  rowsRecovered: number;
  /** lost rows the backup does not have (written after it): the data-loss window */
  rowsNotInBackup: number;
  /** lost rows that came back with their values of the backup's time (changed since): also lost data */
  rowsAtBackupVersion: number;
  /** backup rows of the table still missing after the recovery (must be 0) */
  backupRowsMissing: number;
  otherTablesUntouched: boolean;
  otherTablesCompared: number;
  recoveryDurationMs: number | null;
  integrity: string;
  row: EvidenceRow;
  extra: Record<string, string>;
  steps: string[];
}

/** The largest table of the backup whose rows have a key (so they can be recovered by key). */
async function pickTable(backupFile: string, want: string | undefined): Promise<string> {
  const s = await openInside({ backupFile });
  try {
    const tables = (await s.tables()).filter((t) => (t.kind === 'rowid' || t.kind === 'without-rowid') && t.key.kind !== 'none');
    if (want) {
      const t = tables.find((x) => x.name === want) ?? tables.find((x) => x.name.toLowerCase() === want.toLowerCase());
      if (!t) throw new LifeboatError(`has no table "${want}" whose rows can be recovered by key`, backupFile);
      return t.name;
    }
    const best = tables.filter((t) => (t.rows ?? 0) > 0).sort((a, b) => (b.rows ?? 0) - (a.rows ?? 0))[0];
    if (!best) throw new LifeboatError('has no table with rows to rehearse a recovery with', backupFile);
    return best.name;
  } finally {
    await s.close();
  }
}

/** Runs the rehearsal (see the file header) and judges it; the live database is only read. */
export async function runRecoveryRehearsal(opts: RecoveryRehearsalOptions): Promise<RecoveryRehearsalResult> {
  const now = opts.now?.() ?? new Date();
  const dbPath = resolve(opts.dbPath);
  const { backupFile, ageHours } = await chooseBackup(dbPath, opts.backupFile, opts.outputDir, now);
  const table = await pickTable(backupFile, opts.table);
  const scratchDir = await makePrivateDir('rehearsal');
  const scratch = scratchDir.dir;
  const reasons: string[] = [];
  const notes: string[] = [];
  const steps = ['evidence', 'verify'];
  let rowsLost = 0;
  let rowsRecovered = 0;
  let rowsNotInBackup = 0;
  let rowsAtBackupVersion = 0;
  let backupRowsMissing = 0;
  let untouched = false;
  let compared = 0;
  let duration: number | null = null;
  let integrity = 'not run';
  try {
    const copy = join(scratch, basename(dbPath));
    const before = join(scratch, `before-${basename(dbPath)}`);
    await takeSnapshot(dbPath, copy, { signal: opts.signal });
    await fastCopy(copy, before, opts.signal);
    // the injection: a DELETE without its WHERE, on the scratch copy
    const w = openPrivateCopy(copy, dbPath);
    try {
      rowsLost = w.src.db.run(`DELETE FROM main.${ident(table)}`).changes;
    } finally {
      w.close();
    }
    steps.push('inject');
    const t0 = process.hrtime.bigint();
    try {
      const r = await partialRestore({
        backupFile, dbPath: copy, tables: [table], mode: 'missing', outputDir: join(scratch, 'safety'), signal: opts.signal,
        allowForeignKeyViolations: true, workDir: scratch,
      });
      duration = Number((process.hrtime.bigint() - t0) / 1_000_000n);
      rowsRecovered = r.tables[0].inserted;
      integrity = r.restore?.integrity ?? 'not run';
      steps.push('recover');
      if (integrity === 'ok') steps.push('integrity');
      if (r.foreignKeyViolations.length) notes.push(`foreign keys: ${r.foreignKeyViolations.map((v) => `${v.count} row(s) of ${v.table} point to missing ${v.parent}`).join(', ')}`);
    } catch (e) {
      if ((e as Error).name === 'CancelledError') throw e;
      integrity = 'failed';
      reasons.push(`recovery failed: ${describeError(e)}`);
    }
    if (duration !== null) {
      // every backup row of the table is back; every other table is as it was before the DELETE
      const vsBackup = await openCompare({ backupFile }, { backupFile: copy });
      try {
        backupRowsMissing = (await vsBackup.diff({ tables: [table], limit: 0 })).tables[0].counts?.deleted ?? 0;
      } finally {
        await vsBackup.close();
      }
      const vsBefore = await openCompare({ backupFile: before }, { backupFile: copy });
      try {
        const d = await vsBefore.diff({ limit: 0 });
        const others = d.tables.filter((t) => t.table !== table);
        compared = others.length;
        const touched = others.filter((t) => t.status !== 'identical' && t.status !== 'skipped').map((t) => t.table);
        untouched = touched.length === 0;
        if (!untouched) reasons.push(`other tables changed: ${touched.join(', ')}`);
        const mine = d.tables.find((t) => t.table === table)?.counts;
        rowsNotInBackup = mine?.deleted ?? 0;
        rowsAtBackupVersion = mine?.changed ?? 0;
      } finally {
        await vsBefore.close();
      }
      steps.push('untouched');
    }
  } finally {
    await scratchDir.remove();
  }
  if (duration !== null && backupRowsMissing > 0) reasons.push(`${backupRowsMissing} row(s) of the backup's ${table} still missing after the recovery`);
  if (duration !== null && integrity !== 'ok') reasons.push(`integrity_check: ${integrity}`);
  reasons.push(...timeCriteria('recovery', duration, ageHours, opts));
  const pass = reasons.length === 0;
  notes.unshift(`DELETE FROM ${table} on a scratch copy: ${rowsLost} rows lost, ${rowsRecovered} recovered; not recoverable: ${rowsNotInBackup} written after the backup`
    + `${rowsAtBackupVersion ? `, ${rowsAtBackupVersion} back as they were at the backup (changed since)` : ''}; ${compared} other tables compared`);
  notes.push(...reasons);
  const row = evidenceRow({
    now, operator: opts.operator, ageHours, backupFile, durationMs: duration, integrity, pass, notes,
    rowCountMatch: duration === null ? 'n/a' : backupRowsMissing === 0 ? 'yes' : `no (${backupRowsMissing} missing)`,
  });
  const extra = {
    'Rows Lost': String(rowsLost),
    'Rows Recovered': String(rowsRecovered),
    'Other Tables Untouched': duration === null ? 'n/a' : untouched ? `yes (${compared})` : 'no',
  };
  return {
    pass, reasons, backupFile, backupAgeHours: ageHours, table, rowsLost, rowsRecovered, rowsNotInBackup, rowsAtBackupVersion, backupRowsMissing,
    otherTablesUntouched: untouched, otherTablesCompared: compared, recoveryDurationMs: duration, integrity, row, extra, steps,
  };
}
