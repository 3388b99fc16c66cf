// A restore that fails at any step leaves the live database exactly as it was: the same bytes,
// inode, owner, group and mode of the main file and of each companion, the same journal mode, no
// leftovers beside it, and nothing half-made listed. And a successful one keeps the journal mode,
// owner, group and mode of the file it replaces. (Failure injection through RestoreHooks.step.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, chownSync, closeSync, existsSync, mkdirSync, openSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { backupDatabase } from '../../src/core/backup';
import { RestoreError } from '../../src/core/errors';
import { listBackups } from '../../src/core/list';
import { restoreDatabase, RestoreStep } from '../../src/core/restore';
import { sqlite3, tmpDir } from '../helpers';
import { copySet, dumpOf, integrityOf, makeHotJournalDb, makeRollbackDb, makeWalCrashDb } from './support/fixtures';
import { liveSet } from './support/liveset';
import { testUser } from './support/user';

type Scenario = 'rollback' | 'wal' | 'hot journal' | 'new target';

async function pristine(kind: Scenario): Promise<string | null> {
  if (kind === 'new target') return null;
  const db = join(tmpDir('lifeboat-pristine-'), 'app.db');
  if (kind === 'rollback') {
    makeRollbackDb(db);
    const u = testUser();
    chownSync(db, u.uid, u.gid);
    chmodSync(db, 0o640);
  } else if (kind === 'wal') await makeWalCrashDb(db);
  else await makeHotJournalDb(db);
  return db;
}

/** A fresh copy of the scenario's live set in its own folder (companions and all). */
function instance(src: string | null): { live: string; out: string } {
  const root = tmpDir('lifeboat-steps-');
  mkdirSync(join(root, 'live'));
  const live = src ? copySet(src, join(root, 'live')) : join(root, 'live', 'app.db');
  if (src && existsSync(src)) {
    const st = statSync(src);
    chownSync(live, st.uid, st.gid);
    chmodSync(live, st.mode & 0o7777);
  }
  return { live, out: join(root, 'out') };
}

let backupFile: string;
async function theBackup(): Promise<string> {
  if (backupFile) return backupFile;
  const dir = tmpDir('lifeboat-src-');
  const src = makeRollbackDb(join(dir, 'source.db'));
  sqlite3(src, "INSERT INTO customers(id, name) VALUES (4242, 'from the backup');");
  backupFile = (await backupDatabase({ dbPath: src, outputDir: join(dir, 'backups') })).file;
  return backupFile;
}

const restoreWith = async (live: string, out: string, step?: (s: RestoreStep) => void | Promise<void>) =>
  restoreDatabase({ backupFile: await theBackup(), dbPath: live, outputDir: out, force: true, allowOtherSource: true, hooks: { step } });

for (const kind of ['rollback', 'wal', 'hot journal', 'new target'] as Scenario[]) {
  test(`restore failing at each step (${kind}): the live set is exactly as before and nothing is left`, { timeout: 240_000 }, async () => {
    const src = await pristine(kind);
    const steps: RestoreStep[] = [];
    const clean = instance(src);
    await restoreWith(clean.live, clean.out, (s) => { steps.push(s); });
    assert.ok(steps.includes('swap') && steps.includes('verify'), `steps seen: ${steps.join(', ')}`);
    if (kind === 'wal' || kind === 'hot journal') assert.ok(steps.includes('self-contained'), 'companions: the live file is made self-contained first');
    for (const at of steps) {
      const { live, out } = instance(src);
      const before = liveSet(live);
      const listedBefore = (await listBackups(live, out)).map((e) => e.file);
      await assert.rejects(restoreWith(live, out, (s) => { if (s === at) throw new Error(`injected failure at ${s}`); }), (e: Error) => {
        assert.match(e.message, new RegExp(`injected failure at ${at}`));
        if (e instanceof RestoreError) assert.equal(e.restored, true, `${at}: RestoreError.restored says the original is in place`);
        return true;
      });
      assert.deepEqual(liveSet(live), before, `${kind}, failed at ${at}: the live set is byte-for-byte, inode, owner and mode as before`);
      assert.deepEqual((await listBackups(live, out)).map((e) => e.file), listedBefore, `${kind}, failed at ${at}: nothing half-made is listed`);
    }
  });
}

test('a restore whose post-restore check fails (the file was damaged on its way) puts the original back', async () => {
  const src = await pristine('rollback');
  const { live, out } = instance(src);
  const before = liveSet(live);
  await assert.rejects(restoreWith(live, out, (s) => {
    if (s !== 'verify') return;
    // damage the freshly installed file the way a bad disk would: garbage over its second page
    const fd = openSync(live, 'r+');
    writeSync(fd, Buffer.alloc(4096, 0x5a), 0, 4096, 4096);
    closeSync(fd);
  }), (e: Error) => {
    assert.ok(e instanceof RestoreError);
    assert.match(e.message, /integrity_check after restore|row counts after restore|malformed/);
    assert.match(e.message, /the original database was put back/);
    assert.equal((e as RestoreError).restored, true);
    return true;
  });
  assert.deepEqual(liveSet(live), before);
});

test('a successful restore keeps WAL mode, and the owner, group and mode of the live file', async () => {
  const wal = instance(await pristine('wal'));
  const u = testUser();
  chownSync(wal.live, u.uid, u.gid);
  chmodSync(wal.live, 0o660);
  const r = await restoreWith(wal.live, wal.out);
  assert.equal(r.journalMode, 'wal');
  const after = liveSet(wal.live);
  assert.deepEqual(after.journalBytes, [2, 2], 'header bytes 18/19 say WAL');
  assert.equal(after.files.main!.uid, u.uid);
  assert.equal(after.files.main!.gid, u.gid);
  assert.equal(after.files.main!.mode, 0o660);
  assert.equal(sqlite3(wal.live, 'PRAGMA journal_mode;'), 'wal', 'native sqlite3 opens it in WAL mode');
  assert.equal(integrityOf(wal.live), 'ok');
  assert.equal(sqlite3(wal.live, 'SELECT name FROM customers WHERE id = 4242;'), 'from the backup');

  const rb = instance(await pristine('rollback'));
  const r2 = await restoreWith(rb.live, rb.out);
  assert.equal(r2.journalMode, 'rollback');
  const a2 = liveSet(rb.live);
  assert.deepEqual(a2.journalBytes, [1, 1]);
  assert.deepEqual([a2.files.main!.uid, a2.files.main!.gid, a2.files.main!.mode], [u.uid, u.gid, 0o640], 'run as root, the restore keeps the database\'s owner');
  assert.ok(dumpOf(rb.live).includes('from the backup'));
});

test('when putting the original back fails too, RestoreError.restored is false and the message says where the original is', async () => {
  const src = await pristine('rollback');
  const { live, out } = instance(src);
  const want = dumpOf(live);
  const { readdirSync, unlinkSync } = await import('node:fs');
  const { dirname } = await import('node:path');
  await assert.rejects(restoreWith(live, out, (s) => {
    if (s !== 'verify') return;
    const fd = openSync(live, 'r+');
    writeSync(fd, Buffer.alloc(4096, 0x5a), 0, 4096, 4096);
    closeSync(fd);
    // the kept original disappears (a disk error, another program): the put-back cannot succeed
    for (const n of readdirSync(dirname(live))) if (n.includes('.lifeboat-original-')) unlinkSync(join(dirname(live), n));
  }), (e: Error) => {
    assert.ok(e instanceof RestoreError);
    assert.equal((e as RestoreError).restored, false);
    assert.match(e.message, /putting the original back failed too \(.*\): its files are in .*pre-restore/);
    return true;
  });
  const safety = readdirSync(join(out, 'pre-restore')).map((d) => join(out, 'pre-restore', d));
  const copy = readdirSync(safety[0]).find((f) => f.endsWith('.db'))!;
  assert.ok(dumpOf(join(safety[0], copy)) === want, 'the safety copy holds the original content');
});
