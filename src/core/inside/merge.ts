// The streamed comparison of one table on two sides: two ordered scans stepped together and
// merged by key (rowid, or the declared key of a WITHOUT ROWID table), or, where the two sides
// share no key, by content (both sides sorted on every compared column, matched as multisets).
// Memory holds two rows at a time, whatever the table's size. Every difference goes to `emit`.
import { CancelledError, throwIfAborted } from '../errors';
import { ColumnPair } from './schemadiff';
import { OrderTerm, plainValue, scan, ScannedRow, ValueTerm } from './scan';
import { KeyInfo, Source, TableInfo } from './schema';
import { applyAffinity, Collation, compareRaw, ident, Raw, sameRaw, textAffinityExpr, TypeCode } from './values';

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
}

/** Steps both scans (a missing side is empty) and emits every difference; returns the rows read on each side. */
export async function mergeTable(a: Source | null, b: Source | null, from: TableInfo | null, to: TableInfo | null, plan: MergePlan, opts: MergeOptions): Promise<{ rowsA: number; rowsB: number; stopped: boolean }> {
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
