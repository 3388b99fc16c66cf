// Restore over live databases in awkward states, checked with the native sqlite3 CLI.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, copyFileSync, existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { cli, nativeCounts, sha256File, sqlite3, tmpDir } from '../helpers';
import {
  COMPANIONS, copySet, dumpOf, headerOf, hotJournalCommittedOk, integrityOf, makeCorruptPage, makeHotJournalDb, makeRealDb,
  makeRollbackDb, makeShmStale, makeWalCrashDb, nativeTry, WAL_COMMITTED_ITEMS,
} from './support/fixtures';
import { assertRefusal, backupJson, describeRun, filesUnder, liveState } from './support/oracle';

/** A backup (made by the CLI) of a fresh database unrelated to the live one. */
function makeBackup(): { file: string; dump: string } {
  const dir = tmpDir('lifeboat-src-');
  const src = makeRollbackDb(join(dir, 'source.db'));
  const { file } = backupJson(src, join(dir, 'backups'));
  return { file, dump: dumpOf(file) };
}

function liveFolder(): string {
  const d = join(tmpDir('lifeboat-live-'), 'live');
  mkdirSync(d);
  return d;
}

function safeDump(db: string): string | null {
  const r = nativeTry(db, '.dump');
  return r.ok && integrityOf(db) === 'ok' ? r.out : null;
}

/**
 * The safety set under <out>/pre-restore reproduces `expectedDump` when opened by the oracle: its
 * verified safety copy alone holds the live content as it was before the restore (the -wal or
 * -journal it was taken with are not kept beside it: one copy suffices).
 */
function assertSafetySet(out: string, expectedDump: string, moved: string[]): void {
  const pre = join(out, 'pre-restore');
  const files = filesUnder(pre);
  assert.ok(files.length > 0, `a safety set exists under ${pre}`);
  for (const suffix of moved) assert.ok(!files.some((f) => f.endsWith(suffix)), `the live ${suffix} is not kept twice: ${JSON.stringify(files)}`);
  const copies = files.filter((f) => /-pre-restore-.*\.db$/.test(f) && headerOf(join(pre, f)).magic);
  assert.equal(copies.length, 1, `one safety copy of the live db: ${JSON.stringify(files)}`);
  const alone = join(tmpDir('lifeboat-safety-'), 'safety.db');
  copyFileSync(join(pre, copies[0]), alone);
  assert.ok(safeDump(alone) === expectedDump, 'the safety copy alone holds the live content as native sqlite3 saw it before the restore');
}

test('restore over a WAL db with un-checkpointed commits and a stale -shm', async () => {
  const backup = makeBackup();
  const live = join(liveFolder(), 'app.db');
  await makeWalCrashDb(live);
  await makeShmStale(live, tmpDir());
  const oracle = copySet(live, tmpDir('lifeboat-oracle-'));
  assert.deepEqual(nativeCounts(oracle), { items: WAL_COMMITTED_ITEMS, wal_only: 2 }, 'oracle (copy of main+wal+stale shm) sees the WAL commits');
  const liveDump = dumpOf(oracle);
  const out = join(tmpDir('lifeboat-out-'), 'lifeboat');

  // the -wal and -shm a crashed writer left make it look in use: --force says no application runs
  const r = cli(['restore', '--backup-file', backup.file, '--db-path', live, '--yes', '--force', '--force-other-source', '--output-dir', out]);
  assert.equal(r.status, 0, describeRun(r));
  for (const s of COMPANIONS) assert.ok(!existsSync(live + s), `no ${s} beside the restored live file`);
  assert.equal(integrityOf(live), 'ok');
  assert.ok(dumpOf(live) === backup.dump, 'native sqlite3 sees exactly the backup content');
  assert.deepEqual(Object.keys(nativeCounts(live)), ['customers', 'orders']);
  assertSafetySet(out, liveDump, ['-wal']);
});

test('a stale hot -journal beside the live file is not replayed over the restored file', async () => {
  const backup = makeBackup();
  const live = join(liveFolder(), 'ledger.db');
  await makeHotJournalDb(live);
  assert.ok(statSync(live + '-journal').size > 0, 'hot journal present');
  const oracle = copySet(live, tmpDir('lifeboat-oracle-'));
  assert.ok(hotJournalCommittedOk(oracle), 'oracle rolls the journal back on its copy');
  const committedDump = dumpOf(oracle);
  const out = join(tmpDir('lifeboat-out-'), 'lifeboat');

  const r = cli(['restore', '--backup-file', backup.file, '--db-path', live, '--yes', '--force-other-source', '--output-dir', out]);
  assert.equal(r.status, 0, describeRun(r));
  for (const s of COMPANIONS) assert.ok(!existsSync(live + s), `no ${s} beside the restored live file`);
  // opening the live db natively would roll back any journal still beside it: the content must be the backup's
  assert.equal(integrityOf(live), 'ok');
  assert.ok(dumpOf(live) === backup.dump, 'native sqlite3 sees exactly the backup content');
  assert.equal(nativeTry(live, 'SELECT count(*) FROM acct;').ok, false, 'no trace of the old ledger table');
  assertSafetySet(out, committedDump, ['-journal']);
});

test('restore over a corrupt live db (the usual reason to restore) keeps its raw bytes in the safety set', () => {
  const backup = makeBackup();
  const dir = liveFolder();
  const healthy = makeRealDb(join(tmpDir(), 'healthy.db'));
  const live = makeCorruptPage(healthy, join(dir, 'broken.db'));
  assert.notEqual(integrityOf(live), 'ok');
  const liveSha = sha256File(live);
  const out = join(tmpDir('lifeboat-out-'), 'lifeboat');
  const r = cli(['restore', '--backup-file', backup.file, '--db-path', live, '--yes', '--force-other-source', '--output-dir', out]);
  assert.equal(r.status, 0, describeRun(r));
  assert.equal(integrityOf(live), 'ok');
  assert.ok(dumpOf(live) === backup.dump, 'restored content equals the backup');
  const kept = filesUnder(join(out, 'pre-restore')).filter((f) => sha256File(join(out, 'pre-restore', f)) === liveSha);
  assert.equal(kept.length, 1, `the corrupt live file is kept byte-for-byte under pre-restore: ${JSON.stringify(filesUnder(join(out, 'pre-restore')))}`);
});

test('restore into a path whose live file does not exist (disaster recovery)', () => {
  const backup = makeBackup();
  const dir = liveFolder();
  const live = join(dir, 'gone.db');
  const out = join(tmpDir('lifeboat-out-'), 'lifeboat');
  const r = cli(['restore', '--backup-file', backup.file, '--db-path', live, '--yes', '--force-other-source', '--output-dir', out]);
  assert.equal(r.status, 0, describeRun(r));
  assert.ok(existsSync(live));
  for (const s of COMPANIONS) assert.ok(!existsSync(live + s), `no ${s} left`);
  assert.equal(integrityOf(live), 'ok');
  assert.ok(dumpOf(live) === backup.dump, 'restored content equals the backup');
  assert.deepEqual(filesUnder(dir), ['gone.db'], 'nothing else left beside the restored db');
});

test('without --yes and with non-TTY stdin, restore refuses and changes nothing', () => {
  const backup = makeBackup();
  const live = makeRollbackDb(join(liveFolder(), 'keep.db'));
  sqlite3(live, "INSERT INTO customers(id, name) VALUES (5000, 'only in live');");
  const before = liveState(live);
  for (const input of ['', 'y\n', 'yes\n']) {
    const out = join(tmpDir('lifeboat-out-'), 'lifeboat');
    const r = cli(['restore', '--backup-file', backup.file, '--db-path', live, '--output-dir', out], { input, timeoutMs: 30_000 });
    assertRefusal(r, [live, backup.file], `restore without --yes, stdin ${JSON.stringify(input)}`);
    assert.deepEqual(liveState(live), before, 'live db byte-for-byte unchanged');
    assert.deepEqual(filesUnder(out), [], 'nothing written to the output dir');
  }
  assert.equal(sqlite3(live, 'SELECT name FROM customers WHERE id = 5000;'), 'only in live');
});

test('the restored file keeps the live file permission bits', () => {
  const backup = makeBackup();
  for (const mode of [0o640, 0o604]) {
    const live = makeRollbackDb(join(liveFolder(), 'perm.db'));
    chmodSync(live, mode);
    const out = join(tmpDir('lifeboat-out-'), 'lifeboat');
    const r = cli(['restore', '--backup-file', backup.file, '--db-path', live, '--yes', '--force-other-source', '--output-dir', out]);
    assert.equal(r.status, 0, describeRun(r));
    assert.equal((statSync(live).mode & 0o777).toString(8), mode.toString(8), `restored ${basename(live)} keeps mode ${mode.toString(8)}`);
    assert.ok(dumpOf(live) === backup.dump);
  }
});

test('a restore notes a missing manifest only when the backup has none (not for one whose checksum matched)', () => {
  const live = makeRollbackDb(join(liveFolder(), 'own.db'));
  const out = join(tmpDir('lifeboat-out-'), 'lifeboat');
  const { file, manifest } = backupJson(live, out);
  const note = 'warning: the backup has no manifest';
  const withManifest = cli(['restore', '--backup-file', file, '--db-path', live, '--yes', '--output-dir', out]);
  assert.equal(withManifest.status, 0, describeRun(withManifest));
  assert.ok(!withManifest.stderr.includes(note), `a backup with its manifest is noted as having none:\n${describeRun(withManifest)}`);
  rmSync(manifest);
  const without = cli(['restore', '--backup-file', file, '--db-path', live, '--yes', '--force-other-source', '--output-dir', out]);
  assert.equal(without.status, 0, describeRun(without));
  assert.ok(without.stderr.includes(`${note}: it was checked fully (integrity ok), but its checksum could not be compared with a record`), describeRun(without));
});
