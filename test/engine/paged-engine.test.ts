// The bounded-memory engine (node-sqlite3-wasm reading pages from disk) is what checks
// databases over 512 MiB. These tests force it on small files so that its path is covered
// without generating gigabytes.
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, openSync, readdirSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { CHINOOK, cli, nativeCounts, nativeIntegrity, sqlite3, tmpDir } from '../helpers';

const paged = { LIFEBOAT_ENGINE: 'paged' };

test('paged engine: backup and verify of chinook match native counts and leave no lock folders', () => {
  const dir = tmpDir();
  const db = join(dir, 'music.db');
  copyFileSync(CHINOOK, db);
  const r = cli(['backup', '--db-path', db, '--output-dir', join(dir, 'bk'), '--json'], { env: paged });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(nativeIntegrity(out.file), 'ok');
  assert.deepEqual(out.tables, nativeCounts(db));
  const v = cli(['verify', '--backup-file', out.file, '--json'], { env: paged });
  assert.equal(v.status, 0, v.stderr);
  const vj = JSON.parse(v.stdout);
  assert.equal(vj.engine, 'node-sqlite3-wasm');
  assert.equal(vj.checksumMatch, true);
  assert.deepEqual(readdirSync(join(dir, 'bk')).filter((n) => n.endsWith('.lock')), []);
});

test('paged engine: a stale .lock folder left beside a backup does not block verify', () => {
  const dir = tmpDir();
  const db = join(dir, 'music.db');
  copyFileSync(CHINOOK, db);
  const out = JSON.parse(cli(['backup', '--db-path', db, '--output-dir', join(dir, 'bk'), '--json']).stdout);
  mkdirSync(`${out.file}.lock`); // what a killed node-sqlite3-wasm reader leaves behind
  const v = cli(['verify', '--backup-file', out.file], { env: paged });
  assert.equal(v.status, 0, v.stderr);
  assert.ok(existsSync(`${out.file}.lock`), 'someone else\'s folder is left alone');
});

test('paged engine: a corrupt page fails verify with one line naming the file', () => {
  const dir = tmpDir();
  const db = join(dir, 'music.db');
  copyFileSync(CHINOOK, db);
  const out = JSON.parse(cli(['backup', '--db-path', db, '--output-dir', join(dir, 'bk'), '--json']).stdout);
  const root = Number(sqlite3(out.file, "SELECT rootpage FROM sqlite_schema WHERE name = 'PlaylistTrack'"));
  const pageSize = Number(sqlite3(out.file, 'PRAGMA page_size'));
  const fd = openSync(out.file, 'r+');
  writeSync(fd, Buffer.alloc(256, 0xa5), 0, 256, (root - 1) * pageSize + 12); // the cell pointers of a b-tree page
  closeSync(fd);
  let native: string;
  try { native = nativeIntegrity(out.file); } catch (e) { native = (e as Error).message; }
  assert.notEqual(native, 'ok');
  const v = cli(['verify', '--backup-file', out.file], { env: paged });
  assert.equal(v.status, 1);
  const lines = v.stderr.trim().split('\n');
  assert.equal(lines.length, 1, v.stderr);
  assert.ok(lines[0].includes(out.file));
});
