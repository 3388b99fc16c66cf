// A backup folder is untrusted input: manifests that are not JSON, not objects, name another
// file, are FIFOs or links to /dev/zero, or carry a wrong type never hang a command, never pass
// for valid, and never make the checksum be skipped silently. Files that are not ours (a user's
// "project.partial/" folder, "movie.mp4.partial") are never touched, and existing folders keep
// their modes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { CLI, cli, printedBackup, sha256File, sqlite3, tmpDir } from '../helpers';
import { makeRollbackDb } from './support/fixtures';
import { backupJson, describeRun, parseJsonOut } from './support/oracle';

const T = 60_000;

function oneBackup(): { db: string; out: string; file: string; manifest: string; text: string } {
  const root = tmpDir('lifeboat-untrusted-');
  const db = makeRollbackDb(join(root, 'app.db'));
  const out = join(root, 'out');
  const { file, manifest } = backupJson(db, out);
  return { db, out, file, manifest, text: readFileSync(manifest, 'utf8') };
}

const tampered: [string, (m: Record<string, unknown>, file: string) => string | null, RegExp][] = [
  ['not JSON', () => '{"format": "sqlite-lifeboat-manifest", ', /not valid JSON/],
  ['not an object', () => '[1, 2, 3]', /not a JSON object/],
  ['naming another file', (m) => JSON.stringify({ ...m, file: 'other-backup-2026-01-01-000000.db' }), /describes another file/],
  ['a numeric createdAt', (m) => JSON.stringify({ ...m, createdAt: 1733000000000 }), /createdAt must be an ISO 8601 date/],
  ['a sha256 that is not hex', (m) => JSON.stringify({ ...m, sha256: 'x'.repeat(64) }), /sha256 must be 64 hex digits/],
  ['a FIFO', (_m, path) => { unlinkSync(path); execFileSync('mkfifo', [path]); return null; }, /not a regular file/],
  ['a link to /dev/zero', (_m, path) => { unlinkSync(path); symlinkSync('/dev/zero', path); return null; }, /is a link/],
  ['too large', (m) => JSON.stringify({ ...m, pad: 'x'.repeat(5 * 1024 * 1024) }), /too large/],
];

for (const [kind, make, why] of tampered) {
  test(`a bad manifest (${kind}): list says unverified (why), verify fails naming it after a full check, prune and backup --retain still work`, { timeout: T }, () => {
    const b = oneBackup();
    const text = make(JSON.parse(b.text), b.manifest);
    if (text !== null) writeFileSync(b.manifest, text);
    const l = cli(['list', '--db-path', b.db, '--output-dir', b.out, '--json'], { timeoutMs: T });
    assert.equal(l.status, 0, describeRun(l));
    const entries = parseJsonOut<{ file: string; verified: boolean; problem: string; manifestState: string }[]>(l);
    const e = entries.find((x) => x.file === b.file);
    assert.ok(e, 'the backup is listed (its name matches the database)');
    assert.equal(e.verified, false);
    assert.equal(e.manifestState, 'invalid');
    assert.match(e.problem, why);

    const v = cli(['verify', '--backup-file', b.file, '--json'], { timeoutMs: T });
    assert.equal(v.status, 1, describeRun(v));
    const vj = parseJsonOut<{ ok: boolean; reason: string; sha256: string; checksumMatch: boolean | null; integrity: string; tablesSource: string }>(v);
    assert.equal(vj.ok, false);
    assert.match(vj.reason, why);
    assert.match(vj.reason, /checked fully, but its checksum cannot be compared/);
    assert.equal(vj.sha256, sha256File(b.file), 'the checksum was computed all the same');
    assert.equal(vj.checksumMatch, null);
    assert.equal(vj.integrity, 'ok');
    assert.equal(vj.tablesSource, 'counted');

    // retention never deletes it (not provably ours) and does not fail because of it
    for (let i = 0; i < 2; i++) {
      const r = cli(['backup', '--db-path', b.db, '--output-dir', b.out, '--retain', '1', '--json', '--force'], { timeoutMs: T });
      assert.equal(r.status, 0, describeRun(r));
    }
    const p = cli(['prune', '--db-path', b.db, '--output-dir', b.out, '--retain', '1', '--json'], { timeoutMs: T });
    assert.equal(p.status, 0, describeRun(p));
    assert.ok(existsSync(b.file), 'a backup with an invalid manifest is never pruned');
  });
}

test('restore of a backup whose manifest is invalid checks the file fully and says so; a tampered file with a valid manifest is refused', { timeout: T }, () => {
  const b = oneBackup();
  writeFileSync(b.manifest, '{ not json');
  const dump = execFileSync('sqlite3', [b.file, '.dump'], { encoding: 'utf8' });
  sqlite3(b.db, 'DELETE FROM orders;');
  const r = cli(['restore', '--backup-file', b.file, '--db-path', b.db, '--output-dir', b.out, '--yes'], { timeoutMs: T });
  assert.equal(r.status, 0, describeRun(r));
  assert.match(r.stderr, /the manifest is not valid JSON: the backup was checked fully \(integrity ok\), but its checksum could not be compared with a record/);
  assert.equal(execFileSync('sqlite3', [b.db, '.dump'], { encoding: 'utf8' }), dump);

  const c = oneBackup();
  sqlite3(c.file, "UPDATE customers SET name = 'tampered' WHERE id = 1;"); // still a healthy database, other bytes
  const before = sha256File(c.db);
  const r2 = cli(['restore', '--backup-file', c.file, '--db-path', c.db, '--output-dir', c.out, '--yes'], { timeoutMs: T });
  assert.equal(r2.status, 1, describeRun(r2));
  assert.match(r2.stderr, /SHA-256 does not match the manifest/);
  assert.equal(sha256File(c.db), before);
});

test('verify --json says where the row counts come from: counted, or recorded in a manifest whose checksum matched', { timeout: T }, () => {
  const b = oneBackup();
  const v = cli(['verify', '--backup-file', b.file, '--json']);
  assert.equal(v.status, 0, describeRun(v));
  const j = parseJsonOut<{ tablesSource: string; tables: Record<string, number> }>(v);
  assert.equal(j.tablesSource, 'counted', 'in memory the counts are counted (they cost milliseconds)');
  const paged = cli(['verify', '--backup-file', b.file, '--json'], { env: { LIFEBOAT_ENGINE: 'paged' } });
  // the paged engine takes the counts from the manifest when the checksum matches, and says so
  const pj = parseJsonOut<{ tablesSource: string; tables: Record<string, number> }>(paged);
  assert.equal(pj.tablesSource, 'recorded');
  assert.deepEqual(pj.tables, j.tables);
  const text = cli(['verify', '--backup-file', b.file]);
  assert.match(text.stdout, /row counts counted\)$/m);
});

test('foreign files named *.partial in the output folder survive every backup, whatever their age', { timeout: T }, () => {
  const root = tmpDir('lifeboat-foreign-');
  const db = makeRollbackDb(join(root, 'app.db'));
  const out = join(root, 'out');
  mkdirSync(out);
  mkdirSync(join(out, 'project.partial'));
  writeFileSync(join(out, 'project.partial', 'notes.txt'), 'mine');
  writeFileSync(join(out, 'movie.mp4.partial'), 'half a movie');
  writeFileSync(join(out, 'app-backup-2020-01-01-000000.db.partial'), 'looks like ours, is not');
  const old = new Date(Date.now() - 30 * 86_400_000);
  for (const f of ['project.partial', 'movie.mp4.partial', 'app-backup-2020-01-01-000000.db.partial']) utimesSync(join(out, f), old, old);
  for (let i = 0; i < 2; i++) backupJson(db, out, ['--retain', '1']);
  assert.equal(readFileSync(join(out, 'project.partial', 'notes.txt'), 'utf8'), 'mine');
  assert.equal(readFileSync(join(out, 'movie.mp4.partial'), 'utf8'), 'half a movie');
  assert.ok(existsSync(join(out, 'app-backup-2020-01-01-000000.db.partial')));
});

test('an existing --output-dir keeps its mode (the database\'s own folder, a shared 1777 folder), with a warning', { timeout: T }, () => {
  const root = tmpDir('lifeboat-modes-');
  const dbDir = join(root, 'db');
  mkdirSync(dbDir);
  chmodSync(dbDir, 0o755);
  const db = makeRollbackDb(join(dbDir, 'app.db'));
  const own = backupJson(db, dbDir);
  assert.equal(statSync(dbDir).mode & 0o7777, 0o755, 'the database\'s folder is not chmodded');
  assert.match(own.run.stderr, /can be read by other users \(mode 755\)/);
  assert.equal(statSync(own.file).mode & 0o777, 0o600);
  const shared = join(root, 'shared');
  mkdirSync(shared);
  chmodSync(shared, 0o1777);
  backupJson(db, shared);
  assert.equal(statSync(shared).mode & 0o7777, 0o1777, 'a shared sticky folder keeps its mode');
  const fresh = join(root, 'new', 'deeper');
  backupJson(db, fresh);
  assert.equal(statSync(fresh).mode & 0o777, 0o700, 'a folder we create is private');
  assert.equal(statSync(join(root, 'new')).mode & 0o777, 0o700);
});

test('under umask 000 every file and folder Lifeboat creates is owner-only, safety sets included', { timeout: T }, () => {
  const root = tmpDir('lifeboat-umask-');
  const db = makeRollbackDb(join(root, 'app.db'));
  const out = join(root, 'out');
  const run = (args: string[]) => {
    const r = spawnSync('/bin/sh', ['-c', 'umask 000 && exec "$0" "$@"', process.execPath, CLI, ...args], { encoding: 'utf8' });
    assert.equal(r.status, 0, `${args[0]}: ${r.stderr}`);
    return r.stdout.trim();
  };
  const file = printedBackup(run(['backup', '--db-path', db, '--output-dir', out]));
  run(['restore', '--backup-file', file, '--db-path', db, '--output-dir', out, '--yes']);
  const bad: string[] = [];
  const walk = (d: string) => {
    for (const n of readdirSync(d)) {
      const p = join(d, n);
      const st = statSync(p);
      const want = st.isDirectory() ? 0o700 : 0o600;
      if ((st.mode & 0o777) !== want) bad.push(`${p.slice(out.length)}: ${(st.mode & 0o777).toString(8)}`);
      if (st.isDirectory()) walk(p);
    }
  };
  walk(out);
  assert.equal(statSync(out).mode & 0o777, 0o700);
  assert.deepEqual(bad, [], 'files 0600, folders 0700');
  assert.equal(readdirSync(join(out, 'pre-restore')).length, 1, 'a safety set was made');
  assert.equal(basename(file).startsWith('app-backup-'), true);
});

test('a failed verification marks the backup unverified everywhere (list, --json) with its reason and time, until one passes', { timeout: T }, () => {
  const b = oneBackup();
  const good = readFileSync(b.file);
  const bad = Buffer.from(good);
  bad.fill(0xee, 4096 + 16, 4096 + 400); // a damaged page: the checksum no longer matches
  writeFileSync(b.file, bad);
  const v = cli(['verify', '--backup-file', b.file]);
  assert.equal(v.status, 1, describeRun(v));
  const entries = parseJsonOut<{ file: string; verified: boolean; problem: string }[]>(cli(['list', '--db-path', b.db, '--output-dir', b.out, '--json']));
  assert.equal(entries[0].verified, false);
  assert.match(entries[0].problem, /^failed verification \(SHA-256 does not match the manifest.*, \d{4}-\d\d-\d\dT[\d:.]+Z\)$/);
  const text = cli(['list', '--db-path', b.db, '--output-dir', b.out]);
  assert.match(text.stdout, / {2}failed verification \(SHA-256 does not match/);
  writeFileSync(b.file, good);
  assert.equal(cli(['verify', '--backup-file', b.file]).status, 0);
  assert.equal(parseJsonOut<{ verified: boolean }[]>(cli(['list', '--db-path', b.db, '--output-dir', b.out, '--json']))[0].verified, true);
});
