// The destructive-query drill end to end through the built CLI: the shipped scenario is started,
// its rehearsal deletes every row of a table in a scratch copy, recovers them with Recover deleted
// rows, and records rows lost, rows recovered and "other tables untouched" in the evidence row;
// the live database is only read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CHINOOK, cli, sha256File, sqlite3, tmpDir } from '../helpers';
import { describeRun } from './support/oracle';

interface Env { root: string; db: string; backups: string; tmp: string; env: NodeJS.ProcessEnv; drill: string }

function setup(): Env {
  const root = tmpDir('lifeboat-drq-');
  const [live, backups, tmp, home, drills] = ['live', 'backups', 'tmp', 'home', 'drills'].map((d) => join(root, d));
  for (const d of [live, tmp, home]) mkdirSync(d);
  const db = join(live, 'app.db');
  copyFileSync(CHINOOK, db);
  const env = { TMPDIR: tmp, TMP: tmp, TEMP: tmp, HOME: home };
  const b = cli(['backup', '--db-path', db, '--output-dir', backups], { env });
  assert.equal(b.status, 0, describeRun(b));
  // traffic after the backup: a new track, a changed track, a new genre
  sqlite3(db, `INSERT INTO Track(TrackId, Name, MediaTypeId, Milliseconds, UnitPrice) VALUES (4000, 'after the backup', 1, 1, 0.99);
    UPDATE Track SET Name = 'renamed after the backup' WHERE TrackId = 7; INSERT INTO Genre(Name) VALUES ('after the backup');`);
  const start = cli(['drill', 'start', '--scenario', 'destructive-query', '--drills-dir', drills, '--operator', 'Dee Query', '--db-path', db], { env });
  assert.equal(start.status, 0, describeRun(start));
  return { root, db, backups, tmp, env, drill: resolve(start.stdout.trim()) };
}

const cellsOf = (line: string) => line.trim().slice(1, -1).split(/(?<!\\)\|/).map((c) => c.trim());

test('destructive-query rehearsal: rows lost and recovered, other tables untouched, recorded in the shipped drill', () => {
  const e = setup();
  const before = readFileSync(e.drill, 'utf8');
  assert.match(before, /lifeboat:rehearsal=recover-rows/);
  const sha = sha256File(e.db);
  const r = cli(['drill', 'run', '--db-path', e.db, '--output-dir', e.backups, '--drill', e.drill, '--table', 'Track', '--operator', 'Dee Query', '--json'], { env: e.env });
  assert.equal(r.status, 0, describeRun(r));
  const j = JSON.parse(r.stdout);
  assert.equal(j.kind, 'recover-rows');
  assert.equal(j.pass, true, JSON.stringify(j.reasons));
  const liveTracks = Number(sqlite3(e.db, 'SELECT count(*) FROM Track'));
  assert.deepEqual(
    [j.table, j.rowsLost, j.rowsRecovered, j.rowsNotInBackup, j.rowsAtBackupVersion, j.backupRowsMissing, j.otherTablesUntouched, j.otherTablesCompared, j.integrity],
    ['Track', liveTracks, 3503, 1, 1, 0, true, 10, 'ok'],
  );
  const lines = readFileSync(e.drill, 'utf8').split('\n');
  const row = cellsOf(lines[j.evidenceLine - 1]);
  assert.equal(row.length, 12, 'the scenario\'s three extra columns are filled');
  assert.deepEqual([row[7], row[9], row[10], row[11], row[6], row[5]], ['Pass', String(liveTracks), '3503', 'yes (10)', 'yes', 'ok']);
  assert.match(row[8], /DELETE FROM Track on a scratch copy: 3504 rows lost, 3503 recovered; not recoverable: 1 written after the backup, 1 back as they were at the backup/);
  const ticked = lines.filter((l) => /^- \[x\]/.test(l)).map((l) => /auto=(\w+)/.exec(l)?.[1]).sort();
  assert.deepEqual(ticked, ['evidence', 'inject', 'integrity', 'recover', 'untouched', 'verify']);
  assert.equal(sha256File(e.db), sha, 'the live database was only read');
  assert.deepEqual(readdirSync(join(e.root, 'live')), ['app.db']);
  assert.deepEqual(readdirSync(e.tmp), [], 'the scratch folder is gone');
  const text = cli(['drill', 'run', '--db-path', e.db, '--output-dir', e.backups, '--drill', e.drill, '--operator', 'Dee Query'], { env: e.env });
  assert.equal(text.status, 0, describeRun(text));
  assert.match(text.stdout, /^PASS: DELETE FROM PlaylistTrack on a scratch copy: 8715 rows lost, 8715 recovered in .+, other tables untouched: yes \(10\), integrity_check ok/m, 'without --table: the largest table');
});

test('destructive-query rehearsal fails, and still records its row, when the backup is too old or the table unknown', () => {
  const e = setup();
  const r = cli(['drill', 'run', '--db-path', e.db, '--output-dir', e.backups, '--drill', e.drill, '--table', 'Album', '--rpo-hours', '0', '--operator', 'Dee Query'], { env: e.env });
  assert.equal(r.status, 1, describeRun(r));
  assert.match(r.stderr, /drill failed: backup is .* old, over the RPO of 0 h/);
  const rows = readFileSync(e.drill, 'utf8').split('\n').filter((l) => l.startsWith('| 20'));
  assert.equal(rows.length, 1);
  assert.equal(cellsOf(rows[0])[7], 'Fail');
  const bad = cli(['drill', 'run', '--db-path', e.db, '--output-dir', e.backups, '--drill', e.drill, '--table', 'Nope', '--operator', 'Dee Query'], { env: e.env });
  assert.equal(bad.status, 1, describeRun(bad));
  assert.match(bad.stderr, /has no table "Nope" whose rows can be recovered by key/);
});
