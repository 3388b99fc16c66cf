// Online restore: through SQLite, into the live database, while its applications stay connected
// (Node 22 and 24 only). The restored content is the backup's, object by object; writers that keep
// committing see it and their later commits land in it; journal mode, owner and mode stay; a
// failure before the commit rolls everything back.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, chownSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { backupDatabase } from '../../src/core/backup';
import { IncompatibleError, RestoreError } from '../../src/core/errors';
import { restoreDatabase } from '../../src/core/restore';
import { runCli, startWriter, invariants, invariantProblems, killStrays, liveLayout } from '../support/proc';
import { sha256File, sqlite3, tmpDir } from '../helpers';
import { copySet, dumpOf, integrityOf } from '../engine/support/fixtures';
import { filesUnder } from '../engine/support/oracle';
import { testUser } from '../engine/support/user';

after(killStrays);

/** Every schema object and every row, in a stable order: what "the same content" means here. */
function content(db: string): string {
  const c = copySet(db, tmpDir('lifeboat-content-'));
  const schema = sqlite3(c, "SELECT type, name, tbl_name, sql FROM sqlite_schema WHERE name NOT LIKE 'sqlite_autoindex%' ORDER BY type, name;");
  // every table with its rowids (where it has them): a restore must keep a row's identity
  const tables = sqlite3(c, "SELECT name || '|' || wr FROM pragma_table_list WHERE schema = 'main' AND type IN ('table', 'shadow') AND name NOT LIKE 'sqlite_%' ORDER BY name;").split('\n').filter(Boolean).map((l) => l.split('|'));
  const rows = tables.map(([t, wr]) => `${t}:\n${sqlite3(c, `SELECT ${wr === '1' ? '' : 'rowid, '}* FROM "${t}";`).split('\n').sort().join('\n')}`).join('\n');
  return [schema, rows, sqlite3(c, 'PRAGMA user_version; PRAGMA application_id;'), sqlite3(c, 'SELECT * FROM sqlite_sequence ORDER BY name;')].join('\n--\n');
}

function zoo(db: string): void {
  sqlite3(db, `
    PRAGMA user_version = 7; PRAGMA application_id = 1234;
    CREATE TABLE person(id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, email TEXT UNIQUE, doubled GENERATED ALWAYS AS (id * 2));
    CREATE TABLE note(body TEXT, person_id INTEGER REFERENCES person(id));
    CREATE TABLE kv(k TEXT PRIMARY KEY, v BLOB) WITHOUT ROWID;
    CREATE INDEX note_person ON note(person_id);
    CREATE VIEW person_notes AS SELECT p.name, n.body FROM person p JOIN note n ON n.person_id = p.id;
    CREATE TABLE audit(what TEXT);
    CREATE TRIGGER person_ins AFTER INSERT ON person BEGIN INSERT INTO audit VALUES ('person ' || new.name); END;
    CREATE VIRTUAL TABLE search USING fts5(body);
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300)
      INSERT INTO person(name, email) SELECT 'p' || i, 'p' || i || '@example.com' FROM n;
    INSERT INTO note SELECT 'note of ' || name, id FROM person WHERE id % 3 = 0;
    DELETE FROM note WHERE rowid % 5 = 0; INSERT INTO note VALUES ('late', 1);
    INSERT INTO kv VALUES ('a', x'00ff'), ('b', NULL);
    INSERT INTO search SELECT body FROM note;
    ANALYZE;
  `);
}

test('online restore: the live database gets the backup\'s objects and rows (rowids, AUTOINCREMENT, FTS5, generated columns, statistics)', async () => {
  const root = tmpDir('lifeboat-online-');
  const db = join(root, 'app.db');
  zoo(db);
  const out = join(root, 'out');
  const b = await backupDatabase({ dbPath: db, outputDir: out });
  const want = content(b.file);
  // the live database drifts: rows, schema, settings
  sqlite3(db, "DELETE FROM person WHERE id > 100; DROP VIEW person_notes; CREATE TABLE extra(x); INSERT INTO extra VALUES (1); PRAGMA user_version = 9; INSERT INTO search VALUES ('only live');");
  const r = await restoreDatabase({ backupFile: b.file, dbPath: db, outputDir: out, method: 'online' });
  assert.equal(r.method, 'online');
  assert.equal(integrityOf(db), 'ok');
  assert.equal(content(db), want, 'every object and row is the backup\'s');
  assert.equal(sqlite3(db, "SELECT count(*) FROM search WHERE search MATCH 'late';"), '1', 'the full-text index works');
  assert.ok(dumpOf(r.safetyCopy!).includes('only live'), 'the safety copy holds the state before');
});

for (const mode of ['wal', 'rollback'] as const) {
  test(`online restore while a ${mode}-mode writer keeps committing: its next commits land in the restored database`, { timeout: 120_000 }, async () => {
    const { out, db } = liveLayout(`lifeboat-online-${mode}-`);
    const writer = startWriter(db, mode, { rate: 150, env: { WRITER_SEED_ROWS: '2000' } });
    try {
      await writer.ready;
      await writer.waitForTx(100);
      const u = testUser();
      chownSync(db, u.uid, u.gid);
      chmodSync(db, 0o664);
      const b = await backupDatabase({ dbPath: db, outputDir: out });
      const inBackup = invariants(b.file);
      await writer.waitForTx((writer.latest().tx ?? 0) + 200); // the live database moves on
      const headerBefore = sqlite3(copySet(db, tmpDir()), 'PRAGMA journal_mode;');
      const r = await restoreDatabase({ backupFile: b.file, dbPath: db, outputDir: out, method: 'online' });
      const safetySet = filesUnder(r.safetyDir).map((f) => `${f}:${statSync(join(r.safetyDir, f)).size}`);
      const restoredAt = writer.latest();
      await writer.waitForTx(restoredAt.tx + 100);
      const stats = await writer.stop();
      assert.equal(stats.busyErrors, 0, 'the writer only waited, it was never refused');
      const inv = invariants(db);
      assert.deepEqual(invariantProblems(inv), [], `invariants of the live database ${JSON.stringify(inv)}`);
      assert.equal(inv.maxTx, stats.lastTx, 'the writer\'s commits after the restore are in the live database');
      const kept = Number(sqlite3(db, `SELECT count(*) FROM a WHERE tx <= ${inBackup.maxTx};`));
      assert.equal(kept, Number(sqlite3(b.file, 'SELECT count(*) FROM a;')), 'up to the backup\'s last transaction, the rows are the backup\'s');
      assert.equal(Number(sqlite3(db, `SELECT count(*) FROM a WHERE tx > ${inBackup.maxTx} AND tx <= ${restoredAt.lastTx - 200};`)), 0, 'what was written between the backup and the restore is gone (restored over)');
      assert.equal(integrityOf(db), 'ok');
      assert.equal(sqlite3(copySet(db, tmpDir()), 'PRAGMA journal_mode;'), headerBefore, 'the journal mode stays');
      const st = statSync(db);
      assert.deepEqual([st.uid, st.gid, st.mode & 0o777], [u.uid, u.gid, 0o664], 'owner, group and mode stay (it is the same file)');
      assert.deepEqual(filesUnder(r.safetyDir).map((f) => `${f}:${statSync(join(r.safetyDir, f)).size}`), safetySet, 'nothing in pre-restore/ grows');
      assert.ok(!filesUnder(r.safetyDir).some((f) => /-(wal|shm|journal)$/.test(f)), 'no companion was moved aside');
    } finally {
      await writer.stop().catch(() => undefined);
    }
  });
}

test('an online restore failing before its commit rolls back: the live database is as it was', async () => {
  const root = tmpDir('lifeboat-online-');
  const db = join(root, 'app.db');
  zoo(db);
  const out = join(root, 'out');
  const b = await backupDatabase({ dbPath: db, outputDir: out });
  sqlite3(db, "INSERT INTO person(name) VALUES ('after the backup');");
  const before = content(db);
  const sha = sha256File(db);
  for (const at of ['online-begin', 'safety-copy', 'online-apply'] as const) {
    await assert.rejects(restoreDatabase({ backupFile: b.file, dbPath: db, outputDir: out, method: 'online', hooks: { step: (s) => { if (s === at) throw new Error(`injected at ${s}`); } } }), (e: Error) => {
      assert.ok(e instanceof RestoreError, String(e));
      assert.match(e.message, new RegExp(`injected at ${at}; nothing was changed \\(its transaction was rolled back\\)`));
      return true;
    });
    assert.equal(content(db), before, `${at}: the content is as before`);
    assert.equal(sha256File(db), sha, `${at}: the file is byte for byte as before`);
    assert.deepEqual(readdirSync(root).sort(), ['app.db', 'out'], `${at}: nothing left beside it`);
  }
});

test('online across page sizes is refused (the file swap is the way), and nothing changes', async () => {
  const root = tmpDir('lifeboat-online-');
  const small = join(root, 'small.db');
  sqlite3(small, 'PRAGMA page_size = 1024; CREATE TABLE t(x); INSERT INTO t VALUES (1);');
  const big = join(root, 'big.db');
  sqlite3(big, 'PRAGMA page_size = 8192; CREATE TABLE t(x); INSERT INTO t VALUES (2);');
  const b = await backupDatabase({ dbPath: small, outputDir: join(root, 'out') });
  const sha = sha256File(big);
  await assert.rejects(restoreDatabase({ backupFile: b.file, dbPath: big, outputDir: join(root, 'out2'), method: 'online', allowOtherSource: true }), (e: Error) => {
    assert.ok(e instanceof IncompatibleError);
    assert.match(e.message, /cannot be restored online: the page sizes differ \(live 8192, backup 1024\)/);
    return true;
  });
  assert.equal(sha256File(big), sha);
});

test('the CLI: a database in use is refused with --online suggested; --online restores it while the app stays connected', async () => {
  const { out, db } = liveLayout('lifeboat-online-cli-');
  const writer = startWriter(db, 'wal', { rate: 100, env: { WRITER_SEED_ROWS: '500' } });
  try {
    await writer.ready;
    await writer.waitForTx(50);
    const b = await runCli(['backup', '--db-path', db, '--output-dir', out, '--json']);
    assert.equal(b.status, 0, b.stderr);
    const file = JSON.parse(b.stdout).file;
    const refused = await runCli(['restore', '--backup-file', file, '--db-path', db, '--output-dir', out, '--yes']);
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /is in use by another process \(SQLite says another connection has it open\); stop the application that uses it \(--online restores through SQLite while it stays connected; --force/);
    const ok = await runCli(['restore', '--backup-file', file, '--db-path', db, '--output-dir', out, '--yes', '--online', '--json']);
    assert.equal(ok.status, 0, ok.stderr);
    assert.equal(JSON.parse(ok.stdout).method, 'online');
    await writer.waitForTx((writer.latest().tx ?? 0) + 20);
  } finally {
    await writer.stop().catch(() => undefined);
  }
  assert.equal(integrityOf(db), 'ok');
});
