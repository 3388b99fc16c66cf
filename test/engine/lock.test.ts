// Lifeboat's own lock, across processes and within one: exclusive, waits for a live holder,
// breaks the lock of a dead one (SIGKILL, a reused PID) exactly once and sweeps what it recorded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { acquireLock, breakIfStale } from '../../src/core/lock';
import { LockTimeoutError } from '../../src/core/errors';
import { ownStamp, processStartTicks } from '../../src/core/owner';
import { ROOT, tmpDir } from '../helpers';

const HOLDER = join(ROOT, 'test', 'support', 'lock-holder.ts');

interface Holder { child: ChildProcess; lines: string[]; until(re: RegExp): Promise<string>; exited: Promise<number | null> }

function holder(file: string, ...temps: string[]): Holder {
  const child = spawn(process.execPath, ['--import', 'tsx', HOLDER, file, 'holder-op', ...temps], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const waiters: { re: RegExp; resolve: (l: string) => void }[] = [];
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    for (const l of d.split('\n').filter(Boolean)) {
      lines.push(l);
      for (const w of [...waiters]) if (w.re.test(l)) { waiters.splice(waiters.indexOf(w), 1); w.resolve(l); }
    }
  });
  let err = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
  return {
    child, lines, exited,
    until: (re) => {
      const seen = lines.find((l) => re.test(l));
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        waiters.push({ re, resolve });
        void exited.then((c) => reject(new Error(`holder exited (${c}) before ${re}: ${err}`)));
      });
    },
  };
}

test('a lock held by another process makes this one wait (onWait names the holder), then it gets it', { timeout: 60_000 }, async () => {
  const dir = tmpDir('lifeboat-lock-');
  const file = join(dir, '.lifeboat-lock');
  const h = holder(file);
  await h.until(/^held/);
  const waits: string[] = [];
  let got = false;
  const taking = acquireLock(file, { op: 'me', onWait: (who) => waits.push(who) }).then((l) => { got = true; return l; });
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(got, false, 'not taken while the other process holds it');
  assert.equal(waits.length, 1);
  assert.match(waits[0], new RegExp(`holder-op \\(process ${h.child.pid} on `));
  h.child.stdin!.write('release\n');
  const lock = await taking;
  assert.equal(got, true);
  assert.equal(JSON.parse(readFileSync(file, 'utf8')).pid, process.pid, 'the lock file now names this process');
  await lock.release();
  assert.equal(existsSync(file), false, 'released: the lock file is gone');
});

test('a lock file caught before its owner wrote its stamp: the wait still names the holder once it can', { timeout: 60_000 }, async () => {
  const dir = tmpDir('lifeboat-lock-');
  const file = join(dir, '.lifeboat-lock');
  writeFileSync(file, '', { mode: 0o600 }); // just created with O_EXCL, not yet written
  const waits: string[] = [];
  const taking = acquireLock(file, { op: 'me', onWait: (who) => waits.push(who) });
  try {
    await new Promise((r) => setTimeout(r, 150));
    writeFileSync(file, JSON.stringify(ownStamp('restore'))); // the owner (this live process) writes its stamp
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(waits.length, 1, `one wait reported: ${waits.join(' | ')}`);
    assert.match(waits[0], new RegExp(`^restore \\(process ${process.pid} on `), 'the holder, not "another Lifeboat operation"');
  } finally {
    unlinkSync(file); // the "owner" lets go
    await (await taking).release();
  }
});

test('waiting gives up after the timeout with a typed error naming the holder and the lock file', { timeout: 60_000 }, async () => {
  const dir = tmpDir('lifeboat-lock-');
  const file = join(dir, '.lifeboat-lock');
  const h = holder(file);
  await h.until(/^held/);
  await assert.rejects(acquireLock(file, { op: 'me', timeoutMs: 400, subject: '/data/app.db' }), (e: Error) => {
    assert.ok(e instanceof LockTimeoutError);
    assert.equal((e as LockTimeoutError).file, '/data/app.db');
    assert.match(e.message, /another Lifeboat operation is working on it: holder-op/);
    assert.ok(e.message.includes(file));
    return true;
  });
  h.child.kill('SIGKILL');
});

test('the lock of a SIGKILLed holder is broken and the temp files it recorded are swept, by name and inode', { timeout: 60_000 }, async () => {
  const dir = tmpDir('lifeboat-lock-');
  const file = join(dir, 'app.db.lifeboat-lock');
  const tempA = join(dir, 'app.db.lifeboat-restore-aaaaaaaa.tmp');
  const tempB = join(dir, 'app.db.lifeboat-original-bbbbbbbb');
  const h = holder(file, tempA, tempB);
  await h.until(/^held/);
  h.child.kill('SIGKILL');
  await h.exited;
  // tempB is replaced by another file under the same name: not the recorded inode, so not ours any more
  writeFileSync(`${tempB}.new`, 'user data');
  const { renameSync } = await import('node:fs');
  renameSync(`${tempB}.new`, tempB);
  const swept: string[] = [];
  const lock = await acquireLock(file, { op: 'me', timeoutMs: 5_000, onSwept: (p) => swept.push(...p) });
  assert.deepEqual(swept, [tempA]);
  assert.equal(existsSync(tempA), false);
  assert.equal(readFileSync(tempB, 'utf8'), 'user data', 'a file that is no longer the recorded one is left alone');
  await lock.release();
});

test('a stamp whose PID now belongs to another process (PID reuse) counts as dead; a live one is left alone', async () => {
  const dir = tmpDir('lifeboat-lock-');
  const file = join(dir, '.lifeboat-lock');
  const start = processStartTicks(process.pid);
  assert.ok(start, 'this machine has /proc (Linux)');
  // our own PID, but a start time that is not ours: the process that wrote it is gone
  writeFileSync(file, JSON.stringify({ ...ownStamp('old'), procStart: String(Number(start) - 1) }));
  await breakIfStale(file);
  assert.equal(existsSync(file), false, 'the reused-PID lock was broken');
  writeFileSync(file, JSON.stringify(ownStamp('alive')));
  await breakIfStale(file);
  assert.equal(existsSync(file), true, 'the lock of a live process stays');
});

test('another host\'s lock is stale only when it was not refreshed for 10 minutes; an unstamped one after 10 s', async () => {
  const { utimesSync } = await import('node:fs');
  const dir = tmpDir('lifeboat-lock-');
  const file = join(dir, '.lifeboat-lock');
  writeFileSync(file, JSON.stringify({ pid: 1, host: `not-${hostname()}`, since: new Date().toISOString() }));
  await breakIfStale(file);
  assert.equal(existsSync(file), true, 'a fresh foreign lock stays');
  const old = new Date(Date.now() - 11 * 60_000);
  utimesSync(file, old, old);
  await breakIfStale(file);
  assert.equal(existsSync(file), false, 'an abandoned foreign lock is broken');
  writeFileSync(file, '');
  await breakIfStale(file);
  assert.equal(existsSync(file), true, 'an empty lock file just created stays');
  const older = new Date(Date.now() - 11_000);
  utimesSync(file, older, older);
  await breakIfStale(file);
  assert.equal(existsSync(file), false);
});

test('a link in place of the lock file is refused, not followed', async () => {
  const dir = tmpDir('lifeboat-lock-');
  const target = join(dir, 'precious');
  writeFileSync(target, 'keep');
  const file = join(dir, '.lifeboat-lock');
  symlinkSync(target, file);
  await assert.rejects(acquireLock(file, { op: 'me', timeoutMs: 500 }), /is a link, not a Lifeboat lock file/);
  assert.equal(readFileSync(target, 'utf8'), 'keep');
});

test('in one process, a second taker waits for the first and both see the other\'s work (no lost update)', async () => {
  const dir = tmpDir('lifeboat-lock-');
  const file = join(dir, '.lifeboat-lock');
  const counter = join(dir, 'counter');
  writeFileSync(counter, '0');
  const waits: string[] = [];
  await Promise.all(Array.from({ length: 20 }, async () => {
    const l = await acquireLock(file, { op: 'inc', onWait: (h) => waits.push(h) });
    const n = Number(readFileSync(counter, 'utf8'));
    await new Promise((r) => setTimeout(r, 2));
    writeFileSync(counter, String(n + 1));
    await l.release();
  }));
  assert.equal(readFileSync(counter, 'utf8'), '20');
  assert.ok(waits.length >= 19 && waits.every((w) => /another operation of this process/.test(w)), JSON.stringify(waits.slice(0, 3)));
});

test('an aborted wait rejects with CancelledError and does not block the queue', async () => {
  const dir = tmpDir('lifeboat-lock-');
  const file = join(dir, '.lifeboat-lock');
  const first = await acquireLock(file, { op: 'first' });
  const ac = new AbortController();
  const second = acquireLock(file, { op: 'second', signal: ac.signal });
  setTimeout(() => ac.abort(), 50);
  await assert.rejects(second, { name: 'CancelledError' });
  const third = acquireLock(file, { op: 'third' });
  await first.release();
  await (await third).release();
});
