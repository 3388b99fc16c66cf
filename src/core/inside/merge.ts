// The streamed comparison of one table on two sides: two ordered scans stepped together and
// merged by key (rowid, or the declared key of a WITHOUT ROWID table), or, where the two sides
// share no key, by content (both sides sorted on every compared column, matched as multisets).
// Memory holds two rows at a time, whatever the table's size. Every difference goes to `emit`.
import { CancelledError, throwIfAborted } from '../errors';
import { ColumnPair } from './schemadiff';
import { afterCondition, OrderTerm, plainValue, scan, ScannedRow, ValueTerm } from './scan';
import { KeyInfo, qualified, Source, TableInfo } from './schema';
import { applyAffinity, cellExpr, Collation, compareRaw, ident, Raw, sameRaw, textAffinityExpr, TypeCode, typeCodesExpr } from './values';

export type ChangeKind = 'added' | 'deleted' | 'changed';

/** One differing row: `a` on the from side, `b` on the to side (absent for added / deleted rows). */
export interface RawChange {
  kind: ChangeKind;
  a?: ScannedRow;
  b?: ScannedRow;
  /** indexes into the column pairs whose values differ (changed rows) */
  changedPairs?: number[];
}

export interface MergePlan {
  mode: 'key' | 'content';
  /** the ordering each side is scanned in (the same terms, written for each side) */
  orderA: OrderTerm[];
  orderB: OrderTerm[];
  collations: Collation[];
  desc: boolean[];
  valuesA: ValueTerm[];
  valuesB: ValueTerm[];
  /** for each compared pair: the index of its value in a row of each side */
  slots: { a: number; b: number; pair: ColumnPair }[];
}

/** Whether two key definitions let rows be matched by key, and why not. */
export function keysCompatible(a: KeyInfo, b: KeyInfo): string | null {
  if (a.kind === 'none' || b.kind === 'none') return 'no usable key (rowid, _rowid_ and oid are all names of columns)';
  if (a.kind !== b.kind) return `keyed by ${a.kind} on one side and by ${b.kind} on the other`;
  if (a.kind === 'rowid') return null;
  if (a.columns.length !== b.columns.length || a.columns.some((c, i) => c.toLowerCase() !== b.columns[i].toLowerCase())) {
    return `the primary key differs (${a.columns.join(', ')} vs ${b.columns.join(', ')})`;
  }
  for (let i = 0; i < a.columns.length; i++) {
    if (a.collations[i] !== b.collations[i]) return `key column ${a.columns[i]} has collation ${a.collations[i]} on one side and ${b.collations[i]} on the other`;
    if (a.affinities[i] !== b.affinities[i]) return `key column ${a.columns[i]} has ${a.affinities[i]} affinity on one side and ${b.affinities[i]} on the other`;
    if (a.desc[i] !== b.desc[i]) return `key column ${a.columns[i]} is ordered differently on the two sides`;
  }
  return null;
}

/**
 * How to compare `from` with `to`: the scans and which values correspond. `pairs` are the
 * corresponding columns (see pairColumns); `mode` says whether rows match by key or by content.
 */
export function mergePlan(from: TableInfo, to: TableInfo, pairs: ColumnPair[], mode: 'key' | 'content'): MergePlan {
  const valuesA = from.columns.map((c) => plainValue(ident(c.name)));
  const valuesB = to.columns.map((c) => plainValue(ident(c.name)));
  const slots = pairs.map((pair) => {
    let a = from.columns.indexOf(pair.from);
    if (mode === 'key' && pair.convert === 'text') {
      a = valuesA.length;
      valuesA.push(textAffinityExpr(ident(pair.from.name)));
    }
    return { a, b: to.columns.indexOf(pair.to), pair };
  });
  if (mode === 'key') {
    return {
      mode, slots, valuesA, valuesB,
      orderA: from.key.expr.map((e, i) => ({ expr: e, desc: from.key.desc[i], nullable: false })),
      orderB: to.key.expr.map((e, i) => ({ expr: e, desc: to.key.desc[i], nullable: false })),
      collations: to.key.collations,
      desc: to.key.desc,
    };
  }
  // by content: every compared column, as stored, in BINARY order on both sides
  const sorted = pairs.filter((p) => !p.from.generated || !p.to.generated);
  return {
    mode, slots, valuesA, valuesB,
    orderA: sorted.map((p) => ({ expr: `${ident(p.from.name)} COLLATE BINARY`, desc: false, nullable: true })),
    orderB: sorted.map((p) => ({ expr: `${ident(p.to.name)} COLLATE BINARY`, desc: false, nullable: true })),
    collations: sorted.map(() => 'BINARY' as Collation),
    desc: sorted.map(() => false),
  };
}

function compareOrder(plan: MergePlan, a: ScannedRow, b: ScannedRow): number {
  for (let i = 0; i < plan.collations.length; i++) {
    const c = compareRaw(a.ot[i] as TypeCode, a.o[i], b.ot[i] as TypeCode, b.o[i], plan.collations[i]);
    if (c !== 0) return plan.desc[i] ? -c : c;
  }
  return 0;
}

/** The indexes of the pairs whose values differ, comparing the from value as the to column would store it. */
export function differingPairs(plan: MergePlan, a: ScannedRow, b: ScannedRow): number[] {
  const out: number[] = [];
  for (let i = 0; i < plan.slots.length; i++) {
    const s = plan.slots[i];
    let ta = a.vt[s.a] as TypeCode;
    let va: Raw = a.v[s.a];
    if (s.pair.convert === 'numeric') ({ t: ta, raw: va } = applyAffinity(ta, va, s.pair.toAffinity));
    if (!sameRaw(ta, va, b.vt[s.b] as TypeCode, b.v[s.b])) out.push(i);
  }
  return out;
}

export interface MergeOptions {
  /** start after this position of the order (keyset paging) */
  after?: { types: string; raws: Raw[] };
  signal?: AbortSignal;
  /** called every few thousand rows read, with the rows read on each side so far */
  onRows?: (a: number, b: number) => void;
  /** return false to stop the merge early */
  emit: (c: RawChange) => boolean | void;
  /** rows only on the to side are not wanted (a row recovery): their pass is skipped where it can be */
  noAdded?: boolean;
}

/**
 * Whether SQLite itself can tell which rows differ: rows matched by key, both sides attached to
 * one connection, and no value that needs converting to be compared. Then only the keys of the
 * differing rows come out to JavaScript; on a 1 GB table that differs in 1% of its rows this took
 * 14.7 s instead of 34.5 s for carrying every value out (docs/benchmarks.md).
 */
export function canMergeInSql(plan: MergePlan, a: Source | null, b: Source | null): boolean {
  // LIFEBOAT_DIFF_MERGE=js makes the tests compare the two ways on the same files
  if (process.env.LIFEBOAT_DIFF_MERGE === 'js') return false;
  return plan.mode === 'key' && !!a && !!b && a.db === b.db && plan.slots.every((s) => s.pair.convert === 'none');
}

/** Same storage class and the same value, byte for byte (BINARY, whatever the columns' collations): sameRaw in SQL. */
const strictSame = (x: string, y: string) => `(typeof(${x}) = typeof(${y}) AND ${x} IS ${y} COLLATE BINARY)`;

/**
 * The SQL form of the merge: a scan of the from side in key order, joined by key to the to side,
 * that yields the rows missing there or differing (D), and a scan of the to side in key order
 * that yields the rows missing from the from side (I). Each is one ordered pass over a side; the
 * two are merged by key here, so differences still come out in key order.
 */
export function inSqlStatements(a: Source, b: Source, from: TableInfo, to: TableInfo, plan: MergePlan, after?: { types: string; raws: Raw[] }): { d: { sql: string; params: unknown[] }; i: { sql: string; params: unknown[] } } {
  const ax = from.key.expr.map((e) => `lb_x.${e}`);
  const by = to.key.expr.map((e) => `lb_y.${e}`);
  const orderX = plan.orderA.map((t, i) => ({ ...t, expr: ax[i] }));
  const orderY = plan.orderB.map((t, i) => ({ ...t, expr: by[i] }));
  const match = ax.map((e, i) => `${by[i]} = ${e}`).join(' AND ');
  const same = plan.slots.map((s) => strictSame(`lb_x.${ident(s.pair.from.name)}`, `lb_y.${ident(s.pair.to.name)}`)).join(' AND ') || '1';
  const cells = (exprs: string[], p: string) => exprs.map((e, i) => `${cellExpr(e)} AS ${p}${i}`).join(', ');
  const orderBy = (o: OrderTerm[]) => o.map((t) => `${t.expr}${t.desc ? ' DESC' : ''}`).join(', ');
  const ca = after ? afterCondition(orderX, after) : null;
  const cb = after ? afterCondition(orderY, after) : null;
  const X = `${qualified(a, from.name)} AS lb_x`;
  const Y = `${qualified(b, to.name)} AS lb_y`;
  return {
    d: {
      sql: `SELECT ${cells(ax, 'o')}, ${typeCodesExpr(ax)} AS ot, ${cells(by, 'p')}, ${typeCodesExpr(by)} AS pt FROM ${X} LEFT JOIN ${Y} ON ${match} `
        + `WHERE ${ca ? `(${ca.sql}) AND ` : ''}(${by[0]} IS NULL OR NOT (${same})) ORDER BY ${orderBy(orderX)}`,
      params: ca?.params ?? [],
    },
    i: {
      sql: `SELECT ${cells(by, 'o')}, ${typeCodesExpr(by)} AS ot FROM ${Y} WHERE ${cb ? `(${cb.sql}) AND ` : ''}NOT EXISTS (SELECT 1 FROM ${X} WHERE ${match}) ORDER BY ${orderBy(orderY)}`,
      params: cb?.params ?? [],
    },
  };
}

function keysOf(row: Record<string, unknown>, prefix: string, n: number): Raw[] {
  const out: Raw[] = new Array(n);
  for (let i = 0; i < n; i++) out[i] = row[`${prefix}${i}`] as Raw;
  return out;
}

async function mergeInSql(a: Source, b: Source, from: TableInfo, to: TableInfo, plan: MergePlan, opts: MergeOptions): Promise<{ rowsA: number; rowsB: number; stopped: boolean }> {
  const { d, i } = inSqlStatements(a, b, from, to, plan, opts.after);
  const n = from.key.expr.length;
  const sd = a.db.prepare(d.sql);
  const si = a.db.prepare(opts.noAdded ? 'SELECT 1 WHERE 0' : i.sql);
  let stopped = false;
  let deleted = 0;
  let added = 0;
  try {
    const itD = sd.iterate(d.params);
    const itI = si.iterate(i.params);
    const next = (it: Iterator<Record<string, unknown>>) => { const r = it.next(); return r.done ? null : r.value; };
    let rd = next(itD);
    let ri = next(itI);
    let steps = 0;
    while (rd || ri) {
      if (++steps % 1024 === 0) {
        await new Promise((r) => setImmediate(r));
        if (opts.signal?.aborted) throw new CancelledError();
      }
      const kd: ScannedRow | null = rd ? { ot: rd.ot as string, o: keysOf(rd, 'o', n), vt: '', v: [] } : null;
      const ki: ScannedRow | null = ri ? { ot: ri.ot as string, o: keysOf(ri, 'o', n), vt: '', v: [] } : null;
      let change: RawChange;
      if (kd && (!ki || compareOrder(plan, kd, ki) < 0)) {
        const gone = (rd!.pt as string)[0] === 'n';
        change = gone ? { kind: 'deleted', a: kd } : { kind: 'changed', a: kd, b: { ot: rd!.pt as string, o: keysOf(rd!, 'p', n), vt: '', v: [] } };
        if (gone) deleted++;
        rd = next(itD);
      } else {
        change = { kind: 'added', b: ki! };
        added++;
        ri = next(itI);
      }
      if (opts.emit(change) === false) { stopped = true; break; }
    }
  } finally {
    sd.finalize();
    si.finalize();
  }
  throwIfAborted(opts.signal);
  // every row of the to side is either matched by a row of the from side or added: one count
  // (a full pass over a table's pages) is enough. A page of rows (after, stopped) needs none.
  if (stopped || opts.after) return { rowsA: Number.NaN, rowsB: Number.NaN, stopped };
  const count = (src: Source, t: TableInfo) => Number((src.db.get(`SELECT count(*) AS n FROM ${qualified(src, t.name)}`) as { n: number }).n);
  if (opts.noAdded) return { rowsA: Number.NaN, rowsB: count(b, to), stopped };
  const rowsA = count(a, from);
  return { rowsA, rowsB: rowsA - deleted + added, stopped };
}

/**
 * The values of a differing row, for showing it: a change found in SQL carries only its keys, so
 * each side's row is read by key, and a changed row gets the columns that differ.
 */
export function fillValues(c: RawChange, a: Source | null, b: Source | null, from: TableInfo | null, to: TableInfo | null, plan: MergePlan): RawChange {
  const read = (src: Source, t: TableInfo, order: OrderTerm[], values: ValueTerm[], key: ScannedRow): ScannedRow => {
    for (const r of scan({ src, table: t.name, order, values, at: { types: key.ot, raws: key.o } })) return r;
    return key;
  };
  const ra = c.a && c.a.v.length === 0 && plan.valuesA.length && a && from ? read(a, from, plan.orderA, plan.valuesA, c.a) : c.a;
  const rb = c.b && c.b.v.length === 0 && plan.valuesB.length && b && to ? read(b, to, plan.orderB, plan.valuesB, c.b) : c.b;
  const out: RawChange = { kind: c.kind, a: ra, b: rb };
  if (c.kind === 'changed') out.changedPairs = c.changedPairs ?? differingPairs(plan, ra!, rb!);
  return out;
}

/**
 * Emits every difference between the two sides of a table (a missing side is empty), in key
 * order; returns the rows on each side. Found in SQL where it can be (canMergeInSql), otherwise
 * by stepping both scans here with every value.
 */
export async function mergeTable(a: Source | null, b: Source | null, from: TableInfo | null, to: TableInfo | null, plan: MergePlan, opts: MergeOptions): Promise<{ rowsA: number; rowsB: number; stopped: boolean }> {
  if (from && to && canMergeInSql(plan, a, b)) return mergeInSql(a!, b!, from, to, plan, opts);
  const itA = a && from ? scan({ src: a, table: from.name, order: plan.orderA, values: plan.valuesA, after: opts.after }) : [][Symbol.iterator]();
  const itB = b && to ? scan({ src: b, table: to.name, order: plan.orderB, values: plan.valuesB, after: opts.after }) : [][Symbol.iterator]();
  let rowsA = 0;
  let rowsB = 0;
  let stopped = false;
  const next = (it: Iterator<ScannedRow>) => { const r = it.next(); return r.done ? null : r.value; };
  try {
    let ra = next(itA);
    let rb = next(itB);
    let steps = 0;
    while (ra || rb) {
      if (++steps % 4096 === 0) {
        opts.onRows?.(rowsA, rowsB);
        await new Promise((r) => setImmediate(r)); // lets an abort (or the editor) through
        if (opts.signal?.aborted) throw new CancelledError();
      }
      const c = !ra ? 1 : !rb ? -1 : compareOrder(plan, ra, rb);
      let change: RawChange | null = null;
      if (c < 0) { change = { kind: 'deleted', a: ra! }; ra = next(itA); rowsA++; } else if (c > 0) { change = { kind: 'added', b: rb! }; rb = next(itB); rowsB++; } else {
        if (plan.mode === 'key') {
          const d = differingPairs(plan, ra!, rb!);
          if (d.length) change = { kind: 'changed', a: ra!, b: rb!, changedPairs: d };
        }
        ra = next(itA); rb = next(itB); rowsA++; rowsB++;
      }
      if (change && opts.emit(change) === false) { stopped = true; break; }
    }
  } finally {
    itA.return?.(undefined);
    itB.return?.(undefined);
  }
  throwIfAborted(opts.signal);
  return { rowsA, rowsB, stopped };
}
