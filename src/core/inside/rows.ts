// Pages of a table's rows for a read-only look inside, sortable by any column. Where the table
// has a key, pages are keyset pages ("the next 100 rows after this one"), so page 1,000 of a
// multi-GB table costs what page 1 does; a view or a keyless table pages by OFFSET.
import { UsageError } from '../errors';
import { OrderTerm, plainValue, scan } from './scan';
import { Source, TableInfo } from './schema';
import { decodeKey, encodeKey, ident, Raw, SqlValue, toSqlValue, TypeCode } from './values';

export interface RowsQuery {
  /** column to sort by (default: the key, or storage order) */
  orderBy?: string;
  descending?: boolean;
  /** the `next` of the previous page */
  after?: string | null;
  /** rows per page, 1-1000 (default 100) */
  limit?: number;
  /** text and blobs longer than this are cut to a preview (default 4096 bytes) */
  maxBytes?: number;
}

export interface RowsPage {
  table: string;
  columns: string[];
  /** how the rows are ordered and paged */
  paging: 'keyset' | 'offset';
  orderBy: string | null;
  descending: boolean;
  rows: { key: SqlValue[]; values: SqlValue[] }[];
  /** pass as `after` for the next page; null on the last page */
  next: string | null;
}

const MAX_LIMIT = 1000;

/** One page of rows of `table` (see RowsQuery); `info` is its tableInfo on the same source. */
export function readRows(src: Source, info: TableInfo, q: RowsQuery = {}): RowsPage {
  const limit = q.limit ?? 100;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) throw new UsageError(`rows per page must be 1-${MAX_LIMIT} (got ${limit})`);
  const maxBytes = q.maxBytes ?? 4096;
  const desc = !!q.descending;
  const sortCol = q.orderBy === undefined ? null : info.columns.find((c) => c.name === q.orderBy) ?? info.columns.find((c) => c.name.toLowerCase() === q.orderBy!.toLowerCase());
  if (q.orderBy !== undefined && !sortCol) throw new UsageError(`${info.name} has no column "${q.orderBy}"`);
  const key = info.key;
  const keyed = key.kind !== 'none' && info.kind !== 'view';
  const order: OrderTerm[] = [];
  if (sortCol && !(keyed && key.columns.length === 1 && key.columns[0] === sortCol.name)) {
    order.push({ expr: ident(sortCol.name), desc, nullable: !sortCol.notNull });
  }
  if (keyed) key.expr.forEach((e, i) => order.push({ expr: e, desc: desc !== key.desc[i], nullable: false }));
  const values = info.columns.map((c) => plainValue(ident(c.name)));
  const columns = info.columns.map((c) => c.name);
  const keyAt = order.length - (keyed ? key.expr.length : 0);
  const toKey = (ot: string, o: Raw[]) => (keyed ? o.slice(keyAt).map((r, i) => toSqlValue(ot[keyAt + i] as TypeCode, r)) : []);

  if (keyed) {
    const after = q.after ? cursorKey(q.after, order.length) : undefined;
    const rows: RowsPage['rows'] = [];
    let last: { ot: string; o: Raw[] } | null = null;
    let more = false;
    for (const r of scan({ src, table: info.name, order, values, after, limit: limit + 1 })) {
      if (rows.length === limit) { more = true; break; }
      rows.push({ key: toKey(r.ot, r.o), values: r.v.map((v, i) => toSqlValue(r.vt[i] as TypeCode, v, maxBytes)) });
      last = r;
    }
    return {
      table: info.name, columns, paging: 'keyset', orderBy: sortCol?.name ?? null, descending: desc, rows,
      next: more && last ? `k:${encodeKey(last.ot, last.o)}` : null,
    };
  }
  const offset = q.after ? cursorOffset(q.after) : 0;
  const rows: RowsPage['rows'] = [];
  let more = false;
  const offsetOrder = sortCol ? [{ expr: ident(sortCol.name), desc, nullable: true }] : [];
  for (const r of scan({ src, table: info.name, order: offsetOrder, values, limit: limit + 1, offset })) {
    if (rows.length === limit) { more = true; break; }
    rows.push({ key: [], values: r.v.map((v, i) => toSqlValue(r.vt[i] as TypeCode, v, maxBytes)) });
  }
  return {
    table: info.name, columns, paging: 'offset', orderBy: sortCol?.name ?? null, descending: desc, rows,
    next: more ? `o:${offset + limit}` : null,
  };
}

function cursorKey(cursor: string, n: number): { types: string; raws: Raw[] } {
  if (!cursor.startsWith('k:')) throw new UsageError('this cursor belongs to another ordering or table');
  let k;
  try { k = decodeKey(cursor.slice(2)); } catch { throw new UsageError('not a row cursor'); }
  if (k.types.length !== n) throw new UsageError('this cursor belongs to another ordering or table');
  return k;
}

function cursorOffset(cursor: string): number {
  const m = /^o:(\d+)$/.exec(cursor);
  if (!m) throw new UsageError('this cursor belongs to another ordering or table');
  return Number(m[1]);
}
