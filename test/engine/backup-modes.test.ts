// Backups of databases in every journal state and layout, compared with what the native sqlite3 CLI
// sees in (a copy of) the source. The live files must be byte-for-byte untouched.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { CHINOOK, cli, nativeCounts, sha256File, sqlite3, tmpDir } from '../helpers';
import {
  copySet, dumpOf, hotJournalCommittedOk, integrityOf, makeFts5Db, makeHotJournalDb, makePagedDb, makePersistJournalDb,
  makeRollbackDb, makeSchemaZooDb, makeWalCrashDb, makeWalStaleTailDb, makeWalUncommittedTailDb, nativeTry, RESTART_ROWS,
  WAL_BASE_ROWS, WAL_COMMITTED_ITEMS,
} from './support/fixtures';
import {
  assertBackupFile, assertBackupJsonReport, assertSameAsOracle, backupJson, BackupJson, describeRun, liveState, oracleView,
  OracleView, parseJsonOut,
} from './support/oracle';

interface CaseOpts { journalMode: string; virtualTables?: string[]; shadowTables?: string[] }

/** Backs up `db` and checks the result against the oracle's view of a copy of the live set. */
function checkBackup(db: string, opts: CaseOpts, env?: NodeJS.ProcessEnv): { file: string; json: BackupJson; oracleDb: string; expected: OracleView } {
  const oracleDb = copySet(db, tmpDir('lifeboat-oracle-'));
  const expected = oracleView(oracleDb);
  const before = liveState(db);
  const out = join(tmpDir('lifeboat-out-'), 'backups', 'nested');
  const started = Date.now();
  const { json, file, manifest } = backupJson(db, out, [], env);
  assert.deepEqual(liveState(db), before, 'the live database and its -wal/-shm/-journal are byte-for-byte unchanged');
  assertBackupFile(db, out, json, file, manifest, started);
  assertSameAsOracle(file, expected);
  assertBackupJsonReport(json, db, expected.counts, opts.journalMode, opts);

  // verify agrees that the fresh backup is healthy and matches its manifest
  const v = cli(['verify', '--backup-file', file, '--json']);
  assert.equal(v.status, 0, `verify of a fresh backup\n${describeRun(v)}`);
  const vj = parseJsonOut<{ ok: boolean; integrity: string; sha256: string; checksumMatch: boolean | null }>(v);
  assert.equal(vj.ok, true, 'verify ok');
  assert.equal(vj.integrity, 'ok', 'verify integrity');
  assert.equal(vj.sha256, json.sha256, 'verify sha256');
  assert.equal(vj.checksumMatch, true, 'verify checksumMatch');
  return { file, json, oracleDb, expected };
}

function liveDir(): string {
  const d = join(tmpDir('lifeboat-live-'), 'live');
  mkdirSync(d);
  return d;
}

test('rollback-journal database', () => {
  const db = makeRollbackDb(join(liveDir(), 'shop.db'));
  checkBackup(db, { journalMode: 'rollback' });
});

// Every WAL case runs twice: a WAL of up to 64 MiB is read into memory and laid over the main file
// while it is copied; a larger one is copied beside the snapshot and applied from there.
for (const [how, env] of [['', undefined], [' (WAL applied from a side copy, as for WALs over 64 MiB)', { LIFEBOAT_WAL_IN_MEMORY_MAX: '0' }]] as const) {
  test(`WAL database with committed, un-checkpointed transactions left by a SIGKILLed writer${how}`, async () => {
    const db = join(liveDir(), 'app.db');
    await makeWalCrashDb(db);
    assert.ok(statSync(db + '-wal').size > 0, 'the -wal is non-empty');
    assert.ok(existsSync(db + '-shm'), 'the -shm was left behind');
    // the main file alone holds only the rows from before WAL mode
    const mainOnly = join(tmpDir(), 'app.db');
    copyFileSync(db, mainOnly);
    assert.deepEqual(nativeCounts(mainOnly), { items: WAL_BASE_ROWS }, 'main file alone: pre-WAL rows only');

    const { file, expected } = checkBackup(db, { journalMode: 'wal' }, env);
    assert.deepEqual(expected.counts, { items: WAL_COMMITTED_ITEMS, wal_only: 2 }, 'oracle on a copy of main+wal sees the WAL commits');
    assert.deepEqual(nativeCounts(file), { items: WAL_COMMITTED_ITEMS, wal_only: 2 }, 'the backup has the WAL commits');
    assert.equal(sqlite3(file, 'SELECT label FROM items WHERE id = 1;'), 'updated in wal');
    assert.equal(sqlite3(file, 'SELECT count(*) FROM items WHERE id BETWEEN 11 AND 15;'), '0');
  });

  test(`WAL reused after a RESTART checkpoint: stale frames of the older generation at its tail are ignored${how}`, async () => {
    const db = join(liveDir(), 'restart.db');
    await makeWalStaleTailDb(db);
    const { file, expected } = checkBackup(db, { journalMode: 'wal' }, env);
    assert.deepEqual(expected.counts, { items: RESTART_ROWS + 1 });
    assert.equal(sqlite3(file, "SELECT count(*) FROM items WHERE label = 'gen2 after restart';"), '50', 'newest frames win');
    assert.equal(sqlite3(file, "SELECT count(*) FROM items WHERE label = 'gen1 updated';"), '50');
    assert.equal(sqlite3(file, "SELECT count(*) FROM items WHERE label = 'gen2 new row';"), '1');
  });

  test(`WAL whose last frames belong to a transaction that never committed${how}`, async () => {
    const db = join(liveDir(), 'torn.db');
    await makeWalUncommittedTailDb(db);
    const { file, expected } = checkBackup(db, { journalMode: 'wal' }, env);
    assert.deepEqual(expected.counts, { items: 500 });
    assert.equal(sqlite3(file, "SELECT count(*) FROM items WHERE label LIKE 'uncommitted%';"), '0', 'no uncommitted change in the backup');
  });

  test(`WAL database with 65536-byte pages and un-checkpointed commits${how}`, async () => {
    const db = join(liveDir(), 'bigpages-wal.db');
    await makeWalCrashDb(db, 65536);
    const { file, expected } = checkBackup(db, { journalMode: 'wal' }, env);
    assert.deepEqual(expected.counts, { items: WAL_COMMITTED_ITEMS, wal_only: 2 });
    assert.equal(sqlite3(file, 'PRAGMA page_size;'), '65536');
  });
}

test('a leftover journal that is not hot (PERSIST mode, zeroed header) is not rolled back', () => {
  const db = makePersistJournalDb(join(liveDir(), 'persist.db'));
  const { file } = checkBackup(db, { journalMode: 'rollback' });
  assert.equal(sqlite3(file, 'SELECT count(*), min(v) FROM t;'), '400|second 1');
});

test('hot journal left by a writer SIGKILLed mid-transaction is rolled back in the backup', async () => {
  const db = join(liveDir(), 'ledger.db');
  await makeHotJournalDb(db);
  assert.ok(statSync(db + '-journal').size > 0, 'the -journal exists and is non-empty');
  // the main file alone (no journal) is not the committed state: spilled pages are in it
  const mainOnlyDir = tmpDir();
  const mainOnly = join(mainOnlyDir, 'ledger.db');
  copyFileSync(db, mainOnly);
  const mainOnlyIntegrity = integrityOf(mainOnly);
  const mainOnlyCommitted = hotJournalCommittedOk(mainOnly);
  assert.ok(mainOnlyIntegrity !== 'ok' || !mainOnlyCommitted, 'main file alone differs from the committed state');

  const { file, oracleDb } = checkBackup(db, { journalMode: 'rollback' });
  assert.ok(!existsSync(oracleDb + '-journal'), 'the oracle rolled the hot journal back on its copy');
  assert.ok(hotJournalCommittedOk(oracleDb), 'oracle copy shows the committed state');
  assert.ok(hotJournalCommittedOk(file), 'the backup holds the committed state (3000 original rows, no uncommitted change)');
  assert.equal(sqlite3(file, 'PRAGMA user_version;'), '9');
});

test('hot no-sync journal (synchronous=OFF, nRec = 0xffffffff) left by a SIGKILLed writer is rolled back', async () => {
  const db = join(liveDir(), 'nosync.db');
  await makeHotJournalDb(db, 'OFF');
  const mainOnly = join(tmpDir(), 'nosync.db');
  copyFileSync(db, mainOnly);
  assert.ok(integrityOf(mainOnly) !== 'ok' || !hotJournalCommittedOk(mainOnly), 'main file alone differs from the committed state');
  const { file, oracleDb } = checkBackup(db, { journalMode: 'rollback' });
  assert.ok(hotJournalCommittedOk(oracleDb), 'oracle copy shows the committed state');
  assert.ok(hotJournalCommittedOk(file), 'the backup holds the committed state');
});

test('chinook fixture', () => {
  const db = join(liveDir(), 'chinook.sqlite');
  copyFileSync(CHINOOK, db);
  const { file } = checkBackup(db, { journalMode: 'rollback' });
  assert.equal(sqlite3(file, 'SELECT count(*) FROM Track;'), sqlite3(CHINOOK, 'SELECT count(*) FROM Track;'));
});

for (const pageSize of [65536, 512]) {
  test(`page size ${pageSize}`, () => {
    const db = makePagedDb(join(liveDir(), `ps${pageSize}.db`), pageSize);
    const { file } = checkBackup(db, { journalMode: 'rollback' });
    assert.equal(sqlite3(file, 'PRAGMA page_size;'), String(pageSize));
  });
}

for (const mode of ['FULL', 'INCREMENTAL'] as const) {
  test(`auto_vacuum=${mode}`, () => {
    const db = makePagedDb(join(liveDir(), `av-${mode.toLowerCase()}.db`), 4096, mode);
    const { file } = checkBackup(db, { journalMode: 'rollback' });
    assert.equal(sqlite3(file, 'PRAGMA auto_vacuum;'), mode === 'FULL' ? '1' : '2');
  });
}

test('FTS5 table and its shadow tables are kept page-complete', () => {
  const db = makeFts5Db(join(liveDir(), 'search.db'));
  const shadow = ['docs_config', 'docs_content', 'docs_data', 'docs_docsize', 'docs_idx'];
  const { file, json, oracleDb } = checkBackup(db, { journalMode: 'rollback', virtualTables: ['docs'], shadowTables: shadow });
  const q = "SELECT rowid, title FROM docs WHERE docs MATCH 'lifeboat' ORDER BY rowid;";
  const want = sqlite3(oracleDb, q);
  assert.ok(want.split('\n').length > 10, 'the MATCH query finds rows in the source');
  assert.equal(sqlite3(file, q), want, 'native FTS5 MATCH on the backup returns the same rows');
  const copy = join(tmpDir(), 'search.db');
  copyFileSync(file, copy);
  const fts = nativeTry(copy, "INSERT INTO docs(docs) VALUES ('integrity-check');");
  assert.ok(fts.ok, `FTS5 integrity-check on the backup: ${fts.out}`);
  assert.equal(json.tables.notes, 400, 'ordinary table counted');
  const skipped = json.skippedTables.find((s) => s.name === 'docs');
  if (!('docs' in json.tables)) assert.ok(skipped && skipped.reason.length > 0, 'the FTS5 table is listed in skippedTables with a reason');
  else assert.equal(json.tables.docs, 401);
});

test('WITHOUT ROWID, STRICT tables, views, triggers and indexes are preserved', () => {
  const db = makeSchemaZooDb(join(liveDir(), 'zoo.db'));
  const { file, expected } = checkBackup(db, { journalMode: 'rollback' });
  const objects = sqlite3(file, "SELECT type || ':' || name FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%' ORDER BY 1;").split('\n');
  for (const o of ['table:kv', 'table:strict_t', 'table:strict_wr', 'index:strict_t_n', 'index:strict_t_partial', 'index:kv_expr',
    'view:v_strict', 'view:v_join', 'trigger:strict_ins', 'trigger:kv_del']) assert.ok(objects.includes(o), `${o} is in the backup`);
  assert.match(sqlite3(file, "SELECT sql FROM sqlite_schema WHERE name = 'strict_wr';"), /STRICT, WITHOUT ROWID/);
  assert.equal(expected.pragmas.user_version, 7);
  // STRICT is still enforced and triggers still fire in the restored schema (on a copy)
  const copy = join(tmpDir(), 'zoo.db');
  copyFileSync(file, copy);
  const hash = sha256File(copy);
  assert.equal(nativeTry(copy, "INSERT INTO strict_t(id, n) VALUES (9999, 'not an int');").ok, false, 'STRICT enforced');
  assert.equal(sha256File(copy), hash);
  sqlite3(copy, 'INSERT INTO strict_t(id, n) VALUES (9999, 1);');
  assert.equal(sqlite3(copy, "SELECT count(*) FROM log WHERE msg = 'ins 9999';"), '1', 'trigger fires');
  assert.equal(dumpOf(file), expected.dump);
});
