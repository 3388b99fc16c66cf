// The look-inside API the CLI and the editor call: open a backup (or a live database, through a
// snapshot) read-only and list its tables, read a table's schema and page through its rows; diff
// a backup against the live database or another backup. Everything reads private files only.
import { resolve } from 'node:path';
import { LifeboatError, UsageError } from '../errors';
import { assertSqliteFile, attach, openReadOnly, Opened, privateTemp, snapshotLive, sqliteCall } from './conn';
import { diffOneTable, DiffOptions, DiffResult, diffSources, RowChange } from './diff';
import { readRows, RowsPage, RowsQuery } from './rows';
import { listTableKinds, qualified, TableInfo, tableInfo, TableKind } from './schema';

/** What to open: a backup file (or any private SQLite file), or a live database (read through a snapshot). */
export type Target = { backupFile: string } | { dbPath: string };

export interface TableSummary {
  name: string;
  kind: TableKind;
  strict: boolean;
  /** rows (null for views and virtual tables, or when counts were not asked for) */
  rows: number | null;
  key: { kind: 'rowid' | 'primary-key' | 'none'; columns: string[]; stable: boolean };
}

/** A read-only view of one database. Close it to remove its snapshot and links. */
export interface InsideSession {
  /** the user's path (the backup, or the live database) */
  readonly label: string;
  /** tables, views and virtual tables, by name, with row counts unless `counts: false` */
  tables(opts?: { counts?: boolean }): Promise<TableSummary[]>;
  /** one table's full definition (columns, indexes, triggers, foreign keys, key) */
  schema(table: string): Promise<TableInfo>;
  /** a page of rows, keyset-paged where the table has a key */
  rows(table: string, query?: RowsQuery): Promise<RowsPage>;
  close(): Promise<void>;
}

const labelOf = (t: Target) => resolve('backupFile' in t ? t.backupFile : t.dbPath);

/** Opens a private readable copy of the target: the backup itself, or a snapshot of the live database. */
async function openTarget(t: Target, signal?: AbortSignal): Promise<{ file: string; remove: () => Promise<void> }> {
  const label = labelOf(t);
  await assertSqliteFile(label);
  if ('backupFile' in t) return { file: label, remove: async () => undefined };
  return snapshotLive(label, { signal });
}

/** Opens a backup, or a live database through a consistent snapshot, for reading. */
export async function openInside(target: Target, opts: { signal?: AbortSignal } = {}): Promise<InsideSession> {
  const label = labelOf(target);
  const f = await openTarget(target, opts.signal);
  let opened: Opened;
  try {
    opened = openReadOnly(f.file, label);
  } catch (e) {
    await f.remove();
    throw e;
  }
  const src = opened.src;
  const info = (table: string): TableInfo => {
    const t = sqliteCall(label, () => tableInfo(src, table));
    if (!t) throw new UsageError(`${label} has no table "${table}"`);
    return t;
  };
  return {
    label,
    tables: async (o = {}) => sqliteCall(label, () => listTableKinds(src).map((k) => {
      const t = k.kind === 'view' || k.kind === 'virtual' ? null : tableInfo(src, k.name);
      let rows: number | null = null;
      if (t && o.counts !== false) rows = Number((src.db.get(`SELECT count(*) AS n FROM ${qualified(src, k.name)}`) as { n: number }).n);
      return { name: k.name, kind: k.kind, strict: k.strict, rows, key: t ? { kind: t.key.kind, columns: t.key.columns, stable: t.key.stable } : { kind: 'none' as const, columns: [], stable: false } };
    })),
    schema: async (table) => info(table),
    rows: async (table, q) => sqliteCall(label, () => readRows(src, info(table), q)),
    close: async () => { opened.close(); await f.remove(); },
  };
}

/** Two databases side by side, for a diff and then its pages. Close it to remove the snapshot. */
export interface CompareSession {
  readonly from: string;
  readonly to: string;
  /** every table (or opts.tables): schema changes, counts, the first differing rows */
  diff(opts?: DiffOptions): Promise<DiffResult>;
  /** the differing rows of one table after `after` (a TableDiff's or a previous page's `next`) */
  rows(table: string, opts?: { after?: string | null; limit?: number; maxBytes?: number; signal?: AbortSignal }): Promise<{ rows: RowChange[]; next: string | null }>;
  close(): Promise<void>;
}

/**
 * Opens `from` (a backup) and `to` (the live database through a snapshot, or another backup)
 * for comparison. Both are read in bounded memory from disk.
 */
export async function openCompare(from: { backupFile: string }, to: Target, opts: { signal?: AbortSignal } = {}): Promise<CompareSession> {
  const fromLabel = labelOf(from);
  const toLabel = labelOf(to);
  await assertSqliteFile(fromLabel);
  const t = await openTarget(to, opts.signal);
  const links = privateTemp('compare');
  let opened: Opened;
  try {
    opened = openReadOnly(t.file, toLabel);
  } catch (e) {
    await t.remove();
    await links.remove();
    throw e;
  }
  let sides;
  try {
    sides = { a: attach(opened, fromLabel, 'lifeboat_from', links.dir, fromLabel), b: opened.src };
  } catch (e) {
    opened.close();
    await t.remove();
    await links.remove();
    throw e;
  }
  const guard = async <T>(fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (e) {
      if (e instanceof LifeboatError) throw e;
      throw sqliteCall(fromLabel, () => { throw e; });
    }
  };
  return {
    from: fromLabel,
    to: toLabel,
    diff: (o = {}) => guard(() => diffSources(sides, { from: fromLabel, to: toLabel }, o)),
    rows: (table, o = {}) => guard(async () => {
      const d = await diffOneTable(sides, table, { limit: o.limit ?? 100, maxBytes: o.maxBytes, after: o.after, signal: o.signal, countAll: false });
      return { rows: d.rows, next: d.next };
    }),
    close: async () => { opened.close(); await t.remove(); await links.remove(); },
  };
}

/** One-shot diff of a backup against the live database or another backup. */
export async function diffDatabases(from: { backupFile: string }, to: Target, opts: DiffOptions = {}): Promise<DiffResult> {
  const s = await openCompare(from, to, { signal: opts.signal });
  try {
    return await s.diff(opts);
  } finally {
    await s.close();
  }
}
