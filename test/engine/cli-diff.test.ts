// `lifeboat diff` through the built CLI: exit codes (0 identical, 1 different, 2 usage, 3 failed),
// one line naming the user's file on failure, the text and JSON reports.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CHINOOK, cli, sqlite3, tmpDir } from '../helpers';
import { assertUsageError, describeRun, parseJsonOut } from './support/oracle';

function setup(): { dir: string; backup: string; live: string } {
  const dir = tmpDir('lifeboat-cli-diff-');
  const backup = join(dir, 'backup.db');
  const live = join(dir, 'app.db');
  copyFileSync(CHINOOK, backup);
  copyFileSync(CHINOOK, live);
  return { dir, backup, live };
}

test('diff: 0 and "identical" for the same content, 1 and the differing rows otherwise', () => {
  const { backup, live } = setup();
  const same = cli(['diff', '--backup-file', backup, '--db-path', live]);
  assert.equal(same.status, 0, describeRun(same));
  assert.match(same.stdout, /identical: 11 tables/);
  sqlite3(live, "DELETE FROM Track WHERE TrackId IN (1, 2, 3); UPDATE Genre SET Name = 'Rock''n''Roll' WHERE GenreId = 1; INSERT INTO Artist(Name) VALUES ('New');");
  const r = cli(['diff', '--backup-file', backup, '--db-path', live, '--limit', '2']);
  assert.equal(r.status, 1, describeRun(r));
  assert.equal(r.stderr, '');
  const lines = r.stdout.split('\n');
  assert.ok(lines.includes('table Track: 3 deleted (backup 3503 rows, live 3500; by rowid TrackId)'), r.stdout);
  assert.ok(lines.some((l) => l.startsWith("  - TrackId=1: Name='For Those About To Rock (We Salute You)'")), r.stdout);
  assert.ok(lines.includes('  … 1 more (--limit N lists more)'), r.stdout);
  assert.ok(lines.includes("  ~ GenreId=1: Name 'Rock' -> 'Rock''n''Roll'"), r.stdout);
  assert.ok(lines.includes("  + ArtistId=276: Name='New'"), r.stdout);
  assert.ok(lines.includes('8 tables identical'), r.stdout);
  const j = cli(['diff', '--backup-file', backup, '--db-path', live, '--json', '--table', 'Track', '--limit', '0']);
  assert.equal(j.status, 1, describeRun(j));
  const d = parseJsonOut<{ identical: boolean; tables: { table: string; counts: { deleted: number }; rows: unknown[] }[] }>(j);
  assert.equal(d.identical, false);
  assert.deepEqual(d.tables.map((t) => [t.table, t.counts.deleted, t.rows.length]), [['Track', 3, 0]]);
});

test('diff of two backups; --table limits the comparison', () => {
  const { backup, live } = setup();
  sqlite3(live, 'DELETE FROM Album WHERE AlbumId = 347; PRAGMA foreign_keys = OFF;');
  const r = cli(['diff', '--backup-file', backup, '--backup-file', live, '--table', 'Artist', '--table', 'album']);
  assert.equal(r.status, 1, describeRun(r));
  assert.match(r.stdout, /^\+\+\+ .*app\.db \(second backup\)$/m);
  assert.match(r.stdout, /^table Album: 1 deleted/m);
  assert.match(r.stdout, /^1 table identical$/m);
  const same = cli(['diff', '--backup-file', backup, '--backup-file', live, '--table', 'Artist']);
  assert.equal(same.status, 0, describeRun(same));
});

test('diff exit 2 on usage errors', () => {
  const { backup, live } = setup();
  assertUsageError(cli(['diff', '--db-path', live]), 'no --backup-file');
  assertUsageError(cli(['diff', '--backup-file', backup, '--db-path', live, '--limit', 'x']), 'bad --limit');
  assertUsageError(cli(['diff', '--backup-file', backup, '--backup-file', live, '--db-path', live]), 'two backups and a db path');
  assertUsageError(cli(['diff', '--backup-file', backup, '--db-path', live, '--table', 'NoSuchTable']), 'unknown table');
  assertUsageError(cli(['diff', '--backup-file', backup, '--db-path', live, '--bogus']), 'unknown option');
});

test('diff exit 3 when a file cannot be compared: one line on stderr naming the user\'s file, never a temp file', () => {
  const { dir, backup, live } = setup();
  const notDb = join(dir, 'notes.db');
  writeFileSync(notDb, 'just some text, not a database at all, long enough to have a header'.repeat(3));
  for (const [args, file] of [
    [['--backup-file', join(dir, 'missing.db'), '--db-path', live], join(dir, 'missing.db')],
    [['--backup-file', notDb, '--db-path', live], notDb],
    [['--backup-file', backup, '--db-path', notDb], notDb],
    [['--backup-file', backup, '--db-path', join(dir, 'gone.db')], join(dir, 'gone.db')],
  ] as const) {
    const r = cli(['diff', ...args]);
    assert.equal(r.status, 3, describeRun(r));
    const lines = r.stderr.split('\n').filter(Boolean);
    assert.equal(lines.length, 1, describeRun(r));
    assert.ok(lines[0].startsWith(`lifeboat: ${file}: `), describeRun(r));
    assert.ok(!/lifeboat-(live|paged|compare|inside)-/.test(r.stderr), 'no temp path in the message');
    assert.equal(r.stdout, '');
  }
});
