// A run killed at an exact step (SIGKILL from its own step hook) leaves nothing that is listed,
// and the next run sweeps what it left, by exact name and owner: a backup's work folder and
// orphaned manifest, a restore's temporary files beside the database, the private temp folders
// of Compare and rehearsals (which hold full copies of user data).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { backupDatabase } from '../../src/core/backup';
import { listBackups } from '../../src/core/list';
import { ROOT, sqlite3, tmpDir } from '../helpers';
import { dumpOf, makeRollbackDb } from './support/fixtures';
import { tree } from './support/liveset';

const RUN = join(ROOT, 'test', 'support', 'run-core.ts');

function killedAt(op: string, opts: object, step: string, env: NodeJS.ProcessEnv = {}): void {
  const r = spawnSync(process.execPath, ['--import', 'tsx', RUN, op, JSON.stringify(opts), '--kill-at', step], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ...env }, timeout: 120_000 });
  assert.equal(r.signal, 'SIGKILL', `${op} reached ${step} and was killed there (status ${r.status}, stderr ${r.stderr})`);
}

for (const step of ['snapshot', 'check', 'hash', 'manifest', 'publish']) {
  test(`backup killed at "${step}": nothing is listed, and the next backup sweeps what it left`, { timeout: 120_000 }, async () => {
    const root = tmpDir('lifeboat-killed-');
    const db = makeRollbackDb(join(root, 'app.db'));
    const out = join(root, 'out');
    const first = await backupDatabase({ dbPath: db, outputDir: out, force: true });
    killedAt('backup', { dbPath: db, outputDir: out, force: true }, step);
    assert.deepEqual((await listBackups(db, out)).map((e) => e.file), [first.file], 'only the complete backup is listed');
    const left = tree(out).filter((f) => !f.startsWith(first.file.slice(out.length + 1)));
    assert.ok(left.length > 0, `the killed run left something to sweep: ${JSON.stringify(tree(out))}`);
    const second = await backupDatabase({ dbPath: db, outputDir: out, force: true });
    const names = tree(out).filter((f) => !f.startsWith('pre-restore/'));
    assert.deepEqual(names, [first.file, `${first.file}.json`, second.file, `${second.file}.json`].map((f) => f.slice(out.length + 1)).sort(), 'the next run swept every leftover');
  });
}

test('restore killed mid-swap: the live database is whole, and the next restore (or backup) sweeps its temporary files', { timeout: 120_000 }, async () => {
  const root = tmpDir('lifeboat-killed-');
  mkdirSync(join(root, 'live'));
  const db = makeRollbackDb(join(root, 'live', 'app.db'));
  const out = join(root, 'out');
  const b = await backupDatabase({ dbPath: db, outputDir: out });
  const want = dumpOf(b.file);
  sqlite3(db, 'DELETE FROM orders;');
  for (const step of ['keep-original', 'swap', 'verify']) {
    killedAt('restore', { backupFile: b.file, dbPath: db, outputDir: out }, step);
    const beside = readdirSync(dirname(db)).filter((n) => n !== 'app.db');
    assert.ok(beside.length > 0, `${step}: the killed restore left files beside the database: ${beside}`);
    assert.ok(beside.every((n) => /^app\.db\.lifeboat-(lock|restore-[0-9a-f]{8}\.tmp|original-[0-9a-f]{8})$/.test(n)), `${step}: only our own names: ${beside}`);
    assert.equal(sqlite3(db, 'PRAGMA integrity_check;'), 'ok', `${step}: the live database is whole`);
    await backupDatabase({ dbPath: db, outputDir: out }); // does not restore, but breaks the dead restore's lock
    assert.deepEqual(readdirSync(dirname(db)), ['app.db'], `${step}: the next run swept them`);
  }
  const { restoreDatabase } = await import('../../src/core/restore');
  await restoreDatabase({ backupFile: b.file, dbPath: db, outputDir: out });
  assert.ok(dumpOf(db) === want);
  assert.deepEqual(readdirSync(dirname(db)), ['app.db']);
});

test('Compare (inspectLive) and a rehearsal killed half-way leave private temp folders that the next run removes', { timeout: 120_000 }, async () => {
  const root = tmpDir('lifeboat-killed-');
  const db = makeRollbackDb(join(root, 'app.db'));
  const out = join(root, 'out');
  await backupDatabase({ dbPath: db, outputDir: out });
  const tmp = tmpDir('lifeboat-tmp-');
  const env = { TMPDIR: tmp };
  const ours = () => readdirSync(tmp).filter((n) => n.startsWith('lifeboat-'));
  const compareOnce = () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', RUN, 'inspectLive', JSON.stringify({ dbPath: db })], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ...env } });
    assert.equal(r.status, 0, r.stderr);
  };
  for (const [what, kill] of [
    ['Compare\'s snapshot', () => killedAt('inspectLive', { dbPath: db }, 'afterCopy', env)],
    ['the rehearsal\'s scratch copy', () => killedAt('rehearsal', { dbPath: db, outputDir: out, operator: 't', rtoMinutes: 30, rpoHours: 24 }, 'swap', env)],
  ] as const) {
    kill();
    const left = ours();
    assert.ok(left.length > 0, `${what} is left in a folder of ours: ${readdirSync(tmp)}`);
    for (const n of left) assert.equal(statSync(join(tmp, n)).mode & 0o777, 0o700, `${n} is private (it holds user data)`);
    compareOnce();
    assert.deepEqual(ours(), [], `${what}: the next run removed it (and its own)`);
  }
});
