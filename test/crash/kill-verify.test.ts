// SIGKILL while the CLI has a backup open (`verify` spends most of its run with the file open in
// SQLite): the backup must stay intact, and the tool must still be able to use it afterwards —
// a killed run must not leave a lasting lock (node-sqlite3-wasm locks with a `<file>.lock` folder).
// Every later `verify` of that backup, and a final `restore` from it, must work.
//
// Run: node --import tsx --test test/crash/kill-verify.test.ts   (needs dist/cli.js)
import { strict as assert } from 'node:assert';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { CLI, nativeIntegrity, sha256File, tmpDir } from '../helpers';
import { histogram, killStrays, lockLeftovers, parseJson, resolveIn, runCli, sleep, spawnCli, startWriter } from '../support/proc';

after(killStrays);

const TRIALS = 12;

test(`SIGKILL during verify × ${TRIALS}: the backup stays usable`, { timeout: 150_000 }, async (ctx) => {
  ctx.signal.addEventListener('abort', killStrays);
  assert.ok(existsSync(CLI), `${CLI} is missing: build first`);
  const root = tmpDir('lifeboat-killvf-');
  const dbDir = join(root, 'db');
  const out = join(root, 'backups');
  mkdirSync(dbDir);
  mkdirSync(out);
  const db = join(dbDir, 'live.db');
  const w = startWriter(db, 'rollback', { rate: 300, durationMs: 500, env: { WRITER_SEED_ROWS: '12000' } });
  assert.equal((await w.exited).code, 0, 'seeding writer');

  const bk = await runCli(['backup', '--db-path', db, '--output-dir', out, '--json']);
  assert.equal(bk.status, 0, `backup failed: ${bk.stderr}`);
  const j = parseJson<{ file: string; sha256: string }>(bk, 'backup');
  const file = resolveIn(out, j.file);

  const m = await runCli(['verify', '--backup-file', file]);
  assert.equal(m.status, 0, `verify failed: ${m.stderr}`);
  const typical = m.ms;

  const outcomes: string[] = [];
  const failures: string[] = [];
  for (let i = 1; i <= TRIALS; i++) {
    const delay = ((i - 1 + Math.random()) / TRIALS) * typical;
    const where = `trial ${i} (kill after ${delay.toFixed(0)} ms of ~${typical.toFixed(0)})`;
    const s = spawnCli(['verify', '--backup-file', file]);
    await sleep(delay);
    if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGKILL');
    const r = await s.done;
    outcomes.push(r.signal === 'SIGKILL' ? 'killed' : `exit ${r.status}`);
    if (r.signal !== 'SIGKILL') assert.equal(r.status, 0, `${where}: verify (not killed) exit ${r.status}: ${r.stderr}`);

    // The file itself is untouched.
    assert.equal(sha256File(file), j.sha256, `${where}: ${file} changed`);
    assert.equal(nativeIntegrity(file), 'ok', `${where}: ${file} native integrity_check`);
    // And the tool can still read it.
    const v = await runCli(['verify', '--backup-file', file]);
    if (v.status !== 0) {
      failures.push(`${where}: verify after the kill: exit ${v.status}: ${v.stderr.trim()} [lock leftovers: ${lockLeftovers(root).join(', ') || 'none'}]`);
    }
  }
  console.log(`# verify takes ~${typical.toFixed(0)} ms; ${TRIALS} trials: ${JSON.stringify(histogram(outcomes))}; ${failures.length} left the backup unusable`);
  for (const f of failures) console.log(`# ${f}`);
  assert.deepEqual(failures, [], `a killed verify must not leave ${file} unusable`);

  // The backup still restores, and lists as verified.
  const live2 = join(root, 'restore-target', 'live.db');
  mkdirSync(join(root, 'restore-target'));
  const rs = await runCli(['restore', '--backup-file', file, '--db-path', live2, '--output-dir', out, '--yes']);
  assert.equal(rs.status, 0, `restore of ${file} after the kills failed: ${rs.stderr}`);
  assert.equal(nativeIntegrity(live2), 'ok');
});
