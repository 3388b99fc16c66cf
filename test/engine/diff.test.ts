// Diff of a backup against a live database, table by table, checked against native sqlite3:
// both files attached to one native connection, the expected deleted / added / changed keys
// computed in SQL with a byte-exact comparison (support/inside.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { CHINOOK, sqlite3, tmpDir } from '../helpers';
import { nativeCreate } from './support/fixtures';
import { asQuote, nativeAttached, normQuote, oracleDiff, OracleSpec } from './support/inside';
import { diffDatabases, openCompare, TableDiff } from '../../src/core';

/** A backup built by native sqlite3, and a live copy of it changed by `liveSql`. */
function pair(backupSql: string, liveSql: string): { backup: string; live: string } {
  const dir = tmpDir('lifeboat-diff-');
  const backup = nativeCreate(join(dir, 'backup.db'), backupSql);
  const live = join(dir, 'live.db');
  copyFileSync(backup, live);
  nativeCreate(live, liveSql);
  return { backup, live };
}

const keysOf = (t: TableDiff, kind: 'added' | 'deleted' | 'changed') =>
  t.rows.filter((r) => r.kind === kind).map((r) => r.key.map((k) => asQuote(k)).join('|'));

/** The diff of `table` agrees with the oracle: counts and every listed key. */
function assertMatchesOracle(t: TableDiff, backup: string, live: string, spec: OracleSpec): void {
  const o = oracleDiff(backup, live, t.table, spec);
  // compared as sets: the order of the listed rows is checked where it matters (paging)
  const norm = (l: string[]) => l.map((s) => s.split('|').map(normQuote).join('|')).sort();
  assert.deepEqual(
    { deleted: t.counts!.deleted, added: t.counts!.added, changed: t.counts!.changed },
    { deleted: o.deleted.length, added: o.added.length, changed: o.changed.length },
    `${t.table}: counts agree with native sqlite3`,
  );
  assert.ok(t.rows.length === o.deleted.length + o.added.length + o.changed.length, `${t.table}: every differing row is listed`);
  assert.deepEqual(keysOf(t, 'deleted').sort(), norm(o.deleted), `${t.table}: deleted keys`);
  assert.deepEqual(keysOf(t, 'added').sort(), norm(o.added), `${t.table}: added keys`);
  assert.deepEqual(keysOf(t, 'changed').sort(), norm(o.changed), `${t.table}: changed keys`);
}

/** The diff found in SQL (the default where it can be) equals the diff found value by value in code. */
async function assertBothWaysAgree(backup: string, live: string): Promise<void> {
  const strip = (d: { tables: TableDiff[] }) => d.tables;
  const inSql = await diffDatabases({ backupFile: backup }, { dbPath: live }, { limit: 1000 });
  process.env.LIFEBOAT_DIFF_MERGE = 'js';
  try {
    assert.deepEqual(strip(await diffDatabases({ backupFile: backup }, { dbPath: live }, { limit: 1000 })), strip(inSql), 'the SQL merge and the value-by-value merge agree');
  } finally {
    delete process.env.LIFEBOAT_DIFF_MERGE;
  }
}

const table = (d: { tables: TableDiff[] }, name: string) => {
  const t = d.tables.find((x) => x.table === name);
  assert.ok(t, `table ${name} is in the diff`);
  return t!;
};

test('rowid table: deleted, added and changed rows by rowid, with NULL vs empty text, 64-bit integers, reals, blobs and NUL bytes', async () => {
  const { backup, live } = pair(`
    CREATE TABLE items(id INTEGER PRIMARY KEY, name TEXT, qty INTEGER, price REAL, data BLOB, note);
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 200)
      INSERT INTO items SELECT i, 'item ' || i, i * 3, i / 4.0, randomblob(i % 17), CASE i % 3 WHEN 0 THEN i WHEN 1 THEN 'n' || i ELSE NULL END FROM n;
    INSERT INTO items VALUES (1000, NULL, 1, 1.5, NULL, NULL), (1001, '', 1, 1.5, x'', NULL),
      (1002, 'big', 9223372036854775807, 1.0, NULL, NULL), (1003, 'real', 1, 0.1, NULL, NULL),
      (1004, 'blob', 1, 1.0, x'00ff00', NULL), (1005, 'nul', 1, 1.0, NULL, 'a' || char(0) || 'b'),
      (1006, 'int vs real', 1, 1.0, NULL, 5), (1007, 'case', 1, 1.0, NULL, 'abc'), (1008, 'empty blob', 1, 1.0, x'', NULL);
  `, `
    DELETE FROM items WHERE id IN (10, 20, 30);
    INSERT INTO items(id, name) VALUES (5000, 'new'), (5001, NULL);
    UPDATE items SET name = '' WHERE id = 1000;
    UPDATE items SET name = NULL WHERE id = 1001;
    UPDATE items SET qty = 9223372036854775806 WHERE id = 1002;
    UPDATE items SET price = 0.10000000000000002 WHERE id = 1003;
    UPDATE items SET data = x'00ff01' WHERE id = 1004;
    UPDATE items SET note = 'a' || char(0) || 'c' WHERE id = 1005;
    UPDATE items SET note = 5.0 WHERE id = 1006;
    UPDATE items SET note = 'ABC' WHERE id = 1007;
    UPDATE items SET data = NULL WHERE id = 1008;
    UPDATE items SET name = name, qty = qty WHERE id BETWEEN 50 AND 60;
  `);
  const d = await diffDatabases({ backupFile: backup }, { dbPath: live }, { limit: 1000 });
  const t = table(d, 'items');
  assert.equal(d.identical, false);
  assert.equal(t.status, 'different');
  assert.deepEqual(t.key, { kind: 'rowid', columns: ['id'], stable: true });
  assertMatchesOracle(t, backup, live, {
    keyFrom: ['rowid'], keyTo: ['rowid'],
    pairs: ['id', 'name', 'qty', 'price', 'data', 'note'].map((c) => ({ from: c, to: c, toType: '' })),
  });
  assert.deepEqual(t.counts, { from: 209, to: 208, added: 2, deleted: 3, changed: 9 });
  const row = (id: string) => t.rows.find((r) => r.kind === 'changed' && r.key[0]?.type === 'integer' && r.key[0].value === id)!;
  assert.deepEqual(row('1002').changed, ['qty']);
  assert.deepEqual([row('1002').from![2], row('1002').to![2]], [{ type: 'integer', value: '9223372036854775807' }, { type: 'integer', value: '9223372036854775806' }]);
  assert.deepEqual([row('1000').from![1], row('1000').to![1]], [null, { type: 'text', value: '', size: 0 }], 'NULL and empty text are different values');
  assert.deepEqual([row('1006').from![5], row('1006').to![5]], [{ type: 'integer', value: '5' }, { type: 'real', value: '5.0' }], 'an integer and an equal real differ in storage class');
  assert.deepEqual(row('1003').to![3], { type: 'real', value: '0.10000000000000002' }, 'reals keep every bit');
  assert.deepEqual(row('1005').changed, ['note'], 'text that differs only after a NUL byte is seen as changed');
  assert.deepEqual(row('1008').changed, ['data'], 'an empty blob is not NULL');
  await assertBothWaysAgree(backup, live);
});

test('WITHOUT ROWID tables: composite and descending keys, and a NOCASE key whose case changed', async () => {
  const { backup, live } = pair(`
    CREATE TABLE stock(sku TEXT, store INTEGER, qty INTEGER, PRIMARY KEY(sku, store DESC)) WITHOUT ROWID;
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 300)
      INSERT INTO stock SELECT printf('sku-%03d', i % 60), i, i * 2 FROM n;
    CREATE TABLE tags(name TEXT COLLATE NOCASE PRIMARY KEY, uses INTEGER) WITHOUT ROWID;
    INSERT INTO tags VALUES ('Apple', 1), ('banana', 2), ('Cherry', 3), ('date', 4);
  `, `
    DELETE FROM stock WHERE store % 50 = 0;
    UPDATE stock SET qty = -1 WHERE store % 70 = 0;
    INSERT INTO stock VALUES ('sku-999', 1, 1), ('sku-000', 100000, 5);
    UPDATE tags SET name = 'APPLE' WHERE name = 'apple';
    UPDATE tags SET uses = 20 WHERE name = 'banana';
    DELETE FROM tags WHERE name = 'date';
    INSERT INTO tags VALUES ('elder', 5);
  `);
  const d = await diffDatabases({ backupFile: backup }, { dbPath: live }, { limit: 1000 });
  const stock = table(d, 'stock');
  assert.deepEqual(stock.key, { kind: 'primary-key', columns: ['sku', 'store'], stable: true });
  assertMatchesOracle(stock, backup, live, {
    keyFrom: ['sku', 'store'], keyTo: ['sku', 'store'],
    pairs: ['sku', 'store', 'qty'].map((c) => ({ from: c, to: c, toType: '' })),
  });
  assert.ok(stock.counts!.deleted >= 6 && stock.counts!.changed >= 4 && stock.counts!.added === 2, JSON.stringify(stock.counts));
  const tags = table(d, 'tags');
  assertMatchesOracle(tags, backup, live, { keyFrom: ['name'], keyTo: ['name'], pairs: [{ from: 'name', to: 'name', toType: '' }, { from: 'uses', to: 'uses', toType: '' }] });
  assert.deepEqual(tags.counts, { from: 4, to: 4, added: 1, deleted: 1, changed: 2 }, 'Apple/APPLE is the same key under NOCASE, and a change');
  await assertBothWaysAgree(backup, live);
});

test('a rowid table without INTEGER PRIMARY KEY is matched by rowid, and says that a VACUUM may renumber it', async () => {
  const { backup, live } = pair(`
    CREATE TABLE log(at TEXT, msg TEXT);
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 100) INSERT INTO log SELECT 't' || i, 'm' || i FROM n;
  `, `DELETE FROM log WHERE rowid % 10 = 0; UPDATE log SET msg = 'edited' WHERE rowid = 5; INSERT INTO log VALUES ('t101', 'm101');`);
  const d = await diffDatabases({ backupFile: backup }, { dbPath: live }, { limit: 1000 });
  const t = table(d, 'log');
  assert.deepEqual(t.key, { kind: 'rowid', columns: ['rowid'], stable: false });
  assert.match(t.note ?? '', /VACUUM/);
  assertMatchesOracle(t, backup, live, { keyFrom: ['rowid'], keyTo: ['rowid'], pairs: [{ from: 'at', to: 'at', toType: '' }, { from: 'msg', to: 'msg', toType: '' }] });
  await assertBothWaysAgree(backup, live);
});

test('a table with no usable key is compared by content, as multisets, and says so', async () => {
  const { backup, live } = pair(`
    CREATE TABLE odd(rowid TEXT, _rowid_ TEXT, oid TEXT, v);
    INSERT INTO odd VALUES ('a', 'b', 'c', 1), ('a', 'b', 'c', 1), ('a', 'b', 'c', 1), ('x', 'y', 'z', 2), ('p', NULL, x'01', 2.5);
  `, `
    DELETE FROM odd;
    INSERT INTO odd VALUES ('a', 'b', 'c', 1), ('p', NULL, x'01', 2.5), ('x', 'y', 'z', 2), ('n', 'n', 'n', 3), ('a', 'b', 'c', 1), ('n', 'n', 'n', 3);
  `);
  const d = await diffDatabases({ backupFile: backup }, { dbPath: live }, { limit: 1000 });
  const t = table(d, 'odd');
  assert.equal(t.key?.kind, 'content');
  assert.match(t.note ?? '', /compared by content: no usable key/);
  // the oracle: per distinct row, how many more copies one side has than the other
  const counts = nativeAttached(backup, live, `
    WITH a AS (SELECT quote(rowid) || quote(_rowid_) || quote(oid) || quote(v) AS r, count(*) AS n FROM f.odd GROUP BY 1),
         b AS (SELECT quote(rowid) || quote(_rowid_) || quote(oid) || quote(v) AS r, count(*) AS n FROM t.odd GROUP BY 1)
    SELECT (SELECT coalesce(sum(max(a.n - coalesce(b.n, 0), 0)), 0) FROM a LEFT JOIN b USING (r)),
           (SELECT coalesce(sum(max(b.n - coalesce(a.n, 0), 0)), 0) FROM b LEFT JOIN a USING (r));`);
  const [deleted, added] = counts[0].split('|').map(Number);
  assert.deepEqual({ deleted: t.counts!.deleted, added: t.counts!.added, changed: t.counts!.changed }, { deleted, added, changed: 0 });
  assert.equal(deleted, 1);
  assert.equal(added, 2);
});

test('type affinity: values the live column would store the same are not changes; other values are', async () => {
  // The live table is the backup's after a migration that changed declared types: native SQLite
  // converts every value on the way in, so untouched rows hold the converted values.
  const dir = tmpDir('lifeboat-diff-');
  const backup = nativeCreate(join(dir, 'backup.db'), `
    CREATE TABLE m(id INTEGER PRIMARY KEY, code TEXT, amount INTEGER, ratio REAL, raw, label TEXT);
    INSERT INTO m VALUES (1, '5', 3, 0.5, '12', 'a'), (2, '007', 4, 2.25, 'x', 'b'), (3, 'abc', 5, 1.0, 7, 'c'),
      (4, ' 12 ', 6, 0.25, '1e3', 'd'), (5, '1e3', 7, 3.0, x'ff', 'e'), (6, '9223372036854775808', 8, 4.5, NULL, 'f'),
      (7, '3.0', 9, 5.0, '2.5', 'g'), (8, '', 10, 0.75, '', 'h');
  `);
  const live = nativeCreate(join(dir, 'live.db'), `
    ATTACH '${backup}' AS b;
    CREATE TABLE m(id INTEGER PRIMARY KEY, code INTEGER, amount REAL, ratio TEXT, raw NUMERIC, label TEXT);
    INSERT INTO m SELECT * FROM b.m;
    UPDATE m SET code = 6 WHERE id = 1;
    UPDATE m SET amount = 4.5 WHERE id = 2;
    UPDATE m SET raw = 'y' WHERE id = 2;
    UPDATE m SET label = 'changed' WHERE id = 8;
  `);
  assert.equal(sqlite3(live, "SELECT typeof(code) || typeof(amount) || typeof(ratio) || typeof(raw) FROM m WHERE id = 4"), 'integerrealtextinteger', 'the oracle converted on insert');
  const d = await diffDatabases({ backupFile: backup }, { dbPath: live }, { limit: 1000 });
  const t = table(d, 'm');
  assertMatchesOracle(t, backup, live, {
    keyFrom: ['rowid'], keyTo: ['rowid'],
    pairs: [['id', 'INTEGER'], ['code', 'INTEGER'], ['amount', 'REAL'], ['ratio', 'TEXT'], ['raw', 'NUMERIC'], ['label', 'TEXT']].map(([c, ty]) => ({ from: c, to: c, toType: ty })),
  });
  assert.deepEqual(t.rows.map((r) => [r.key[0] && 'value' in r.key[0] ? r.key[0].value : '', r.changed]), [['1', ['code']], ['2', ['amount', 'raw']], ['8', ['label']]]);
  assert.deepEqual(t.schema?.columnsChanged.map((c) => [c.name, c.what]), [['code', ['type']], ['amount', ['type']], ['ratio', ['type']], ['raw', ['type']]]);
});

test('renamed and added columns: the renamed column is compared under its new name, the added one is reported', async () => {
  const { backup, live } = pair(`
    CREATE TABLE people(id INTEGER PRIMARY KEY, name TEXT, age INTEGER);
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 40) INSERT INTO people SELECT i, 'p' || i, 20 + i FROM n;
  `, `
    ALTER TABLE people RENAME COLUMN name TO full_name;
    ALTER TABLE people ADD COLUMN email TEXT;
    UPDATE people SET email = 'e' || id || '@x';
    UPDATE people SET full_name = 'renamed' WHERE id = 3;
    UPDATE people SET age = 0 WHERE id = 4;
    DELETE FROM people WHERE id = 5;
  `);
  const d = await diffDatabases({ backupFile: backup }, { dbPath: live }, { limit: 1000 });
  const t = table(d, 'people');
  assert.deepEqual(t.schema?.columnsRenamed, [{ from: 'name', to: 'full_name' }]);
  assert.deepEqual(t.schema?.columnsAdded, ['email']);
  assert.deepEqual(t.columns.compared, [{ from: 'id', to: 'id' }, { from: 'name', to: 'full_name' }, { from: 'age', to: 'age' }]);
  assertMatchesOracle(t, backup, live, {
    keyFrom: ['rowid'], keyTo: ['rowid'],
    pairs: [{ from: 'id', to: 'id', toType: 'INTEGER' }, { from: 'name', to: 'full_name', toType: 'TEXT' }, { from: 'age', to: 'age', toType: 'INTEGER' }],
  });
  assert.deepEqual(t.rows.map((r) => r.changed ?? r.kind), [['full_name'], ['age'], 'deleted'], 'filling the new column is not a change of the old rows');
});

test('tables on one side only, views and virtual tables skipped, index and trigger changes, identical tables', async () => {
  const { backup, live } = pair(`
    CREATE TABLE a(id INTEGER PRIMARY KEY, v TEXT);
    INSERT INTO a VALUES (1, 'x'), (2, 'y');
    CREATE TABLE gone(id INTEGER PRIMARY KEY, v);
    INSERT INTO gone VALUES (1, 1), (2, 2), (3, 3);
    CREATE INDEX a_v ON a(v);
    CREATE TRIGGER a_t AFTER INSERT ON a BEGIN SELECT 1; END;
    CREATE VIEW a_view AS SELECT * FROM a;
    CREATE VIRTUAL TABLE docs USING fts5(body);
    INSERT INTO docs VALUES ('hello world');
    CREATE TABLE same(k TEXT PRIMARY KEY, v) WITHOUT ROWID;
    INSERT INTO same VALUES ('k', 1);
  `, `
    DROP TABLE gone;
    CREATE TABLE fresh(id INTEGER PRIMARY KEY, v);
    INSERT INTO fresh VALUES (7, 'seven');
    DROP INDEX a_v; CREATE INDEX a_v ON a(v DESC);
    CREATE INDEX a_id_v ON a(id, v);
    DROP TRIGGER a_t; CREATE TRIGGER a_t AFTER INSERT ON a BEGIN SELECT 2; END;
    INSERT INTO docs VALUES ('another');
  `);
  const d = await diffDatabases({ backupFile: backup }, { dbPath: live }, { limit: 10 });
  assert.equal(table(d, 'gone').status, 'removed');
  assert.deepEqual(table(d, 'gone').counts, { from: 3, to: 0, added: 0, deleted: 3, changed: 0 });
  assert.equal(table(d, 'fresh').status, 'added');
  assert.deepEqual(table(d, 'fresh').rows[0].to, [{ type: 'integer', value: '7' }, { type: 'text', value: 'seven', size: 5 }]);
  const a = table(d, 'a');
  assert.equal(a.status, 'different', 'same rows but a changed definition');
  assert.deepEqual({ ia: a.schema!.indexesAdded, ic: a.schema!.indexesChanged, tc: a.schema!.triggersChanged }, { ia: ['a_id_v'], ic: ['a_v'], tc: ['a_t'] });
  assert.deepEqual(a.counts, { from: 2, to: 2, added: 0, deleted: 0, changed: 0 });
  assert.equal(table(d, 'a_view').status, 'skipped');
  assert.match(table(d, 'a_view').note!, /view/);
  assert.equal(table(d, 'docs').status, 'skipped');
  assert.match(table(d, 'docs').note!, /virtual table/);
  for (const shadow of ['docs_data', 'docs_idx', 'docs_content', 'docs_docsize', 'docs_config']) assert.equal(table(d, shadow).status, 'skipped', shadow);
  assert.equal(table(d, 'same').status, 'identical');
  const only = await diffDatabases({ backupFile: backup }, { dbPath: live }, { tables: ['same'] });
  assert.deepEqual(only.tables.map((t) => t.table), ['same']);
  assert.equal(only.identical, true);
});

test('chinook against itself is identical; against a copy with changes, only the changed tables differ', async () => {
  const dir = tmpDir('lifeboat-diff-');
  const live = join(dir, 'live.db');
  copyFileSync(CHINOOK, live);
  const same = await diffDatabases({ backupFile: CHINOOK }, { dbPath: live });
  assert.equal(same.identical, true);
  assert.equal(same.tables.length, 11);
  sqlite3(live, 'PRAGMA foreign_keys = OFF; DELETE FROM PlaylistTrack WHERE PlaylistId = 1; UPDATE Customer SET Email = upper(Email) WHERE CustomerId < 5;');
  const d = await diffDatabases({ backupFile: CHINOOK }, { dbPath: live }, { limit: 0 });
  assert.deepEqual(d.tables.filter((t) => t.status !== 'identical').map((t) => t.table), ['Customer', 'PlaylistTrack']);
  const pt = table(d, 'PlaylistTrack');
  assert.equal(pt.counts!.deleted, Number(sqlite3(CHINOOK, 'SELECT count(*) FROM PlaylistTrack WHERE PlaylistId = 1')));
  assert.deepEqual(pt.rows, [], '--limit 0 lists no rows, the counts are complete');
  const c = table(d, 'Customer');
  assert.equal(c.counts!.changed, Number(sqlite3(CHINOOK, 'SELECT count(*) FROM Customer WHERE CustomerId < 5 AND Email <> upper(Email)')));
});

test('the differing rows of a table come in keyset pages that add up to the whole list, in key order', async () => {
  const { backup, live } = pair(`
    CREATE TABLE t(id INTEGER PRIMARY KEY, v);
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 500) INSERT INTO t SELECT i, i FROM n;
    CREATE TABLE w(a TEXT, b INTEGER, v, PRIMARY KEY(a, b)) WITHOUT ROWID;
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 200) INSERT INTO w SELECT 'k' || (i % 7), i, i FROM n;
  `, `
    DELETE FROM t WHERE id % 9 = 0; UPDATE t SET v = -v WHERE id % 13 = 0; INSERT INTO t VALUES (1000, 1), (1001, 2);
    DELETE FROM w WHERE b % 5 = 0; UPDATE w SET v = 0 WHERE b % 11 = 0;
  `);
  const s = await openCompare({ backupFile: backup }, { dbPath: live });
  try {
    for (const [way, name] of [['sql', 't'], ['sql', 'w'], ['js', 't'], ['js', 'w']]) {
      if (way === 'js') process.env.LIFEBOAT_DIFF_MERGE = 'js';
      const all = await s.diff({ tables: [name], limit: 10_000 });
      const expected = all.tables[0].rows;
      const first = await s.diff({ tables: [name], limit: 7 });
      assert.equal(first.tables[0].rows.length, 7);
      assert.deepEqual(first.tables[0].counts, all.tables[0].counts, 'the counts are complete whatever the page size');
      const got = [...first.tables[0].rows];
      let next = first.tables[0].next;
      let pages = 1;
      while (next) {
        assert.ok(pages <= expected.length, `${way}/${name}: paging ends (a cursor that is ignored repeats pages forever)`);
        const page = await s.rows(name, { after: next, limit: 7 });
        got.push(...page.rows);
        next = page.next;
        pages++;
      }
      assert.deepEqual(got, expected, `${way}/${name}: pages add up to the full list`);
      assert.equal(pages, Math.ceil(expected.length / 7));
    }
  } finally {
    delete process.env.LIFEBOAT_DIFF_MERGE;
    await s.close();
  }
});

test('diff of two backups; a live database is read from a snapshot and never written', async () => {
  const { backup, live } = pair('CREATE TABLE t(id INTEGER PRIMARY KEY, v); INSERT INTO t VALUES (1, 1);', 'INSERT INTO t VALUES (2, 2);');
  const before = sqlite3(live, 'SELECT count(*) FROM t');
  const { createHash } = await import('node:crypto');
  const { readFileSync, readdirSync } = await import('node:fs');
  const hash = (f: string) => createHash('sha256').update(readFileSync(f)).digest('hex');
  const h0 = hash(live);
  const hb = hash(backup);
  const entries = readdirSync(join(live, '..')).sort();
  const viaLive = await diffDatabases({ backupFile: backup }, { dbPath: live });
  const viaBackups = await diffDatabases({ backupFile: backup }, { backupFile: live });
  assert.deepEqual(viaLive.tables[0].counts, viaBackups.tables[0].counts);
  assert.equal(hash(live), h0, 'the live file is byte for byte the same');
  assert.equal(hash(backup), hb, 'the backup too');
  assert.deepEqual(readdirSync(join(live, '..')).sort(), entries, 'no lock folder, journal or temp file beside the files');
  assert.equal(sqlite3(live, 'SELECT count(*) FROM t'), before);
});
