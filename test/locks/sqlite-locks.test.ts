// SQLite's own locks through the lock helper (runs on Node 22 and 24 only: scripts/test.mjs).
// The lock lives in a process of its own, so this process may open and close the database all it
// likes; a writer is blocked only while the lock is held; the lock dies with its parent; a hot
// journal, a transaction in journal_mode MEMORY or OFF, and connections of other processes are
// seen for what they are.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { backupDatabase } from '../../src/core/backup';
import { BusyError } from '../../src/core/errors';
import { LockSession, probeInUse, sqliteLockSupport } from '../../src/core/sqliteLocks';
import { ROOT, sha256File, sqlite3, tmpDir, WRITER_NODE } from '../helpers';
import { copySet, dumpOf, hotJournalCommittedOk, makeHotJournalDb, makeRollbackDb, makeWalCrashDb } from '../engine/support/fixtures';
import { killStrays, sleep } from '../support/proc';

after(killStrays);
const HOLDER = join(ROOT, 'test', 'support', 'txn-holder.cjs');
const children: ChildProcess[] = [];
after(() => { for (const c of children) c.kill('SIGKILL'); });

/** A better-sqlite3 connection in another process, in the state `what` (see txn-holder.cjs). */
async function hold(db: string, what: string): Promise<{ child: ChildProcess; send(cmd: string): Promise<void> }> {
  const child = spawn(WRITER_NODE, [HOLDER, db, what], { stdio: ['pipe', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  const seen = (t: string) => new Promise<void>((resolve, reject) => {
    const check = () => { if (out.includes(`"${t}"`)) { out = out.replace(`"${t}"`, ''); resolve(); } };
    child.stdout!.on('data', (d: Buffer) => { out += d; check(); });
    child.once('close', (c) => reject(new Error(`holder exited (${c})`)));
    check();
  });
  await seen('ready');
  return { child, send: async (cmd) => { child.stdin!.write(`${cmd}\n`); if (cmd !== 'exit') await seen('done'); } };
}

/** One commit from another process with busy_timeout 0: 'ok' or the error's code. */
function commitNow(db: string): string {
  const code = `const D = require('better-sqlite3'); const d = new D(process.argv[1], { timeout: 0 }); d.pragma('busy_timeout = 0');
    try { d.exec("BEGIN IMMEDIATE; CREATE TABLE IF NOT EXISTS w(x); INSERT INTO w VALUES (1); COMMIT"); console.log('ok'); } catch (e) { console.log(e.code); }`;
  return execFileSync(WRITER_NODE, ['-e', code, db], { cwd: ROOT, encoding: 'utf8' }).trim();
}

test('this runtime has working SQLite locks (node:sqlite), and says which', async () => {
  const s = await sqliteLockSupport();
  assert.equal(s.available, true, s.reason);
  assert.equal(s.node, process.version);
  assert.match(String(s.sqlite), /^3\.\d+\.\d+$/);
});

test('the lock survives this process opening and closing the database (it lives in the helper): a writer stays blocked', async () => {
  const db = makeRollbackDb(join(tmpDir('lifeboat-locks-'), 'app.db'));
  const { session } = await LockSession.open(db);
  assert.ok(session);
  assert.equal(await session.acquire(), true);
  try {
    for (let i = 0; i < 50; i++) closeSync(openSync(db, 'r')); // what the engine does while it copies
    assert.equal(commitNow(db), 'SQLITE_BUSY', 'a writer cannot commit while SHARED is held elsewhere');
  } finally {
    await session.release();
    session.close();
  }
  assert.equal(commitNow(db), 'ok', 'released: the writer commits');
});

test('a writer without a busy timeout gets SQLITE_BUSY at COMMIT only while the lock is held', async () => {
  const db = makeRollbackDb(join(tmpDir('lifeboat-locks-'), 'app.db'));
  const { session } = await LockSession.open(db);
  assert.ok(session);
  assert.equal(commitNow(db), 'ok');
  assert.equal(await session.acquire(), true);
  assert.equal(commitNow(db), 'SQLITE_BUSY');
  const heldMs = await session.release();
  assert.ok(heldMs >= 0);
  assert.equal(commitNow(db), 'ok');
  session.close();
});

test('the parent killed while its helper holds the lock: the helper exits and the writer continues within a second', async () => {
  const db = makeRollbackDb(join(tmpDir('lifeboat-locks-'), 'app.db'));
  const parent = spawn(process.execPath, ['--no-warnings', '--import', 'tsx', join(ROOT, 'test', 'support', 'shared-lock-parent.ts'), db], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(parent);
  const helper = await new Promise<number>((resolve, reject) => {
    let out = '';
    parent.stdout!.on('data', (d: Buffer) => { out += d; const m = /"helper":(\d+)/.exec(out); if (m) resolve(Number(m[1])); });
    parent.once('close', (c) => reject(new Error(`parent exited ${c}`)));
  });
  assert.equal(commitNow(db), 'SQLITE_BUSY', 'held');
  parent.kill('SIGKILL');
  const t0 = Date.now();
  let result = '';
  while (Date.now() - t0 < 1000 && (result = commitNow(db)) !== 'ok') await sleep(20);
  assert.equal(result, 'ok', 'the writer commits within a second of the parent\'s death');
  const state = existsSync(`/proc/${helper}/stat`) ? readFileSync(`/proc/${helper}/stat`, 'utf8').split(') ')[1]?.[0] : 'gone';
  assert.ok(state === 'gone' || state === 'Z', `the helper has exited (state ${state})`);
});

test('a hot journal: the read-only helper refuses it, and the backup rolls the journal back itself', async () => {
  const db = join(tmpDir('lifeboat-locks-'), 'ledger.db');
  await makeHotJournalDb(db);
  const oracle = copySet(db, tmpDir());
  const r = await backupDatabase({ dbPath: db, outputDir: join(tmpDir(), 'out') });
  assert.ok(hotJournalCommittedOk(r.file));
  assert.ok(dumpOf(r.file) === dumpOf(oracle));
  assert.equal(r.snapshot.method, 'lock-free', 'no lock: SQLite would roll the journal back first');
  assert.ok(existsSync(`${db}-journal`), 'the live hot journal is left alone');
});

for (const mode of ['memory', 'off']) {
  test(`journal_mode ${mode.toUpperCase()}: a transaction whose pages spilled into the file is never backed up; after it ends the backup is what SQLite shows`, { timeout: 90_000 }, async () => {
    const db = join(tmpDir('lifeboat-locks-'), 'spill.db');
    const h = await hold(db, `spill-${mode}`);
    const torn = copySet(db, tmpDir());
    assert.notEqual(sqlite3(torn, 'SELECT sum(v) FROM t;'), '50000', 'the file holds uncommitted pages (what a lock-free copy would see)');
    await assert.rejects(backupDatabase({ dbPath: db, outputDir: join(tmpDir(), 'out'), busyTimeoutMs: 3000 }), (e: Error) => {
      assert.ok(e instanceof BusyError, String(e));
      assert.match(e.message, /holds the database exclusively \(committing, or a transaction in journal_mode MEMORY or OFF/);
      return true;
    });
    await h.send('rollback');
    const r = await backupDatabase({ dbPath: db, outputDir: join(tmpDir(), 'out') });
    const shown = sqlite3(copySet(db, tmpDir()), 'SELECT sum(v) FROM t;');
    assert.equal(sqlite3(r.file, 'SELECT sum(v) FROM t;'), shown, 'the backup holds what SQLite shows now');
    // MEMORY rolls the spilled pages back; OFF cannot (SQLite documents it), so its file keeps them
    if (mode === 'memory') assert.equal(shown, '50000');
    assert.equal(r.snapshot.method, 'lock-free, confirmed under lock');
    await h.send('exit');
  });
}

test('in use, by SQLite\'s locks: an idle WAL connection and an open read transaction are seen; a crash\'s leftovers are not; the probe changes nothing', async () => {
  const dir = tmpDir('lifeboat-locks-');
  const wal = join(dir, 'wal.db');
  const hw = await hold(wal, 'idle-wal');
  assert.deepEqual(await probeInUse(wal), { inUse: true, reason: 'another connection has it open' });
  await hw.send('exit');
  const rb = makeRollbackDb(join(dir, 'rb.db'));
  const hr = await hold(rb, 'read');
  assert.deepEqual(await probeInUse(rb), { inUse: true, reason: 'another connection is inside a transaction' });
  await hr.send('exit');
  assert.deepEqual(await probeInUse(rb), { inUse: false, reason: undefined });
  // a SIGKILLed writer's -wal and -shm: files that look in use, with no process behind them
  const crashed = join(dir, 'crashed.db');
  await makeWalCrashDb(crashed);
  const before = ['', '-wal', '-shm'].map((s) => (existsSync(crashed + s) ? sha256File(crashed + s) : null));
  assert.deepEqual(await probeInUse(crashed), { inUse: false, reason: undefined });
  assert.deepEqual(['', '-wal'].map((s) => sha256File(crashed + s)), before.slice(0, 2), 'the probe wrote nothing into the database or its WAL');
  assert.ok(existsSync(`${crashed}-wal`), 'no checkpoint deleted the WAL');
  assert.ok(readFileSync(`${crashed}-wal`).length > 0);
});
