// The catalog of one schema ('main' or an attached one) on an open connection: its tables with
// their kind, columns (declared type, affinity, default, key position, collation, generated),
// indexes, triggers and foreign keys, and the key a table's rows are told apart by.
import { Affinity, affinityOf, Collation, ident, knownCollation } from './values';

/** rowid and WITHOUT ROWID tables hold rows; views, virtual tables and their shadow tables are listed but not compared. */
export type TableKind = 'rowid' | 'without-rowid' | 'virtual' | 'shadow' | 'view';

export interface ColumnInfo {
  cid: number;
  name: string;
  /** declared type as written ('' when none) */
  type: string;
  affinity: Affinity;
  notNull: boolean;
  /** the DEFAULT expression as SQL text, or null */
  defaultSql: string | null;
  /** 1-based position in the PRIMARY KEY, 0 when not part of it */
  pk: number;
  /** the collation named in the column definition (BINARY when none) */
  collation: string;
  /** generated columns are read but never written */
  generated: 'virtual' | 'stored' | null;
}

export interface IndexInfo {
  name: string;
  unique: boolean;
  /** 'c': CREATE INDEX, 'u': a UNIQUE constraint, 'pk': the PRIMARY KEY */
  origin: 'c' | 'u' | 'pk';
  partial: boolean;
  columns: { name: string | null; desc: boolean; collation: string }[];
  /** CREATE INDEX text; null for indexes SQLite makes for constraints */
  sql: string | null;
}

export interface TriggerInfo { name: string; sql: string }

export interface ForeignKeyInfo {
  id: number;
  /** the referenced (parent) table */
  table: string;
  from: string[];
  /** parent columns; null entries mean "the parent's primary key" */
  to: (string | null)[];
  onUpdate: string;
  onDelete: string;
}

/**
 * How rows of a table are told apart. `rowid`: by rowid (`expr` is the column or alias that
 * reads it; `stable` when it is an INTEGER PRIMARY KEY, which VACUUM never renumbers);
 * `primary-key`: by the declared key of a WITHOUT ROWID table; `none`: no key (a rowid table
 * whose rowid, _rowid_ and oid are all shadowed by real columns), compared by content.
 */
export interface KeyInfo {
  kind: 'rowid' | 'primary-key' | 'none';
  columns: string[];
  expr: string[];
  collations: Collation[];
  affinities: Affinity[];
  /** per key column: descending in the key's index (WITHOUT ROWID only) */
  desc: boolean[];
  stable: boolean;
}

export interface TableInfo {
  name: string;
  kind: TableKind;
  strict: boolean;
  sql: string | null;
  columns: ColumnInfo[];
  indexes: IndexInfo[];
  triggers: TriggerInfo[];
  foreignKeys: ForeignKeyInfo[];
  key: KeyInfo;
  autoincrement: boolean;
}

/** The subset of a node-sqlite3-wasm connection this code uses. */
export interface Db {
  all(sql: string, values?: unknown): Record<string, unknown>[];
  get(sql: string, values?: unknown): Record<string, unknown> | null;
  exec(sql: string): void;
  run(sql: string, values?: unknown): { changes: number };
  prepare(sql: string): { iterate(values?: unknown): IterableIterator<Record<string, unknown>>; finalize(): void; run(values?: unknown): { changes: number } };
}

/** One schema of a connection: `main` for the opened file, or the name it was attached as. */
export interface Source { db: Db; schema: string }

export const qualified = (src: Source, table: string): string => `${ident(src.schema)}.${ident(table)}`;

/** Tables and views of a schema, by name (sqlite_ internals left out), with their kind. */
export function listTableKinds(src: Source): { name: string; kind: TableKind; strict: boolean }[] {
  const rows = src.db.all(`PRAGMA ${ident(src.schema)}.table_list`) as { name: string; type: string; wr: number; strict: number }[];
  // SQLite marks shadow tables only when it has the virtual table's module (this build has no FTS3/4)
  const virtuals = rows.filter((r) => r.type === 'virtual').map((r) => r.name.toLowerCase());
  const looksShadow = (n: string) => virtuals.some((v) => n.startsWith(`${v}_`) && SHADOW_SUFFIXES.has(n.slice(v.length + 1)));
  return rows
    .filter((r) => !r.name.toLowerCase().startsWith('sqlite_'))
    .map((r) => ({
      name: r.name,
      kind: (r.type === 'table' ? (looksShadow(r.name.toLowerCase()) ? 'shadow' : r.wr ? 'without-rowid' : 'rowid') : r.type) as TableKind,
      strict: !!r.strict,
    }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Shadow-table suffixes of FTS3/4, FTS5 and R*Tree. */
const SHADOW_SUFFIXES = new Set(['content', 'segments', 'segdir', 'docsize', 'stat', 'data', 'idx', 'config', 'node', 'rowid', 'parent']);

/** Everything about one table or view; null when the schema has no such object. */
export function tableInfo(src: Source, name: string): TableInfo | null {
  const kinds = listTableKinds(src);
  const found = kinds.find((k) => k.name === name) ?? kinds.find((k) => k.name.toLowerCase() === name.toLowerCase());
  if (!found) return null;
  const s = ident(src.schema);
  const t = ident(found.name);
  const master = src.db.get(`SELECT sql FROM ${s}.sqlite_schema WHERE type IN ('table', 'view') AND name = ?`, [found.name]) as { sql: string | null } | null;
  const sql = master?.sql ?? null;
  const rows = found.kind === 'virtual' ? [] : (src.db.all(`PRAGMA ${s}.table_xinfo(${t})`) as {
    cid: number; name: string; type: string; notnull: number; dflt_value: string | null; pk: number; hidden: number;
  }[]);
  const declared = sql && found.kind !== 'view' ? columnCollations(sql) : new Map<string, string>();
  const columns: ColumnInfo[] = rows.filter((r) => r.hidden !== 1).map((r) => ({
    cid: r.cid,
    name: r.name,
    type: r.type ?? '',
    // in a STRICT table, ANY keeps values as they are (elsewhere "ANY" would mean NUMERIC)
    affinity: found.strict && /^any$/i.test(r.type ?? '') ? 'BLOB' : affinityOf(r.type),
    notNull: !!r.notnull,
    defaultSql: r.dflt_value,
    pk: r.pk,
    collation: declared.get(r.name.toLowerCase()) ?? 'BINARY',
    generated: r.hidden === 2 ? 'virtual' : r.hidden === 3 ? 'stored' : null,
  }));
  const indexes: IndexInfo[] = [];
  if (found.kind === 'rowid' || found.kind === 'without-rowid') {
    for (const ix of src.db.all(`PRAGMA ${s}.index_list(${t})`) as { name: string; unique: number; origin: string; partial: number }[]) {
      const cols = (src.db.all(`PRAGMA ${s}.index_xinfo(${ident(ix.name)})`) as { name: string | null; desc: number; coll: string; key: number }[])
        .filter((c) => c.key)
        .map((c) => ({ name: c.name, desc: !!c.desc, collation: c.coll }));
      const isql = src.db.get(`SELECT sql FROM ${s}.sqlite_schema WHERE type = 'index' AND name = ?`, [ix.name]) as { sql: string | null } | null;
      indexes.push({ name: ix.name, unique: !!ix.unique, origin: ix.origin as IndexInfo['origin'], partial: !!ix.partial, columns: cols, sql: isql?.sql ?? null });
    }
    indexes.sort((a, b) => (a.name < b.name ? -1 : 1));
  }
  const triggers = (src.db.all(`SELECT name, sql FROM ${s}.sqlite_schema WHERE type = 'trigger' AND tbl_name = ? ORDER BY name`, [found.name]) as { name: string; sql: string }[]);
  const fkRows = found.kind === 'rowid' || found.kind === 'without-rowid'
    ? (src.db.all(`PRAGMA ${s}.foreign_key_list(${t})`) as { id: number; seq: number; table: string; from: string; to: string | null; on_update: string; on_delete: string }[])
    : [];
  const foreignKeys: ForeignKeyInfo[] = [];
  for (const r of fkRows) {
    let fk = foreignKeys.find((f) => f.id === r.id);
    if (!fk) foreignKeys.push(fk = { id: r.id, table: r.table, from: [], to: [], onUpdate: r.on_update, onDelete: r.on_delete });
    fk.from.push(r.from);
    fk.to.push(r.to);
  }
  const info: TableInfo = {
    name: found.name, kind: found.kind, strict: found.strict, sql, columns, indexes, triggers, foreignKeys,
    key: { kind: 'none', columns: [], expr: [], collations: [], affinities: [], desc: [], stable: false },
    autoincrement: !!sql && /\bAUTOINCREMENT\b/i.test(sql),
  };
  info.key = keyOf(info);
  return info;
}

function keyOf(t: TableInfo): KeyInfo {
  const none: KeyInfo = { kind: 'none', columns: [], expr: [], collations: [], affinities: [], desc: [], stable: false };
  if (t.kind === 'without-rowid') {
    const pk = t.indexes.find((i) => i.origin === 'pk');
    const cols = pk ? pk.columns.map((c) => c.name!) : t.columns.filter((c) => c.pk).sort((a, b) => a.pk - b.pk).map((c) => c.name);
    const colls = pk ? pk.columns.map((c) => knownCollation(c.collation)) : cols.map(() => 'BINARY' as Collation);
    if (colls.some((c) => c === null)) return none; // a custom collation: this code cannot order by it
    return {
      kind: 'primary-key', columns: cols, expr: cols.map(ident), collations: colls as Collation[],
      affinities: cols.map((n) => t.columns.find((c) => c.name === n)!.affinity),
      desc: pk ? pk.columns.map((c) => c.desc) : cols.map(() => false), stable: true,
    };
  }
  if (t.kind !== 'rowid') return none;
  // INTEGER PRIMARY KEY is the rowid itself, unless written "INTEGER PRIMARY KEY DESC" (which gets an index)
  const pkCols = t.columns.filter((c) => c.pk);
  const ipk = pkCols.length === 1 && pkCols[0].type.toUpperCase() === 'INTEGER' && !t.indexes.some((i) => i.origin === 'pk') ? pkCols[0] : null;
  if (ipk) return { kind: 'rowid', columns: [ipk.name], expr: [ident(ipk.name)], collations: ['BINARY'], affinities: ['INTEGER'], desc: [false], stable: true };
  const names = new Set(t.columns.map((c) => c.name.toLowerCase()));
  const alias = ['rowid', '_rowid_', 'oid'].find((a) => !names.has(a));
  if (!alias) return none;
  return { kind: 'rowid', columns: [alias], expr: [alias], collations: ['BINARY'], affinities: ['INTEGER'], desc: [false], stable: false };
}

// ------------------------------------------------------------------------ a small SQL reader

interface Token { text: string; kind: 'word' | 'name' | 'string' | 'punct' }

/** Splits SQL into tokens, skipping whitespace and comments; quoted names lose their quotes. */
export function tokenize(sql: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < sql.length) {
    const c = sql[i];
    if (/\s/.test(c)) { i++; continue; }
    if (c === '-' && sql[i + 1] === '-') { while (i < sql.length && sql[i] !== '\n') i++; continue; }
    if (c === '/' && sql[i + 1] === '*') { const end = sql.indexOf('*/', i + 2); i = end < 0 ? sql.length : end + 2; continue; }
    const close = c === '"' ? '"' : c === '`' ? '`' : c === '[' ? ']' : c === "'" ? "'" : null;
    if (close) {
      let j = i + 1;
      let text = '';
      for (; j < sql.length; j++) {
        if (sql[j] === close) {
          if (close !== ']' && sql[j + 1] === close) { text += close; j++; continue; }
          break;
        }
        text += sql[j];
      }
      out.push({ text, kind: c === "'" ? 'string' : 'name' });
      i = j + 1;
      continue;
    }
    const m = /^[\p{L}\p{N}_$]+/u.exec(sql.slice(i, i + 256));
    if (m) { out.push({ text: m[0], kind: 'word' }); i += m[0].length; continue; }
    out.push({ text: c, kind: 'punct' });
    i++;
  }
  return out;
}

const CONSTRAINT_WORDS = new Set(['CONSTRAINT', 'PRIMARY', 'UNIQUE', 'CHECK', 'FOREIGN']);

/** The COLLATE named in each column definition of a CREATE TABLE, by lower-case column name. */
export function columnCollations(createSql: string): Map<string, string> {
  const toks = tokenize(createSql);
  const out = new Map<string, string>();
  const open = toks.findIndex((t) => t.kind === 'punct' && t.text === '(');
  if (open < 0) return out;
  let depth = 0;
  let part: Token[] = [];
  const flush = () => {
    const first = part[0];
    if (first && !(first.kind === 'word' && CONSTRAINT_WORDS.has(first.text.toUpperCase()))) {
      for (let k = 1; k < part.length - 1; k++) {
        if (part[k].kind === 'word' && part[k].text.toUpperCase() === 'COLLATE') out.set(first.text.toLowerCase(), part[k + 1].text.toUpperCase());
      }
    }
    part = [];
  };
  for (let k = open + 1; k < toks.length; k++) {
    const t = toks[k];
    if (t.kind === 'punct' && t.text === '(') depth++;
    if (t.kind === 'punct' && t.text === ')') {
      if (depth === 0) { flush(); break; }
      depth--;
    }
    if (depth === 0 && t.kind === 'punct' && t.text === ',') { flush(); continue; }
    part.push(t);
  }
  return out;
}
