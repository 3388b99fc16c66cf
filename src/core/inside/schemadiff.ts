// What changed in one table's definition between two sides: columns added, removed, renamed or
// redefined, indexes and triggers added, removed or changed, and which columns correspond (the
// ones whose values a diff compares and a row recovery copies).
import { ColumnInfo, TableInfo } from './schema';
import { Affinity } from './values';

export interface ColumnChange { name: string; what: string[]; from: string; to: string }

export interface SchemaChanges {
  /** true when nothing in the table's definition differs */
  same: boolean;
  kind: { from: string; to: string } | null;
  columnsAdded: string[];
  columnsRemoved: string[];
  /** a column gone and one new at the same position with the same declared type */
  columnsRenamed: { from: string; to: string }[];
  columnsChanged: ColumnChange[];
  indexesAdded: string[];
  indexesRemoved: string[];
  indexesChanged: string[];
  triggersAdded: string[];
  triggersRemoved: string[];
  triggersChanged: string[];
}

/** A pair of corresponding columns, and how a value of `from` is converted to be compared with `to`. */
export interface ColumnPair {
  from: ColumnInfo;
  to: ColumnInfo;
  renamed: boolean;
  /** 'numeric': the target's numeric affinity is applied in code; 'text': SQLite prints numbers as text */
  convert: 'none' | 'numeric' | 'text';
  toAffinity: Affinity;
}

const lower = (s: string) => s.toLowerCase();

function describeColumn(c: ColumnInfo): string {
  const parts = [c.type || '(no type)'];
  if (c.notNull) parts.push('NOT NULL');
  if (c.defaultSql !== null) parts.push(`DEFAULT ${c.defaultSql}`);
  if (c.collation !== 'BINARY') parts.push(`COLLATE ${c.collation}`);
  if (c.pk) parts.push(`PRIMARY KEY (${c.pk})`);
  if (c.generated) parts.push(`GENERATED (${c.generated})`);
  return parts.join(' ');
}

/** The columns of `from` and `to` that hold the same data: same name, or renamed in place. */
export function pairColumns(from: TableInfo, to: TableInfo): { pairs: ColumnPair[]; added: ColumnInfo[]; removed: ColumnInfo[] } {
  const toByName = new Map(to.columns.map((c) => [lower(c.name), c]));
  const fromNames = new Set(from.columns.map((c) => lower(c.name)));
  const pairs: ColumnPair[] = [];
  const removed: ColumnInfo[] = [];
  for (const f of from.columns) {
    const t = toByName.get(lower(f.name));
    if (t) pairs.push(pair(f, t, false));
    else removed.push(f);
  }
  let added = to.columns.filter((c) => !fromNames.has(lower(c.name)));
  // ALTER TABLE … RENAME COLUMN keeps the position and the type
  for (const r of [...removed]) {
    const idx = from.columns.indexOf(r);
    const cand = to.columns[idx];
    if (cand && added.includes(cand) && lower(cand.type) === lower(r.type) && !!cand.generated === !!r.generated) {
      pairs.push(pair(r, cand, true));
      removed.splice(removed.indexOf(r), 1);
      added = added.filter((c) => c !== cand);
    }
  }
  pairs.sort((a, b) => a.to.cid - b.to.cid);
  return { pairs, added, removed };
}

function pair(from: ColumnInfo, to: ColumnInfo, renamed: boolean): ColumnPair {
  const convert = from.affinity === to.affinity || to.affinity === 'BLOB' ? 'none' : to.affinity === 'TEXT' ? 'text' : 'numeric';
  return { from, to, renamed, convert, toAffinity: to.affinity };
}

function byName<T extends { name: string }>(a: T[], b: T[], same: (x: T, y: T) => boolean): { added: string[]; removed: string[]; changed: string[] } {
  const bm = new Map(b.map((x) => [lower(x.name), x]));
  const am = new Map(a.map((x) => [lower(x.name), x]));
  return {
    added: b.filter((x) => !am.has(lower(x.name))).map((x) => x.name),
    removed: a.filter((x) => !bm.has(lower(x.name))).map((x) => x.name),
    changed: a.filter((x) => bm.has(lower(x.name)) && !same(x, bm.get(lower(x.name))!)).map((x) => x.name),
  };
}

const norm = (sql: string | null) => (sql ?? '').replace(/\s+/g, ' ').trim();

/** The differences in definition of one table between `from` and `to`. */
export function diffSchema(from: TableInfo, to: TableInfo): SchemaChanges {
  const { pairs, added, removed } = pairColumns(from, to);
  const columnsChanged: ColumnChange[] = [];
  for (const p of pairs) {
    const what: string[] = [];
    if (lower(p.from.type) !== lower(p.to.type)) what.push('type');
    if (p.from.notNull !== p.to.notNull) what.push('not null');
    if (p.from.defaultSql !== p.to.defaultSql) what.push('default');
    if (p.from.collation !== p.to.collation) what.push('collation');
    if (p.from.pk !== p.to.pk) what.push('primary key');
    if (p.from.generated !== p.to.generated) what.push('generated');
    if (what.length) columnsChanged.push({ name: p.to.name, what, from: describeColumn(p.from), to: describeColumn(p.to) });
  }
  const ix = byName(from.indexes, to.indexes, (x, y) => norm(x.sql) === norm(y.sql) && JSON.stringify(x.columns) === JSON.stringify(y.columns) && x.unique === y.unique);
  const tr = byName(from.triggers, to.triggers, (x, y) => norm(x.sql) === norm(y.sql));
  const out: SchemaChanges = {
    same: false,
    kind: from.kind !== to.kind ? { from: from.kind, to: to.kind } : null,
    columnsAdded: added.map((c) => c.name),
    columnsRemoved: removed.map((c) => c.name),
    columnsRenamed: pairs.filter((p) => p.renamed).map((p) => ({ from: p.from.name, to: p.to.name })),
    columnsChanged,
    indexesAdded: ix.added, indexesRemoved: ix.removed, indexesChanged: ix.changed,
    triggersAdded: tr.added, triggersRemoved: tr.removed, triggersChanged: tr.changed,
  };
  out.same = !out.kind && from.strict === to.strict && norm(from.sql) === norm(to.sql)
    && [out.columnsAdded, out.columnsRemoved, out.columnsRenamed, out.columnsChanged, ix.added, ix.removed, ix.changed, tr.added, tr.removed, tr.changed]
      .every((l) => l.length === 0);
  return out;
}

/** One line per change, for people. */
export function describeSchemaChanges(s: SchemaChanges): string[] {
  const out: string[] = [];
  if (s.kind) out.push(`table kind ${s.kind.from} -> ${s.kind.to}`);
  for (const c of s.columnsAdded) out.push(`column added: ${c}`);
  for (const c of s.columnsRemoved) out.push(`column removed: ${c}`);
  for (const r of s.columnsRenamed) out.push(`column renamed: ${r.from} -> ${r.to}`);
  for (const c of s.columnsChanged) out.push(`column ${c.name} changed (${c.what.join(', ')}): ${c.from} -> ${c.to}`);
  for (const [label, list] of [['index added', s.indexesAdded], ['index removed', s.indexesRemoved], ['index changed', s.indexesChanged],
    ['trigger added', s.triggersAdded], ['trigger removed', s.triggersRemoved], ['trigger changed', s.triggersChanged]] as const) {
    for (const n of list) out.push(`${label}: ${n}`);
  }
  if (!s.same && !out.length) out.push('table definition text changed');
  return out;
}
