// One ordered scan of a table: a single prepared statement stepped row by row (never a whole
// table in memory), optionally starting after a keyset position. Diffs, pages of rows and
// partial restores all read tables through it.
import { qualified, Source } from './schema';
import { bindExpr, cellExpr, Raw, TypeCode, typeCodesExpr } from './values';

export interface OrderTerm {
  /** SQL expression (a quoted column name or a rowid alias) */
  expr: string;
  desc: boolean;
  /** whether the column can hold NULL (keys never do) */
  nullable: boolean;
}

/** A selected value: its exact-value and type-code expressions (see values.ts). */
export interface ValueTerm { value: string; type: string }

export interface ScanSpec {
  src: Source;
  table: string;
  order: OrderTerm[];
  values: ValueTerm[];
  /** start strictly after this position of the order terms */
  after?: { types: string; raws: Raw[] };
  /** only the row whose order terms equal these (a lookup by key) */
  at?: { types: string; raws: Raw[] };
  limit?: number;
  offset?: number;
}

export interface ScannedRow {
  /** type codes and values of the order terms */
  ot: string;
  o: Raw[];
  /** type codes and values of the value terms */
  vt: string;
  v: Raw[];
}

/**
 * The WHERE condition "strictly after `after` in this order", NULL-aware (NULL sorts first).
 * Returns the SQL and its parameters (two per value: the value and its type code).
 */
export function afterCondition(order: OrderTerm[], after: { types: string; raws: Raw[] }, firstParam = 1): { sql: string; params: unknown[] } {
  const params: unknown[] = [];
  const p = (i: number) => {
    params.push(after.raws[i] ?? null, after.types[i]);
    return bindExpr(firstParam + params.length - 2);
  };
  const same = (i: number) => (after.types[i] === 'n' ? `${order[i].expr} IS NULL` : `${order[i].expr} = ${p(i)}`);
  const beyond = (i: number) => {
    const t = order[i];
    const isNull = after.types[i] === 'n';
    if (!t.desc) return isNull ? `${t.expr} IS NOT NULL` : `${t.expr} > ${p(i)}`;
    if (isNull) return '0';
    return t.nullable ? `(${t.expr} < ${p(i)} OR ${t.expr} IS NULL)` : `${t.expr} < ${p(i)}`;
  };
  const uniform = order.every((t) => !t.desc && !t.nullable) && order.length > 1 && !after.types.includes('n');
  if (uniform) {
    // a row value keeps the range usable for an index on the key
    const left = `(${order.map((t) => t.expr).join(', ')})`;
    const right = `(${order.map((_, i) => p(i)).join(', ')})`;
    return { sql: `${left} > ${right}`, params };
  }
  const ors: string[] = [];
  for (let i = 0; i < order.length; i++) {
    const terms: string[] = [];
    for (let j = 0; j < i; j++) terms.push(same(j));
    terms.push(beyond(i));
    ors.push(terms.length === 1 ? terms[0] : `(${terms.join(' AND ')})`);
  }
  return { sql: ors.length === 1 ? ors[0] : `(${ors.join(' OR ')})`, params };
}

/** The WHERE condition "the order terms equal `at`" (a key lookup), and its parameters. */
export function equalCondition(order: OrderTerm[], at: { types: string; raws: Raw[] }, firstParam = 1): { sql: string; params: unknown[] } {
  const params: unknown[] = [];
  const terms = order.map((t, i) => {
    if (at.types[i] === 'n') return `${t.expr} IS NULL`;
    params.push(at.raws[i], at.types[i]);
    return `${t.expr} = ${bindExpr(firstParam + params.length - 2)}`;
  });
  return { sql: terms.join(' AND '), params };
}

export function scanSql(spec: ScanSpec): { sql: string; params: unknown[] } {
  const sel: string[] = [];
  spec.order.forEach((t, i) => sel.push(`${cellExpr(t.expr)} AS o${i}`));
  sel.push(`${typeCodesExpr(spec.order.map((t) => t.expr))} AS ot`);
  spec.values.forEach((v, i) => sel.push(`${v.value} AS v${i}`));
  sel.push(`${spec.values.length ? spec.values.map((v) => v.type).join(' || ') : "''"} AS vt`);
  let sql = `SELECT ${sel.join(', ')} FROM ${qualified(spec.src, spec.table)}`;
  let params: unknown[] = [];
  if (spec.after && spec.order.length) {
    const c = afterCondition(spec.order, spec.after);
    sql += ` WHERE ${c.sql}`;
    params = c.params;
  } else if (spec.at) {
    const c = equalCondition(spec.order, spec.at);
    sql += ` WHERE ${c.sql}`;
    params = c.params;
  }
  if (spec.order.length) sql += ` ORDER BY ${spec.order.map((t) => `${t.expr}${t.desc ? ' DESC' : ''}`).join(', ')}`;
  if (spec.limit !== undefined || spec.offset) sql += ` LIMIT ${spec.limit ?? -1}`;
  if (spec.offset) sql += ` OFFSET ${spec.offset}`;
  return { sql, params };
}

/** Steps through the rows; the statement is finalized when the loop ends or is left early. */
export function* scan(spec: ScanSpec): Generator<ScannedRow> {
  const { sql, params } = scanSql(spec);
  const stmt = spec.src.db.prepare(sql);
  const no = spec.order.length;
  const nv = spec.values.length;
  try {
    for (const row of stmt.iterate(params)) {
      const o: Raw[] = new Array(no);
      for (let i = 0; i < no; i++) o[i] = row[`o${i}`] as Raw;
      const v: Raw[] = new Array(nv);
      for (let i = 0; i < nv; i++) v[i] = row[`v${i}`] as Raw;
      yield { ot: row.ot as string, o, vt: row.vt as string, v };
    }
  } finally {
    stmt.finalize();
  }
}

/** The plain value term of a column (no conversion). */
export function plainValue(expr: string): ValueTerm {
  return { value: cellExpr(expr), type: `substr(typeof(${expr}), 1, 1)` };
}

export const typeAt = (codes: string, i: number): TypeCode => codes[i] as TypeCode;
