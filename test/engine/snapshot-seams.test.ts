// The snapshot's guarantees, each proven through a seam: a writer that commits between the copy
// and the re-check forces a retry (the change detector), a WAL over the in-memory limit is
// streamed whole, companions that cannot be read are refused (never taken for absent), indexes
// with an application-defined collation do not stop a backup, errors name the user's database,
// and names within one second stay unique (the clock injected).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, closeSync, existsSync, openSync, readdirSync, readFileSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { backupDatabase } from '../../src/core/backup';
import { BusyError } from '../../src/core/errors';
import { CLI, cli, nativeCounts, ROOT, sqlite3, tmpDir, WRITER_NODE } from '../helpers';
import { copySet, dumpOf, integrityOf, makeHotJournalDb, makeRollbackDb, makeWalCrashDb, runAndKill } from './support/fixtures';
import { describeRun } from './support/oracle';
import { testUser, userTmpDir } from './support/user';

test('change detector: a commit between the copy and the re-check makes the rollback-mode copy retry; the backup has the commit', async () => {
  const root = tmpDir('lifeboat-seam-');
  const db = makeRollbackDb(join(root, 'app.db'));
  const r = await backupDatabase({
    dbPath: db, outputDir: join(root, 'out'),
    hooks: { afterCopy: (attempt) => { if (attempt === 1) sqlite3(db, "INSERT INTO customers(id, name) SELECT id + 100000, 'late ' || id FROM customers;"); } },
  });
  assert.ok(r.attempts >= 2, `retried (${r.attempts} attempts)`);
  assert.equal(integrityOf(r.file), 'ok');
  assert.ok(dumpOf(r.file) === dumpOf(db), 'the backup equals what native sqlite3 sees now, commit included');
});

test('change detector: a checkpoint between the copy and the re-check makes the WAL-mode copy retry; the backup equals the oracle', async () => {
  const root = tmpDir('lifeboat-seam-');
  const db = join(root, 'app.db');
  await makeWalCrashDb(db);
  const oracle = nativeCounts(copySet(db, tmpDir()));
  const r = await backupDatabase({
    dbPath: db, outputDir: join(root, 'out'),
    hooks: { afterCopy: (attempt) => { if (attempt === 1) sqlite3(db, 'PRAGMA wal_checkpoint(TRUNCATE);'); } },
  });
  assert.ok(r.attempts >= 2, `retried (${r.attempts} attempts)`);
  assert.deepEqual(nativeCounts(r.file), oracle);
});

test('a writer that changes the database during every copy: "database too busy" within --busy-timeout, naming the database', async () => {
  const root = tmpDir('lifeboat-seam-');
  const db = makeRollbackDb(join(root, 'app.db'));
  let n = 0;
  await assert.rejects(backupDatabase({
    dbPath: db, outputDir: join(root, 'out'), busyTimeoutMs: 300,
    hooks: { afterCopy: () => { sqlite3(db, `INSERT INTO customers(id, name) VALUES (${900000 + ++n}, 'busy');`); } },
  }), (e: Error) => e instanceof BusyError && (e as BusyError).file === db && /database too busy: a writer changed it during each of \d+ copy attempts/.test(e.message));
  const bad = cli(['backup', '--db-path', db, '--busy-timeout', 'soon']);
  assert.equal(bad.status, 2, describeRun(bad));
  assert.match(bad.stderr, /--busy-timeout must be a number of seconds/);
});

test('a WAL over the in-memory limit is streamed in chunks, whole: every commit to its last frame is in the backup', { timeout: 120_000 }, async () => {
  const root = tmpDir('lifeboat-seam-');
  const db = join(root, 'big-wal.db');
  await runAndKill(db, `
    const d = new Database(dbPath);
    d.pragma('journal_mode = WAL');
    d.pragma('wal_autocheckpoint = 0');
    d.exec('CREATE TABLE blobs(id INTEGER PRIMARY KEY, tx INTEGER, b BLOB)');
    const ins = d.prepare('INSERT INTO blobs(tx, b) VALUES (?, randomblob(1000))');
    for (let t = 0; t < 48; t++) d.transaction(() => { for (let i = 0; i < 250; i++) ins.run(t); })();
  `);
  const walSize = statSync(`${db}-wal`).size;
  assert.ok(walSize > 3 * 4 * 1024 * 1024, `the WAL spans several 4 MiB chunks (${walSize} bytes)`);
  const oracle = copySet(db, tmpDir());
  const r = await backupDatabase({ dbPath: db, outputDir: join(root, 'out'), walInMemoryMax: 0 });
  assert.equal(integrityOf(r.file), 'ok');
  assert.equal(sqlite3(r.file, 'SELECT max(tx) || \',\' || count(*) FROM blobs;'), sqlite3(oracle, 'SELECT max(tx) || \',\' || count(*) FROM blobs;'));
  assert.equal(sqlite3(r.file, 'SELECT max(tx) FROM blobs;'), '47', 'the last transaction, in the WAL\'s last chunk, is there');
  assert.ok(dumpOf(r.file) === dumpOf(oracle));
});

test('companions the user cannot read are refused with their name, for a hot -journal as for a -wal; the backup folder gets nothing', async () => {
  const u = testUser();
  for (const [kind, make, suffix] of [['hot journal', makeHotJournalDb, '-journal'], ['WAL', makeWalCrashDb, '-wal']] as const) {
    const root = userTmpDir('lifeboat-unreadable-');
    const db = join(root, 'app.db');
    await make(db);
    for (const f of [db, `${db}${suffix}`]) chownSync(f, u.uid, u.gid);
    try { chownSync(`${db}-shm`, u.uid, u.gid); } catch { /* no -shm */ }
    chmodSync(`${db}${suffix}`, 0o000);
    const out = join(root, 'out');
    const r = spawnSync(process.execPath, [CLI, 'backup', '--db-path', db, '--output-dir', out], { uid: u.uid, gid: u.gid, encoding: 'utf8', env: { ...process.env, HOME: root }, cwd: ROOT });
    assert.equal(r.status, 1, `${kind}: ${r.stderr}`);
    assert.equal(r.stderr.trim(), `lifeboat: ${db}: cannot read app.db${suffix} (EACCES): ${suffix === '-wal' ? 'it holds committed changes that are not in the main file yet' : 'it may hold a hot journal whose changes must be rolled back'}, so no consistent copy can be made`);
    const left = existsSync(out) ? readdirSync(out) : [];
    assert.deepEqual(left, [], `${kind}: nothing in the backup folder`);
  }
});

test('an index with an application-defined collation: the backup succeeds and says which index could not be checked, and why', async () => {
  const root = tmpDir('lifeboat-coll-');
  const db = join(root, 'app.db');
  sqlite3(db, "CREATE TABLE people(id INTEGER PRIMARY KEY, name TEXT); CREATE INDEX people_name ON people(name COLLATE NOCASE); CREATE TABLE other(x); INSERT INTO other VALUES (1); WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 500) INSERT INTO people(name) SELECT CASE WHEN i % 2 THEN 'a' ELSE 'B' END || i FROM n;");
  // the index is ordered by NOCASE but now names UNICODE, a collation only its application defines
  sqlite3(db, "PRAGMA writable_schema = ON; UPDATE sqlite_schema SET sql = replace(sql, 'NOCASE', 'UNICODE') WHERE name = 'people_name'; PRAGMA writable_schema = OFF;", ['-cmd', '.dbconfig defensive off']);
  assert.match(spawnSync('sqlite3', [db, 'PRAGMA integrity_check;'], { encoding: 'utf8' }).stderr, /no such collation sequence: UNICODE/, 'SQLite itself cannot check it');
  const r = await backupDatabase({ dbPath: db, outputDir: join(root, 'out') });
  assert.equal(r.integrity, 'ok');
  assert.deepEqual(r.tables, { other: 1, people: 500 });
  assert.deepEqual(r.uncheckedIndexes, [{ index: 'people_name', table: 'people', reason: 'uses the collation UNICODE, which the application defines: its entries were not compared with the table' }]);
  assert.deepEqual(JSON.parse(readFileSync(`${r.file}.json`, 'utf8')).uncheckedIndexes, r.uncheckedIndexes);
  const v = cli(['verify', '--backup-file', r.file, '--json']);
  assert.equal(v.status, 0, describeRun(v));
  assert.deepEqual(JSON.parse(v.stdout).uncheckedIndexes, r.uncheckedIndexes);
  // still a real check: a damaged table page in such a database is found
  const fd = openSync(r.file, 'r+');
  writeSync(fd, Buffer.alloc(200, 0xff), 0, 200, 4096 + 8);
  closeSync(fd);
  const bad = cli(['verify', '--backup-file', r.file]);
  assert.equal(bad.status, 1, describeRun(bad));
});

test('errors about a damaged database name the database, never Lifeboat\'s private copy', () => {
  const root = tmpDir('lifeboat-names-');
  const db = makeRollbackDb(join(root, 'app.db'));
  const fd = openSync(db, 'r+');
  writeSync(fd, Buffer.alloc(300, 0xff), 0, 300, 2 * 4096 + 8);
  closeSync(fd);
  const r = cli(['backup', '--db-path', db, '--output-dir', join(root, 'out')]);
  assert.equal(r.status, 1, describeRun(r));
  assert.ok(r.stderr.startsWith(`lifeboat: ${db}: `), r.stderr);
  assert.doesNotMatch(r.stderr, /lifeboat-work|\.partial|\/copy\b/);
});

test('backups within one second get distinct names, in one process and across processes (the clock injected)', async () => {
  const root = tmpDir('lifeboat-names-');
  const db = makeRollbackDb(join(root, 'app.db'));
  const out = join(root, 'out');
  const at = new Date('2026-06-01T10:20:30.400Z');
  const inProcess = await Promise.all([1, 2, 3].map(() => backupDatabase({ dbPath: db, outputDir: out, now: () => at, force: true })));
  const names = inProcess.map((r) => r.file.slice(out.length + 1)).sort();
  assert.deepEqual(names, ['app-backup-2026-06-01-102030-1.db', 'app-backup-2026-06-01-102030-2.db', 'app-backup-2026-06-01-102030.db']);
  const run = () => new Promise<string>((resolve, reject) => {
    const c = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'test', 'support', 'run-core.ts'), 'backup', JSON.stringify({ dbPath: db, outputDir: out, force: true }), '--now', at.toISOString()], { cwd: ROOT });
    let s = '';
    c.stdout.on('data', (d: Buffer) => (s += d));
    c.on('close', (code: number) => (code === 0 ? resolve(JSON.parse(s).file) : reject(new Error(`exit ${code}`))));
  });
  const across = (await Promise.all([run(), run()])).map((f) => f.slice(out.length + 1)).sort();
  assert.deepEqual(across, ['app-backup-2026-06-01-102030-3.db', 'app-backup-2026-06-01-102030-4.db']);
});

test('without SQLite\'s locks, a journal_mode MEMORY transaction that wrote pages past the committed end is refused, not backed up', { timeout: 60_000 }, async () => {
  const root = tmpDir('lifeboat-seam-');
  const db = join(root, 'grow.db');
  const child = spawn(WRITER_NODE, [join(ROOT, 'test', 'support', 'txn-holder.cjs'), db, 'grow-memory'], { stdio: ['pipe', 'pipe', 'inherit'] });
  try {
    await new Promise<void>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (d: Buffer) => { out += d; if (out.includes('"ready"')) resolve(); });
      child.once('close', (c) => reject(new Error(`holder exited ${c}`)));
    });
    await assert.rejects(backupDatabase({ dbPath: db, outputDir: join(root, 'out'), locks: false, busyTimeoutMs: 1500 }), (e: Error) => {
      assert.ok(e instanceof BusyError, String(e));
      assert.match(e.message, /the file holds pages past its committed size and no journal \(a transaction in journal_mode MEMORY or OFF\?\)/);
      return true;
    });
    assert.equal(existsSync(join(root, 'out')) ? readdirSync(join(root, 'out')).filter((n) => !n.startsWith('.')).length : 0, 0, 'nothing was written');
  } finally {
    child.kill('SIGKILL');
  }
});

test('SQLite\'s locks: the runtime says whether it has them, and a rollback-mode backup records it in its manifest', async () => {
  const { runtimeMayHaveSqlite, sqliteLockSupport } = await import('../../src/core/sqliteLocks');
  const support = await sqliteLockSupport();
  assert.equal(support.available, runtimeMayHaveSqlite(), `${process.version}: ${JSON.stringify(support)}`);
  const root = tmpDir('lifeboat-seam-');
  const r = await backupDatabase({ dbPath: makeRollbackDb(join(root, 'app.db')), outputDir: join(root, 'out') });
  const m = JSON.parse(readFileSync(`${r.file}.json`, 'utf8'));
  if (support.available) {
    assert.equal(m.snapshot.method, 'lock-free, confirmed under lock');
    assert.equal(m.snapshot.sqliteLocks, `available (Node ${process.version}, SQLite ${support.sqlite})`);
  } else {
    assert.equal(m.snapshot.method, 'lock-free');
    assert.equal(m.snapshot.sqliteLocks, `not available: node:sqlite needs Node 22.13 or later; this is ${process.version}`);
  }
  const off = await backupDatabase({ dbPath: makeRollbackDb(join(root, 'b.db')), outputDir: join(root, 'out'), locks: false });
  assert.deepEqual(off.snapshot, { method: 'lock-free', lockHeldMs: null, sqliteLocks: 'off' });
});
