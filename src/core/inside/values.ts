// Values exactly as SQLite stores them, and SQLite's rules over them, in TypeScript: the storage
// class of each cell, its exact bytes or number, SQLite's ordering (NULL < numbers < TEXT < BLOB,
// under BINARY, NOCASE or RTRIM), column affinity and the conversion it applies on insert, and a
// JSON-safe form for callers. Text is read as bytes (CAST(x AS BLOB)) because the WASM binding
// stops a TEXT value at its first NUL byte; integers past 2^53 arrive as BigInt.

/** Storage class of a cell: null, integer, real, text, blob (the first letter of typeof()). */
export type TypeCode = 'n' | 'i' | 'r' | 't' | 'b';

/** A cell as it comes from SQLite: integers as number or bigint, reals as number, text and blobs as bytes. */
export type Raw = null | number | bigint | Uint8Array;

/** A cell for callers, JSON-safe and exact: integers and reals as decimal strings, blobs as hex. */
export type SqlValue =
  | null
  | { type: 'integer'; value: string }
  | { type: 'real'; value: string }
  | { type: 'text'; value: string; size: number; truncated?: true; hex?: string }
  | { type: 'blob'; hex: string; size: number; truncated?: true };

export type Affinity = 'TEXT' | 'NUMERIC' | 'INTEGER' | 'REAL' | 'BLOB';
export type Collation = 'BINARY' | 'NOCASE' | 'RTRIM';

/** Double-quoted SQL identifier. */
export const ident = (name: string): string => `"${name.replace(/"/g, '""')}"`;

/** The SQL expression that yields a column's exact value (text as its bytes). */
export function cellExpr(expr: string): string {
  return `CASE WHEN typeof(${expr}) = 'text' THEN CAST(${expr} AS BLOB) ELSE ${expr} END`;
}

/** The SQL expression that yields the type codes of several expressions as one string ('itn…'). */
export function typeCodesExpr(exprs: string[]): string {
  return exprs.length ? exprs.map((e) => `substr(typeof(${e}), 1, 1)`).join(' || ') : "''";
}

/** Column affinity from a declared type (https://sqlite.org/datatype3.html, 3.1). */
export function affinityOf(declType: string | null | undefined): Affinity {
  const t = (declType ?? '').toUpperCase();
  if (t.includes('INT')) return 'INTEGER';
  if (t.includes('CHAR') || t.includes('CLOB') || t.includes('TEXT')) return 'TEXT';
  if (t.includes('BLOB') || t === '') return 'BLOB';
  if (t.includes('REAL') || t.includes('FLOA') || t.includes('DOUB')) return 'REAL';
  return 'NUMERIC';
}

/** A collation this code can order by, or null for one it does not know (a custom one). */
export function knownCollation(name: string | null | undefined): Collation | null {
  const n = (name ?? 'BINARY').toUpperCase();
  return n === 'BINARY' || n === 'NOCASE' || n === 'RTRIM' ? n : null;
}

const decoder = new TextDecoder('utf-8', { fatal: false });
const strictDecoder = new TextDecoder('utf-8', { fatal: true });

function compareBytes(a: Uint8Array, b: Uint8Array, coll: Collation): number {
  if (coll === 'RTRIM') {
    let la = a.length;
    let lb = b.length;
    while (la > 0 && a[la - 1] === 0x20) la--;
    while (lb > 0 && b[lb - 1] === 0x20) lb--;
    return compareBytes(a.subarray(0, la), b.subarray(0, lb), 'BINARY');
  }
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a[i];
    let y = b[i];
    if (coll === 'NOCASE') {
      // SQLite folds ASCII letters only
      if (x >= 0x41 && x <= 0x5a) x += 0x20;
      if (y >= 0x41 && y <= 0x5a) y += 0x20;
    }
    if (x !== y) return x < y ? -1 : 1;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

const CLASS_RANK: Record<TypeCode, number> = { n: 0, i: 1, r: 1, t: 2, b: 3 };

/**
 * SQLite's ordering of two cells: NULL first, then numbers (integers and reals compared by value,
 * exactly), then text under the collation, then blobs (memcmp). 0 means equal to SQLite (1 = 1.0).
 */
export function compareRaw(ta: TypeCode, a: Raw, tb: TypeCode, b: Raw, coll: Collation = 'BINARY'): number {
  const ra = CLASS_RANK[ta];
  const rb = CLASS_RANK[tb];
  if (ra !== rb) return ra < rb ? -1 : 1;
  if (ra === 0) return 0;
  if (ra === 1) {
    // a bigint compares exactly with a number in JavaScript
    const x = a as number | bigint;
    const y = b as number | bigint;
    return x < y ? -1 : x > y ? 1 : 0;
  }
  return compareBytes(a as Uint8Array, b as Uint8Array, ra === 2 ? coll : 'BINARY');
}

/** Same storage class and the same value, byte for byte: what "unchanged" means for a cell. */
export function sameRaw(ta: TypeCode, a: Raw, tb: TypeCode, b: Raw): boolean {
  if (ta !== tb) return false;
  if (ta === 'n') return true;
  // integers are a number when safe and a bigint otherwise, so one value has one form
  if (ta === 'i' || ta === 'r') return a === b;
  const x = a as Uint8Array;
  const y = b as Uint8Array;
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

/** A real as a decimal string that parses back to the same double, and always reads as a real. */
export function formatReal(r: number): string {
  if (Object.is(r, -0)) return '-0.0';
  if (r === Infinity) return 'Inf';
  if (r === -Infinity) return '-Inf';
  const s = String(r);
  return /[.eEn]/.test(s) ? s.replace(/e\+?/, 'e') : `${s}.0`;
}

const hexOf = (b: Uint8Array, max: number): string => Buffer.from(b.buffer, b.byteOffset, Math.min(b.length, max)).toString('hex');

/**
 * The caller's form of a cell. Text and blobs longer than `maxBytes` are cut (a preview) and say
 * so; text that is not valid UTF-8 also carries its bytes in hex, so nothing is lost.
 */
export function toSqlValue(t: TypeCode, raw: Raw, maxBytes = Infinity): SqlValue {
  switch (t) {
    case 'n': return null;
    case 'i': return { type: 'integer', value: String(raw) };
    case 'r': return { type: 'real', value: formatReal(raw as number) };
    case 'b': {
      const b = raw as Uint8Array;
      return b.length > maxBytes ? { type: 'blob', hex: hexOf(b, maxBytes), size: b.length, truncated: true } : { type: 'blob', hex: hexOf(b, b.length), size: b.length };
    }
    default: {
      const b = raw as Uint8Array;
      const cut = b.length > maxBytes;
      const part = cut ? b.subarray(0, maxBytes) : b;
      let valid = true;
      try { strictDecoder.decode(part); } catch { valid = !cut ? false : validPrefix(part); }
      const out: SqlValue = { type: 'text', value: decoder.decode(part), size: b.length };
      if (cut) out.truncated = true;
      if (!valid) out.hex = hexOf(part, part.length);
      return out;
    }
  }
}

/** A cut in the middle of a multi-byte character is not invalid text: look only at whole characters. */
function validPrefix(b: Uint8Array): boolean {
  for (let drop = 1; drop <= 3 && drop < b.length; drop++) {
    try { strictDecoder.decode(b.subarray(0, b.length - drop)); return true; } catch { /* try a shorter prefix */ }
  }
  return false;
}

/** The cell back from the caller's form (exact unless it was a truncated preview). */
export function fromSqlValue(v: SqlValue): { t: TypeCode; raw: Raw } {
  if (v === null) return { t: 'n', raw: null };
  switch (v.type) {
    case 'integer': {
      const n = BigInt(v.value);
      return { t: 'i', raw: n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n };
    }
    case 'real': return { t: 'r', raw: v.value === 'Inf' ? Infinity : v.value === '-Inf' ? -Infinity : Number(v.value) };
    case 'blob': return { t: 'b', raw: new Uint8Array(Buffer.from(v.hex, 'hex')) };
    default: return { t: 't', raw: v.hex !== undefined ? new Uint8Array(Buffer.from(v.hex, 'hex')) : new TextEncoder().encode(v.value) };
  }
}

// ------------------------------------------------------------------------------- affinity

const NUMERIC_TEXT = /^[ \t\n\f\r]*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?[ \t\n\f\r]*$/;
const INTEGER_TEXT = /^[ \t\n\f\r]*[+-]?\d+[ \t\n\f\r]*$/;
const I64_MIN = -(2n ** 63n);
const I64_MAX = 2n ** 63n - 1n;
const TWO_63 = 2 ** 63;

const intRaw = (n: bigint): Raw => (n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n);

/** A real that NUMERIC or INTEGER affinity stores as an integer (sqlite3VdbeIntegerAffinity), or null when it stays a real. */
function realAsInt(r: number): Raw | null {
  if (r === 0) return 0;
  return Number.isInteger(r) && r > -TWO_63 && r < TWO_63 ? intRaw(BigInt(r)) : null;
}

/**
 * What inserting a cell into a column of affinity `aff` stores, for the numeric affinities and
 * BLOB (https://sqlite.org/datatype3.html, 3): well-formed numeric text becomes a number, an
 * integral real becomes an integer (NUMERIC, INTEGER), an integer becomes a real (REAL). TEXT
 * affinity turns numbers into SQLite's own text, which only SQLite can print: callers convert
 * those with CAST in SQL (see `textAffinityExpr`) and pass them here unchanged.
 */
export function applyAffinity(t: TypeCode, raw: Raw, aff: Affinity): { t: TypeCode; raw: Raw } {
  if (aff === 'BLOB' || aff === 'TEXT' || t === 'n' || t === 'b') return { t, raw };
  if (t === 't') {
    const s = decoder.decode(raw as Uint8Array);
    if (!NUMERIC_TEXT.test(s)) return { t, raw };
    if (INTEGER_TEXT.test(s)) {
      const n = BigInt(s.trim());
      if (n >= I64_MIN && n <= I64_MAX) return aff === 'REAL' ? { t: 'r', raw: Number(n) } : { t: 'i', raw: intRaw(n) };
    }
    return applyAffinity('r', Number(s.trim()), aff);
  }
  if (t === 'i') return aff === 'REAL' ? { t: 'r', raw: Number(raw) } : { t, raw };
  if (aff === 'REAL') return { t, raw };
  const asInt = realAsInt(raw as number);
  return asInt === null ? { t, raw } : { t: 'i', raw: asInt };
}

/**
 * For a column whose target has TEXT affinity and whose source does not: the value as TEXT
 * affinity stores it (numbers printed by SQLite itself), and its type code.
 */
export function textAffinityExpr(expr: string): { value: string; type: string } {
  return {
    value: `CASE WHEN typeof(${expr}) IN ('integer', 'real') THEN CAST(CAST(${expr} AS TEXT) AS BLOB) ELSE ${cellExpr(expr)} END`,
    type: `CASE WHEN typeof(${expr}) IN ('integer', 'real') THEN 't' ELSE substr(typeof(${expr}), 1, 1) END`,
  };
}

// ---------------------------------------------------------------------------------- cursors

/** A row key as an opaque, exact string (for keyset paging): type codes and values, JSON inside base64url. */
export function encodeKey(types: string, raws: Raw[]): string {
  const parts = raws.map((r, i) => {
    const t = types[i];
    if (t === 'n') return null;
    if (t === 'i') return String(r);
    if (t === 'r') return formatReal(r as number);
    return Buffer.from(r as Uint8Array).toString('hex');
  });
  return Buffer.from(JSON.stringify([types, parts])).toString('base64url');
}

export function decodeKey(cursor: string): { types: string; raws: Raw[] } {
  let parsed: unknown;
  try { parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString()); } catch { throw new RangeError('not a row cursor'); }
  if (!Array.isArray(parsed) || typeof parsed[0] !== 'string' || !Array.isArray(parsed[1]) || parsed[0].length !== parsed[1].length) {
    throw new RangeError('not a row cursor');
  }
  const [types, parts] = parsed as [string, (string | null)[]];
  const raws = parts.map((p, i) => {
    const t = types[i] as TypeCode;
    if (t === 'n') return null;
    if (t === 'i') return intRaw(BigInt(p as string));
    if (t === 'r') return fromSqlValue({ type: 'real', value: p as string }).raw;
    if (t === 't' || t === 'b') return new Uint8Array(Buffer.from(p as string, 'hex'));
    throw new RangeError('not a row cursor');
  });
  return { types, raws };
}

/**
 * A bound parameter of node-sqlite3-wasm keeps a value's storage class only for integers and
 * non-integral reals; this SQL puts the class back (text from its bytes, an integral real as a
 * real). Use it as `bindExpr(n)` with parameters ?n = value and ?(n+1) = its type code.
 */
export function bindExpr(n: number): string {
  return `(CASE ?${n + 1} WHEN 't' THEN CAST(?${n} AS TEXT) WHEN 'r' THEN CAST(?${n} AS REAL) ELSE ?${n} END)`;
}
