// Backups know their source: databases that share a file name and one --output-dir never see,
// prune or restore each other's backups; a moved database keeps its history; restoring another
// database's backup over a database needs an explicit yes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { cli, sqlite3, tmpDir } from '../helpers';
import { dumpOf, makeRollbackDb } from './support/fixtures';
import { backupJson, describeRun, filesUnder, liveState, parseJsonOut } from './support/oracle';

interface ListEntry { file: string; ownership: string; sourcePath: string | null; verified: boolean; problem: string | null }
const list = (db: string, out: string): ListEntry[] => {
  const r = cli(['list', '--db-path', db, '--output-dir', out, '--json']);
  assert.equal(r.status, 0, describeRun(r));
  return parseJsonOut<ListEntry[]>(r);
};
const names = (entries: { file: string }[]) => entries.map((e) => basename(e.file)).sort();

function three(): { root: string; out: string; a: string; b: string; c: string } {
  const root = tmpDir('lifeboat-share-');
  for (const d of ['a', 'b', 'c']) mkdirSync(join(root, d));
  const a = makeRollbackDb(join(root, 'a', 'data.db'));
  const b = makeRollbackDb(join(root, 'b', 'data.db'));
  sqlite3(b, "INSERT INTO customers(id, name) VALUES (777, 'only in b');");
  // an extensionless database whose backups are named like data.db's ("data-backup-….db")
  const c = makeRollbackDb(join(root, 'c', 'data'));
  return { root, out: join(root, 'shared'), a, b, c };
}

test('three databases named "data" share one --output-dir: --retain 1 of one deletes only its own backups', () => {
  const { out, a, b, c } = three();
  const own: Record<string, string[]> = { a: [], b: [], c: [] };
  for (let i = 0; i < 2; i++) {
    for (const [k, db] of Object.entries({ a, b, c })) own[k].push(backupJson(db, out).file);
  }
  for (const [k, db] of Object.entries({ a, b, c })) {
    assert.deepEqual(names(list(db, out)), names(own[k].map((file) => ({ file }))), `list of ${k} shows its own backups only`);
    assert.ok(list(db, out).every((e) => e.ownership === 'own'));
  }
  const r = cli(['backup', '--db-path', a, '--output-dir', out, '--retain', '1', '--json', '--force']);
  assert.equal(r.status, 0, describeRun(r));
  const pruned = parseJsonOut<{ pruned: string[]; file: string }>(r);
  assert.deepEqual(pruned.pruned.map((p) => basename(p)).sort(), names(own.a.map((file) => ({ file }))), 'only a\'s older backups were deleted');
  for (const f of [...own.b, ...own.c]) assert.ok(existsSync(f), `${basename(f)} (another database's) still exists`);
  assert.equal(list(b, out).length, 2);
  assert.equal(list(c, out).length, 2);
  const p = cli(['prune', '--db-path', b, '--output-dir', out, '--retain', '1', '--json']);
  assert.equal(p.status, 0, describeRun(p));
  assert.deepEqual(parseJsonOut<{ deleted: string[] }>(p).deleted, [own.b[0]]);
  assert.equal(list(a, out).length, 1, 'pruning b left a alone');
  assert.equal(list(c, out).length, 2, 'pruning b left c alone');
});

test('restoring another database\'s backup over a database: refused with --yes (nothing touched), allowed with --force-other-source', () => {
  const { out, a, b } = three();
  const fromB = backupJson(b, out).file;
  const before = liveState(a);
  const r = cli(['restore', '--backup-file', fromB, '--db-path', a, '--output-dir', out, '--yes']);
  assert.equal(r.status, 1, describeRun(r));
  const line = r.stderr.trim().split('\n').pop()!;
  assert.ok(line.startsWith(`lifeboat: ${a}: `), line);
  assert.match(line, /was made from another database/);
  assert.ok(line.includes(`(${b})`), `names the source database: ${line}`);
  assert.deepEqual(liveState(a), before, 'the live database is untouched');
  assert.deepEqual(filesUnder(join(out, 'pre-restore')), [], 'no safety copy was even made');

  const ok = cli(['restore', '--backup-file', fromB, '--db-path', a, '--output-dir', out, '--yes', '--force-other-source']);
  assert.equal(ok.status, 0, describeRun(ok));
  assert.equal(sqlite3(a, 'SELECT name FROM customers WHERE id = 777;'), 'only in b');
});

test('restore latest and rehearsals pick the database\'s own backup, not the newest in the folder', () => {
  const { root, out, a, b } = three();
  const fromA = backupJson(a, out).file;
  backupJson(b, out); // newer, but b's
  const drill = join(root, 'drill.md');
  writeFileSync(drill, ['# Drill', '', '| Date | Operator | Backup Age | Backup File | Restore Duration | integrity_check | Row Count Match | Pass/Fail | Notes |', '|---|---|---|---|---|---|---|---|---|', ''].join('\n'));
  const r = cli(['drill', 'run', '--db-path', a, '--output-dir', out, '--drill', drill, '--operator', 'T', '--json']);
  assert.equal(r.status, 0, describeRun(r));
  assert.equal(parseJsonOut<{ backupFile: string }>(r).backupFile, fromA);
});

test('a moved database keeps its backups (same file, new path), and its next backup continues the lineage', () => {
  const root = tmpDir('lifeboat-moved-');
  const out = join(root, 'backups');
  const db = makeRollbackDb(join(root, 'old-name.db'));
  const first = backupJson(db, out);
  const moved = join(root, 'renamed.db');
  renameSync(db, moved);
  const seen = list(moved, out);
  assert.deepEqual(names(seen), [basename(first.file)], 'the backup made under the old path belongs to the moved database');
  const second = backupJson(moved, out);
  const m1 = JSON.parse(readFileSync(first.manifest, 'utf8'));
  const m2 = JSON.parse(readFileSync(second.manifest, 'utf8'));
  assert.equal(m2.source.id, m1.source.id, 'one lineage id for both');
  assert.equal(m2.source.realPath, moved);
  // a new database created at the old path is another database: it does not see the moved one's backups
  makeRollbackDb(db);
  assert.deepEqual(names(list(db, out)), [], 'the old path\'s new database owns none of the moved database\'s backups');
  assert.deepEqual(names(list(moved, out)), [basename(first.file), basename(second.file)].sort());
  const fresh = backupJson(db, out);
  assert.notEqual(JSON.parse(readFileSync(fresh.manifest, 'utf8')).source.id, m1.source.id, 'it starts a lineage of its own');
  assert.deepEqual(names(list(db, out)), [basename(fresh.file)]);
  assert.deepEqual(names(list(moved, out)), [basename(first.file), basename(second.file)].sort());
});

test('a database whose name holds a newline is backed up, listed, verified and restored', () => {
  const root = tmpDir('lifeboat-newline-');
  const db = makeRollbackDb(join(root, 'two\nlines.db'));
  const out = join(root, 'out');
  const { file } = backupJson(db, out);
  assert.ok(basename(file).startsWith('two\nlines-backup-'));
  assert.deepEqual(names(list(db, out)), [basename(file)]);
  const v = cli(['verify', '--backup-file', file]);
  assert.equal(v.status, 0, describeRun(v));
  const dump = dumpOf(db);
  sqlite3(db, 'DELETE FROM orders;');
  const r = cli(['restore', '--backup-file', file, '--db-path', db, '--output-dir', out, '--yes']);
  assert.equal(r.status, 0, describeRun(r));
  assert.ok(dumpOf(db) === dump);
});

test('pin of a backup whose file is gone fails with one line (and does not say "pinned")', () => {
  const root = tmpDir('lifeboat-pin-');
  const db = makeRollbackDb(join(root, 'app.db'));
  const { file } = backupJson(db, join(root, 'out'));
  unlinkSync(file);
  const r = cli(['pin', '--backup-file', file]);
  assert.equal(r.status, 1, describeRun(r));
  assert.equal(r.stdout, '');
  assert.match(r.stderr.trim(), new RegExp(`^lifeboat: ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: no such backup file$`));
  const missing = cli(['pin', '--backup-file', join(root, 'out', 'nothing-backup-2026-01-01-000000.db')]);
  assert.equal(missing.status, 1, describeRun(missing));
});
