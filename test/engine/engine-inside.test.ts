// The look-inside, diff and partial-restore operations through the engine child process (the
// bundled dist/engine.js, as the editor runs it): sessions stay open between pages and close with
// their snapshots; a partial restore's confirmation crosses the channel; a held engine does not
// exit when idle; a closed session is refused by name. native sqlite3 checks the files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { CHINOOK, nativeIntegrity, sqlite3, tmpDir, ROOT } from '../helpers';
import { EngineHost } from '../../src/core/engineHost';
import type { PartialPreflight } from '../../src/core';

const SCRIPT = join(ROOT, 'dist', 'engine.js');

function setup() {
  const dir = tmpDir('lifeboat-engine-inside-');
  const backup = join(dir, 'backup.db');
  mkdirSync(join(dir, 'live'));
  const live = join(dir, 'live', 'app.db');
  copyFileSync(CHINOOK, backup);
  copyFileSync(CHINOOK, live);
  return { dir, backup, live };
}

/** Folders of this user's live snapshots in the engine's temp folder (TMPDIR is set per test). */
const liveSnapshots = (tmp: string) => readdirSync(tmp).filter((n) => n.startsWith('lifeboat-live-'));

test('a look inside a live database pages its rows from a snapshot in the engine child; close removes the snapshot', async (t) => {
  const s = setup();
  const tmp = join(s.dir, 'tmp');
  mkdirSync(tmp);
  const prev = process.env.TMPDIR;
  process.env.TMPDIR = tmp; // the child inherits it: its snapshots land here
  const engine = new EngineHost({ script: SCRIPT });
  t.after(() => { engine.dispose(); if (prev === undefined) delete process.env.TMPDIR; else process.env.TMPDIR = prev; });
  const { session, label } = await engine.call('insideOpen', { target: { dbPath: s.live } });
  assert.equal(label, s.live);
  assert.equal(liveSnapshots(tmp).length, 1, 'one snapshot while the session is open');
  const tables = await engine.call('insideTables', { session });
  const track = tables.find((x) => x.name === 'Track')!;
  assert.equal(track.rows, 3503);
  assert.equal(track.kind, 'rowid');
  const schema = await engine.call('insideSchema', { session, table: 'Track' });
  assert.deepEqual(schema.columns.map((c) => c.name), sqlite3(s.live, "SELECT name FROM pragma_table_info('Track')").split('\n'));
  // two keyset pages sorted by Name descending, as native sqlite3 orders them
  const p1 = await engine.call('insideRows', { session, table: 'Track', query: { orderBy: 'Name', descending: true, limit: 50 } });
  const p2 = await engine.call('insideRows', { session, table: 'Track', query: { orderBy: 'Name', descending: true, limit: 50, after: p1.next } });
  const ids = [...p1.rows, ...p2.rows].map((r) => (r.values[0] as { value: string }).value).join('\n');
  assert.equal(ids, sqlite3(s.live, 'SELECT TrackId FROM Track ORDER BY Name DESC, TrackId DESC LIMIT 100'));
  await engine.call('sessionClose', { session });
  assert.deepEqual(liveSnapshots(tmp), [], 'the snapshot is removed on close');
  await assert.rejects(engine.call('insideRows', { session, table: 'Track' }), (e: Error) => e.name === 'SessionGoneError' && /no longer open/.test(e.message));
});

test('Compare in the engine child: counts first, then the deleted rows page by page, with progress', async (t) => {
  const s = setup();
  sqlite3(s.live, 'DELETE FROM Track WHERE TrackId <= 120; UPDATE Album SET Title = Title || \'!\' WHERE AlbumId = 3;');
  const engine = new EngineHost({ script: SCRIPT });
  t.after(() => engine.dispose());
  const { session } = await engine.call('compareOpen', { from: { backupFile: s.backup }, to: { dbPath: s.live } });
  const seen = new Set<string>();
  const d = await engine.call('compareDiff', { session, limit: 50 }, { onProgress: (p) => seen.add(p.table) });
  assert.deepEqual([...seen].sort(), d.tables.map((x) => x.table).sort(), 'progress names each table as it starts');
  const track = d.tables.find((x) => x.table === 'Track')!;
  assert.deepEqual({ ...track.counts }, { from: 3503, to: 3383, added: 0, deleted: 120, changed: 0 });
  assert.equal(track.rows.length, 50);
  assert.equal(d.tables.find((x) => x.table === 'Album')!.counts!.changed, 1);
  const keys = track.rows.map((r) => (r.key[0] as { value: string }).value);
  let next = track.next;
  while (next) {
    const page = await engine.call('compareRows', { session, table: 'Track', after: next, limit: 50 });
    keys.push(...page.rows.map((r) => (r.key[0] as { value: string }).value));
    next = page.next;
  }
  assert.deepEqual(keys, Array.from({ length: 120 }, (_, i) => String(i + 1)));
  await engine.call('sessionClose', { session });
});

test('Recover deleted rows in the engine child: the preflight is asked across the channel, No changes nothing, Yes recovers', async (t) => {
  const s = setup();
  sqlite3(s.live, 'DELETE FROM Track WHERE TrackId <= 100;');
  const engine = new EngineHost({ script: SCRIPT });
  t.after(() => engine.dispose());
  const args = { backupFile: s.backup, dbPath: s.live, tables: ['Track'], mode: 'missing' as const, outputDir: join(s.dir, 'out') };
  const asked: PartialPreflight[] = [];
  await assert.rejects(engine.call('partialRestore', args, { confirm: async (p) => { asked.push(p); return false; } }), (e: Error) => e.name === 'NotConfirmedError');
  assert.equal(sqlite3(s.live, 'SELECT count(*) FROM Track'), '3403');
  assert.equal(asked[0].tables[0].table, 'Track');
  assert.equal(asked[0].tables[0].inserted, 100);
  const phases: string[] = [];
  const r = await engine.call('partialRestore', args, { confirm: async () => true, onProgress: (p) => phases.push(p.phase) });
  assert.equal(r.tables[0].inserted, 100);
  assert.ok(r.restore?.safetyCopy && existsSync(r.restore.safetyCopy));
  assert.ok(phases.includes('stage') && phases.includes('install'), `phases: ${phases}`);
  assert.equal(sqlite3(s.live, 'SELECT count(*) FROM Track'), '3503');
  assert.equal(nativeIntegrity(s.live), 'ok');
  assert.equal(sqlite3(r.restore!.safetyCopy!, 'SELECT count(*) FROM Track'), '3403', 'the safety copy is the state before');
});

test('a held engine child stays up past its idle time; released, it exits', async (t) => {
  const engine = new EngineHost({ script: SCRIPT, idleMs: 200 });
  t.after(() => engine.dispose());
  const release = engine.hold();
  const pid = await engine.pid();
  await new Promise((r) => setTimeout(r, 600));
  assert.equal(await engine.pid(), pid, 'the same child after the idle time');
  release();
  await new Promise((r) => setTimeout(r, 600));
  assert.throws(() => process.kill(pid, 0), 'the released child exited');
});
