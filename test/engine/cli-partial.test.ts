// `lifeboat restore --table T [--rows …]` and `--to NEW_PATH` through the built CLI: what they
// print, their exit codes, and the refusals (one line on stderr naming the user's file).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { CHINOOK, cli, sqlite3, tmpDir } from '../helpers';
import { hashSet } from './support/fixtures';
import { assertRefusal, assertUsageError, describeRun, parseJsonOut } from './support/oracle';

function setup(liveSql: string): { dir: string; backup: string; live: string; out: string } {
  const dir = tmpDir('lifeboat-cli-partial-');
  const backup = join(dir, 'backup.db');
  mkdirSync(join(dir, 'data'));
  const live = join(dir, 'data', 'app.db');
  copyFileSync(CHINOOK, backup);
  copyFileSync(CHINOOK, live);
  sqlite3(live, liveSql);
  return { dir, backup, live, out: join(dir, 'out') };
}

test('restore --table T --rows missing: the lost rows come back, the output says how many, with the safety copy', () => {
  const s = setup('DELETE FROM Track WHERE AlbumId = 1; UPDATE Track SET Name = \'x\' WHERE TrackId = 20;');
  const r = cli(['restore', '--backup-file', s.backup, '--db-path', s.live, '--output-dir', s.out, '--table', 'Track', '--rows', 'missing', '--yes']);
  assert.equal(r.status, 0, describeRun(r));
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines[0], 'recovered Track: 10 missing rows inserted (3493 -> 3503 rows)');
  assert.match(lines[1], /^safety copy: .*app-pre-restore-.*\.db$/);
  assert.ok(existsSync(lines[1].slice('safety copy: '.length)));
  assert.equal(sqlite3(s.live, 'SELECT Name FROM Track WHERE TrackId = 20'), 'x', 'a changed row is left alone without missing+changed');
  const again = cli(['restore', '--backup-file', s.backup, '--db-path', s.live, '--output-dir', s.out, '--table', 'Track', '--rows', 'missing+changed', '--yes', '--json']);
  assert.equal(again.status, 0, describeRun(again));
  const j = parseJsonOut<{ tables: { inserted: number; replaced: number }[]; installed: boolean; tablesTouched: string[] }>(again);
  assert.deepEqual([j.tables[0].inserted, j.tables[0].replaced, j.installed, j.tablesTouched], [0, 1, true, ['Track']]);
  assert.equal(sqlite3(s.live, 'SELECT Name FROM Track WHERE TrackId = 20'), sqlite3(s.backup, 'SELECT Name FROM Track WHERE TrackId = 20'));
});

test('restore --table T (whole table), --dry-run, and --to NEW_PATH', () => {
  const s = setup('DELETE FROM Genre; INSERT INTO Genre(Name) VALUES (\'only\');');
  const h = hashSet(s.live);
  const dry = cli(['restore', '--backup-file', s.backup, '--db-path', s.live, '--output-dir', s.out, '--table', 'Genre', '--dry-run', '--allow-fk-violations']);
  assert.equal(dry.status, 0, describeRun(dry));
  assert.equal(dry.stdout, `would restore table Genre: 25 rows from the backup (live had 1)\ndry run: ${s.live} was not changed\n`);
  assert.deepEqual(hashSet(s.live), h);
  const r = cli(['restore', '--backup-file', s.backup, '--db-path', s.live, '--output-dir', s.out, '--table', 'Genre', '--yes']);
  assert.equal(r.status, 0, describeRun(r));
  assert.match(r.stdout, /^restored table Genre: 25 rows from the backup \(live had 1\)$/m);
  assert.equal(sqlite3(s.live, 'SELECT count(*) FROM Genre'), '25');
  const to = join(s.dir, 'inspect.db');
  const c = cli(['restore', '--backup-file', s.backup, '--db-path', s.live, '--to', to]);
  assert.equal(c.status, 0, describeRun(c));
  assert.equal(c.stdout, `restored a copy: ${to} (from ${s.backup}; ${s.live} was not touched)\n`);
  assert.equal(sqlite3(to, 'PRAGMA integrity_check'), 'ok');
  assertRefusal(cli(['restore', '--backup-file', s.backup, '--db-path', s.live, '--to', to]), to, 'an existing --to file');
});

test('partial restores refuse with one line naming the user\'s file: broken foreign keys, no confirmation, a missing table', () => {
  const s = setup('DELETE FROM InvoiceLine WHERE InvoiceId = 1; DELETE FROM Invoice WHERE InvoiceId = 1;');
  const h = hashSet(s.live);
  const fk = cli(['restore', '--backup-file', s.backup, '--db-path', s.live, '--output-dir', s.out, '--table', 'InvoiceLine', '--rows', 'missing', '--yes']);
  assertRefusal(fk, s.live, 'foreign keys');
  assert.match(fk.stderr, /InvoiceLine would point to missing rows of Invoice/);
  const noTty = cli(['restore', '--backup-file', s.backup, '--db-path', s.live, '--output-dir', s.out, '--table', 'Invoice', '--rows', 'missing']);
  assertRefusal(noTty, s.live, 'no terminal, no --yes');
  assert.match(noTty.stderr, /pass --yes/);
  assertRefusal(cli(['restore', '--backup-file', s.backup, '--db-path', s.live, '--table', 'Nope', '--yes']), s.backup, 'unknown table');
  assert.deepEqual(hashSet(s.live), h, 'nothing changed');
  for (const f of [s.live, s.backup]) assert.ok(!existsSync(`${f}.lock`));
});

test('partial restore usage errors exit 2', () => {
  const s = setup('SELECT 1;');
  const base = ['restore', '--backup-file', s.backup, '--db-path', s.live];
  assertUsageError(cli([...base, '--rows', 'missing']), '--rows without --table');
  assertUsageError(cli([...base, '--table', 'Track', '--rows', 'all']), 'bad --rows');
  assertUsageError(cli([...base, '--table', 'Track', '--to', join(s.dir, 'x.db')]), '--to with --table');
  assertUsageError(cli([...base, '--dry-run']), '--dry-run without --table');
  assertUsageError(cli([...base, '--to', join(s.dir, 'x.db'), '--require-table', 'Track']), '--require-table with --to');
});
