// A rollback-journal database under a writer that never leaves a gap as long as a copy of the
// file (20 MB, commit + 2 ms sleep, synchronous FULL): only SQLite's own lock makes a consistent
// copy possible. Where the runtime has node:sqlite (Node ≥ 22.13) every backup must succeed and
// none may be torn; on Node 20 (no locks) none may be torn, and "database too busy" is allowed
// and reported. The writer's longest stall (a commit waiting for the lock) is reported, not asserted.
//
// Run: node --import tsx --test test/concurrency/rollback-fast-writer.test.ts   (needs dist/cli.js)
import { after } from 'node:test';
import assert from 'node:assert/strict';
import { runtimeMayHaveSqlite } from '../../src/core/sqliteLocks';
import { liveWriterCase } from '../support/live-writer-case';
import { killStrays } from '../support/proc';

after(killStrays);

const locks = runtimeMayHaveSqlite();
const big = { gapMs: 2, seedRows: 25_000, seedPad: 400, minRate: null };
if (locks) {
  liveWriterCase('rollback', 'FULL', {
    ...big, label: `fast writer, SQLite locks (Node ${process.versions.node})`, busyAllowed: false,
    eachBackup: (j) => assert.match(String((j.snapshot as { method: string }).method), /lock/, `the backup used SQLite's lock: ${JSON.stringify(j.snapshot)}`),
  });
} else {
  liveWriterCase('rollback', 'FULL', {
    ...big, label: `fast writer, no SQLite locks (Node ${process.versions.node})`, busyAllowed: true, required: 0, maxRuns: 6, args: ['--busy-timeout', '4'],
    eachBackup: (j) => assert.equal((j.snapshot as { method: string }).method, 'lock-free'),
  });
}
