// The native sqlite3 CLI as the oracle of a diff: both files attached to one native connection,
// the backup's rows converted into a temp table declared like the live table (so native SQLite
// applies the live column's affinity, as an insert would), and the sets of deleted, added and
// changed keys computed in SQL with a byte-exact comparison of every compared column.
import { execFileSync } from 'node:child_process';

export interface OracleSpec {
  /** key expression on each side: 'rowid', a column, or several columns of a WITHOUT ROWID key */
  keyFrom: string[];
  keyTo: string[];
  /** compared columns: backup name -> live name, with the live column's declared type */
  pairs: { from: string; to: string; toType: string }[];
}

export interface OracleDiff { deleted: string[]; added: string[]; changed: string[] }

const q = (s: string) => `"${s.replace(/"/g, '""')}"`;

/** Runs SQL on a fresh native connection with `from` attached as f and `to` as t; rows as lines. */
export function nativeAttached(from: string, to: string, sql: string): string[] {
  const script = `ATTACH '${from.replace(/'/g, "''")}' AS f; ATTACH '${to.replace(/'/g, "''")}' AS t;\n${sql}`;
  return execFileSync('sqlite3', [':memory:'], { input: script, encoding: 'utf8', maxBuffer: 1 << 28 }).split('\n').filter((l) => l.length > 0);
}

/** A byte-exact "differs" between two values, independent of collations and affinity. */
export function nativeDiffers(a: string, b: string): string {
  return `(typeof(${a}) IS NOT typeof(${b}) OR (typeof(${a}) IN ('integer', 'real') AND ${a} <> ${b}) OR (typeof(${a}) IN ('text', 'blob') AND hex(${a}) <> hex(${b})))`;
}

/** The keys (as `quote()` joined by '|') deleted, added and changed (its key on the `to` side) in `table` from `from` to `to`. */
export function oracleDiff(from: string, to: string, table: string, spec: OracleSpec): OracleDiff {
  const kcols = spec.keyTo.map((_, i) => `k${i}`);
  const conv = `CREATE TEMP TABLE conv(${kcols.join(', ')}, ${spec.pairs.map((p, i) => `c${i} ${p.toType}`).join(', ')});
INSERT INTO conv SELECT ${spec.keyFrom.map((k) => `f.${q(table)}.${k}`).join(', ')}, ${spec.pairs.map((p) => q(p.from)).join(', ')} FROM f.${q(table)};`;
  const keyOut = (alias: string, cols: string[]) => cols.map((c) => `quote(${alias}.${c})`).join(` || '|' || `);
  const match = spec.keyTo.map((k, i) => `x.${k} = conv.k${i}`).join(' AND ');
  const run = (sql: string) => nativeAttached(from, to, `${conv}\n${sql}`);
  return {
    deleted: run(`SELECT ${keyOut('conv', kcols)} FROM conv WHERE NOT EXISTS (SELECT 1 FROM t.${q(table)} AS x WHERE ${match}) ;`),
    added: run(`SELECT ${keyOut('x', spec.keyTo)} FROM t.${q(table)} AS x WHERE NOT EXISTS (SELECT 1 FROM conv WHERE ${match}) ;`),
    changed: run(`SELECT ${keyOut('x', spec.keyTo)} FROM conv JOIN t.${q(table)} AS x ON ${match} WHERE ${spec.pairs.map((p, i) => nativeDiffers(`conv.c${i}`, `x.${q(p.to)}`)).join(' OR ') || '0'} ;`),
  };
}

/** A SqlValue as native quote() prints it (integers, text without NUL bytes, blobs, NULL; reals by value). */
export function asQuote(v: null | { type: string; value?: string; hex?: string }): string {
  if (v === null) return 'NULL';
  if (v.type === 'integer') return v.value!;
  if (v.type === 'real') return `real:${Number(v.value)}`;
  if (v.type === 'blob') return `X'${v.hex!.toUpperCase()}'`;
  return `'${v.value!.replace(/'/g, "''")}'`;
}

/** A native quote() of a key column normalised the way asQuote() prints it. */
export function normQuote(s: string): string {
  return /^-?\d+\.\d*(e[+-]?\d+)?$|^-?\d+e[+-]?\d+$/i.test(s) ? `real:${Number(s)}` : s;
}
