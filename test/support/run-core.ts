// Runs one engine operation in its own process, for tests that kill it at an exact step:
//   node --import tsx test/support/run-core.ts <backup|restore|prune|inspectLive|rehearsal> '<json options>' [--kill-at STEP] [--now ISO]
// With --kill-at, the process SIGKILLs itself when the operation reaches STEP (its hooks.step),
// so the test sees what a crash at that very moment leaves behind. Prints the result as JSON.
import { backupDatabase } from '../../src/core/backup';
import { runRehearsal } from '../../src/core/drills/rehearsal';
import { inspectLive } from '../../src/core/live';
import { pruneBackups } from '../../src/core/prune';
import { restoreDatabase } from '../../src/core/restore';

const [op, json, ...rest] = process.argv.slice(2);
const flag = (name: string) => { const i = rest.indexOf(name); return i >= 0 ? rest[i + 1] : undefined; };
const killAt = flag('--kill-at');
const now = flag('--now');
const opts = JSON.parse(json ?? '{}');
const step = (s: string) => { if (s === killAt) process.kill(process.pid, 'SIGKILL'); };
const hooks = { step, afterCopy: () => step('afterCopy') };

async function main(): Promise<unknown> {
  switch (op) {
    case 'backup': return backupDatabase({ ...opts, hooks, ...(now ? { now: () => new Date(now) } : {}) });
    case 'restore': return restoreDatabase({ ...opts, hooks });
    case 'prune': return pruneBackups({ ...opts, hooks });
    case 'inspectLive': return inspectLive(opts.dbPath, { hooks });
    case 'rehearsal': return runRehearsal({ ...opts, hooks });
  }
  throw new Error(`unknown op ${op}`);
}

main().then(
  (r) => { process.stdout.write(JSON.stringify(r ?? null) + '\n'); },
  (e) => { process.stderr.write(`${(e as Error).name}: ${(e as Error).message}\n`); process.exit(1); },
);
