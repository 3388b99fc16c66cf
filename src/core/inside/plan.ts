// The SQL of a partial restore, as data: pure functions from two table definitions to the
// statements that restore a table or recover rows. The statements name their schemas
// (`main` is the target, the backup is attached as BACKUP_SCHEMA, the rows to recover are staged
// in STAGE_SCHEMA), so the same plan runs on a private copy through node-sqlite3-wasm or, later,
// through SQLite's own locks on the live file; where it runs is the executor's business.
import { IncompatibleError } from '../errors';
import { TableInfo } from './schema';
import { ColumnPair, pairColumns } from './schemadiff';
import { ident } from './values';

export const BACKUP_SCHEMA = 'lifeboat_backup';
export const STAGE_SCHEMA = 'lifeboat_stage';

export interface SqlStep {
  /** what the statement does, for progress and errors */
  label: string;
  sql: string;
  params?: unknown[];
  /** what its row count means: rows inserted or replaced in the table restored */
  counts?: 'inserted' | 'replaced';
  /** the staged keys its row count must equal (checked by the executor) */
  expect?: 'missing' | 'changed';
}

export interface TablePlan {
  table: string;
  steps: SqlStep[];
  warnings: string[];
  /** the staging tables this plan reads (row recovery only) */
  stage: { missing: string | null; changed: string | null; keyColumns: number };
}

/** The files a refusal names (the planner only sees table definitions). */
export interface Files { backup: string; live: string }
const FILES: Files = { backup: 'the backup', live: 'the live database' };

const B = ident(BACKUP_SCHEMA);
const S = ident(STAGE_SCHEMA);
const main = (t: string) => `main.${ident(t)}`;

/** Staging table names for a table (by position, so any table name is safe). */
export function stageTables(index: number): { missing: string; changed: string } {
  return { missing: `missing_${index}`, changed: `changed_${index}` };
}

/** The staging table of `n` key columns: k0, k1, … without affinity, so values keep their class. */
export function stageDdl(name: string, n: number): string {
  return `CREATE TABLE ${S}.${ident(name)}(${Array.from({ length: n }, (_, i) => `k${i}`).join(', ')})`;
}

/**
 * Replaces table `backup.name` in the target with the backup's: definition, rows (rowids kept),
 * indexes and triggers. Other tables, and views and triggers that name it, are left as they are.
 * `liveSeq` is the target's sqlite_sequence value for an AUTOINCREMENT table (never lowered).
 */
export function planTableRestore(backup: TableInfo, live: TableInfo | null, backupSeq: number | null, liveSeq: number | null, files: Files = FILES): TablePlan {
  if (backup.kind !== 'rowid' && backup.kind !== 'without-rowid') {
    throw new IncompatibleError(files.backup, `${backup.name} is a ${backup.kind} in the backup; only ordinary tables can be restored on their own (restore the whole database, or restore it as a copy)`);
  }
  if (!backup.sql) throw new IncompatibleError(files.backup, `${backup.name} has no CREATE TABLE statement in the backup`);
  if (live && live.kind !== 'rowid' && live.kind !== 'without-rowid') {
    throw new IncompatibleError(files.live, `${live.name} is a ${live.kind} in the live database; it cannot be replaced by a table`);
  }
  const steps: SqlStep[] = [];
  const warnings: string[] = [];
  if (live) steps.push({ label: `drop the current ${live.name} (with its indexes and triggers)`, sql: `DROP TABLE ${main(live.name)}` });
  steps.push({ label: `create ${backup.name} as in the backup`, sql: backup.sql });
  const cols = backup.columns.filter((c) => !c.generated).map((c) => ident(c.name));
  // a rowid that is not an INTEGER PRIMARY KEY is kept too, so that rows keep their identity
  const rowid = backup.kind === 'rowid' && backup.key.kind === 'rowid' && !backup.key.stable ? [backup.key.expr[0]] : [];
  const list = [...rowid, ...cols].join(', ');
  steps.push({ label: `copy the rows of ${backup.name} from the backup`, sql: `INSERT INTO ${main(backup.name)} (${list}) SELECT ${list} FROM ${B}.${ident(backup.name)}`, counts: 'inserted' });
  for (const ix of backup.indexes) if (ix.sql) steps.push({ label: `create index ${ix.name}`, sql: ix.sql });
  for (const tr of backup.triggers) steps.push({ label: `create trigger ${tr.name}`, sql: tr.sql });
  if (backup.autoincrement) {
    const floor = Math.max(backupSeq ?? 0, liveSeq ?? 0);
    steps.push({ label: `keep ${backup.name}'s AUTOINCREMENT counter`, sql: `DELETE FROM main.sqlite_sequence WHERE name = ?`, params: [backup.name] });
    steps.push({
      label: `keep ${backup.name}'s AUTOINCREMENT counter`,
      sql: `INSERT INTO main.sqlite_sequence(name, seq) VALUES (?, max(?, coalesce((SELECT max(rowid) FROM ${main(backup.name)}), 0)))`,
      params: [backup.name, floor],
    });
  }
  if (live) {
    for (const tr of live.triggers) if (!backup.triggers.some((b) => b.name.toLowerCase() === tr.name.toLowerCase())) warnings.push(`trigger ${tr.name} exists only in the live database and goes with the table`);
    for (const ix of live.indexes) if (ix.sql && !backup.indexes.some((b) => b.name.toLowerCase() === ix.name.toLowerCase())) warnings.push(`index ${ix.name} exists only in the live database and goes with the table`);
  }
  return { table: backup.name, steps, warnings, stage: { missing: null, changed: null, keyColumns: 0 } };
}

/** Why rows of `backup` cannot be put into `live`, or null. */
export function rowRecoveryProblem(backup: TableInfo, live: TableInfo): string | null {
  if (backup.kind !== 'rowid' && backup.kind !== 'without-rowid') return `${backup.name} is a ${backup.kind} in the backup; only rows of ordinary tables can be recovered`;
  if (live.kind !== 'rowid' && live.kind !== 'without-rowid') return `${live.name} is a ${live.kind} in the live database`;
  const { pairs } = pairColumns(backup, live);
  const targets = new Set(pairs.map((p) => p.to.name.toLowerCase()));
  if (live.key.kind === 'rowid') targets.add(live.key.columns[0].toLowerCase());
  const unfilled = live.columns.filter((c) => c.notNull && c.defaultSql === null && !c.generated && !targets.has(c.name.toLowerCase()));
  if (unfilled.length) return `the live ${live.name} has NOT NULL column(s) without a default that the backup does not have: ${unfilled.map((c) => c.name).join(', ')}`;
  return null;
}

function keyMatch(backup: TableInfo, live: TableInfo, left: string, right: string): string {
  return backup.key.expr.map((e, i) => `${left}.${e} = ${right}.${live.key.kind === 'rowid' ? live.key.expr[0] : live.key.expr[i]}`).join(' AND ');
}

/**
 * Recovers rows of one table: inserts the backup's rows whose keys were staged as missing and,
 * with `changed`, puts back the backup's values of the rows staged as changed. No other row is
 * touched: the target's triggers on the table are dropped for the duration and recreated as they
 * were, and foreign-key actions are off (the executor checks foreign keys instead).
 */
export function planRowRecovery(backup: TableInfo, live: TableInfo, index: number, changed: boolean, files: Files = FILES): TablePlan {
  const problem = rowRecoveryProblem(backup, live);
  if (problem) throw new IncompatibleError(files.live, problem);
  const { pairs, removed } = pairColumns(backup, live);
  const writable = pairs.filter((p) => !p.to.generated);
  const st = stageTables(index);
  const n = backup.key.expr.length;
  const warnings = removed.filter((c) => !c.generated).map((c) => `column ${c.name} of the backup's ${backup.name} is not in the live table; its values are not recovered`);
  const steps: SqlStep[] = [];
  for (const tr of live.triggers) steps.push({ label: `set trigger ${tr.name} aside`, sql: `DROP TRIGGER main.${ident(tr.name)}` });
  const keyTarget = live.key.kind === 'rowid' ? live.key.expr[0] : null;
  const hasKeyPair = keyTarget !== null && writable.some((p) => ident(p.to.name) === keyTarget);
  const targets = [...(keyTarget && !hasKeyPair ? [keyTarget] : []), ...writable.map((p) => ident(p.to.name))];
  const sources = [...(keyTarget && !hasKeyPair ? [`b.${backup.key.expr[0]}`] : []), ...writable.map((p) => `b.${ident(p.from.name)}`)];
  const kJoin = backup.key.expr.map((e, i) => `b.${e} = k.k${i}`).join(' AND ');
  steps.push({
    label: `insert the rows of ${live.name} missing from the live database`,
    sql: `INSERT INTO ${main(live.name)} (${targets.join(', ')}) SELECT ${sources.join(', ')} FROM ${S}.${ident(st.missing)} AS k JOIN ${B}.${ident(backup.name)} AS b ON ${kJoin}`,
    counts: 'inserted',
    expect: 'missing',
  });
  if (changed) {
    const keyNames = new Set(live.key.kind === 'primary-key' ? live.key.columns.map((c) => c.toLowerCase()) : []);
    const upd = writable.filter((p) => !keyNames.has(p.to.name.toLowerCase()) && ident(p.to.name) !== keyTarget);
    if (upd.length) {
      const set = upd.length === 1 ? ident(upd[0].to.name) : `(${upd.map((p) => ident(p.to.name)).join(', ')})`;
      const liveKeys = live.key.kind === 'rowid' ? [live.key.expr[0]] : live.key.expr;
      const inList = liveKeys.length === 1 ? liveKeys[0] : `(${liveKeys.join(', ')})`;
      steps.push({
        label: `put back the backup's values of the changed rows of ${live.name}`,
        sql: `UPDATE ${main(live.name)} SET ${set} = (SELECT ${upd.map((p: ColumnPair) => `b.${ident(p.from.name)}`).join(', ')} FROM ${B}.${ident(backup.name)} AS b WHERE ${keyMatch(backup, live, 'b', main(live.name))}) `
          + `WHERE ${inList} IN (SELECT ${Array.from({ length: n }, (_, i) => `k${i}`).join(', ')} FROM ${S}.${ident(st.changed)})`,
        counts: 'replaced',
        expect: 'changed',
      });
    }
  }
  for (const tr of live.triggers) steps.push({ label: `put trigger ${tr.name} back`, sql: tr.sql });
  return { table: live.name, steps, warnings, stage: { missing: st.missing, changed: changed ? st.changed : null, keyColumns: n } };
}
