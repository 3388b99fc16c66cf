// SQLite's rules in TypeScript (src/core/inside/values.ts) against SQLite itself: the affinity
// conversion an insert applies, the order of mixed values under each collation, and values
// carried out of the engine and back without loss.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { tmpDir } from '../helpers';
import { nativeCreate } from './support/fixtures';
import {
  applyAffinity, compareRaw, decodeKey, encodeKey, formatReal, fromSqlValue, Raw, toSqlValue, TypeCode,
} from '../../src/core/inside/values';
import { openReadOnly } from '../../src/core/inside/conn';
import { scan, plainValue } from '../../src/core/inside/scan';

const TEXTS = [' 12 ', '1e3', '3.0', '0x10', '.5', '5.', '99999999999999999999', '9223372036854775807', '9223372036854775808', '-0', '1e', '+7',
  '12abc', '', ' ', '1.5e+2', 'Inf', '-9223372036854775808', '00012', '1_000', '4503599627370496.0', '2251799813685248.0', '2251799813685247.0', '1e15', '-2.5'];

/** Reads every row of `table` through the engine under test: type codes and raw values per column. */
function readAll(db: string, table: string, cols: string[]): { t: string; v: Raw[] }[] {
  const o = openReadOnly(db);
  try {
    return [...scan({ src: o.src, table, order: [{ expr: 'rowid', desc: false, nullable: false }], values: cols.map((c) => plainValue(`"${c}"`)) })].map((r) => ({ t: r.vt, v: r.v }));
  } finally {
    o.close();
  }
}

test('applyAffinity: text, integers and reals become what native sqlite3 stores in NUMERIC, INTEGER, REAL and BLOB columns', () => {
  const dir = tmpDir('lifeboat-values-');
  const values = [
    ...TEXTS.map((t) => `'${t.replace(/'/g, "''")}'`),
    '3', '-7', '9223372036854775807', '3.0', '2.5', '0.0', '1e20', '4503599627370496.0', '-2251799813685248.0', '2251799813685249.0', 'x\'00ff\'', 'NULL',
  ];
  const db = nativeCreate(join(dir, 'aff.db'), `
    CREATE TABLE src(v);
    CREATE TABLE conv(n NUMERIC, i INTEGER, r REAL, b BLOB);
    ${values.map((v) => `INSERT INTO src VALUES (${v}); INSERT INTO conv VALUES (${v}, ${v}, ${v}, ${v});`).join('\n')}
  `);
  const src = readAll(db, 'src', ['v']);
  const conv = readAll(db, 'conv', ['n', 'i', 'r', 'b']);
  assert.equal(src.length, values.length);
  for (let k = 0; k < src.length; k++) {
    const t = src[k].t[0] as TypeCode;
    for (const [i, aff] of (['NUMERIC', 'INTEGER', 'REAL', 'BLOB'] as const).entries()) {
      const got = applyAffinity(t, src[k].v[0], aff);
      const want = { t: conv[k].t[i], raw: conv[k].v[i] };
      assert.deepEqual({ t: got.t, raw: got.raw }, want, `${values[k]} into a ${aff} column`);
    }
  }
});

test('compareRaw orders mixed values exactly as native ORDER BY does, under BINARY, NOCASE and RTRIM', () => {
  const dir = tmpDir('lifeboat-values-');
  const vals = ["'abc'", "'ABC'", "'abc '", "'ab'", "'Abd'", "'é'", "'z'", "''", '1', '1.0', '-2', '2.5', '9223372036854775807', '9.2233720368547758e18',
    "x''", "x'00'", "x'ff'", 'NULL', "'a' || char(0) || 'b'", "'a'", "'😀'", "'\uffff'"];
  const db = nativeCreate(join(dir, 'order.db'), `CREATE TABLE t(v); ${vals.map((v) => `INSERT INTO t VALUES (${v});`).join(' ')}`);
  const rows = readAll(db, 't', ['v']).map((r, i) => ({ ...r, rowid: i + 1 }));
  for (const coll of ['BINARY', 'NOCASE', 'RTRIM'] as const) {
    const native = execFileSync('sqlite3', [db, `SELECT rowid FROM t ORDER BY v COLLATE ${coll}, rowid`], { encoding: 'utf8' }).trim().split('\n').map(Number);
    const mine = [...rows].sort((a, b) => compareRaw(a.t[0] as TypeCode, a.v[0], b.t[0] as TypeCode, b.v[0], coll) || a.rowid - b.rowid).map((r) => r.rowid);
    assert.deepEqual(mine, native, `order under ${coll}`);
  }
});

test('values leave the engine exactly and come back: 64-bit integers, reals, NULL vs empty text, text with NUL bytes or bad UTF-8, blobs', () => {
  const dir = tmpDir('lifeboat-values-');
  const db = nativeCreate(join(dir, 'v.db'), `
    CREATE TABLE t(v);
    INSERT INTO t VALUES (9223372036854775807), (-9223372036854775808), (9007199254740993), (0.1), (1.0), (1e308), (-0.0), (1.5e-300),
      (NULL), (''), ('a' || char(0) || 'b'), (CAST(x'ff61' AS TEXT)), (x''), (x'00ff10'), ('ü😀'), (9e999), (-9e999);
  `);
  const native = execFileSync('sqlite3', [db, "SELECT typeof(v), CASE typeof(v) WHEN 'real' THEN printf('%!.17g', v) ELSE hex(v) END FROM t ORDER BY rowid"], { encoding: 'utf8' }).trim().split('\n');
  const rows = readAll(db, 't', ['v']);
  assert.equal(rows.length, native.length);
  rows.forEach((r, i) => {
    const [type, repr] = native[i].split('|');
    const sv = toSqlValue(r.t[0] as TypeCode, r.v[0]);
    const back = fromSqlValue(sv);
    assert.deepEqual(back, { t: r.t[0], raw: r.v[0] }, `row ${i + 1} comes back unchanged`);
    if (type === 'null') return assert.equal(sv, null);
    assert.equal(sv!.type, type, `row ${i + 1}: storage class`);
    if (type === 'integer') assert.equal((sv as { value: string }).value, Buffer.from(repr, 'hex').toString(), `row ${i + 1}: every digit`);
    // (== rather than Object.is: native printf writes -0.0 as 0)
    const num = (x: string) => (x === 'Inf' ? Infinity : x === '-Inf' ? -Infinity : Number(x));
    if (type === 'real') assert.ok(num((sv as { value: string }).value) === num(repr), `row ${i + 1}: the same double (${(sv as { value: string }).value} vs ${repr})`);
    if (type === 'blob') assert.equal((sv as { hex: string }).hex.toUpperCase(), repr);
    if (type === 'text') {
      const t = sv as { value: string; hex?: string; size: number };
      assert.equal(t.size, repr.length / 2, `row ${i + 1}: every byte`);
      if (t.hex !== undefined) assert.equal(t.hex.toUpperCase(), repr, 'invalid UTF-8 keeps its bytes');
      else assert.equal(Buffer.from(t.value).toString('hex').toUpperCase(), repr);
    }
  });
  assert.equal(formatReal(1), '1.0');
  assert.equal(formatReal(1e21), '1e21');
  const key = encodeKey('irtbn', [9223372036854775807n, 0.1, new Uint8Array([0x61, 0]), new Uint8Array([1, 2]), null]);
  assert.deepEqual(decodeKey(key), { types: 'irtbn', raws: [9223372036854775807n, 0.1, new Uint8Array([0x61, 0]), new Uint8Array([1, 2]), null] });
});
