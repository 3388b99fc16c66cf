// Safety sets: listed newest first (Undo stays available after the toast is gone), pruned to the
// newest few per database (default 3) file by file (a foreign file keeps its folder), one copy each.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { backupDatabase } from '../../src/core/backup';
import { restoreDatabase } from '../../src/core/restore';
import { listSafetyCopies } from '../../src/core/safety';
import { sqlite3, tmpDir } from '../helpers';
import { dumpOf, makeRollbackDb } from './support/fixtures';

test('four restores keep the newest three safety sets; each holds one verified copy of the state it replaced', async () => {
  const root = tmpDir('lifeboat-safety-');
  const db = makeRollbackDb(join(root, 'app.db'));
  const out = join(root, 'out');
  const b = await backupDatabase({ dbPath: db, outputDir: out });
  const states: string[] = [];
  let t = Date.UTC(2026, 5, 1, 10, 0, 0);
  for (let i = 0; i < 4; i++) {
    sqlite3(db, `INSERT INTO customers(id, name) VALUES (${80000 + i}, 'state ${i}');`);
    states.push(dumpOf(db));
    const at = new Date((t += 60_000));
    const r = await restoreDatabase({ backupFile: b.file, dbPath: db, outputDir: out, now: () => at });
    if (i === 3) assert.equal(r.prunedSafetySets.length, 1, 'the fourth restore removed the oldest set');
  }
  const sets = await listSafetyCopies(db, out);
  assert.equal(sets.length, 3);
  assert.deepEqual(sets.map((s) => s.createdAt), ['2026-06-01T10:04:00.000Z', '2026-06-01T10:03:00.000Z', '2026-06-01T10:02:00.000Z']);
  for (const [i, s] of sets.entries()) {
    assert.ok(s.file && dumpOf(s.file) === states[3 - i], `set ${i} holds the state before its restore`);
    assert.deepEqual(readdirSync(s.dir).sort(), [s.file!.slice(s.dir.length + 1), `${s.file!.slice(s.dir.length + 1)}.json`].sort(), 'one copy and its manifest, nothing else');
  }
  // a file that is not ours in a set: the set is emptied of ours, the folder stays
  writeFileSync(join(sets[2].dir, 'notes.txt'), 'mine');
  for (let i = 0; i < 3; i++) {
    sqlite3(db, `INSERT INTO customers(id, name) VALUES (${90000 + i}, 'again');`);
    const at = new Date((t += 60_000));
    await restoreDatabase({ backupFile: b.file, dbPath: db, outputDir: out, keepSafetyCopies: 3, now: () => at });
  }
  assert.ok(existsSync(join(sets[2].dir, 'notes.txt')), 'the foreign file is left alone');
  assert.deepEqual(readdirSync(sets[2].dir), ['notes.txt']);
  assert.equal((await listSafetyCopies(db, out)).length, 3);
});
