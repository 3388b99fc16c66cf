// Partial restores on real files, checked with native sqlite3: recover deleted (and changed) rows,
// restore one table, restore as a copy; foreign keys checked; triggers not fired; every other
// table untouched; and a failure at any step (or a write to the live database meanwhile) leaves
// the live database byte for byte as it was.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CHINOOK, nativeCounts, nativeIntegrity, sqlite3, tmpDir } from '../helpers';
import { hashSet, makeCorruptPage, makeRealDb, nativeCreate } from './support/fixtures';
import { nativeAttached } from './support/inside';
import {
  ForeignKeyError, IncompatibleError, IntegrityError, LiveChangedError, NotSqliteError, partialRestore, PartialRestoreOptions, PartialStep, restoreAsCopy,
} from '../../src/core';

interface Setup { dir: string; backup: string; live: string; out: string }

function setup(src = CHINOOK, liveSql?: string): Setup {
  const dir = tmpDir('lifeboat-partial-');
  const backup = join(dir, 'backup.db');
  const live = join(dir, 'live', 'app.db');
  mkdirSync(join(dir, 'live'));
  copyFileSync(src, backup);
  copyFileSync(src, live);
  if (liveSql) sqlite3(live, liveSql);
  return { dir, backup, live, out: join(dir, 'out') };
}

/** `.dump` of each table (with its indexes and triggers), by native sqlite3. */
function dumps(db: string): Record<string, string> {
  const names = sqlite3(db, "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").split('\n').filter(Boolean);
  return Object.fromEntries(names.map((n) => [n, sqlite3(db, `.dump "${n}"`)]));
}

function others(d: Record<string, string>, ...except: string[]): Record<string, string> {
  return Object.fromEntries(Object.entries(d).filter(([k]) => !except.includes(k)));
}

const run = (s: Setup, o: Partial<PartialRestoreOptions> & Pick<PartialRestoreOptions, 'tables' | 'mode'>) =>
  partialRestore({ backupFile: s.backup, dbPath: s.live, outputDir: s.out, ...o });

test('recover deleted rows of Track (chinook): exactly the missing rows come back, nothing else changes', async () => {
  const s = setup(CHINOOK, `
    DELETE FROM Track WHERE TrackId % 10 = 0;
    INSERT INTO Track(TrackId, Name, MediaTypeId, Milliseconds, UnitPrice) VALUES (9999, 'written after the backup', 1, 1000, 0.99);
    UPDATE Track SET Name = 'changed since the backup' WHERE TrackId = 5;
    INSERT INTO Genre(Name) VALUES ('new genre');
  `);
  const before = dumps(s.live);
  const missing = Number(nativeAttached(s.backup, s.live, 'SELECT count(*) FROM f.Track WHERE TrackId NOT IN (SELECT TrackId FROM t.Track);')[0]);
  assert.equal(missing, 350);
  const r = await run(s, { tables: ['Track'], mode: 'missing' });
  assert.equal(r.installed, true);
  assert.deepEqual(r.tables.map((t) => [t.table, t.inserted, t.replaced, t.rowsBefore, t.rowsAfter]), [['Track', 350, 0, 3154, 3504]]);
  assert.deepEqual(r.tablesTouched, ['Track']);
  assert.deepEqual(r.foreignKeyViolations, []);
  // the oracle: every backup row is back, byte for byte; the newer row and the changed row are as they were live
  assert.deepEqual(nativeAttached(s.backup, s.live, `
    SELECT count(*) FROM (SELECT * FROM f.Track WHERE TrackId <> 5 EXCEPT SELECT * FROM t.Track);
    SELECT Name FROM t.Track WHERE TrackId IN (5, 9999) ORDER BY TrackId;`), ['0', 'changed since the backup', 'written after the backup']);
  assert.equal(Number(sqlite3(s.live, 'SELECT count(*) FROM Track')), 3504);
  assert.deepEqual(others(dumps(s.live), 'Track'), others(before, 'Track'), 'every other table is exactly as it was');
  assert.equal(nativeIntegrity(s.live), 'ok');
  assert.equal(sqlite3(s.live, 'PRAGMA foreign_key_check'), '');
  // the safety copy holds the state before
  assert.ok(r.restore?.safetyCopy && existsSync(r.restore.safetyCopy));
  assert.deepEqual(dumps(r.restore!.safetyCopy!), before);
});

test('missing+changed also puts back the rows changed since the backup, and keeps rows added since', async () => {
  const s = setup(CHINOOK, `
    DELETE FROM Customer WHERE CustomerId IN (3, 4);
    UPDATE Customer SET Email = 'changed@example.com', Phone = NULL WHERE CustomerId IN (7, 8, 9);
    INSERT INTO Customer(CustomerId, FirstName, LastName, Email) VALUES (100, 'New', 'Customer', 'new@example.com');
  `);
  const before = dumps(s.live);
  const r = await run(s, { tables: ['Customer'], mode: 'missing+changed' });
  assert.deepEqual(r.tables.map((t) => [t.inserted, t.replaced, t.rowsAfter]), [[2, 3, 60]]);
  assert.deepEqual(nativeAttached(s.backup, s.live, `
    SELECT count(*) FROM (SELECT * FROM f.Customer EXCEPT SELECT * FROM t.Customer);
    SELECT Email FROM t.Customer WHERE CustomerId = 100;`), ['0', 'new@example.com']);
  assert.deepEqual(others(dumps(s.live), 'Customer'), others(before, 'Customer'));
});

test('foreign keys: recovering rows whose parents are gone too is refused (nothing changes); recovering both tables together works', async () => {
  const s = setup(CHINOOK, 'DELETE FROM InvoiceLine WHERE InvoiceId <= 10; DELETE FROM Invoice WHERE InvoiceId <= 10;');
  const h = hashSet(s.live);
  const err = await run(s, { tables: ['InvoiceLine'], mode: 'missing' }).catch((e) => e);
  assert.ok(err instanceof ForeignKeyError, String(err));
  assert.equal(err.file, s.live);
  assert.match(err.message, /row\(s\) of InvoiceLine would point to missing rows of Invoice/);
  const lines = Number(sqlite3(s.backup, 'SELECT count(*) FROM InvoiceLine WHERE InvoiceId <= 10'));
  assert.deepEqual(err.violations.map((v: { table: string; parent: string; count: number }) => [v.table, v.parent, v.count]), [['InvoiceLine', 'Invoice', lines]]);
  assert.deepEqual(hashSet(s.live), h, 'the live database is byte for byte as it was');
  assert.ok(!existsSync(join(s.out, 'pre-restore')), 'not even a safety copy was taken');
  const r = await run(s, { tables: ['Invoice', 'InvoiceLine'], mode: 'missing' });
  assert.deepEqual(r.tables.map((t) => [t.table, t.inserted]), [['Invoice', 10], ['InvoiceLine', lines]]);
  assert.equal(sqlite3(s.live, 'PRAGMA foreign_key_check'), '');
  assert.deepEqual(nativeCounts(s.live), nativeCounts(s.backup));
});

test('restore a table: its rows, indexes and triggers become the backup\'s; every other table stays as it is now', async () => {
  const base = nativeCreate(join(tmpDir('lifeboat-partial-'), 'base.db'), `
    CREATE TABLE boards(id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL UNIQUE, owner TEXT);
    CREATE INDEX boards_owner ON boards(owner);
    CREATE TABLE cards(id INTEGER PRIMARY KEY, board_id INTEGER REFERENCES boards(id), title TEXT);
    CREATE TABLE audit(at TEXT, what TEXT);
    CREATE TRIGGER boards_audit AFTER INSERT ON boards BEGIN INSERT INTO audit VALUES ('now', 'board ' || NEW.name); END;
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 50) INSERT INTO boards(name, owner) SELECT 'board ' || i, 'o' || (i % 5) FROM n;
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 200) INSERT INTO cards SELECT i, 1 + i % 50, 'card ' || i FROM n;
  `);
  const s = setup(base, `
    DELETE FROM boards;
    INSERT INTO boards(name, owner) VALUES ('after the accident', 'x');
    INSERT INTO cards VALUES (500, 51, 'a card on the new board');
    DROP INDEX boards_owner; CREATE INDEX boards_name_owner ON boards(name, owner);
    DROP TRIGGER boards_audit;
    CREATE TRIGGER boards_live_only AFTER DELETE ON boards BEGIN SELECT 1; END;
  `);
  const before = dumps(s.live);
  const seqBefore = Number(sqlite3(s.live, "SELECT seq FROM sqlite_sequence WHERE name = 'boards'"));
  assert.equal(seqBefore, 51);
  // the live card on board 51 would point to nothing once boards is the backup's: refused first
  const refused = await run(s, { tables: ['boards'], mode: 'table' }).catch((e) => e);
  assert.ok(refused instanceof ForeignKeyError, String(refused));
  assert.deepEqual(dumps(s.live), before);
  const r = await run(s, { tables: ['boards'], mode: 'table', allowForeignKeyViolations: true });
  assert.deepEqual(r.tables.map((t) => [t.table, t.rowsBefore, t.rowsAfter, t.inserted]), [['boards', 1, 50, 50]]);
  assert.ok(r.tables[0].schemaChanges.includes('index added: boards_owner') && r.tables[0].schemaChanges.includes('trigger added: boards_audit'), JSON.stringify(r.tables[0].schemaChanges));
  assert.ok(r.warnings.some((w) => /boards_live_only exists only in the live database/.test(w)), JSON.stringify(r.warnings));
  assert.deepEqual(r.foreignKeyViolations.map((v) => [v.table, v.parent, v.count, v.rowids]), [['cards', 'boards', 1, [500]]]);
  assert.equal(dumps(s.live).boards, dumps(s.backup).boards, 'boards (with its indexes and triggers) is exactly the backup\'s');
  assert.deepEqual(others(dumps(s.live), 'boards'), others(before, 'boards'), 'cards and audit are exactly as they were live (the trigger did not fire)');
  assert.equal(Number(sqlite3(s.live, "SELECT seq FROM sqlite_sequence WHERE name = 'boards'")), seqBefore, 'AUTOINCREMENT never hands out an id twice');
  assert.equal(nativeIntegrity(s.live), 'ok');
});

test('restore a table the live database no longer has, and a table whose definition changed since', async () => {
  const s = setup(CHINOOK, 'DROP TABLE PlaylistTrack; ALTER TABLE Genre ADD COLUMN color TEXT; UPDATE Genre SET color = \'red\';');
  const before = dumps(s.live);
  const r = await run(s, { tables: ['PlaylistTrack', 'Genre'], mode: 'table' });
  assert.deepEqual(r.tables.map((t) => [t.table, t.rowsBefore, t.rowsAfter]), [['PlaylistTrack', null, 8715], ['Genre', 25, 25]]);
  assert.deepEqual(r.tables[1].schemaChanges, ['column removed: color']);
  const after = dumps(s.live);
  assert.equal(after.PlaylistTrack, dumps(s.backup).PlaylistTrack);
  assert.equal(after.Genre, dumps(s.backup).Genre);
  assert.deepEqual(others(after, 'PlaylistTrack', 'Genre'), others(before, 'PlaylistTrack', 'Genre'));
});

test('a restored table keeps its rowids, also where they are not an INTEGER PRIMARY KEY and have gaps', async () => {
  const base = nativeCreate(join(tmpDir('lifeboat-partial-'), 'base.db'), `
    CREATE TABLE notes(body TEXT);
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 40) INSERT INTO notes SELECT 'note ' || i FROM n;
    DELETE FROM notes WHERE rowid % 3 = 0;
  `);
  const s = setup(base, "DELETE FROM notes; INSERT INTO notes VALUES ('live');");
  await run(s, { tables: ['notes'], mode: 'table' });
  const ids = (db: string) => sqlite3(db, 'SELECT group_concat(rowid || \':\' || body) FROM (SELECT rowid, body FROM notes ORDER BY rowid)');
  assert.equal(ids(s.live), ids(s.backup));
  assert.match(ids(s.live), /^1:note 1,2:note 2,4:note 4,/);
});

test('a backup that is damaged or not SQLite is refused before anything is read from it', async () => {
  const dir = tmpDir('lifeboat-partial-');
  const good = makeRealDb(join(dir, 'good.db'));
  const s = setup(good, 'DELETE FROM t WHERE id < 100;');
  copyFileSync(makeCorruptPage(good, join(dir, 'corrupt.db')), s.backup);
  const h = hashSet(s.live);
  const err = await run(s, { tables: ['u'], mode: 'missing' }).catch((e) => e);
  assert.ok(err instanceof IntegrityError, String(err));
  assert.equal(err.file, s.backup);
  assert.match(err.message, /refusing to restore from it/);
  const junk = join(dir, 'junk.db');
  writeFileSync(junk, 'not a database, just text that is long enough to have a header of a hundred bytes'.repeat(2));
  const e2 = await partialRestore({ backupFile: junk, dbPath: s.live, tables: ['u'], mode: 'table', outputDir: s.out }).catch((e) => e);
  assert.ok(e2 instanceof NotSqliteError, String(e2));
  assert.equal(e2.file, junk);
  assert.deepEqual(hashSet(s.live), h);
  assert.ok(!existsSync(s.out), 'no safety folder either');
});

test('recovering rows fires no trigger and keeps the live triggers as they were; a unique clash is refused', async () => {
  const base = nativeCreate(join(tmpDir('lifeboat-partial-'), 'base.db'), `
    CREATE TABLE users(id INTEGER PRIMARY KEY, email TEXT UNIQUE, name TEXT);
    CREATE TABLE log(msg TEXT);
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 30) INSERT INTO users SELECT i, 'u' || i || '@x', 'user ' || i FROM n;
  `);
  const s = setup(base, `
    CREATE TRIGGER users_ins AFTER INSERT ON users BEGIN INSERT INTO log VALUES ('inserted ' || NEW.id); END;
    DELETE FROM users WHERE id > 20;
  `);
  const trigger = sqlite3(s.live, "SELECT sql FROM sqlite_schema WHERE name = 'users_ins'");
  const r = await run(s, { tables: ['users'], mode: 'missing' });
  assert.equal(r.tables[0].inserted, 10);
  assert.equal(sqlite3(s.live, 'SELECT count(*) FROM log'), '0', 'no trigger fired');
  assert.equal(sqlite3(s.live, "SELECT sql FROM sqlite_schema WHERE name = 'users_ins'"), trigger, 'the trigger is back as it was');
  sqlite3(s.live, "DELETE FROM users WHERE id = 3; INSERT INTO users VALUES (300, 'u3@x', 'same email, new id');");
  const h = hashSet(s.live);
  const err = await run(s, { tables: ['users'], mode: 'missing' }).catch((e) => e);
  assert.ok(err instanceof IncompatibleError, String(err));
  assert.match(err.message, /UNIQUE constraint failed: users\.email/);
  assert.deepEqual(hashSet(s.live), h);
});

test('WITHOUT ROWID and composite keys: recovery by the declared key', async () => {
  const base = nativeCreate(join(tmpDir('lifeboat-partial-'), 'base.db'), `
    CREATE TABLE stock(sku TEXT, store INTEGER, qty INTEGER NOT NULL, note BLOB, PRIMARY KEY(sku, store DESC)) WITHOUT ROWID;
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 400) INSERT INTO stock SELECT 'sku-' || (i % 37), i, i * 2, randomblob(i % 5) FROM n;
  `);
  const s = setup(base, "DELETE FROM stock WHERE store % 3 = 0; UPDATE stock SET qty = -1 WHERE store % 7 = 0; INSERT INTO stock VALUES ('sku-new', 1, 1, NULL);");
  const r = await run(s, { tables: ['stock'], mode: 'missing+changed' });
  assert.deepEqual([r.tables[0].inserted, r.tables[0].replaced], [133, 57 - 19]);
  assert.deepEqual(nativeAttached(s.backup, s.live, `
    SELECT count(*) FROM (SELECT * FROM f.stock EXCEPT SELECT * FROM t.stock);
    SELECT count(*) FROM t.stock;`), ['0', '401']);
});

test('a failure at any step leaves the live database byte for byte as it was, with no temp files left', async () => {
  const steps: PartialStep[] = ['verify', 'snapshot', 'open', 'stage', 'apply', 'statement', 'check', 'commit', 'install'];
  const tmp = tmpDir('lifeboat-tmp-');
  const saved = process.env.TMPDIR;
  process.env.TMPDIR = tmp;
  try {
    for (const at of steps) {
      for (const mode of ['missing+changed', 'table'] as const) {
        if (at === 'stage' && mode === 'table') continue; // a table restore stages nothing
        const s = setup(CHINOOK, 'DELETE FROM Track WHERE TrackId % 7 = 0; UPDATE Track SET Name = \'x\' WHERE TrackId = 1; INSERT INTO Genre(Name) VALUES (\'live\');');
        const pre = readdirSync(tmp).sort();
        const h = hashSet(s.live);
        const listing = readdirSync(join(s.live, '..')).sort();
        let calls = 0;
        const err = await run(s, {
          tables: ['Track'], mode,
          // mid-way: the second statement of the transaction (after an INSERT or a DROP TABLE ran)
          step: (name) => { if (name === at && (at !== 'statement' || ++calls === 2)) throw new Error(`injected at ${at}`); },
        }).catch((e) => e);
        assert.equal(err?.message, `injected at ${at}`, `${mode}/${at}: the injected failure surfaces`);
        assert.deepEqual(hashSet(s.live), h, `${mode}/${at}: live database unchanged`);
        assert.deepEqual(readdirSync(join(s.live, '..')).sort(), listing, `${mode}/${at}: nothing new beside it`);
        assert.deepEqual(readdirSync(tmp).sort(), pre, `${mode}/${at}: no temp files left`);
      }
    }
  } finally {
    if (saved === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = saved;
  }
});

test('a write to the live database while the copy is built refuses the install: that write is kept, nothing else changes', async () => {
  const s = setup(CHINOOK, 'DELETE FROM Track WHERE TrackId < 100;');
  let h: ReturnType<typeof hashSet> | null = null;
  const err = await run(s, {
    tables: ['Track'], mode: 'missing',
    step: (name) => {
      if (name === 'commit') {
        sqlite3(s.live, "INSERT INTO Genre(Name) VALUES ('written by the app meanwhile')");
        h = hashSet(s.live);
      }
    },
  }).catch((e) => e);
  assert.ok(err instanceof LiveChangedError, String(err));
  assert.equal(err.file, s.live);
  assert.deepEqual(hashSet(s.live), h);
  assert.equal(sqlite3(s.live, 'SELECT count(*) FROM Track WHERE TrackId < 100'), '0');
});

test('dry run: the report of a real run, and the live database untouched', async () => {
  const s = setup(CHINOOK, 'DELETE FROM Album WHERE AlbumId > 300; PRAGMA foreign_keys = OFF;');
  const h = hashSet(s.live);
  const r = await run(s, { tables: ['Album'], mode: 'missing', dryRun: true });
  assert.equal(r.installed, false);
  assert.equal(r.restore, null);
  assert.deepEqual(r.tables.map((t) => [t.inserted, t.rowsBefore, t.rowsAfter]), [[47, 300, 347]]);
  assert.deepEqual(hashSet(s.live), h);
});

test('refusals name the file and the reason: no such table, a view, a key that changed, a column the backup cannot fill', async () => {
  const s = setup(CHINOOK);
  await assert.rejects(run(s, { tables: ['Nope'], mode: 'missing' }), (e: Error & { file?: string }) => e instanceof IncompatibleError && e.file === s.backup && /no table "Nope"/.test(e.message));
  const v = setup(CHINOOK, 'CREATE VIEW tracks_v AS SELECT * FROM Track;');
  copyFileSync(v.live, v.backup);
  await assert.rejects(run(v, { tables: ['tracks_v'], mode: 'missing' }), (e: Error & { file?: string }) => e.file === v.live && /tracks_v is a view in the backup/.test(e.message));
  await assert.rejects(run(v, { tables: ['tracks_v'], mode: 'table' }), (e: Error & { file?: string }) => e.file === v.backup && /tracks_v is a view in the backup/.test(e.message));
  const k = setup(CHINOOK, 'CREATE TABLE g2(GenreId INTEGER, Name TEXT, PRIMARY KEY(GenreId)) WITHOUT ROWID; INSERT INTO g2 SELECT * FROM Genre; DROP TABLE Genre; ALTER TABLE g2 RENAME TO Genre;');
  await assert.rejects(run(k, { tables: ['Genre'], mode: 'missing' }), /cannot be matched by key: keyed by rowid on one side and by primary-key on the other; restore the table instead/);
  const n = setup(CHINOOK, 'ALTER TABLE Genre ADD COLUMN color TEXT NOT NULL DEFAULT \'x\'; CREATE TABLE t2(a); DROP TABLE t2;');
  const strict = setup(CHINOOK, "CREATE TABLE Genre2(GenreId INTEGER PRIMARY KEY, Name TEXT, color TEXT NOT NULL); INSERT INTO Genre2 SELECT *, 'x' FROM Genre; DROP TABLE Genre; ALTER TABLE Genre2 RENAME TO Genre; DELETE FROM Genre WHERE GenreId = 1;");
  await assert.rejects(run(strict, { tables: ['Genre'], mode: 'missing' }), /NOT NULL column\(s\) without a default that the backup does not have: color/);
  const ok = await run(n, { tables: ['Genre'], mode: 'missing', dryRun: true });
  assert.equal(ok.tables[0].inserted, 0, 'a NOT NULL column with a default can be filled');
  await assert.rejects(partialRestore({ backupFile: s.live, dbPath: s.live, tables: ['Track'], mode: 'table' }), /is the live database itself/);
  await assert.rejects(partialRestore({ backupFile: s.backup, dbPath: join(s.dir, 'none.db'), tables: ['Track'], mode: 'table' }), /no such file/);
});

test('restore as a copy: a verified new file beside the live database; nothing is overwritten', async () => {
  const s = setup(CHINOOK, 'DELETE FROM Track;');
  const h = hashSet(s.live);
  const at = new Date(Date.UTC(2027, 0, 2, 3, 4, 5));
  const r = await restoreAsCopy({ backupFile: s.backup, dbPath: s.live, now: () => at });
  assert.equal(r.file, join(s.dir, 'live', 'app.restored-2027-01-02-030405.db'));
  assert.deepEqual(dumps(r.file), dumps(s.backup));
  assert.equal(statSync(r.file).mode & 0o777, 0o600);
  assert.equal(r.integrity, 'ok');
  assert.deepEqual(hashSet(s.live), h, 'the live database is not touched');
  await assert.rejects(restoreAsCopy({ backupFile: s.backup, dbPath: s.live, now: () => at }), /already exists/);
  const named = join(s.dir, 'inspect.db');
  assert.equal((await restoreAsCopy({ backupFile: s.backup, dbPath: s.live, to: named })).file, named);
  const inDir = await restoreAsCopy({ backupFile: s.backup, dbPath: s.live, to: s.dir, now: () => at });
  assert.equal(inDir.file, join(s.dir, 'app.restored-2027-01-02-030405.db'));
  await assert.rejects(restoreAsCopy({ backupFile: s.backup, dbPath: s.live, to: s.live }), /is the live database/);
  assert.deepEqual(readdirSync(join(s.dir, 'live')).sort(), ['app.db', 'app.restored-2027-01-02-030405.db']);
});
