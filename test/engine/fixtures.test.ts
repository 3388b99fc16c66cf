// The fixture generators themselves, checked with the native sqlite3 CLI only (no lifeboat CLI):
// when an engine test fails, this file tells whether the fixture or the engine is at fault.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { nativeCounts, sqlite3, tmpDir } from '../helpers';
import {
  copySet, hotJournalCommittedOk, integrityOf, makeCorruptPage, makeHotJournalDb, makeIndexMismatch, makePersistJournalDb,
  makeRealDb, makeShmStale, makeTruncated, makeWalCrashDb, makeWalStaleTailDb, makeWalUncommittedTailDb, RESTART_ROWS,
  WAL_BASE_ROWS, WAL_COMMITTED_ITEMS,
} from './support/fixtures';

function mainOnlyCopy(db: string): string {
  const p = join(tmpDir(), 'main-only.db');
  copyFileSync(db, p);
  return p;
}

test('SIGKILLed WAL writer: non-empty -wal; the committed rows exist only in main+wal', async () => {
  const db = join(tmpDir(), 'w.db');
  await makeWalCrashDb(db);
  assert.ok(statSync(db + '-wal').size > 0);
  assert.ok(existsSync(db + '-shm'));
  assert.deepEqual(nativeCounts(mainOnlyCopy(db)), { items: WAL_BASE_ROWS });
  assert.deepEqual(nativeCounts(copySet(db, tmpDir())), { items: WAL_COMMITTED_ITEMS, wal_only: 2 });
  await makeShmStale(db, tmpDir());
  assert.deepEqual(nativeCounts(copySet(db, tmpDir())), { items: WAL_COMMITTED_ITEMS, wal_only: 2 }, 'a stale -shm does not change what SQLite sees');
});

test('WAL with stale older-generation frames at its tail, and WAL with an uncommitted tail', async () => {
  const a = join(tmpDir(), 'a.db');
  await makeWalStaleTailDb(a);
  const ac = copySet(a, tmpDir());
  assert.deepEqual(nativeCounts(ac), { items: RESTART_ROWS + 1 });
  assert.equal(sqlite3(ac, "SELECT count(*) FROM items WHERE label = 'gen2 after restart';"), '50');
  const b = join(tmpDir(), 'b.db');
  await makeWalUncommittedTailDb(b);
  const bc = copySet(b, tmpDir());
  assert.deepEqual(nativeCounts(bc), { items: 500 });
  assert.equal(sqlite3(bc, "SELECT count(*) FROM items WHERE label LIKE 'uncommitted%';"), '0');
});

for (const sync of ['FULL', 'OFF'] as const) {
  test(`SIGKILL mid-transaction (synchronous=${sync}) leaves a hot journal the oracle rolls back`, async () => {
    const db = join(tmpDir(), 'h.db');
    await makeHotJournalDb(db, sync);
    assert.ok(statSync(db + '-journal').size > 0);
    const alone = mainOnlyCopy(db);
    assert.ok(integrityOf(alone) !== 'ok' || !hotJournalCommittedOk(alone), 'main file alone is not the committed state');
    const both = copySet(db, tmpDir());
    assert.ok(hotJournalCommittedOk(both));
    assert.equal(integrityOf(both), 'ok');
    assert.ok(!existsSync(both + '-journal'), 'the oracle consumed the hot journal');
  });
}

test('PERSIST leftover journal is not hot', () => {
  const db = makePersistJournalDb(join(tmpDir(), 'p.db'));
  assert.equal(sqlite3(copySet(db, tmpDir()), 'SELECT count(*), min(v) FROM t;'), '400|second 1');
});

test('damaged files fail the native integrity_check', () => {
  const d = tmpDir();
  const base = makeRealDb(join(d, 'real.db'));
  assert.equal(integrityOf(base), 'ok');
  assert.notEqual(integrityOf(makeTruncated(base, join(d, 't.db'))), 'ok');
  assert.notEqual(integrityOf(makeCorruptPage(base, join(d, 'c.db'))), 'ok');
  const idx = makeIndexMismatch(base, join(d, 'i.db'));
  assert.equal(sqlite3(idx, 'PRAGMA quick_check;'), 'ok');
  assert.match(integrityOf(idx), /missing from index/);
});
