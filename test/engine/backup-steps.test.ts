// A backup or a prune that fails at any step (BackupHooks.step / PruneOptions.hooks) leaves the
// live database as it was, lists nothing half-made, and leaves nothing behind in the folder;
// a prune never deletes a backup without its manifest or a manifest without its backup.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { backupDatabase, BackupStep } from '../../src/core/backup';
import { listBackups } from '../../src/core/list';
import { pruneBackups } from '../../src/core/prune';
import { tmpDir } from '../helpers';
import { makeWalCrashDb } from './support/fixtures';
import { liveSet, tree } from './support/liveset';

test('a backup failing at each step: live set unchanged, the listing unchanged, no leftovers in the folder', async () => {
  const root = tmpDir('lifeboat-bsteps-');
  const db = join(root, 'app.db');
  await makeWalCrashDb(db);
  const out = join(root, 'out');
  const steps: BackupStep[] = [];
  const first = await backupDatabase({ dbPath: db, outputDir: out, force: true, policy: { keepLast: 5 }, hooks: { step: (s) => { steps.push(s); } } });
  assert.deepEqual(steps, ['snapshot', 'check', 'hash', 'manifest', 'publish', 'prune']);
  for (const at of steps) {
    const before = { live: liveSet(db), files: tree(out), listed: (await listBackups(db, out)).map((e) => e.file) };
    const run = backupDatabase({ dbPath: db, outputDir: out, force: true, policy: { keepLast: 5 }, hooks: { step: (s) => { if (s === at) throw new Error(`injected at ${s}`); } } });
    if (at === 'prune') {
      // the backup is complete by then: it stands, and the failed retention is reported
      const r = await run;
      assert.deepEqual(r.warnings, ['retention was not applied: injected at prune']);
      assert.deepEqual((await listBackups(db, out)).map((e) => e.file).sort(), [...before.listed, r.file].sort());
      continue;
    }
    await assert.rejects(run, new RegExp(`injected at ${at}`));
    assert.deepEqual(liveSet(db), before.live, `${at}: the live set is as before`);
    assert.deepEqual(tree(out), before.files, `${at}: nothing was left in the backup folder`);
    assert.deepEqual((await listBackups(db, out)).map((e) => e.file), before.listed, `${at}: nothing half-made is listed`);
  }
  assert.ok(first.verified);
});

test('a prune failing before its second deletion: each backup is either whole (file + manifest) or gone', async () => {
  const root = tmpDir('lifeboat-psteps-');
  const db = join(root, 'app.db');
  await makeWalCrashDb(db);
  const out = join(root, 'out');
  const made = [];
  for (let i = 0; i < 4; i++) made.push((await backupDatabase({ dbPath: db, outputDir: out, force: true, now: () => new Date(Date.UTC(2026, 0, 1 + i)) })).file);
  let deletions = 0;
  await assert.rejects(pruneBackups({ dbPath: db, outputDir: out, policy: { keepLast: 1 }, hooks: { step: (s) => { if (s === 'delete' && ++deletions === 2) throw new Error('injected'); } } }), /injected/);
  const files = tree(out);
  for (const f of made) {
    const name = f.slice(out.length + 1);
    assert.equal(files.includes(name), files.includes(`${name}.json`), `${name}: file and manifest go together`);
  }
  assert.equal((await listBackups(db, out)).length, 3, 'exactly one was deleted before the failure');
});
