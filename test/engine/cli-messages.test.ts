// What the CLI says: one human line per backup (what, where, verified, size, time), what retention
// deleted, "unchanged since …" instead of a second identical copy, list in local time with ages,
// "help backup", a writer that keeps the database busy, in-memory and missing databases.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, readdirSync, readFileSync, statSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { backupDatabase } from '../../src/core/backup';
import { spawn } from 'node:child_process';
import { CHINOOK, cli, printedBackup, ROOT, sqlite3, tmpDir, WRITER_NODE } from '../helpers';
import { makeRollbackDb, makeWalCrashDb } from './support/fixtures';
import { describeRun, parseJsonOut } from './support/oracle';

const backups = (out: string) => readdirSync(out).filter((n) => /-backup-.*\.db$/.test(n)).sort();

test('a backup prints one line: the database, the backup file, verified, its size and how long it took', () => {
  const root = tmpDir('lifeboat-msg-');
  const db = makeRollbackDb(join(root, 'app.db'));
  const r = cli(['backup', '--db-path', db, '--output-dir', join(root, 'out')]);
  assert.equal(r.status, 0, describeRun(r));
  assert.equal(r.stdout.split('\n').filter(Boolean).length, 1);
  assert.match(r.stdout.trim(), new RegExp(`^backed up ${db.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} to .*/app-backup-\\d{4}-\\d\\d-\\d\\d-\\d{6}\\.db \\(verified, \\d+(\\.\\d)? KB, \\d+\\.\\d s\\)$`));
  assert.ok(readFileSync(printedBackup(r.stdout)).subarray(0, 15).toString() === 'SQLite format 3');
});

test('unchanged since its newest verified backup: no second copy, the check is recorded, --force makes one anyway', async () => {
  const root = tmpDir('lifeboat-msg-');
  const db = makeRollbackDb(join(root, 'app.db'));
  const out = join(root, 'out');
  const first = cli(['backup', '--db-path', db, '--output-dir', out, '--json']);
  const f1 = parseJsonOut<{ file: string }>(first).file;
  const again = cli(['backup', '--db-path', db, '--output-dir', out]);
  assert.equal(again.status, 0, describeRun(again));
  assert.match(again.stdout.trim(), /unchanged since its backup of \d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d\d:\d\d \(just now\): no new copy; .* \(verified, /);
  assert.equal(printedBackup(again.stdout), f1);
  assert.deepEqual(backups(out).length, 1, 'no second file');
  const m = JSON.parse(readFileSync(`${f1}.json`, 'utf8'));
  assert.ok(m.unchangedAt >= m.createdAt, 'the manifest records the check');
  const listed = parseJsonOut<{ freshAt: string; createdAt: string }[]>(cli(['list', '--db-path', db, '--output-dir', out, '--json']));
  assert.equal(listed[0].freshAt, m.unchangedAt, 'the RPO and the schedule count from the check');
  // a change: a new copy
  sqlite3(db, "INSERT INTO customers(id, name) VALUES (31337, 'new');");
  const changed = cli(['backup', '--db-path', db, '--output-dir', out]);
  assert.match(changed.stdout, /^backed up /);
  assert.equal(backups(out).length, 2);
  const forced = cli(['backup', '--db-path', db, '--output-dir', out, '--force']);
  assert.match(forced.stdout, /^backed up /);
  assert.equal(backups(out).length, 3, '--force copies an unchanged database');
  // WAL: a commit that only reaches the -wal is a change too
  const wal = join(root, 'w.db');
  await makeWalCrashDb(wal);
  const w1 = await backupDatabase({ dbPath: wal, outputDir: join(root, 'wout') });
  const w2 = await backupDatabase({ dbPath: wal, outputDir: join(root, 'wout') });
  assert.equal(w2.file, w1.file);
  assert.ok(w2.unchanged);
  sqlite3(wal, 'PRAGMA wal_autocheckpoint = 0; INSERT INTO items(label) VALUES (\'only in the wal\');');
  const w3 = await backupDatabase({ dbPath: wal, outputDir: join(root, 'wout') });
  assert.notEqual(w3.file, w1.file);
  assert.equal(w3.unchanged, undefined);
});

test('--retain says what it deleted; list shows local time and age (and --json keeps ISO UTC)', () => {
  const root = tmpDir('lifeboat-msg-');
  const db = makeRollbackDb(join(root, 'app.db'));
  const out = join(root, 'out');
  const made = [1, 2].map(() => printedBackup(cli(['backup', '--db-path', db, '--output-dir', out, '--force']).stdout));
  const r = cli(['backup', '--db-path', db, '--output-dir', out, '--force', '--retain', '1']);
  assert.equal(r.status, 0, describeRun(r));
  const lines = r.stdout.trim().split('\n');
  assert.match(lines[0], /^backed up /);
  assert.deepEqual(lines.slice(1).sort(), made.map((f) => `deleted by retention: ${f}`).sort());
  const l = cli(['list', '--db-path', db, '--output-dir', out]);
  assert.match(l.stdout.trim(), /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d\d:\d\d \(just now\) +\d+(\.\d)? KB {2}verified {2}\//);
  const j = parseJsonOut<{ createdAt: string }[]>(cli(['list', '--db-path', db, '--output-dir', out, '--json']));
  assert.match(j[0].createdAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
});

test('a writer that keeps the database busy: the backup says so after a few seconds (once), then goes on', async () => {
  const root = tmpDir('lifeboat-msg-');
  const db = makeRollbackDb(join(root, 'app.db'));
  const said: string[] = [];
  let n = 0;
  await backupDatabase({
    dbPath: db, outputDir: join(root, 'out'), locks: false,
    onProgress: (p) => { if (p.phase === 'busy') said.push(p.message); },
    hooks: { afterCopy: async () => { if (n++ < 40) { sqlite3(db, `INSERT INTO customers(id, name) VALUES (${700000 + n}, 'x');`); await new Promise((r) => setTimeout(r, 100)); } } },
  });
  assert.equal(said.length, 1, JSON.stringify(said));
  assert.match(said[0], /^A writer keeps changing .*app\.db: waiting for a moment to copy it \(\d+ attempts so far\)$/);
});

test('help backup prints the backup help; in-memory databases and missing files get a clear message', () => {
  const h = cli(['help', 'backup']);
  assert.equal(h.status, 0);
  assert.match(h.stdout, /^Usage: lifeboat backup --db-path P/);
  assert.equal(cli(['help', 'nothing']).status, 2);
  const mem = cli(['backup'], { env: { ConnectionStrings__DefaultConnection: 'Data Source=:memory:' } });
  assert.equal(mem.status, 2, describeRun(mem));
  assert.match(mem.stderr, /^lifeboat: ConnectionStrings__DefaultConnection names an in-memory database \(Data Source=:memory:\): there is no file to back up or restore/);
  const shared = cli(['backup'], { env: { ConnectionStrings__DefaultConnection: 'Data Source=InMemorySample;Mode=Memory;Cache=Shared' } });
  assert.equal(shared.status, 2, describeRun(shared));
  const missing = join(tmpDir('lifeboat-msg-'), 'nope.db');
  const r = cli(['backup', '--db-path', missing]);
  assert.equal(r.status, 1);
  assert.equal(r.stderr.trim(), `lifeboat: ${missing}: no such file (check --db-path, or the Data Source of ConnectionStrings__DefaultConnection)`);
});

test('unchanged is judged by the WAL\'s bytes: a commit written over a restarted WAL\'s old frames (same size, same header) is a change', { timeout: 60_000 }, async () => {
  const root = tmpDir('lifeboat-msg-');
  const db = join(root, 'reuse.db');
  const out = join(root, 'out');
  const child = spawn(WRITER_NODE, [join(ROOT, 'test', 'support', 'wal-reuser.cjs'), db], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines: { type: string; walSize: number }[] = [];
  let buf = '';
  child.stdout!.on('data', (d: Buffer) => {
    buf += d;
    for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) { lines.push(JSON.parse(buf.slice(0, i))); buf = buf.slice(i + 1); }
  });
  const next = async (n: number) => { while (lines.length < n) await new Promise((r) => setTimeout(r, 10)); return lines[n - 1]; };
  try {
    const ready = await next(1);
    child.stdin!.write('insert first after the restart\n');
    const a = await next(2);
    assert.equal(a.walSize, ready.walSize, 'the restarted WAL keeps its size');
    const walHead = readFileSync(`${db}-wal`).subarray(0, 32);
    const first = await backupDatabase({ dbPath: db, outputDir: out });
    assert.equal(first.unchanged, undefined);
    child.stdin!.write('insert second after the restart\n');
    const b = await next(3);
    assert.equal(b.walSize, ready.walSize, 'still the same size: the commit went over old frames');
    assert.ok(readFileSync(`${db}-wal`).subarray(0, 32).equals(walHead), 'and the same WAL header');
    const second = await backupDatabase({ dbPath: db, outputDir: out });
    assert.equal(second.unchanged, undefined, 'a commit is a change');
    assert.notEqual(second.file, first.file);
    assert.equal(sqlite3(second.file, "SELECT count(*) FROM t WHERE v = 'second after the restart';"), '1');
    // and with nothing written since, the next one is unchanged (by the same bytes)
    const third = await backupDatabase({ dbPath: db, outputDir: out });
    assert.equal(third.file, second.file);
    assert.ok(third.unchanged);
  } finally {
    child.kill('SIGKILL');
  }
});

test('a damaged database: the error is its first problem and how many more; the detail holds each one', async () => {
  const root = tmpDir('lifeboat-msg-');
  const db = join(root, 'broken.db');
  copyFileSync(CHINOOK, db);
  truncateSync(db, Math.floor(statSync(db).size / 2 / 1024) * 1024); // a truncated file: many pages missing
  const r = cli(['backup', '--db-path', db, '--output-dir', join(root, 'out')]);
  assert.equal(r.status, 1, describeRun(r));
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0], /broken\.db: the copy fails integrity_check, so the database itself is damaged: [^\n]+ \(and \d+ more\)$/);
  assert.ok(!lines[0].includes('*** in database'), 'the heading of integrity_check is not a problem');
  const more = Number(/\(and (\d+) more\)$/.exec(lines[0])![1]);
  assert.ok(more >= 2, lines[0]);
  await assert.rejects(backupDatabase({ dbPath: db, outputDir: join(root, 'out2') }), (e: Error & { detail?: string }) => {
    assert.equal(e.detail!.split('\n').length, more + 1, 'every problem in the detail');
    return true;
  });
});
