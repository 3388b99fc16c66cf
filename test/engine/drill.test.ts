// Drills end to end through the built CLI, on real files: a restore rehearsal records measured
// evidence in the drill file and ticks its auto items, never touching the live database; failing
// rehearsals (corrupt backup, RPO, RTO) still record their row; `drill start` never overwrites.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, closeSync, writeSync, writeFileSync, readSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';
import { CHINOOK, CliRun, cli, nativeCounts, nativeIntegrity, sha256File, sqlite3, tmpDir } from '../helpers';

const HEADER = '| Date | Operator | Backup Age | Backup File | Restore Duration | integrity_check | Row Count Match | Pass/Fail | Notes |';
const SEP = '|---|---|---|---|---|---|---|---|---|';
const AUTO = ['verify', 'restore', 'integrity', 'rowcounts', 'evidence'] as const;

function show(r: CliRun): string {
  return `exit=${r.status} signal=${r.signal}\nstdout: ${r.stdout.slice(0, 3000)}\nstderr: ${r.stderr.slice(0, 3000)}`;
}

/** A drill file with one item per auto step, a manual item, an unknown auto, code, and the table. */
function drillText(eol = '\n'): string {
  return [
    '<!-- lifeboat:drill id=engine-test -->',
    '# Engine test drill',
    '',
    '## Steps',
    '',
    '- [ ] Verify the newest backup <!-- lifeboat:auto=verify -->',
    '- [ ] Restore it into a scratch copy <!-- lifeboat:auto=restore -->',
    '  - [ ] integrity_check is ok <!-- lifeboat:auto=integrity -->',
    '- [ ] Compare row counts with the live database <!-- lifeboat:auto=rowcounts -->',
    '- [ ] Record the evidence <!-- lifeboat:auto=evidence -->',
    '- [ ] Tell the team (manual)',
    '- [ ] Unknown automation <!-- lifeboat:auto=teleport -->',
    '',
    '```sh',
    '- [ ] not an item <!-- lifeboat:auto=restore -->',
    '```',
    '',
    '## Evidence',
    '',
    HEADER,
    SEP,
    '',
    'Signed off by: ',
    '',
  ].join(eol);
}

interface Env {
  root: string;
  liveDir: string;
  db: string;
  backups: string;
  backup: string;
  drill: string;
  tmp: string;
  env: NodeJS.ProcessEnv;
  liveCounts: Record<string, number>;
  backupCounts: Record<string, number>;
}

/** Live db (Chinook copy) in its own folder, a CLI backup of it, then rows deleted from the live db. */
function setup(opts: { deleteRows?: boolean; eol?: string } = {}): Env {
  const root = tmpDir('lifeboat-drill-');
  const liveDir = join(root, 'live');
  const backups = join(root, 'backups');
  const tmp = join(root, 'tmp');
  const home = join(root, 'home');
  for (const d of [liveDir, tmp, home]) mkdirSync(d);
  const db = join(liveDir, 'app.db');
  copyFileSync(CHINOOK, db);
  // a private TMPDIR and HOME: rehearsal scratch folders must be gone afterwards; nothing under ~
  const env = { TMPDIR: tmp, TMP: tmp, TEMP: tmp, HOME: home };
  const b = cli(['backup', '--db-path', db, '--output-dir', backups, '--json'], { env });
  assert.equal(b.status, 0, show(b));
  const backup = JSON.parse(b.stdout).file as string;
  assert.ok(existsSync(backup));
  if (opts.deleteRows !== false) sqlite3(db, 'DELETE FROM PlaylistTrack WHERE PlaylistId = 1;');
  const drill = join(root, 'drills', 'drill.md');
  mkdirSync(join(root, 'drills'));
  writeFileSync(drill, drillText(opts.eol));
  return { root, liveDir, db, backups, backup, drill, tmp, env, liveCounts: nativeCounts(db), backupCounts: nativeCounts(backup) };
}

function runDrill(e: Env, extra: string[] = []): { r: CliRun; json: Record<string, unknown> | null } {
  const r = cli(['drill', 'run', '--db-path', e.db, '--output-dir', e.backups, '--drill', e.drill, '--operator', 'Tess Tester', '--json', ...extra], { env: e.env });
  let json: Record<string, unknown> | null = null;
  try { json = JSON.parse(r.stdout); } catch { json = null; }
  return { r, json };
}

/** Cells of a table row, split on unescaped pipes. */
function cellsOf(line: string): string[] {
  const t = line.trim();
  assert.ok(t.startsWith('|') && t.endsWith('|'), `a table row: ${JSON.stringify(line)}`);
  return t.slice(1, -1).split(/(?<!\\)\|/).map((c) => c.trim());
}

/** "412 ms" / "1.3 s" / "2 min 5 s", as documented for the Restore Duration column. */
function fmtMs(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

/**
 * The drill file after a run must be the original with exactly the auto items in `tick` set to
 * [x] and one row inserted at `rowLine` (0-based). Returns the row's cells.
 */
function assertDrillFile(e: Env, before: string, rowLine: number, tick: readonly string[], eol = '\n'): string[] {
  const after = readFileSync(e.drill, 'utf8');
  const lines = after.split(eol);
  const rowCells = cellsOf(lines[rowLine]);
  assert.equal(rowCells.length, 9);
  const expected = before.split(eol).map((l) => {
    const m = /lifeboat:auto=(\w+)/.exec(l);
    return m && tick.includes(m[1]) && l.includes('- [ ]') && !l.startsWith('- [ ] not an item') ? l.replace('- [ ]', '- [x]') : l;
  });
  expected.splice(rowLine, 0, lines[rowLine]);
  assert.equal(after, expected.join(eol), 'only the ticks and the new row changed');
  return rowCells;
}

/** Which auto items are ticked in the file now. */
function tickedAutos(file: string): string[] {
  return readFileSync(file, 'utf8').split(/\r?\n/).filter((l) => /^\s*- \[x\]/.test(l)).map((l) => /lifeboat:auto=(\w+)/.exec(l)?.[1] ?? '(manual)');
}

function assertLiveUntouched(e: Env, sha: string, listing: string[]): void {
  assert.equal(sha256File(e.db), sha, 'live database byte for byte unchanged');
  assert.deepEqual(readdirSync(e.liveDir).sort(), listing, 'no file added next to the live database');
  assert.deepEqual(readdirSync(e.tmp), [], 'the rehearsal scratch folder was removed');
}

/** Reads a page (1-based) of a database file. */
function pageOf(file: string, n: number, size: number): Buffer {
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(size);
    readSync(fd, buf, 0, size, (n - 1) * size);
    return buf;
  } finally { closeSync(fd); }
}

function writeAt(file: string, offset: number, bytes: Buffer): void {
  const fd = openSync(file, 'r+');
  try { writeSync(fd, bytes, 0, bytes.length, offset); } finally { closeSync(fd); }
}

/** Overwrites the cell pointers and the middle of a full table b-tree leaf page in the middle of the file. */
function corruptBtreePage(file: string): number {
  const head = readFileSync(file).subarray(0, 100);
  const size = head.readUInt16BE(16) === 1 ? 65536 : head.readUInt16BE(16);
  const pages = head.readUInt32BE(28);
  for (let n = Math.floor(pages / 2); n < pages; n++) {
    const p = pageOf(file, n, size);
    const cells = p.readUInt16BE(3);
    if (p[0] !== 0x0d || cells < 8) continue;
    const base = (n - 1) * size;
    writeAt(file, base + 8, Buffer.alloc(cells * 2, 0xff)); // cell pointer array
    writeAt(file, base + Math.floor(size / 2), Buffer.alloc(128, 0xff)); // middle of the page
    return n;
  }
  throw new Error('no table leaf page found');
}

/** Overwrites 64 bytes in the middle of a full index b-tree leaf page (the engine reports "malformed"). */
function corruptIndexPageMiddle(file: string): number {
  const head = readFileSync(file).subarray(0, 100);
  const size = head.readUInt16BE(16) === 1 ? 65536 : head.readUInt16BE(16);
  const pages = head.readUInt32BE(28);
  for (let n = Math.floor(pages / 3); n < pages; n++) {
    const p = pageOf(file, n, size);
    if (p[0] !== 0x0a || p.readUInt16BE(3) < 50) continue;
    writeAt(file, (n - 1) * size + Math.floor(size / 2), Buffer.alloc(64, 0xff));
    return n;
  }
  throw new Error('no index leaf page found');
}

/** Native integrity_check that also reports a failing sqlite3 run (quietly) instead of throwing. */
function nativeIntegrityOrError(file: string): string {
  const r = spawnSync('sqlite3', [file, 'PRAGMA integrity_check;'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : `error ${r.status}: ${r.stdout.trim()} ${r.stderr.trim()}`;
}

test('drill run --json: Pass, measured row recorded, auto items ticked, live db untouched', () => {
  const e = setup();
  const before = readFileSync(e.drill, 'utf8');
  const sha = sha256File(e.db);
  const listing = readdirSync(e.liveDir).sort();
  assert.deepEqual(listing, ['app.db']);
  const backupSha = sha256File(e.backup);
  const t0 = Date.now();
  const { r, json } = runDrill(e);
  const t1 = Date.now();
  assert.equal(r.status, 0, show(r));
  assert.equal(r.stderr, '', 'no stderr on Pass');
  assert.ok(json, show(r));
  assert.equal(json.pass, true);
  assert.deepEqual(json.reasons, []);
  assert.equal(json.backupFile, e.backup);
  assert.equal(json.integrity, 'ok');
  assert.equal(json.drill, resolve(e.drill));

  const ms = json.restoreDurationMs as number;
  assert.ok(Number.isInteger(ms) && ms >= 0 && ms <= t1 - t0, `restoreDurationMs ${ms} within the run (${t1 - t0} ms)`);

  // the oracle: the deleted rows show up as a difference in exactly PlaylistTrack
  const live = e.liveCounts.PlaylistTrack;
  const backed = e.backupCounts.PlaylistTrack;
  assert.ok(live < backed, 'rows were deleted from the live db');
  assert.deepEqual(json.differingTables, ['PlaylistTrack']);
  assert.equal(json.rowCountMatch, false);
  assert.deepEqual(json.liveTables, e.liveCounts);
  assert.deepEqual(json.restoredTables, e.backupCounts);

  const rowLine = (json.evidenceLine as number) - 1;
  assert.equal(rowLine, before.split('\n').indexOf(SEP) + 1, 'row right after the separator');
  const cells = assertDrillFile(e, before, rowLine, AUTO);
  const [date, operator, age, file, duration, integrity, match, verdict, notes] = cells;
  assert.match(date, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
  const at = Date.parse(date);
  assert.ok(at >= Math.floor(t0 / 1000) * 1000 && at <= t1, `date ${date} within the run`);
  assert.equal(operator, 'Tess Tester');
  assert.match(age, /^\d+ min$/, 'a fresh backup is minutes old');
  assert.equal(file, basename(e.backup));
  assert.equal(duration, fmtMs(ms), 'the recorded duration is the measured one');
  assert.equal(integrity, 'ok');
  assert.match(match, /^no\b/);
  assert.equal(match, 'no (1 table)');
  assert.equal(verdict, 'Pass');
  assert.ok(notes.includes(`PlaylistTrack ${live} vs ${backed}`), `notes name the table with both counts: ${notes}`);
  assert.deepEqual((json.row as Record<string, string>)['Notes'], notes);

  assert.deepEqual(tickedAutos(e.drill).sort(), [...AUTO].sort(), 'all five performed auto items ticked, nothing else');
  assert.deepEqual(json.tickedLines, before.split('\n').map((l, i) => (/auto=(verify|restore|integrity|rowcounts|evidence)/.test(l) && !l.includes('not an item') ? i + 1 : 0)).filter(Boolean));

  assertLiveUntouched(e, sha, listing);
  assert.equal(nativeIntegrity(e.db), 'ok');
  assert.equal(sha256File(e.backup), backupSha, 'the backup file is not modified');
});

test('drill run without --json: Pass with matching counts and a CRLF drill file stays CRLF', () => {
  const e = setup({ deleteRows: false, eol: '\r\n' });
  const before = readFileSync(e.drill, 'utf8');
  const sha = sha256File(e.db);
  const r = cli(['drill', 'run', '--db-path', e.db, '--output-dir', e.backups, '--drill', e.drill, '--operator', 'Crlf'], { env: e.env });
  assert.equal(r.status, 0, show(r));
  assert.match(r.stdout, /^PASS: /);
  const m = /evidence recorded in .*:(\d+)$/m.exec(r.stdout);
  assert.ok(m, show(r));
  const after = readFileSync(e.drill, 'utf8');
  assert.ok(!/[^\r]\n/.test(after), 'no bare LF');
  const cells = assertDrillFile(e, before, Number(m[1]) - 1, AUTO, '\r\n');
  assert.equal(cells[6], 'yes');
  assert.equal(cells[7], 'Pass');
  assert.equal(cells[8], '—');
  assertLiveUntouched(e, sha, ['app.db']);
});

test('drill run with a b-tree-corrupted backup: exit 1, Fail row with the reason, no restore ticks', () => {
  const e = setup();
  const page = corruptBtreePage(e.backup);
  assert.notEqual(nativeIntegrityOrError(e.backup), 'ok', `the oracle sees page ${page} corrupted`);
  const before = readFileSync(e.drill, 'utf8');
  const sha = sha256File(e.db);
  const { r, json } = runDrill(e, ['--backup-file', e.backup]);
  assert.equal(r.status, 1, show(r));
  assert.ok(json, show(r));
  assert.equal(json.pass, false);
  assert.equal(json.restoreDurationMs, null);
  const errLines = r.stderr.trim().split('\n');
  assert.equal(errLines.length, 1, `one stderr line: ${r.stderr}`);
  assert.match(errLines[0], /drill failed: restore failed: .*refusing to restore/);

  const rowLine = (json.evidenceLine as number) - 1;
  const performed = ['evidence', ...(tickedAutos(e.drill).includes('verify') ? ['verify'] : [])];
  const [, , , file, duration, integrity, match, verdict, notes] = assertDrillFile(e, before, rowLine, performed);
  assert.equal(file, basename(e.backup));
  assert.equal(duration, '—');
  assert.notEqual(integrity, 'ok');
  assert.equal(match, 'n/a');
  assert.equal(verdict, 'Fail');
  assert.match(notes, /restore failed: .*refusing to restore: .*(malformed|integrity_check|SHA-256)/i);
  const ticked = tickedAutos(e.drill);
  for (const s of ['restore', 'integrity', 'rowcounts']) assert.ok(!ticked.includes(s), `${s} not ticked`);
  assert.ok(ticked.includes('evidence'));
  assertLiveUntouched(e, sha, ['app.db']);
});

test('drill run with a backup whose bytes no longer match the manifest sha256: Fail, notes say so', () => {
  const e = setup();
  writeAt(e.backup, 60, Buffer.from([0, 0, 0, 7])); // user_version: still a valid database
  assert.equal(nativeIntegrity(e.backup), 'ok', 'only the checksum is wrong');
  const before = readFileSync(e.drill, 'utf8');
  const sha = sha256File(e.db);
  // no --backup-file: the listed (manifest-verified) backup is picked, and found changed
  const { r, json } = runDrill(e);
  assert.equal(r.status, 1, show(r));
  assert.ok(json, show(r));
  assert.equal(json.backupFile, e.backup);
  assert.match(r.stderr.trim(), /^lifeboat: .*drill failed: .*SHA-256 does not match the manifest/);
  assert.equal(r.stderr.trim().split('\n').length, 1);
  const rowLine = (json.evidenceLine as number) - 1;
  const lines = readFileSync(e.drill, 'utf8').split('\n');
  const cells = cellsOf(lines[rowLine]);
  assert.equal(cells[7], 'Fail');
  assert.match(cells[8], /SHA-256 does not match the manifest/);
  assert.equal(lines.length, before.split('\n').length + 1);
  assertLiveUntouched(e, sha, ['app.db']);
});

/** A copy of the backup with orphaned pages (integrity_check fails, the file still opens), without a manifest. */
function orphanCopy(e: Env): string {
  const bad = join(e.root, 'orphan', 'app-orphan.db');
  mkdirSync(join(e.root, 'orphan'));
  copyFileSync(e.backup, bad);
  sqlite3(bad, "PRAGMA writable_schema=ON; DELETE FROM sqlite_schema WHERE name='IFK_TrackAlbumId';");
  assert.match(nativeIntegrity(bad), /never used/, 'the oracle sees orphaned pages');
  return bad;
}

test('drill run with a backup that fails integrity_check (no manifest): Fail, notes give the check result', () => {
  const e = setup();
  const bad = orphanCopy(e);
  const before = readFileSync(e.drill, 'utf8');
  const sha = sha256File(e.db);
  const { r, json } = runDrill(e, ['--backup-file', bad]);
  assert.equal(r.status, 1, show(r));
  assert.ok(json, show(r));
  assert.match(r.stderr, /drill failed: .*integrity_check failed/);
  const cells = assertDrillFile(e, before, (json.evidenceLine as number) - 1, ['evidence', 'verify'].filter((s) => tickedAutos(e.drill).includes(s)));
  assert.equal(cells[3], 'app-orphan.db');
  assert.equal(cells[7], 'Fail');
  assert.match(cells[8], /integrity_check failed: .*never used/);
  assert.ok(!tickedAutos(e.drill).includes('integrity'));
  assertLiveUntouched(e, sha, ['app.db']);
});

test('drill run failure prints exactly one stderr line even when integrity_check reports several problems', () => {
  const e = setup();
  const bad = orphanCopy(e);
  const { r } = runDrill(e, ['--backup-file', bad]);
  assert.equal(r.status, 1, show(r));
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
});

test('drill run --rpo-hours 0: Fail "over the RPO", restore still performed and ticked', () => {
  const e = setup();
  const before = readFileSync(e.drill, 'utf8');
  const sha = sha256File(e.db);
  const { r, json } = runDrill(e, ['--rpo-hours', '0']);
  assert.equal(r.status, 1, show(r));
  assert.ok(json, show(r));
  assert.equal(json.pass, false);
  assert.ok((json.backupAgeHours as number) > 0);
  assert.equal(r.stderr.trim().split('\n').length, 1);
  assert.match(r.stderr, /drill failed: backup is .* old, over the RPO of 0 h/);
  const cells = assertDrillFile(e, before, (json.evidenceLine as number) - 1, AUTO);
  assert.equal(cells[5], 'ok');
  assert.equal(cells[7], 'Fail');
  assert.match(cells[8], /over the RPO of 0 h/);
  assert.ok(cells[8].includes(`PlaylistTrack ${e.liveCounts.PlaylistTrack} vs ${e.backupCounts.PlaylistTrack}`));
  assertLiveUntouched(e, sha, ['app.db']);
});

test('drill run --rto-minutes 0: Fail "over the RTO"', () => {
  const e = setup();
  const before = readFileSync(e.drill, 'utf8');
  const { r, json } = runDrill(e, ['--rto-minutes', '0']);
  assert.equal(r.status, 1, show(r));
  assert.ok(json, show(r));
  const ms = json.restoreDurationMs as number;
  assert.ok(ms > 0, 'a real restore takes some time');
  assert.match(r.stderr, new RegExp(`drill failed: restore took ${fmtMs(ms).replace('.', '\\.')}, over the RTO of 0 min`));
  const cells = assertDrillFile(e, before, (json.evidenceLine as number) - 1, AUTO);
  assert.equal(cells[4], fmtMs(ms));
  assert.equal(cells[7], 'Fail');
  assert.match(cells[8], /over the RTO of 0 min/);
});

test('drill run twice appends two rows in order; a bad option changes nothing', () => {
  const e = setup({ deleteRows: false });
  const first = runDrill(e);
  assert.equal(first.r.status, 0, show(first.r));
  const second = runDrill(e, ['--rpo-hours', '0']);
  assert.equal(second.r.status, 1, show(second.r));
  assert.equal(second.json!.evidenceLine, (first.json!.evidenceLine as number) + 1);
  const lines = readFileSync(e.drill, 'utf8').split('\n');
  assert.equal(cellsOf(lines[(first.json!.evidenceLine as number) - 1])[7], 'Pass');
  assert.equal(cellsOf(lines[(second.json!.evidenceLine as number) - 1])[7], 'Fail');
  const text = readFileSync(e.drill, 'utf8');
  const bad = runDrill(e, ['--rto-minutes', 'soon']);
  assert.equal(bad.r.status, 2, show(bad.r));
  assert.match(bad.r.stderr, /--rto-minutes/);
  assert.equal(readFileSync(e.drill, 'utf8'), text);
});

test('drill run on a file without an evidence table: exit 1, one clear line, file and db untouched', () => {
  const e = setup();
  const text = ['# No table', '', '- [ ] Restore <!-- lifeboat:auto=restore -->', '', '| Date | Operator |', '|---|---|', ''].join('\n');
  writeFileSync(e.drill, text);
  const sha = sha256File(e.db);
  const { r } = runDrill(e);
  assert.equal(r.status, 1, show(r));
  assert.equal(r.stdout, '');
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0], /^lifeboat: .*drill\.md.*evidence table/);
  assert.equal(readFileSync(e.drill, 'utf8'), text);
  assertLiveUntouched(e, sha, ['app.db']);
  const missing = runDrill({ ...e, drill: join(e.root, 'nope.md') });
  assert.equal(missing.r.status, 1, show(missing.r));
  assert.match(missing.r.stderr, /cannot read the drill/);
});

function today(): string[] {
  const a = new Date().toISOString().slice(0, 10);
  return [a];
}

test('drill start copies a scenario to YYYY-MM-DD-<id>.md with the operator, never overwriting', () => {
  const dir = tmpDir('lifeboat-drills-');
  const scenario = [
    '<!-- lifeboat:drill id=lifeboat-test-scn -->',
    '# Test scenario',
    '',
    'Operator: {{operator}}',
    'Date: {{ date }}',
    'Unknown: {{nothing}}',
    '',
    '- [ ] step one',
    '',
    HEADER,
    SEP,
    '',
  ].join('\n');
  writeFileSync(join(dir, 'scenario.md'), scenario);
  const days0 = today();
  const list = cli(['drill', 'list', '--drills-dir', dir, '--json']);
  assert.equal(list.status, 0, show(list));
  const ids = (JSON.parse(list.stdout) as { id: string; title: string }[]);
  assert.deepEqual(ids.find((s) => s.id === 'lifeboat-test-scn'), { id: 'lifeboat-test-scn', title: 'Test scenario', file: join(dir, 'scenario.md') });

  const a = cli(['drill', 'start', '--scenario', 'lifeboat-test-scn', '--drills-dir', dir, '--operator', "Zoë O'Neil", '--json']);
  assert.equal(a.status, 0, show(a));
  const fileA = JSON.parse(a.stdout).file as string;
  const days = [...new Set([...days0, ...today()])];
  assert.ok(days.some((d) => basename(fileA) === `${d}-lifeboat-test-scn.md`), basename(fileA));
  const date = basename(fileA).slice(0, 10);
  const textA = readFileSync(resolve(fileA), 'utf8');
  assert.equal(textA, scenario.replace('{{operator}}', "Zoë O'Neil").replace('{{ date }}', date), 'placeholders filled, the rest verbatim');

  const b = cli(['drill', 'start', '--scenario', 'lifeboat-test-scn', '--drills-dir', dir, '--operator', 'Second']);
  assert.equal(b.status, 0, show(b));
  const fileB = b.stdout.trim();
  assert.equal(basename(fileB), `${date}-lifeboat-test-scn-2.md`);
  assert.match(readFileSync(resolve(fileB), 'utf8'), /^Operator: Second$/m);
  assert.equal(readFileSync(resolve(fileA), 'utf8'), textA, 'the first drill file is not overwritten');
  const c = cli(['drill', 'start', '--scenario', 'lifeboat-test-scn', '--drills-dir', dir, '--operator', 'Third']);
  assert.equal(basename(c.stdout.trim()), `${date}-lifeboat-test-scn-3.md`);
  assert.deepEqual(readdirSync(dir).sort(), [`${date}-lifeboat-test-scn-2.md`, `${date}-lifeboat-test-scn-3.md`, `${date}-lifeboat-test-scn.md`, 'scenario.md'].sort());

  // started drills are not offered as scenarios
  const again = JSON.parse(cli(['drill', 'list', '--drills-dir', dir, '--json']).stdout) as { id: string; file: string }[];
  assert.ok(again.every((s) => !/\d{4}-\d{2}-\d{2}-/.test(basename(s.file))), JSON.stringify(again));
  // an unknown scenario is a usage error
  const bad = cli(['drill', 'start', '--scenario', 'no-such-scenario', '--drills-dir', dir]);
  assert.equal(bad.status, 2, show(bad));
  assert.match(bad.stderr, /unknown scenario "no-such-scenario"/);
});

test('drill start with a shipped scenario (backup-restore)', () => {
  const dir = tmpDir('lifeboat-drills-');
  const list = cli(['drill', 'list', '--drills-dir', dir, '--json']);
  assert.equal(list.status, 0, show(list));
  const shipped = (JSON.parse(list.stdout) as { id: string }[]).map((s) => s.id);
  for (const id of ['backup-restore', 'bad-migration', 'corrupt-backups']) assert.ok(shipped.includes(id), `${id} shipped (${shipped.join(', ')})`);
  const a = cli(['drill', 'start', '--scenario', 'backup-restore', '--drills-dir', dir, '--operator', 'Shipped Op']);
  assert.equal(a.status, 0, show(a));
  const file = a.stdout.trim();
  assert.match(basename(file), /^\d{4}-\d{2}-\d{2}-backup-restore\.md$/);
  const text = readFileSync(resolve(file), 'utf8');
  assert.ok(text.includes('Shipped Op'), 'operator filled in');
  assert.ok(!/\{\{\s*(operator|date)\s*\}\}/.test(text), 'no unfilled operator/date placeholder');
  assert.ok(text.includes(HEADER) || /\|\s*Date\s*\|\s*Operator\s*\|/i.test(text), 'has an evidence table');
  const b = cli(['drill', 'start', '--scenario', 'backup-restore', '--drills-dir', dir, '--operator', 'Other']);
  assert.equal(basename(b.stdout.trim()), basename(file).replace('.md', '-2.md'));
  assert.equal(readFileSync(resolve(file), 'utf8'), text);

  // the started drill is runnable as shipped: Pass, its five auto items ticked, one row appended
  const e = setup({ deleteRows: false });
  const r = cli(['drill', 'run', '--db-path', e.db, '--output-dir', e.backups, '--drill', resolve(file), '--operator', 'Shipped Op', '--json'], { env: e.env });
  assert.equal(r.status, 0, show(r));
  const json = JSON.parse(r.stdout) as { pass: boolean; evidenceLine: number; tickedLines: number[] };
  assert.equal(json.pass, true);
  assert.equal(json.tickedLines.length, 5);
  const after = readFileSync(resolve(file), 'utf8').split(/\r?\n/);
  assert.equal(cellsOf(after[json.evidenceLine - 1])[7], 'Pass');
  assert.equal(after.length, text.split(/\r?\n/).length + 1);
  assert.deepEqual(tickedAutos(resolve(file)).sort(), [...AUTO].sort());
});

test('drill run takes the operator and the database that drill start wrote into the drill, unless given', () => {
  const e = setup({ deleteRows: false });
  const dir = join(e.root, 'started');
  const a = cli(['drill', 'start', '--scenario', 'backup-restore', '--drills-dir', dir, '--operator', 'Start Operator', '--db-path', e.db]);
  assert.equal(a.status, 0, show(a));
  const file = resolve(a.stdout.trim());
  assert.match(readFileSync(file, 'utf8'), new RegExp(`\\*\\*Database:\\*\\* \`?${e.db.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
  // neither --operator nor --db-path: the drill's own
  const r = cli(['drill', 'run', '--output-dir', e.backups, '--drill', file, '--json'], { env: e.env });
  assert.equal(r.status, 0, show(r));
  const json = JSON.parse(r.stdout) as { evidenceLine: number; dbPath?: string; row: Record<string, string> };
  const row = cellsOf(readFileSync(file, 'utf8').split(/\r?\n/)[json.evidenceLine - 1]);
  assert.equal(row[1], 'Start Operator', `the evidence row's operator: ${row.join(' | ')}`);
  assert.equal(json.row.Operator, 'Start Operator');
  // given on the command line, they win
  const r2 = cli(['drill', 'run', '--output-dir', e.backups, '--drill', file, '--operator', 'Other Operator', '--db-path', e.db, '--json'], { env: e.env });
  assert.equal(r2.status, 0, show(r2));
  assert.equal((JSON.parse(r2.stdout) as { row: Record<string, string> }).row.Operator, 'Other Operator');
  // a drill that names no database, run without --db-path: a clear refusal naming the drill's line
  const bare = join(e.root, 'bare.md');
  writeFileSync(bare, readFileSync(file, 'utf8').replace(/^- \*\*Database:\*\*.*$/m, '- **Database:** (choose when running the rehearsal)'));
  const r3 = cli(['drill', 'run', '--output-dir', e.backups, '--drill', bare], { env: e.env });
  assert.equal(r3.status, 2, show(r3));
  assert.match(r3.stderr, /the drill names no database \(its "\*\*Database:\*\*" line\): give --db-path/);
});

test('a backup that fails verification does not tick "Newest backup verified" (auto=verify)', () => {
  const e = setup();
  corruptBtreePage(e.backup);
  const { r } = runDrill(e, ['--backup-file', e.backup]);
  assert.equal(r.status, 1, show(r));
  assert.ok(!tickedAutos(e.drill).includes('verify'), `ticked: ${tickedAutos(e.drill).join(', ')}`);
});

test('a corrupted backup that still has its manifest fails with the checksum reason first', () => {
  const e = setup();
  const page = corruptIndexPageMiddle(e.backup);
  assert.notEqual(nativeIntegrityOrError(e.backup), 'ok', `the oracle sees page ${page} corrupted`);
  const { r, json } = runDrill(e, ['--backup-file', e.backup]);
  assert.equal(r.status, 1, show(r));
  assert.match((json!.row as Record<string, string>)['Notes'], /SHA-256 does not match the manifest/);
});
