// SIGKILL during `backup`, at random moments: the live database must stay healthy, `list` must
// never show a `.partial` file, and everything `list` shows must pass `verify`. Half the trials
// run against a quiet rollback-journal db, half while a writer keeps committing in WAL mode.
//
// Run: node --import tsx --test test/crash/kill-backup.test.ts   (needs dist/cli.js)
import { strict as assert } from 'node:assert';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { after, test } from 'node:test';
import { CLI, nativeIntegrity, sha256File } from '../helpers';
import {
  AsyncRun,
  headerVersions,
  invariantProblems,
  invariants,
  isolatedCopy,
  killStrays,
  lockLeftovers,
  parseJson,
  resolveIn,
  runCli,
  sleep,
  spawnCli,
  startWriter,
  Writer,
  liveLayout,
} from '../support/proc';

after(killStrays);

const TRIALS_PER_PHASE = 20; // 40 in all
const SEED_ROWS = '12000'; // rows in each of a and b: a ~10 MB database

interface ListEntry {
  file: string;
  createdAt: string;
  sizeBytes: number;
  verified: boolean;
  sha256: string;
  pinned: boolean;
}

/** `verify` of one backup file, by the CLI. */
async function verifyCli(file: string, dbPath: string, outDir: string): Promise<AsyncRun> {
  void dbPath;
  void outDir;
  return runCli(['verify', '--backup-file', file]);
}

for (const phase of [
  { name: 'quiet rollback-journal db', writer: false },
  { name: 'WAL db with a live writer', writer: true },
] as const) {
  test(`SIGKILL during backup × ${TRIALS_PER_PHASE}: ${phase.name}`, { timeout: 170_000 }, async (ctx) => {
    ctx.signal.addEventListener('abort', killStrays); // a timed-out test leaves no child behind
    assert.ok(existsSync(CLI), `${CLI} is missing: build first`);
    const { root, out, scratch, db } = liveLayout('lifeboat-killbk-');
    const env = { WRITER_SEED_ROWS: SEED_ROWS };

    let writer: Writer | undefined;
    if (phase.writer) {
      writer = startWriter(db, 'wal', { rate: 200, env });
      await writer.ready;
      await writer.waitForTx(50);
    } else {
      const w = startWriter(db, 'rollback', { rate: 300, durationMs: 1000, env });
      await w.ready;
      const e = await w.exited;
      assert.equal(e.code, 0, `seeding writer failed: ${e.stderr}`);
      assert.deepEqual(headerVersions(db), [1, 1]);
    }
    const size = statSync(db).size;
    assert.ok(size >= 5e6 && size <= 25e6, `live db is ${size} bytes`);

    const verifiedSha = new Map<string, string>(); // path -> sha256 already verified
    const completed: string[] = []; // backups whose run exited 0
    const outcomes = { killed: 0, completedBeforeKill: 0, refused: 0 };
    try {
      // One undisturbed run, to learn how long a backup takes.
      const m = await runCli(['backup', '--db-path', db, '--output-dir', out, '--json']);
      assert.equal(m.status, 0, `measuring backup failed: ${m.stderr}`);
      completed.push(resolveIn(out, parseJson<{ file: string }>(m, 'backup').file));
      const typical = m.ms;
      console.log(`# ${phase.name}: db ${(size / 1e6).toFixed(1)} MB, one backup takes ${typical.toFixed(0)} ms (process wall time)`);

      for (let i = 1; i <= TRIALS_PER_PHASE; i++) {
        const delay = ((i - 1 + Math.random()) / TRIALS_PER_PHASE) * typical; // stratified over the run
        const s = spawnCli(['backup', '--db-path', db, '--output-dir', out, '--json']);
        await sleep(delay);
        const wasRunning = s.child.exitCode === null && s.child.signalCode === null;
        if (wasRunning) s.child.kill('SIGKILL');
        const r = await s.done;
        const where = `${phase.name} trial ${i} (kill after ${delay.toFixed(0)} ms of ~${typical.toFixed(0)})`;
        if (r.signal === 'SIGKILL') outcomes.killed++;
        else if (r.status === 0) {
          outcomes.completedBeforeKill++;
          completed.push(resolveIn(out, parseJson<{ file: string }>(r, where).file));
        } else {
          // Only a busy refusal is acceptable for an un-killed run.
          assert.ok(r.status === 1 && /too busy/i.test(r.stderr), `${where}: backup exit ${r.status} signal ${r.signal}: ${r.stderr}`);
          outcomes.refused++;
        }

        // The live database is intact, and the writer (if any) did not notice anything.
        assert.equal(nativeIntegrity(db), 'ok', `${where}: live db integrity_check`);
        const inv = invariants(db);
        assert.deepEqual(invariantProblems(inv), [], `${where}: live db invariants ${JSON.stringify(inv)}`);
        if (writer) assert.ok(writer.alive(), `${where}: writer died: ${writer.stderr()}`);

        // list never shows a .partial, shows every completed backup, and all it shows verify.
        const l = await runCli(['list', '--db-path', db, '--output-dir', out, '--json']);
        assert.equal(l.status, 0, `${where}: list exit ${l.status}: ${l.stderr}`);
        const listed = parseJson<ListEntry[]>(l, `${where}: list`);
        assert.ok(Array.isArray(listed), `${where}: list --json is not an array`);
        for (const e of listed) assert.ok(!/\.partial(\.|$)/.test(e.file), `${where}: list shows a partial file ${e.file}`);
        const listedPaths = listed.map((e) => resolveIn(out, e.file));
        for (const c of completed) assert.ok(listedPaths.includes(c), `${where}: completed backup ${c} not listed`);
        for (const e of listed) {
          const p = resolveIn(out, e.file);
          assert.ok(existsSync(p), `${where}: listed file ${p} does not exist`);
          const sha = sha256File(p);
          if (verifiedSha.get(p) === sha) continue;
          const v = await verifyCli(p, db, out);
          assert.equal(v.status, 0, `${where}: listed ${p} fails verify: exit ${v.status}: ${v.stderr}`);
          if (e.sha256) assert.equal(e.sha256, sha, `${where}: list sha256 of ${p}`);
          // The native oracle agrees.
          const lone = isolatedCopy(p, scratch);
          assert.equal(nativeIntegrity(lone), 'ok', `${where}: listed ${p}: native integrity_check`);
          assert.deepEqual(invariantProblems(invariants(lone)), [], `${where}: listed ${p}: invariants`);
          verifiedSha.set(p, sha);
        }
      }
    } finally {
      if (writer) {
        const st = await writer.stop().catch(() => undefined);
        if (st) console.log(`# writer: ${st.tx} tx at ${st.txPerSec} tx/s, busyErrors ${st.busyErrors}, max tx ${st.maxTxMs} ms`);
      }
    }
    if (writer) assert.equal((await writer.exited).code, 0, 'writer exit code');

    const partials = readdirSync(out).filter((f) => f.endsWith('.partial'));
    const locks = lockLeftovers(root);
    if (locks.length) console.log(`# ${locks.length} lock leftover(s) of killed runs: ${locks.join(', ')}`);
    console.log(
      `# ${phase.name}: ${TRIALS_PER_PHASE} trials: ${outcomes.killed} killed, ${outcomes.completedBeforeKill} finished before the kill, ` +
        `${outcomes.refused} busy; ${partials.length} .partial file(s) left in the folder; ${verifiedSha.size} listed backups verified`,
    );

    // After all that, a normal backup still succeeds.
    const fin = await runCli(['backup', '--db-path', db, '--output-dir', out, '--json']);
    assert.equal(fin.status, 0, `final backup failed: ${fin.stderr}`);
    const j = parseJson<{ file: string; verified: boolean; sha256: string }>(fin, 'final backup');
    const p = resolveIn(out, j.file);
    assert.equal(j.verified, true);
    assert.equal(j.sha256, sha256File(p));
    const lone = isolatedCopy(p, scratch);
    assert.equal(nativeIntegrity(lone), 'ok', `final backup ${p}: native integrity_check`);
    const inv = invariants(lone);
    assert.deepEqual(invariantProblems(inv), [], `final backup ${p}: invariants`);
    assert.equal(inv.maxTx, invariants(db).maxTx, `final backup ${p} holds every committed transaction`);
    const v = await verifyCli(p, db, out);
    assert.equal(v.status, 0, `final backup ${p} fails verify: ${v.stderr}`);
    const l = await runCli(['list', '--db-path', db, '--output-dir', out, '--json']);
    const listed = parseJson<ListEntry[]>(l, 'final list').map((e) => resolveIn(out, e.file));
    assert.ok(listed.includes(p), `final backup ${p} is not listed`);
    assert.ok(!listed.some((f) => f.endsWith('.partial')), 'final list shows a partial file');
  });
}
