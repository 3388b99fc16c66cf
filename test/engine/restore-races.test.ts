// Restores racing with applications and with other Lifeboat operations: an application that is
// connected, or connects during the prompt, or writes just before the swap, is never silently
// diverted; the bytes installed are the bytes validated; two restores, a pin and a verification,
// or a scheduled prune during a restore's prompt, never lose anything.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { ChildProcess, spawn } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { backupDatabase } from '../../src/core/backup';
import { InUseError, RestoreError } from '../../src/core/errors';
import { restoreDatabase } from '../../src/core/restore';
import { runtimeMayHaveSqlite } from '../../src/core/sqliteLocks';
import { nativeCounts, ROOT, sqlite3, tmpDir, WRITER_NODE } from '../helpers';
import { killStrays, runCli, sleep, spawnCli, WAL_HOLDER } from '../support/proc';
import { copySet, dumpOf, integrityOf, makeRollbackDb } from './support/fixtures';
import { liveState } from './support/oracle';

after(killStrays);

/** An application connected to `db` in WAL mode that has committed `rows` rows into t and keeps its connection. */
async function connectApp(db: string, rows = 300): Promise<ChildProcess> {
  const child = spawn(WRITER_NODE, [WAL_HOLDER, db, String(rows)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout!.setEncoding('utf8').on('data', (d: string) => { out += d; if (out.includes('"ready"')) resolve(); });
    child.on('close', (code) => reject(new Error(`app exited early (${code})`)));
  });
  return child;
}
const stop = async (c: ChildProcess) => { c.kill('SIGKILL'); await new Promise((r) => c.once('close', r)); };
/** What native sqlite3 sees in the live set now (on a copy, so that the live files stay as they are). */
const seen = (db: string) => nativeCounts(copySet(db, tmpDir('lifeboat-seen-')));

async function setup(): Promise<{ live: string; out: string; backup: string; backupDump: string }> {
  const root = tmpDir('lifeboat-races-');
  const live = makeRollbackDb(join(root, 'app.db'));
  const out = join(root, 'out');
  const backup = (await backupDatabase({ dbPath: live, outputDir: out })).file;
  sqlite3(live, "INSERT INTO customers(id, name) VALUES (9001, 'written after the backup');");
  return { live, out, backup, backupDump: dumpOf(backup) };
}

test('a database with a connected WAL-mode application is not restored (exit 1, one line), and the app\'s data stays', async () => {
  const { live, out, backup } = await setup();
  const app = await connectApp(live);
  try {
    const before = liveState(live);
    const r = await runCli(['restore', '--backup-file', backup, '--db-path', live, '--output-dir', out, '--yes']);
    assert.equal(r.status, 1, r.stderr);
    const line = r.stderr.trim();
    if (runtimeMayHaveSqlite()) {
      // SQLite's own lock tells: exact, whatever files lie around
      assert.equal(line, `lifeboat: ${live}: refusing to restore: the database is in use by another process (SQLite says another connection has it open); stop the application that uses it (--online restores through SQLite while it stays connected; --force restores anyway, and that application's later writes are lost)`);
    } else {
      assert.ok(line.startsWith(`lifeboat: ${live}: refusing to restore: the database looks in use by another process (`), line);
      assert.match(line, /app\.db-shm exists/);
      assert.match(line, /--force restores anyway/);
    }
    assert.equal(line.split('\n').length, 1);
    assert.deepEqual(liveState(live), before, 'nothing was touched');
    assert.equal(seen(live).t, 300, 'the app\'s commits are all there');
  } finally {
    await stop(app);
  }
});

test('an application that connects while the user is being asked: the restore is refused after the prompt, nothing lost', async () => {
  const { live, out, backup } = await setup();
  let app: ChildProcess | undefined;
  try {
    await assert.rejects(restoreDatabase({
      backupFile: backup, dbPath: live, outputDir: out,
      confirm: async () => { app = await connectApp(live, 200); return true; },
    }), (e: Error) => e instanceof InUseError && /(looks|is) in use by another process/.test(e.message));
    assert.equal(seen(live).t, 200, 'the rows the app committed during the prompt are in the live database');
    assert.equal(sqlite3(copySet(live, tmpDir()), 'SELECT name FROM customers WHERE id = 9001;'), 'written after the backup');
  } finally {
    if (app) await stop(app);
  }
});

test('an application that opens and writes the database just before the swap: the restore aborts and its writes stay', async () => {
  const { live, out, backup } = await setup();
  let app: ChildProcess | undefined;
  try {
    await assert.rejects(restoreDatabase({
      backupFile: backup, dbPath: live, outputDir: out, confirm: async () => true,
      hooks: { step: async (s) => { if (s === 'recheck') app = await connectApp(live, 150); } },
    }), (e: Error) => {
      assert.ok(e instanceof RestoreError, String(e));
      assert.match(e.message, /the database changed during the restore \(an application wrote to it; app\.db-wal, app\.db-shm appeared\)/);
      assert.equal((e as RestoreError).restored, true);
      return true;
    });
    const counts = seen(live);
    assert.equal(counts.t, 150, 'the app\'s rows are in the live database');
    assert.equal(integrityOf(copySet(live, tmpDir())), 'ok');
  } finally {
    if (app) await stop(app);
  }
});

test('a backup changed while the prompt waits: the bytes installed are the bytes that were validated', async () => {
  const { live, out, backup, backupDump } = await setup();
  const other = makeRollbackDb(join(tmpDir(), 'other.db'));
  sqlite3(other, "INSERT INTO customers(id, name) VALUES (666, 'swapped in during the prompt');");
  const r = await restoreDatabase({
    backupFile: backup, dbPath: live, outputDir: out,
    confirm: async () => { copyFileSync(other, backup); return true; },
  });
  assert.ok(dumpOf(live) === backupDump, 'the live database holds the validated backup, not what replaced it');
  assert.equal(sqlite3(live, 'SELECT count(*) FROM customers WHERE id = 666;'), '0');
  assert.deepEqual(r.tables, nativeCounts(live));
});

test('two restores of one database at once: one waits for the other (and says so), both complete, no raw errors', async () => {
  const { live, out, backup } = await setup();
  const second = (await backupDatabase({ dbPath: live, outputDir: out })).file;
  const secondDump = dumpOf(second);
  const runs = await Promise.all([backup, second].map((b) => runCli(['restore', '--backup-file', b, '--db-path', live, '--output-dir', out, '--yes'])));
  for (const r of runs) assert.equal(r.status, 0, r.stderr);
  const waited = runs.filter((r) => /lifeboat: waiting for another Lifeboat operation: restore \(process \d+ on /.test(r.stderr));
  assert.equal(waited.length, 1, `exactly one waited: ${runs.map((r) => r.stderr).join(' | ')}`);
  for (const r of runs) assert.doesNotMatch(r.stderr, /E[A-Z]{3,}:|errno/);
  assert.equal(integrityOf(live), 'ok');
  const d = dumpOf(live);
  assert.ok(d === secondDump || d === dumpOf(backup), 'the live database is one of the two backups, whole');
});

test('pin and verify at the same time, 20 rounds: the pin is never lost and the manifest stays valid JSON', async () => {
  const { backup } = await setup();
  for (let round = 0; round < 20; round++) {
    const pinned = round % 2 === 0;
    const [p, v] = await Promise.all([runCli([pinned ? 'pin' : 'unpin', '--backup-file', backup]), runCli(['verify', '--backup-file', backup])]);
    assert.equal(p.status, 0, p.stderr);
    assert.equal(v.status, 0, v.stderr);
    const m = JSON.parse(readFileSync(`${backup}.json`, 'utf8'));
    assert.equal(m.pinned, pinned, `round ${round}: the ${pinned ? 'pin' : 'unpin'} survived the concurrent verification`);
    assert.equal(m.lastVerified.ok, true);
  }
});

test('a scheduled backup with retention during a restore\'s prompt waits; the backup being restored is not deleted under it', async () => {
  const { live, out, backup, backupDump } = await setup();
  let cron: ReturnType<typeof spawnCli> | undefined;
  await restoreDatabase({
    backupFile: backup, dbPath: live, outputDir: out,
    confirm: async () => {
      cron = spawnCli(['backup', '--db-path', live, '--output-dir', out, '--retain', '1']);
      await sleep(1500);
      assert.equal(cron.child.exitCode, null, 'the scheduled backup is waiting for the restore');
      assert.ok(existsSync(backup), 'the backup being confirmed still exists');
      return true;
    },
  });
  assert.ok(dumpOf(live) === backupDump);
  const done = await cron!.done;
  assert.equal(done.status, 0, done.stderr);
  assert.match(done.stderr, /waiting for another Lifeboat operation: restore/);
});

test('an idle rollback-mode connection (no lock to see it by) is not silently diverted: after a restore its next write fails', async () => {
  const { live, out, backup } = await setup();
  const child = spawn(WRITER_NODE, [join(ROOT, 'test', 'support', 'txn-holder.cjs'), live, 'idle'], { stdio: ['pipe', 'pipe', 'inherit'] });
  try {
    let buf = '';
    const next = () => new Promise<string>((resolve, reject) => {
      const on = (d: Buffer) => {
        buf += d;
        const i = buf.indexOf('\n');
        if (i >= 0) { const line = buf.slice(0, i); buf = buf.slice(i + 1); child.stdout!.off('data', on); resolve(line); }
      };
      child.stdout!.on('data', on);
      child.once('close', (c) => reject(new Error(`holder exited ${c}`)));
    });
    assert.match(await next(), /"ready"/);
    const r = await restoreDatabase({ backupFile: backup, dbPath: live, outputDir: out });
    assert.equal(r.method, 'swap');
    child.stdin!.write('write\n');
    assert.equal(JSON.parse(await next()).write, 'SQLITE_READONLY_DBMOVED', 'the app gets an error instead of writing into the replaced file');
    assert.equal(sqlite3(live, "SELECT count(*) FROM sqlite_schema WHERE name = 't';"), '0', 'the live database is the backup (the app\'s table came after it)');
  } finally {
    child.kill('SIGKILL');
  }
});
