// A generated database over 1 GiB: diff, recover deleted rows and restore a whole table through
// the built CLI, each in bounded memory (peak RSS of the process, worker threads included, well
// under the size of the table), each checked against native sqlite3.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, ROOT, sqlite3, tmpDir } from '../helpers';
import { nativeCreate } from './support/fixtures';
import { nativeAttached } from './support/inside';

const GiB = 1024 ** 3;
const ROWS = 262_144; // × 4,000-byte blobs, one row per 4 KiB page: 1.07 GB
/** A bound that a whole-table load (over 1 GB) cannot meet; the measured peaks are in docs/benchmarks.md. */
const RSS_BOUND_KIB = 512 * 1024;

/** Runs the CLI with the peak-RSS probe preloaded; returns its exit code, output and peak RSS in KiB. */
function measured(args: string[], dir: string): { status: number | null; stdout: string; stderr: string; maxRssKiB: number } {
  const file = join(dir, `rss-${Date.now()}-${Math.random().toString(36).slice(2)}`);
  const r = spawnSync(process.execPath, ['-r', join(ROOT, 'test', 'support', 'maxrss.cjs'), CLI, ...args], {
    encoding: 'utf8', env: { ...process.env, LIFEBOAT_MAXRSS_FILE: file }, timeout: 15 * 60_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, maxRssKiB: Number(readFileSync(file, 'utf8')) };
}

test('over 1 GiB: diff, recover deleted rows, restore a whole table, each in bounded memory', { timeout: 30 * 60_000 }, () => {
  const dir = tmpDir('lifeboat-big-');
  mkdirSync(join(dir, 'live'));
  const backup = nativeCreate(join(dir, 'backup.db'), `
    PRAGMA page_size = 4096; PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;
    CREATE TABLE blobs(id INTEGER PRIMARY KEY, kind TEXT NOT NULL, payload BLOB);
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < ${ROWS}) INSERT INTO blobs SELECT i, 'k' || (i % 10), randomblob(4000) FROM n;
    CREATE TABLE tags(id INTEGER PRIMARY KEY, blob_id INTEGER REFERENCES blobs(id), tag TEXT);
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 1000) INSERT INTO tags SELECT i, i * 7, 'tag ' || i FROM n;
    PRAGMA journal_mode = DELETE;
  `);
  assert.ok(statSync(backup).size >= GiB, `the backup is over 1 GiB (${statSync(backup).size} bytes)`);
  const live = join(dir, 'live', 'app.db');
  copyFileSync(backup, live);
  sqlite3(live, `
    DELETE FROM blobs WHERE id % 100 = 0;
    UPDATE blobs SET kind = 'changed' WHERE id % 200 = 1;
    INSERT INTO blobs(kind, payload) VALUES ('new', randomblob(10)), ('new', NULL);
    UPDATE tags SET tag = 'edited live' WHERE id <= 10;
  `);
  const tagsBefore = sqlite3(live, '.dump tags');
  const lost = Math.floor(ROWS / 100);
  const changed = Number(sqlite3(live, "SELECT count(*) FROM blobs WHERE kind = 'changed'"));

  const d = measured(['diff', '--backup-file', backup, '--db-path', live, '--table', 'blobs', '--limit', '0', '--json'], dir);
  assert.equal(d.status, 1, d.stderr);
  const counts = JSON.parse(d.stdout).tables[0].counts;
  const oracle = nativeAttached(backup, live, `
    SELECT count(*) FROM f.blobs WHERE id NOT IN (SELECT id FROM t.blobs);
    SELECT count(*) FROM t.blobs WHERE id NOT IN (SELECT id FROM f.blobs);
    SELECT count(*) FROM f.blobs x JOIN t.blobs y USING (id) WHERE x.kind IS NOT y.kind OR x.payload IS NOT y.payload;`).map(Number);
  assert.deepEqual([counts.deleted, counts.added, counts.changed], oracle);
  assert.deepEqual(oracle, [lost, 2, changed]);
  assert.ok(d.maxRssKiB < RSS_BOUND_KIB, `diff peak RSS ${d.maxRssKiB} KiB`);

  const out = join(dir, 'out');
  const r = measured(['restore', '--backup-file', backup, '--db-path', live, '--output-dir', out, '--table', 'blobs', '--rows', 'missing', '--yes'], dir);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`^recovered blobs: ${lost} missing rows inserted \\(${ROWS - lost + 2} -> ${ROWS + 2} rows\\)$`, 'm'));
  assert.ok(r.maxRssKiB < RSS_BOUND_KIB, `row recovery peak RSS ${r.maxRssKiB} KiB`);
  assert.deepEqual(nativeAttached(backup, live, `
    SELECT count(*) FROM f.blobs WHERE id NOT IN (SELECT id FROM t.blobs);
    SELECT count(*) FROM f.blobs x JOIN t.blobs y USING (id) WHERE x.id % 100 = 0 AND (x.kind IS NOT y.kind OR x.payload IS NOT y.payload);
    SELECT count(*) FROM t.blobs WHERE kind = 'changed';`).map(Number), [0, 0, changed], 'the lost rows are back byte for byte; changed rows stay changed');
  assert.equal(sqlite3(live, '.dump tags'), tagsBefore, 'the other table is untouched');
  rmSync(out, { recursive: true, force: true }); // the safety copy of 1 GB is not needed for the next step

  const t = measured(['restore', '--backup-file', backup, '--db-path', live, '--output-dir', out, '--table', 'blobs', '--yes', '--allow-fk-violations'], dir);
  assert.equal(t.status, 0, t.stderr);
  assert.match(t.stdout, new RegExp(`^restored table blobs: ${ROWS} rows from the backup \\(live had ${ROWS + 2}\\)$`, 'm'));
  assert.ok(t.maxRssKiB < RSS_BOUND_KIB, `table restore peak RSS ${t.maxRssKiB} KiB`);
  assert.deepEqual(nativeAttached(backup, live, `
    SELECT count(*) FROM t.blobs;
    SELECT count(*) FROM f.blobs x LEFT JOIN t.blobs y USING (id) WHERE y.id IS NULL OR x.kind IS NOT y.kind OR x.payload IS NOT y.payload;`).map(Number), [ROWS, 0], 'blobs is the backup\'s');
  assert.equal(sqlite3(live, '.dump tags'), tagsBefore, 'the other table is still untouched');
  assert.equal(sqlite3(live, 'PRAGMA quick_check'), 'ok');
  process.stdout.write(`# peak RSS (KiB): diff ${d.maxRssKiB}, recover rows ${r.maxRssKiB}, restore table ${t.maxRssKiB}\n`);
});
