// SIGKILL during `restore`, at random moments: afterwards the live database must exist, pass the
// native integrity_check, and hold either the OLD content entirely or the NEW content entirely.
// Half the trials start from a rollback-journal live db, half from a WAL live db whose -wal holds
// committed but un-checkpointed transactions (part of OLD: losing them is a failure).
//
// Run: node --import tsx --test test/crash/kill-restore.test.ts   (needs dist/cli.js)
import { strict as assert } from 'node:assert';
import { copyFileSync, existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, test } from 'node:test';
import { CLI, nativeIntegrity, sqlite3, tmpDir } from '../helpers';
import {
  headerVersions,
  histogram,
  isolatedCopy,
  killStrays,
  leaveUncheckpointedWal,
  lockLeftovers,
  parseJson,
  removeDbFiles,
  resolveIn,
  runCli,
  sleep,
  spawnCli,
  walk,
} from '../support/proc';

after(killStrays);

const TRIALS_PER_MODE = 16; // 32 in all
const OLD_ROWS = 4000;
const WAL_ROWS = 600; // extra OLD rows that live only in the -wal
const NEW_ROWS = 2500;
const COMPANIONS = ['-wal', '-shm', '-journal'];

interface Content {
  marker: string;
  count: number;
}

/** marker + row count, by the native CLI (opening `db` in place, with whatever companions it has). */
function content(db: string): Content {
  const [marker, count] = sqlite3(db, "SELECT (SELECT group_concat(v, ',') FROM marker), (SELECT count(*) FROM t);").split('|');
  return { marker, count: Number(count) };
}

function fill(db: string, marker: string, rows: number): void {
  sqlite3(
    db,
    `CREATE TABLE IF NOT EXISTS marker(v TEXT); CREATE TABLE IF NOT EXISTS t(id INTEGER PRIMARY KEY, v BLOB);
     DELETE FROM marker; DELETE FROM t; INSERT INTO marker VALUES ('${marker}');
     WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${rows}) INSERT INTO t(v) SELECT randomblob(200) FROM n;`,
  );
}

/** Copies db and its companions (those that exist) from one folder to another. */
function copyDbFiles(fromDb: string, toDb: string): void {
  removeDbFiles(toDb);
  for (const s of ['', ...COMPANIONS]) if (existsSync(fromDb + s)) copyFileSync(fromDb + s, toDb + s);
}

test(`SIGKILL during restore × ${2 * TRIALS_PER_MODE}: the live db is OLD or NEW, never missing, never mixed`, { timeout: 175_000 }, async (ctx) => {
  ctx.signal.addEventListener('abort', killStrays); // a timed-out test leaves no child behind
  assert.ok(existsSync(CLI), `${CLI} is missing: build first`);
  const root = tmpDir('lifeboat-killrs-');
  const liveDir = join(root, 'live');
  const out = join(root, 'backups');
  const scratch = join(root, 'scratch');
  const pristine = { rollback: join(root, 'pristine-rollback', 'live.db'), wal: join(root, 'pristine-wal', 'live.db') };
  for (const d of [liveDir, out, dirname(pristine.rollback), dirname(pristine.wal)]) mkdirSync(d, { recursive: true });
  const live = join(liveDir, 'live.db');

  // NEW: the live db's content at backup time, kept in a verified backup.
  fill(live, 'new', NEW_ROWS);
  const bk = await runCli(['backup', '--db-path', live, '--output-dir', out, '--json']);
  assert.equal(bk.status, 0, `backup of NEW failed: ${bk.stderr}`);
  const bj = parseJson<{ file: string; verified: boolean }>(bk, 'backup');
  assert.equal(bj.verified, true, 'the NEW backup is verified');
  const newBackup = resolveIn(out, bj.file);
  const NEW = content(isolatedCopy(newBackup, scratch));
  assert.deepEqual(NEW, { marker: 'new', count: NEW_ROWS });

  // OLD, rollback journal: the same db, changed after the backup.
  fill(live, 'old', OLD_ROWS);
  assert.deepEqual(headerVersions(live), [1, 1]);
  copyDbFiles(live, pristine.rollback);
  // OLD, WAL: the same plus commits left in the -wal by a writer killed while holding its connection.
  copyDbFiles(pristine.rollback, pristine.wal);
  await leaveUncheckpointedWal(pristine.wal, WAL_ROWS, 'old+wal');
  assert.ok(statSync(pristine.wal + '-wal').size > WAL_ROWS * 200, 'the -wal holds the un-checkpointed commits');
  const OLD = {
    rollback: content(isolatedCopy(pristine.rollback, scratch)),
    wal: (() => {
      const dir = join(scratch, 'old-wal');
      mkdirSync(dir);
      copyDbFiles(pristine.wal, join(dir, 'live.db'));
      return content(join(dir, 'live.db'));
    })(),
  };
  assert.deepEqual(OLD.rollback, { marker: 'old', count: OLD_ROWS });
  assert.deepEqual(OLD.wal, { marker: 'old+wal', count: OLD_ROWS + WAL_ROWS });
  // Without its -wal the main file alone is neither OLD nor NEW: losing the WAL would show.
  assert.deepEqual(content(isolatedCopy(pristine.wal, scratch)), { marker: 'old', count: OLD_ROWS });

  // --force: the WAL mode's -wal/-shm are left by a killed writer, not by a running application
  const restoreArgs = ['restore', '--backup-file', newBackup, '--db-path', live, '--output-dir', out, '--yes', '--force', '--json'];
  const summary: Record<string, { typicalMs: number; outcomes: string[] }> = {};

  // First, before any kill: one undisturbed restore per mode, to learn how long it takes; it must
  // give NEW, and leave a safety copy of OLD.
  const typical = { rollback: 0, wal: 0 };
  for (const mode of ['rollback', 'wal'] as const) {
    const old = OLD[mode];
    copyDbFiles(pristine[mode], live);
    const before = new Set(walk(join(out, 'pre-restore')));
    const m = await runCli(restoreArgs);
    assert.equal(m.status, 0, `${mode}: measuring restore failed: ${m.stderr}`);
    assert.equal(nativeIntegrity(live), 'ok', `${mode}: restored live db integrity_check`);
    assert.deepEqual(content(live), NEW, `${mode}: a completed restore gives NEW`);
    // The safety set holds OLD entirely (the WAL commits included) in a file that opens alone.
    const mj = parseJson<{ safetyCopy?: string | null }>(m, `${mode}: restore`);
    const candidates =
      typeof mj.safetyCopy === 'string'
        ? [resolveIn(out, mj.safetyCopy)]
        : walk(join(out, 'pre-restore')).filter((f) => !before.has(f) && !/(\.json|\.partial|-wal|-shm|-journal)$/.test(f));
    const held = candidates.map((f) => {
      const lone = isolatedCopy(f, scratch);
      const integrity = nativeIntegrity(lone);
      return { f, integrity, content: integrity === 'ok' ? content(lone) : null };
    });
    assert.ok(
      held.some((h) => h.integrity === 'ok' && h.content?.marker === old.marker && h.content.count === old.count),
      `${mode}: no safety copy under ${join(out, 'pre-restore')} holds OLD ${JSON.stringify(old)}: ${JSON.stringify(held)}`,
    );
    typical[mode] = m.ms;
    summary[mode] = { typicalMs: Math.round(m.ms), outcomes: [] };
  }

  // Then the kills. Leftovers of earlier kills (other than the live db and its companions, which
  // are reset) stay where they are, as they would for a user. An un-killed restore that fails is
  // recorded and reported at the end, so that every trial still checks the crash property.
  const unkilledFailures: string[] = [];
  for (const mode of ['rollback', 'wal'] as const) {
    const old = OLD[mode];
    for (let i = 1; i <= TRIALS_PER_MODE; i++) {
      copyDbFiles(pristine[mode], live);
      const delay = ((i - 1 + Math.random()) / TRIALS_PER_MODE) * typical[mode]; // stratified over the run
      const where = `${mode} trial ${i} (kill after ${delay.toFixed(0)} ms of ~${typical[mode].toFixed(0)})`;
      const s = spawnCli(restoreArgs);
      await sleep(delay);
      if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGKILL');
      const r = await s.done;
      const killed = r.signal === 'SIGKILL';
      if (!killed && r.status !== 0) unkilledFailures.push(`${where}: restore (not killed) exit ${r.status}: ${r.stderr.trim()}`);

      assert.ok(existsSync(live), `${where}: the live file ${live} is missing after the kill`);
      const integrity = nativeIntegrity(live);
      assert.equal(integrity, 'ok', `${where}: live db integrity_check`);
      const got = content(live);
      const isOld = got.marker === old.marker && got.count === old.count;
      const isNew = got.marker === NEW.marker && got.count === NEW.count;
      assert.ok(
        isOld || isNew,
        `${where}: live db holds ${JSON.stringify(got)}, neither OLD ${JSON.stringify(old)} nor NEW ${JSON.stringify(NEW)}` +
          ` (restore ${r.signal ?? `exit ${r.status}`})`,
      );
      summary[mode].outcomes.push(`${killed ? 'killed' : r.status === 0 ? 'finished' : 'failed'}:${isOld ? 'old' : 'new'}`);
    }
  }

  for (const [mode, s] of Object.entries(summary)) {
    console.log(`# ${mode}: restore takes ~${s.typicalMs} ms; ${s.outcomes.length} trials: ${JSON.stringify(histogram(s.outcomes))}`);
  }
  const locks = lockLeftovers(root);
  if (locks.length) console.log(`# ${locks.length} lock leftover(s) of killed runs: ${locks.join(', ')}`);
  for (const f of unkilledFailures) console.log(`# ${f.split('\n').join(' | ')}`);
  assert.deepEqual(unkilledFailures, [], 'restores that were not killed must succeed, even after earlier kills');

  // And a normal restore still works after all those kills.
  copyDbFiles(pristine.wal, live);
  const fin = await runCli(restoreArgs);
  assert.equal(fin.status, 0, `final restore failed: ${fin.stderr}`);
  assert.equal(nativeIntegrity(live), 'ok');
  assert.deepEqual(content(live), NEW);
});
