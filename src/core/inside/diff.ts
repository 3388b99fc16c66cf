// Diff of two databases (a backup and the live database, or two backups), table by table:
// schema changes, then row counts (added, deleted, changed), then the differing rows, paged.
// Rows are matched by key in one streamed pass per table (see merge.ts), in bounded memory.
import { LifeboatError, UsageError } from '../errors';
import { fillValues, keysCompatible, mergePlan, MergePlan, mergeTable, RawChange } from './merge';
import { ScannedRow } from './scan';
import { listTableKinds, Source, TableInfo, tableInfo, TableKind } from './schema';
import { diffSchema, pairColumns, SchemaChanges } from './schemadiff';
import { decodeKey, encodeKey, ident, SqlValue, toSqlValue, TypeCode } from './values';

/** How the rows of a table were matched: by rowid, by its declared key, or by content. */
export interface DiffKey { kind: 'rowid' | 'primary-key' | 'content'; columns: string[]; stable: boolean }

export interface RowChange {
  kind: 'added' | 'deleted' | 'changed';
  /** the row's key (for a changed row as it is on the to side; empty when compared by content) */
  key: SqlValue[];
  /** the row on the from side (all its columns, see TableDiff.columns.from) */
  from?: SqlValue[];
  /** the row on the to side */
  to?: SqlValue[];
  /** to-side names of the columns whose values differ */
  changed?: string[];
}

export interface TableDiff {
  table: string;
  /** identical; different; only on one side (added / removed); skipped (views, virtual tables, no way to compare) */
  status: 'identical' | 'different' | 'added' | 'removed' | 'skipped';
  kind: { from: TableKind | null; to: TableKind | null };
  key: DiffKey | null;
  /** why a table was skipped or compared by content, or what to know about its key */
  note: string | null;
  schema: SchemaChanges | null;
  columns: { from: string[]; to: string[]; compared: { from: string; to: string }[] };
  counts: { from: number; to: number; added: number; deleted: number; changed: number } | null;
  /** the first differing rows, in key order */
  rows: RowChange[];
  /** cursor for diffRows to get the rows after these; null when all are listed */
  next: string | null;
}

export interface DiffOptions {
  /** compare only these tables (names as on either side) */
  tables?: string[];
  /** differing rows to list per table (default 20; 0 lists none, the counts are always complete) */
  limit?: number;
  /** text and blobs longer than this are cut in listed rows (default 256 bytes) */
  maxBytes?: number;
  signal?: AbortSignal;
  onProgress?: (p: { table: string; rowsFrom: number; rowsTo: number }) => void;
}

/** Largest table (in bytes on each side) compared by content: the sort this needs runs in memory in this SQLite build. */
export const CONTENT_COMPARE_MAX_BYTES = 64 * 1024 * 1024;

interface Sides { a: Source; b: Source }

function tableBytes(src: Source, table: string): number {
  const r = src.db.get('SELECT sum(pgsize) AS n FROM dbstat WHERE schema = ? AND name = ? AND aggregate = 1', [src.schema, table]) as { n: number | null } | null;
  return Number(r?.n ?? 0);
}

export interface TablePlan {
  table: string;
  from: TableInfo | null;
  to: TableInfo | null;
  skip: string | null;
  note: string | null;
  plan: MergePlan | null;
  key: DiffKey | null;
  schema: SchemaChanges | null;
}

const ROW_KINDS = new Set<TableKind>(['rowid', 'without-rowid']);

/** Decides how one table is compared (or why it is not). */
export function planTable(sides: Sides, name: string): TablePlan {
  const from = tableInfo(sides.a, name);
  const to = tableInfo(sides.b, name);
  const table = to?.name ?? from?.name ?? name;
  const base: TablePlan = { table, from, to, skip: null, note: null, plan: null, key: null, schema: from && to ? diffSchema(from, to) : null };
  const kinds = [from?.kind, to?.kind].filter(Boolean) as TableKind[];
  if (kinds.includes('view')) return { ...base, skip: 'a view: its rows are not stored, so there is nothing to compare' };
  if (kinds.includes('virtual')) return { ...base, skip: 'a virtual table: not compared (its content lives in its shadow tables)' };
  if (kinds.includes('shadow')) return { ...base, skip: 'a shadow table of a virtual table: not compared' };
  if (!kinds.every((k) => ROW_KINDS.has(k))) return { ...base, skip: `a ${kinds.join('/')}: not compared` };
  if (!from || !to) {
    const only = (from ?? to)!;
    const pairs = pairColumns(only, only).pairs;
    const plan = mergePlan(only, only, pairs, only.key.kind === 'none' ? 'content' : 'key');
    return { ...base, plan, key: keyOf(only, plan.mode) };
  }
  const { pairs } = pairColumns(from, to);
  const why = keysCompatible(from.key, to.key);
  if (why) {
    const big = Math.max(tableBytes(sides.a, from.name), tableBytes(sides.b, to.name));
    const note = `compared by content: ${why}`;
    if (big > CONTENT_COMPARE_MAX_BYTES) {
      return { ...base, skip: `${why}; too large (${Math.round(big / 1048576)} MiB) to compare by content in bounded memory` };
    }
    const plan = mergePlan(from, to, pairs, 'content');
    return { ...base, plan, note, key: keyOf(to, 'content') };
  }
  const plan = mergePlan(from, to, pairs, 'key');
  const note = to.key.kind === 'rowid' && !(from.key.stable && to.key.stable)
    ? 'matched by rowid; this table has no INTEGER PRIMARY KEY, so a VACUUM may have renumbered its rows'
    : null;
  return { ...base, plan, note, key: keyOf(to, 'key') };
}

function keyOf(t: TableInfo, mode: 'key' | 'content'): DiffKey {
  return mode === 'content' ? { kind: 'content', columns: [], stable: false } : { kind: t.key.kind as DiffKey['kind'], columns: t.key.columns, stable: t.key.stable };
}

function toRowChange(tp: TablePlan, c: RawChange, maxBytes: number): RowChange {
  const plan = tp.plan!;
  const nf = tp.from?.columns.length ?? 0;
  const nt = tp.to?.columns.length ?? 0;
  const vals = (r: ScannedRow, n: number) => r.v.slice(0, n).map((v, i) => toSqlValue(r.vt[i] as TypeCode, v, maxBytes));
  const keyRow = c.b ?? c.a!;
  const out: RowChange = {
    kind: c.kind,
    key: plan.mode === 'key' ? keyRow.o.map((v, i) => toSqlValue(keyRow.ot[i] as TypeCode, v)) : [],
  };
  if (c.a) out.from = vals(c.a, nf);
  if (c.b) out.to = vals(c.b, nt);
  if (c.changedPairs) out.changed = c.changedPairs.map((i) => plan.slots[i].pair.to.name);
  return out;
}

/** All table names of both sides (or the requested ones, which must exist on a side). */
export function tableNames(sides: Sides, wanted?: string[]): string[] {
  const all = new Map<string, string>();
  for (const s of [sides.a, sides.b]) for (const t of listTableKinds(s)) if (!all.has(t.name.toLowerCase())) all.set(t.name.toLowerCase(), t.name);
  if (!wanted?.length) return [...all.values()].sort();
  return wanted.map((w) => {
    const n = all.get(w.toLowerCase());
    if (!n) throw new UsageError(`no table "${w}" on either side`);
    return n;
  });
}

/** Compares one table: schema, counts, and the first `limit` differing rows (after `after`). */
export async function diffOneTable(sides: Sides, name: string, opts: DiffOptions & { after?: string | null; countAll?: boolean } = {}): Promise<TableDiff> {
  const tp = planTable(sides, name);
  const limit = opts.limit ?? 20;
  const maxBytes = opts.maxBytes ?? 256;
  const out: TableDiff = {
    table: tp.table,
    status: 'identical',
    kind: { from: tp.from?.kind ?? null, to: tp.to?.kind ?? null },
    key: tp.key,
    note: tp.skip ?? tp.note,
    schema: tp.schema,
    columns: {
      from: tp.from?.columns.map((c) => c.name) ?? [],
      to: tp.to?.columns.map((c) => c.name) ?? [],
      compared: tp.plan?.slots.map((s) => ({ from: s.pair.from.name, to: s.pair.to.name })) ?? [],
    },
    counts: null,
    rows: [],
    next: null,
  };
  if (tp.skip || !tp.plan) {
    out.status = 'skipped';
    return out;
  }
  const plan = tp.plan;
  const counts = { from: 0, to: 0, added: 0, deleted: 0, changed: 0 };
  let skipN = 0;
  let after;
  if (opts.after) {
    if (plan.mode === 'content') {
      const m = /^o:(\d+)$/.exec(opts.after);
      if (!m) throw new UsageError('not a cursor of this table\'s diff');
      skipN = Number(m[1]);
    } else {
      if (!opts.after.startsWith('k:')) throw new UsageError('not a cursor of this table\'s diff');
      after = decodeKey(opts.after.slice(2));
    }
  }
  let last: ScannedRow | null = null;
  let seen = 0;
  let more = false;
  const r = await mergeTable(tp.from ? sides.a : null, tp.to ? sides.b : null, tp.from, tp.to, plan, {
    after,
    signal: opts.signal,
    onRows: (a, b) => opts.onProgress?.({ table: tp.table, rowsFrom: a, rowsTo: b }),
    emit: (c) => {
      counts[c.kind]++;
      if (++seen <= skipN) return true;
      if (out.rows.length < limit) {
        out.rows.push(toRowChange(tp, fillValues(c, sides.a, sides.b, tp.from, tp.to, plan), maxBytes));
        last = c.b ?? c.a!;
        return true;
      }
      more = true;
      return opts.countAll !== false; // a page of rows needs no complete counts
    },
  });
  if (more && last) {
    const l: ScannedRow = last;
    out.next = plan.mode === 'key' ? `k:${encodeKey(l.ot, l.o)}` : `o:${skipN + limit}`;
  }
  counts.from = r.rowsA;
  counts.to = r.rowsB;
  out.counts = counts;
  const differs = counts.added + counts.deleted + counts.changed > 0;
  out.status = !tp.from ? 'added' : !tp.to ? 'removed' : differs || !tp.schema?.same ? 'different' : 'identical';
  return out;
}

export interface DiffResult {
  from: string;
  to: string;
  identical: boolean;
  tables: TableDiff[];
  durationMs: number;
}

/** Diffs every table (or `opts.tables`) of two open sources. `from`/`to` label the result. */
export async function diffSources(sides: Sides, labels: { from: string; to: string }, opts: DiffOptions = {}): Promise<DiffResult> {
  const started = Date.now();
  if (opts.limit !== undefined && (!Number.isInteger(opts.limit) || opts.limit < 0)) throw new UsageError(`the row limit must be a whole number (got ${opts.limit})`);
  const tables: TableDiff[] = [];
  for (const name of tableNames(sides, opts.tables)) {
    opts.onProgress?.({ table: name, rowsFrom: 0, rowsTo: 0 }); // which table, even where SQLite merges it in one statement
    try {
      tables.push(await diffOneTable(sides, name, opts));
    } catch (e) {
      if (e instanceof LifeboatError) throw e;
      throw new LifeboatError(`comparing table ${ident(name)}: ${(e as Error).message}`, labels.from);
    }
  }
  return {
    from: labels.from,
    to: labels.to,
    identical: tables.every((t) => t.status === 'identical' || (t.status === 'skipped' && (!t.schema || t.schema.same) && t.kind.from === t.kind.to)),
    tables,
    durationMs: Date.now() - started,
  };
}
