// CLI surface: help, connection strings from the environment, backup naming, list and retention.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, realpathSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { cli, sha256File, tmpDir } from '../helpers';
import { dumpOf, makeRollbackDb } from './support/fixtures';
import { backupJson, backupNameRe, backupNameTime, describeRun, parseJsonOut } from './support/oracle';

const COMMANDS = ['backup', 'verify', 'restore', 'list'];

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function freshDb(name = 'app.db'): { db: string; dir: string } {
  const dir = tmpDir('lifeboat-cli-');
  return { db: makeRollbackDb(join(dir, name)), dir };
}

test('--help for the program and for each command exits 0 and prints usage', () => {
  const top = cli(['--help']);
  assert.equal(top.status, 0, describeRun(top));
  const topText = top.stdout + top.stderr;
  assert.match(topText, /usage/i);
  for (const c of COMMANDS) assert.ok(topText.includes(c), `top-level help mentions ${c}`);
  const help: Record<string, string> = {};
  for (const c of COMMANDS) {
    const r = cli([c, '--help']);
    assert.equal(r.status, 0, `${c} --help\n${describeRun(r)}`);
    const text = r.stdout + r.stderr;
    help[c] = text;
    assert.match(text, /usage/i, `${c} --help prints usage`);
    assert.ok(text.includes(c), `${c} --help names the command`);
  }
  for (const flag of ['--db-path', '--output-dir', '--retain', '--json']) assert.ok(help.backup.includes(flag), `backup --help documents ${flag}`);
  for (const flag of ['--backup-file', '--db-path', '--yes', '--require-table']) assert.ok(help.restore.includes(flag), `restore --help documents ${flag}`);
  assert.ok(help.verify.includes('--backup-file'), 'verify --help documents --backup-file');
});

const CONN = 'ConnectionStrings__DefaultConnection';

test(`${CONN}="Data Source=…;Cache=Shared" replaces --db-path`, () => {
  const { db, dir } = freshDb('from-env.db');
  const out = join(dir, 'out');
  const { json, file } = backupJson(null, out, [], { [CONN]: `Data Source=${db};Cache=Shared` });
  assert.equal(realpathSync(json.source.path), realpathSync(db));
  assert.match(basename(file), backupNameRe(db));
  assert.ok(dumpOf(file) === dumpOf(db));
});

test(`${CONN} with a double-quoted Data Source containing ";"`, () => {
  const { db, dir } = freshDb('semi;colon.db');
  const out = join(dir, 'out');
  const { json, file } = backupJson(null, out, [], { [CONN]: `Data Source="${db}";Cache=Shared;Mode=ReadWriteCreate` });
  assert.equal(realpathSync(json.source.path), realpathSync(db));
  assert.match(basename(file), backupNameRe(db));
  assert.ok(dumpOf(file) === dumpOf(db));
});

test(`${CONN} with a single-quoted Data Source containing ";"`, () => {
  const { db, dir } = freshDb('single;quoted.db');
  const out = join(dir, 'out');
  const { json } = backupJson(null, out, [], { [CONN]: `Cache=Shared; Data Source='${db}'` });
  assert.equal(realpathSync(json.source.path), realpathSync(db));
});

// Names within one second: test/engine/snapshot-seams.test.ts injects the clock (in one process and across processes).

test('list: newest first, field types, createdAt ISO 8601 UTC', () => {
  const { db, dir } = freshDb('listed.db');
  const out = join(dir, 'out');
  const made: string[] = [];
  for (let i = 0; i < 3; i++) {
    if (i > 0) sleep(1100);
    made.push(backupJson(db, out).file);
  }
  writeFileSync(join(out, 'notes.txt'), 'unrelated');
  const r = cli(['list', '--db-path', db, '--output-dir', out, '--json']);
  assert.equal(r.status, 0, describeRun(r));
  const entries = parseJsonOut<{ file: string; createdAt: string; sizeBytes: number; verified: boolean; sha256: string; pinned: boolean }[]>(r);
  assert.ok(Array.isArray(entries));
  assert.deepEqual(entries.map((e) => resolve(out, e.file)), [...made].reverse(), 'newest first, backups only');
  let prev = Infinity;
  for (const e of entries) {
    const abs = resolve(out, e.file);
    assert.equal(typeof e.file, 'string');
    assert.equal(typeof e.createdAt, 'string');
    assert.match(e.createdAt, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/, `createdAt ${e.createdAt} is ISO 8601 UTC`);
    const t = Date.parse(e.createdAt);
    assert.ok(Number.isFinite(t) && Math.abs(t - backupNameTime(db, abs).t) < 2000, `createdAt ${e.createdAt} matches the name`);
    assert.ok(t <= prev, 'createdAt non-increasing');
    prev = t;
    assert.ok(Number.isInteger(e.sizeBytes) && e.sizeBytes === statSync(abs).size, 'sizeBytes is the file size');
    assert.equal(typeof e.verified, 'boolean');
    assert.equal(e.verified, true, 'a fresh backup is verified');
    assert.match(e.sha256, /^[0-9a-f]{64}$/);
    assert.equal(e.sha256, sha256File(abs));
    assert.equal(typeof e.pinned, 'boolean');
    assert.equal(e.pinned, false);
  }
});

test('--retain 2 after 4 backups keeps the 2 newest (+ manifests) and leaves unrelated files alone', () => {
  const { db, dir } = freshDb('kept.db');
  const out = join(dir, 'out');
  mkdirSync(out, { recursive: true, mode: 0o700 });
  const notes = join(out, 'notes.txt');
  writeFileSync(notes, 'my notes, not a backup\n');
  const notesSha = sha256File(notes);
  const made: string[] = [];
  for (let i = 0; i < 3; i++) made.push(backupJson(db, out).file);
  const last = backupJson(db, out, ['--retain', '2']);
  made.push(last.file);
  const expected = [made[2], made[3], made[2] + '.json', made[3] + '.json', notes].map((f) => basename(f)).sort();
  assert.deepEqual(readdirSync(out).sort(), expected, 'two newest backups + manifests + notes.txt remain');
  assert.equal(sha256File(notes), notesSha, 'notes.txt untouched');
  assert.equal(last.json.pruned.length, 2, `json.pruned lists the 2 pruned backups: ${JSON.stringify(last.json.pruned)}`);
  const prunedText = JSON.stringify(last.json.pruned);
  for (const f of made.slice(0, 2)) assert.ok(prunedText.includes(basename(f)), `pruned mentions ${basename(f)}`);
  assert.ok(!prunedText.includes('notes.txt'));
  const l = parseJsonOut<{ file: string }[]>(cli(['list', '--db-path', db, '--output-dir', out, '--json']));
  assert.deepEqual(l.map((e) => resolve(out, e.file)), [made[3], made[2]]);
});
