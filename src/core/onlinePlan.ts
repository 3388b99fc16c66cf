// The online restore's SQL, as data: a pure function from the two schemas (the live database's
// and the validated backup copy's, attached as ONLINE_SOURCE) to the statements that make the
// live database hold exactly the backup's content. The lock helper runs them in one transaction
// on the live database, through SQLite, so that a connected application sees the restored
// content at once and its later writes land in it; a failure anywhere is a ROLLBACK.
import { IncompatibleError } from './errors';

export const ONLINE_SOURCE = 'lifeboat_src';

/** One row of sqlite_schema. */
export interface SchemaObject { type: string; name: string; tbl_name: string; sql: string | null }
/** One row of PRAGMA table_xinfo. */
export interface ColumnDesc { name: string; type: string; hidden: number; pk: number }
/** One table of PRAGMA table_list, with its columns. */
export interface TableDesc { name: string; kind: 'table' | 'virtual' | 'shadow' | 'view'; withoutRowid: boolean; columns: ColumnDesc[] }

/** What the helper reads of one schema (main or the attached source). */
export interface SchemaDesc {
  pageSize: number;
  autoVacuum: number;
  encoding: string;
  userVersion: number;
  applicationId: number;
  /** sqlite_schema in rowid order (creation order) */
  objects: SchemaObject[];
  tables: TableDesc[];
}

export interface OnlineStep { label: string; sql: string }

const q = (name: string) => `"${name.replace(/"/g, '""')}"`;
const isInternal = (name: string) => name.toLowerCase().startsWith('sqlite_');

/** Why the backup cannot be restored into this live database online (null: it can). */
export function onlineProblem(live: SchemaDesc, src: SchemaDesc): string | null {
  if (live.pageSize !== src.pageSize) return `the page sizes differ (live ${live.pageSize}, backup ${src.pageSize})`;
  if (live.encoding !== src.encoding) return `the text encodings differ (live ${live.encoding}, backup ${src.encoding})`;
  if (live.autoVacuum !== src.autoVacuum) return `auto_vacuum differs (live ${live.autoVacuum}, backup ${src.autoVacuum})`;
  return null;
}

/** The columns to copy, with the rowid first where it is not a column of its own. */
function copyColumns(t: TableDesc): string[] {
  const cols = t.columns.filter((c) => c.hidden === 0).map((c) => c.name);
  if (t.withoutRowid) return cols.map(q);
  const pk = t.columns.filter((c) => c.pk > 0);
  // an INTEGER PRIMARY KEY column is the rowid itself: copying it keeps the rowids
  const aliased = pk.length === 1 && /^integer$/i.test(pk[0].type.trim());
  const names = new Set(t.columns.map((c) => c.name.toLowerCase()));
  const rowid = ['rowid', '_rowid_', 'oid'].find((r) => !names.has(r));
  return [...(aliased || !rowid ? [] : [rowid]), ...cols.map(q)];
}

/**
 * The statements that replace every object of the live database by the backup's: drop triggers,
 * views and tables (virtual ones with their shadow tables), create the backup's tables and copy
 * their rows (rowids kept), fill virtual tables' shadow tables, set sqlite_sequence and the
 * statistics, then indexes, views and triggers (so that no trigger fires on the copy), and the
 * user_version and application_id. Throws IncompatibleError when it cannot be done online.
 */
export function planOnlineRestore(live: SchemaDesc, src: SchemaDesc, files: { live: string; backup: string }): OnlineStep[] {
  const problem = onlineProblem(live, src);
  if (problem) throw new IncompatibleError(files.live, `cannot be restored online: ${problem}; stop the application and restore the file instead`);
  const kind = (d: SchemaDesc, name: string) => d.tables.find((t) => t.name === name)?.kind;
  const steps: OnlineStep[] = [];
  const S = q(ONLINE_SOURCE);

  for (const o of live.objects.filter((x) => x.type === 'trigger')) steps.push({ label: `drop trigger ${o.name}`, sql: `DROP TRIGGER main.${q(o.name)}` });
  for (const o of live.objects.filter((x) => x.type === 'view')) steps.push({ label: `drop view ${o.name}`, sql: `DROP VIEW main.${q(o.name)}` });
  for (const o of live.objects.filter((x) => x.type === 'table' && !isInternal(x.name) && kind(live, x.name) === 'virtual')) {
    steps.push({ label: `drop virtual table ${o.name}`, sql: `DROP TABLE main.${q(o.name)}` });
  }
  for (const o of live.objects.filter((x) => x.type === 'table' && !isInternal(x.name) && kind(live, x.name) === 'table')) {
    steps.push({ label: `drop table ${o.name}`, sql: `DROP TABLE main.${q(o.name)}` });
  }

  const srcTables = src.objects.filter((x) => x.type === 'table');
  for (const o of srcTables) {
    if (isInternal(o.name) || !o.sql) continue;
    const k = kind(src, o.name);
    if (k === 'shadow') continue; // made by its virtual table
    steps.push({ label: `create ${k === 'virtual' ? 'virtual table' : 'table'} ${o.name}`, sql: o.sql });
    if (k === 'virtual') continue;
    const t = src.tables.find((x) => x.name === o.name)!;
    const cols = copyColumns(t).join(', ');
    steps.push({ label: `copy the rows of ${o.name}`, sql: `INSERT INTO main.${q(o.name)} (${cols}) SELECT ${cols} FROM ${S}.${q(o.name)}` });
  }
  for (const o of srcTables.filter((x) => kind(src, x.name) === 'shadow')) {
    steps.push({ label: `copy ${o.name}`, sql: `DELETE FROM main.${q(o.name)}` });
    steps.push({ label: `copy ${o.name}`, sql: `INSERT INTO main.${q(o.name)} SELECT * FROM ${S}.${q(o.name)}` });
  }
  const has = (d: SchemaDesc, n: string) => d.objects.some((x) => x.type === 'table' && x.name === n);
  if (has(live, 'sqlite_sequence')) steps.push({ label: 'AUTOINCREMENT counters', sql: 'DELETE FROM main.sqlite_sequence' });
  if (has(src, 'sqlite_sequence')) steps.push({ label: 'AUTOINCREMENT counters', sql: `INSERT INTO main.sqlite_sequence(name, seq) SELECT name, seq FROM ${S}.sqlite_sequence` });
  for (const stat of ['sqlite_stat1', 'sqlite_stat4']) {
    if (has(live, stat)) steps.push({ label: `statistics (${stat})`, sql: `DELETE FROM main.${stat}` });
    if (has(src, stat) && has(live, stat)) steps.push({ label: `statistics (${stat})`, sql: `INSERT INTO main.${stat} SELECT * FROM ${S}.${stat}` });
    else if (stat === 'sqlite_stat1' && has(src, stat)) {
      // ANALYZE of the schema table alone creates sqlite_stat1 without analyzing anything
      steps.push({ label: 'statistics (sqlite_stat1)', sql: 'ANALYZE main.sqlite_schema' }, { label: 'statistics (sqlite_stat1)', sql: 'DELETE FROM main.sqlite_stat1' });
      steps.push({ label: 'statistics (sqlite_stat1)', sql: `INSERT INTO main.sqlite_stat1 SELECT * FROM ${S}.sqlite_stat1` });
    }
  }
  for (const type of ['index', 'view', 'trigger']) {
    for (const o of src.objects.filter((x) => x.type === type && x.sql)) steps.push({ label: `create ${type} ${o.name}`, sql: o.sql! });
  }
  steps.push({ label: 'user_version', sql: `PRAGMA main.user_version = ${Math.trunc(src.userVersion)}` });
  steps.push({ label: 'application_id', sql: `PRAGMA main.application_id = ${Math.trunc(src.applicationId)}` });
  return steps;
}
