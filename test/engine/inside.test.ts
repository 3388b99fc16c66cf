// A read-only look inside a backup (or a live database, through a snapshot): tables with counts
// and kinds, a table's schema, and its rows in keyset pages, sorted by any column, checked
// against what native sqlite3 reads from the same file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CHINOOK, nativeCounts, sqlite3, tmpDir } from '../helpers';
import { copySet, hashSet, makeFts5Db, makeSchemaZooDb, makeWalCrashDb, nativeCreate, WAL_COMMITTED_ITEMS } from './support/fixtures';
import { asQuote, normQuote } from './support/inside';
import { InsideSession, openInside, RowsPage, RowsQuery } from '../../src/core';

/** Every row of a table through the API, page by page. */
async function allRows(s: InsideSession, table: string, q: RowsQuery = {}): Promise<{ rows: RowsPage['rows']; pages: number; paging: string }> {
  const rows: RowsPage['rows'] = [];
  let after: string | null = null;
  let pages = 0;
  let paging = '';
  do {
    const p = await s.rows(table, { ...q, after });
    assert.ok(p.next === null || p.next !== after, 'each page moves on (a cursor that is ignored repeats pages forever)');
    rows.push(...p.rows);
    after = p.next;
    paging = p.paging;
    pages++;
  } while (after);
  return { rows, pages, paging };
}

/** Native rows as quote() of each column (hex-wrapped, so any text survives the trip), in `order`. */
function nativeRows(db: string, table: string, cols: string[], order: string): string[][] {
  const sel = cols.map((c) => `hex(quote("${c}"))`).join(` || ',' || `);
  const out = sqlite3(db, `SELECT ${sel} FROM "${table}" ORDER BY ${order};`);
  return out.split('\n').filter(Boolean).map((l) => l.split(',').map((h) => normQuote(Buffer.from(h, 'hex').toString())));
}

const mine = (rows: RowsPage['rows']) => rows.map((r) => r.values.map((v) => normQuote(asQuote(v))));

test('tables of chinook: names, kinds, keys and row counts equal native sqlite3', async () => {
  const s = await openInside({ backupFile: CHINOOK });
  try {
    const tables = await s.tables();
    assert.deepEqual(Object.fromEntries(tables.map((t) => [t.name, t.rows])), nativeCounts(CHINOOK));
    assert.ok(tables.every((t) => t.kind === 'rowid'));
    assert.deepEqual(tables.find((t) => t.name === 'PlaylistTrack')!.key, { kind: 'rowid', columns: ['rowid'], stable: false });
    assert.deepEqual(tables.find((t) => t.name === 'Track')!.key, { kind: 'rowid', columns: ['TrackId'], stable: true });
  } finally {
    await s.close();
  }
});

test('table kinds: rowid, WITHOUT ROWID, STRICT, views, virtual and shadow tables', async () => {
  const dir = tmpDir('lifeboat-inside-');
  const db = makeSchemaZooDb(join(dir, 'zoo.db'));
  const fts = makeFts5Db(join(dir, 'fts.db'));
  const s = await openInside({ backupFile: db });
  const f = await openInside({ backupFile: fts });
  try {
    const kinds = Object.fromEntries((await s.tables()).map((t) => [t.name, [t.kind, t.strict, t.rows]]));
    assert.deepEqual(kinds, {
      kv: ['without-rowid', false, 491], log: ['rowid', false, Number(sqlite3(db, 'SELECT count(*) FROM log'))], strict_t: ['rowid', true, 400],
      strict_wr: ['without-rowid', true, 3], v_join: ['view', false, null], v_strict: ['view', false, null],
    });
    const fk = Object.fromEntries((await f.tables()).map((t) => [t.name, t.kind]));
    assert.equal(fk.docs, 'virtual');
    assert.equal(fk.notes, 'rowid');
    for (const shadow of ['docs_config', 'docs_content', 'docs_data', 'docs_docsize', 'docs_idx']) assert.equal(fk[shadow], 'shadow', shadow);
  } finally {
    await s.close();
    await f.close();
  }
});

test('schema of a table: columns with types, defaults, key, collations, generated; indexes; triggers; foreign keys', async () => {
  const dir = tmpDir('lifeboat-inside-');
  const db = nativeCreate(join(dir, 's.db'), `
    CREATE TABLE parent(id INTEGER PRIMARY KEY, code TEXT UNIQUE);
    CREATE TABLE child(
      id INTEGER PRIMARY KEY,
      parent_id INTEGER NOT NULL REFERENCES parent(id) ON DELETE CASCADE,
      name TEXT COLLATE NOCASE DEFAULT 'x',
      "odd ""name""" REAL DEFAULT (1.5),
      twice INTEGER GENERATED ALWAYS AS (parent_id * 2) VIRTUAL,
      CONSTRAINT c UNIQUE (name, parent_id)
    );
    CREATE INDEX child_name ON child(name DESC, parent_id) WHERE name IS NOT NULL;
    CREATE TRIGGER child_ins AFTER INSERT ON child BEGIN UPDATE parent SET code = code WHERE id = NEW.parent_id; END;
  `);
  const s = await openInside({ backupFile: db });
  try {
    const t = await s.schema('child');
    assert.deepEqual(t.columns.map((c) => [c.name, c.type, c.affinity, c.notNull, c.defaultSql, c.pk, c.collation, c.generated]), [
      ['id', 'INTEGER', 'INTEGER', false, null, 1, 'BINARY', null],
      ['parent_id', 'INTEGER', 'INTEGER', true, null, 0, 'BINARY', null],
      ['name', 'TEXT', 'TEXT', false, "'x'", 0, 'NOCASE', null],
      ['odd "name"', 'REAL', 'REAL', false, '1.5', 0, 'BINARY', null],
      ['twice', 'INTEGER', 'INTEGER', false, null, 0, 'BINARY', 'virtual'],
    ]);
    // native sqlite3 agrees on columns and defaults
    assert.deepEqual(t.columns.map((c) => `${c.name}|${c.type}|${c.notNull ? 1 : 0}|${c.defaultSql ?? ''}|${c.pk}`),
      sqlite3(db, "SELECT name || '|' || type || '|' || \"notnull\" || '|' || coalesce(dflt_value, '') || '|' || pk FROM pragma_table_xinfo('child')").split('\n'));
    const ix = t.indexes.find((i) => i.name === 'child_name')!;
    assert.deepEqual([ix.partial, ix.unique, ix.origin, ix.columns], [true, false, 'c', [{ name: 'name', desc: true, collation: 'NOCASE' }, { name: 'parent_id', desc: false, collation: 'BINARY' }]]);
    assert.ok(t.indexes.some((i) => i.origin === 'u' && i.unique), 'the UNIQUE constraint is listed');
    assert.deepEqual(t.triggers.map((x) => x.name), ['child_ins']);
    assert.equal(t.triggers[0].sql, sqlite3(db, "SELECT sql FROM sqlite_schema WHERE name = 'child_ins'"));
    assert.deepEqual(t.foreignKeys, [{ id: 0, table: 'parent', from: ['parent_id'], to: ['id'], onUpdate: 'NO ACTION', onDelete: 'CASCADE' }]);
    assert.deepEqual(t.key.columns, ['id']);
    await assert.rejects(s.schema('nope'), /no table "nope"/);
  } finally {
    await s.close();
  }
  const c = await openInside({ backupFile: CHINOOK });
  try {
    const track = await c.schema('Track');
    assert.deepEqual(track.foreignKeys.map((f) => f.table).sort(), ['Album', 'Genre', 'MediaType']);
    assert.deepEqual(track.indexes.map((i) => i.name).sort(), sqlite3(CHINOOK, "SELECT name FROM pragma_index_list('Track') ORDER BY name").split('\n'));
  } finally {
    await c.close();
  }
});

test('rows of Track in keyset pages: every row once, in key order, values as native sqlite3 reads them', async () => {
  const s = await openInside({ backupFile: CHINOOK });
  try {
    const cols = (await s.schema('Track')).columns.map((c) => c.name);
    const got = await allRows(s, 'Track', { limit: 250 });
    assert.equal(got.paging, 'keyset');
    assert.equal(got.pages, Math.ceil(3503 / 250));
    assert.deepEqual(mine(got.rows), nativeRows(CHINOOK, 'Track', cols, 'TrackId'));
    const byName = await allRows(s, 'Track', { limit: 500, orderBy: 'Name', descending: true });
    assert.deepEqual(mine(byName.rows), nativeRows(CHINOOK, 'Track', cols, 'Name DESC, TrackId DESC'), 'sorted by a column, ties by key, descending');
    const byComposer = await allRows(s, 'Track', { limit: 333, orderBy: 'Composer' });
    assert.ok(byComposer.rows.some((r) => r.values[5] === null), 'the sort column has NULLs');
    assert.deepEqual(mine(byComposer.rows), nativeRows(CHINOOK, 'Track', cols, 'Composer, TrackId'), 'NULLs first, across page boundaries');
    const pt = await allRows(s, 'PlaylistTrack', { limit: 1000 });
    assert.equal(pt.rows.length, 8715);
    assert.deepEqual(pt.rows[0].key, [{ type: 'integer', value: sqlite3(CHINOOK, 'SELECT min(rowid) FROM PlaylistTrack') }], 'a rowid table is keyed by its rowid');
    await assert.rejects(s.rows('Track', { limit: 0 }), /rows per page/);
    await assert.rejects(s.rows('Track', { orderBy: 'nope' }), /no column "nope"/);
    await assert.rejects(s.rows('Track', { after: 'o:5' }), /cursor/);
  } finally {
    await s.close();
  }
});

test('rows of WITHOUT ROWID (descending composite key), keyless tables and views; long values come as previews', async () => {
  const dir = tmpDir('lifeboat-inside-');
  const db = nativeCreate(join(dir, 'r.db'), `
    CREATE TABLE w(a TEXT, b INTEGER, v, PRIMARY KEY(a, b DESC)) WITHOUT ROWID;
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 120) INSERT INTO w SELECT 'k' || (i % 9), i, CASE WHEN i % 4 = 0 THEN NULL ELSE i * 1.5 END FROM n;
    CREATE TABLE odd(rowid, _rowid_, oid);
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 50) INSERT INTO odd SELECT i, i, i FROM n;
    CREATE VIEW wv AS SELECT a, count(*) AS n FROM w GROUP BY a;
    CREATE TABLE big(id INTEGER PRIMARY KEY, t TEXT, b BLOB);
    INSERT INTO big VALUES (1, printf('%.5000c', 'x') || 'ü', zeroblob(9000));
  `);
  const s = await openInside({ backupFile: db });
  try {
    const w = await allRows(s, 'w', { limit: 13 });
    assert.equal(w.paging, 'keyset');
    assert.deepEqual(mine(w.rows), nativeRows(db, 'w', ['a', 'b', 'v'], 'a, b DESC'));
    const wByV = await allRows(s, 'w', { limit: 11, orderBy: 'v', descending: true });
    assert.deepEqual(mine(wByV.rows), nativeRows(db, 'w', ['a', 'b', 'v'], 'v DESC, a DESC, b ASC'));
    const odd = await allRows(s, 'odd', { limit: 7 });
    assert.equal(odd.paging, 'offset');
    assert.equal(odd.rows.length, 50);
    const view = await allRows(s, 'wv', { limit: 4, orderBy: 'a' });
    assert.equal(view.paging, 'offset');
    assert.deepEqual(mine(view.rows), nativeRows(db, 'wv', ['a', 'n'], 'a'));
    const big = (await s.rows('big', { maxBytes: 100 })).rows[0].values;
    assert.deepEqual(big[1], { type: 'text', value: 'x'.repeat(100), size: 5002, truncated: true });
    assert.deepEqual(big[2], { type: 'blob', hex: '00'.repeat(100), size: 9000, truncated: true });
  } finally {
    await s.close();
  }
});

test('a live WAL database is read through a snapshot: its un-checkpointed commits are seen, its files are not touched', async () => {
  const live = join(tmpDir('lifeboat-inside-'), 'app.db');
  await makeWalCrashDb(live);
  const before = hashSet(live);
  const listing = readdirSync(dirname(live)).sort();
  const oracle = copySet(live, tmpDir('lifeboat-oracle-'));
  const s = await openInside({ dbPath: live });
  try {
    const tables = Object.fromEntries((await s.tables()).map((t) => [t.name, t.rows]));
    assert.deepEqual(tables, { items: WAL_COMMITTED_ITEMS, wal_only: 2 });
    const rows = await allRows(s, 'items', { limit: 200 });
    assert.deepEqual(mine(rows.rows), nativeRows(oracle, 'items', ['id', 'label', 'payload'], 'id'));
  } finally {
    await s.close();
  }
  assert.deepEqual(hashSet(live), before, 'main file and companions unchanged');
  assert.deepEqual(readdirSync(dirname(live)).sort(), listing, 'nothing added beside the live database');
  const copy = join(tmpDir('lifeboat-inside-'), 'c.db');
  copyFileSync(CHINOOK, copy);
  await assert.rejects(openInside({ backupFile: join(dirname(copy), 'missing.db') }), (e: Error) => /missing\.db/.test((e as { file?: string }).file ?? '') && /no such file/.test(e.message));
});
