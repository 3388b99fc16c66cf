// Takes SQLite's SHARED lock on a database through the lock helper and keeps it, for the test that
// kills this process: prints {"helper": <pid>} once the lock is held, then waits to be killed.
import { LockSession } from '../../src/core/sqliteLocks';

(async () => {
  const { session, support } = await LockSession.open(process.argv[2], { maxHoldMs: 120_000 });
  if (!session) throw new Error(`no lock helper: ${support.reason}`);
  const got = await session.acquire();
  if (got !== true) throw new Error(`no lock: ${got.reason}`);
  process.stdout.write(JSON.stringify({ helper: session.pid }) + '\n');
  setInterval(() => {}, 60_000);
})().catch((e) => { process.stderr.write(`${(e as Error).message}\n`); process.exit(3); });
