// Assertion helpers shared by the engine tests: running the CLI, and comparing what it produced with
// what the native sqlite3 CLI (the oracle) sees.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, realpathSync, statSync, lstatSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { cli, CliRun, nativeCounts, sha256File, sqlite3 } from '../../helpers';
import { dumpOf, hashSet, headerOf, integrityOf, pragmasOf, schemaOf } from './fixtures';

export { cli };

/** Every file (not folder) under dir, as paths relative to dir; [] when dir does not exist. */
export function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  const walk = (d: string, rel: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      const r = rel ? `${rel}/${name}` : name;
      if (lstatSync(p).isDirectory()) walk(p, r);
      else out.push(r);
    }
  };
  walk(dir, '');
  return out.sort();
}

/** Every entry (files and folders) directly in a folder, sorted. */
export function listing(dir: string): string[] {
  return readdirSync(dir).sort();
}

/** State of a live database that must not change: sha256 of main + companions, and its folder listing. */
export function liveState(main: string): { hashes: Record<string, string | null>; listing: string[] } {
  return { hashes: hashSet(main), listing: listing(dirname(main)) };
}

export function describeRun(r: CliRun): string {
  return `exit=${r.status} signal=${r.signal}\nstdout: ${r.stdout.slice(0, 2000)}\nstderr: ${r.stderr.slice(0, 2000)}`;
}

/** Parses stdout as exactly one JSON value. */
export function parseJsonOut<T = unknown>(r: CliRun): T {
  const text = r.stdout.trim();
  try {
    return JSON.parse(text) as T;
  } catch {
    assert.fail(`stdout is not one JSON value\n${describeRun(r)}`);
  }
}

export interface BackupJson {
  file: string;
  manifestFile: string;
  sha256: string;
  sizeBytes: number;
  durationMs: number;
  tables: Record<string, number>;
  skippedTables: { name: string; reason: string }[];
  verified: boolean;
  integrity: string;
  attempts: number;
  source: { path: string; journalMode: string; sizeBytes: number };
  pruned: unknown[];
}

/**
 * `backup --db-path db --output-dir out --json --force [...extra]`, asserting exit 0 and returning the
 * parsed JSON + absolute paths. --force: each call makes a new copy, also of an unchanged database
 * (the tests of "unchanged: no second copy" run the CLI themselves).
 */
export function backupJson(db: string | null, out: string, extra: string[] = [], env?: NodeJS.ProcessEnv): { run: CliRun; json: BackupJson; file: string; manifest: string } {
  const args = ['backup', ...(db === null ? [] : ['--db-path', db]), '--output-dir', out, '--json', '--force', ...extra];
  const run = cli(args, { env });
  assert.equal(run.status, 0, `backup should succeed: lifeboat ${args.join(' ')}\n${describeRun(run)}`);
  const json = parseJsonOut<BackupJson>(run);
  assert.equal(typeof json.file, 'string', 'json.file');
  const file = resolve(out, json.file);
  const manifest = resolve(out, json.manifestFile);
  return { run, json, file, manifest };
}

export function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** `<dbname>-backup-YYYY-MM-DD-HHMMSS[-N].<ext>` where dbname is the db's base name without extension. */
export function backupNameRe(db: string): RegExp {
  const ext = extname(db);
  const stem = basename(db, ext);
  return new RegExp(`^${escapeRe(stem)}-backup-(\\d{4})-(\\d{2})-(\\d{2})-(\\d{2})(\\d{2})(\\d{2})(?:-(\\d+))?${escapeRe(ext)}$`);
}

/** The UTC time encoded in a backup name (ms since epoch), and its collision suffix. */
export function backupNameTime(db: string, file: string): { t: number; stamp: string; suffix: number | null } {
  const m = backupNameRe(db).exec(basename(file));
  assert.ok(m, `backup name ${basename(file)} does not match ${backupNameRe(db)}`);
  const [, y, mo, d, h, mi, s, n] = m;
  return { t: Date.UTC(+y, +mo - 1, +d, +h, +mi, +s), stamp: `${y}${mo}${d}${h}${mi}${s}`, suffix: n === undefined ? null : Number(n) };
}

/** The backup file on disk: placement, name, permissions, header, checksum, manifest, no leftovers. */
export function assertBackupFile(db: string, out: string, json: BackupJson, file: string, manifest: string, startedAt: number): void {
  assert.ok(existsSync(file), `backup file ${file} exists`);
  assert.equal(realpathSync(dirname(file)), realpathSync(out), 'backup is written directly into the output dir');
  const { t } = backupNameTime(db, file);
  assert.ok(t >= Math.floor(startedAt / 1000) * 1000 - 1000 && t <= Date.now() + 1000, `backup name time ${new Date(t).toISOString()} is the UTC time of the backup (started ${new Date(startedAt).toISOString()})`);
  const st = statSync(file);
  assert.ok(st.isFile());
  assert.equal(st.mode & 0o777, 0o600, `backup mode is 0600, got ${(st.mode & 0o777).toString(8)}`);
  assert.equal(statSync(out).mode & 0o777, 0o700, `output dir mode is 0700, got ${(statSync(out).mode & 0o777).toString(8)}`);
  const h = headerOf(file);
  assert.ok(h.magic, 'backup has the SQLite magic');
  assert.equal(h.writeVersion, 1, 'backup header byte 18 = 1 (not WAL)');
  assert.equal(h.readVersion, 1, 'backup header byte 19 = 1 (not WAL)');
  for (const s of ['-wal', '-shm', '-journal']) assert.ok(!existsSync(file + s), `no ${s} beside the backup`);
  assert.equal(json.sha256, sha256File(file), 'json.sha256 is the sha256 of the backup file');
  assert.equal(json.sizeBytes, st.size, 'json.sizeBytes is the backup size');
  assert.equal(manifest, file + '.json', 'manifest is <file>.json');
  assert.ok(existsSync(manifest), 'manifest exists');
  JSON.parse(readFileSync(manifest, 'utf8'));
  const leftovers = filesUnder(out).filter((f) => /\.partial|\.tmp$|-journal$|-wal$|-shm$/.test(f));
  assert.deepEqual(leftovers, [], 'no .partial/temp/companion files in the output dir');
}

export interface OracleView { counts: Record<string, number>; dump: string; schema: string; pragmas: ReturnType<typeof pragmasOf> }

/** What native sqlite3 sees in a database (open it only on a COPY of a live set). */
export function oracleView(db: string, withDump = true): OracleView {
  return { counts: nativeCounts(db), dump: withDump ? dumpOf(db) : '', schema: schemaOf(db), pragmas: pragmasOf(db) };
}

/** The backup, opened by the oracle, has exactly the content and settings the oracle saw in the source. */
export function assertSameAsOracle(backup: string, expected: OracleView, withDump = true): void {
  assert.equal(integrityOf(backup), 'ok', 'native integrity_check on the backup');
  assert.deepEqual(nativeCounts(backup), expected.counts, 'per-table row counts (native) equal the source');
  assert.equal(schemaOf(backup), expected.schema, 'schema objects equal the source');
  assert.deepEqual(pragmasOf(backup), expected.pragmas, 'page_size/user_version/application_id/auto_vacuum equal the source');
  assert.equal(sqlite3(backup, 'PRAGMA journal_mode;'), 'delete', 'backup journal_mode is delete');
  if (withDump) assert.ok(dumpOf(backup) === expected.dump, 'native .dump of the backup equals the .dump of the source');
}

/** The JSON report agrees with the oracle. `virtualTables` may be skipped; their shadow tables may be reported or not. */
export function assertBackupJsonReport(json: BackupJson, db: string, expectedCounts: Record<string, number>, journalMode: string, opts: { virtualTables?: string[]; shadowTables?: string[] } = {}): void {
  const virt = opts.virtualTables ?? [];
  const shadow = opts.shadowTables ?? [];
  assert.equal(json.verified, true, 'json.verified');
  assert.equal(json.integrity, 'ok', 'json.integrity');
  assert.ok(Number.isInteger(json.attempts) && json.attempts >= 1, `json.attempts is a positive integer (${json.attempts})`);
  assert.ok(typeof json.durationMs === 'number' && json.durationMs >= 0, 'json.durationMs');
  assert.ok(Array.isArray(json.pruned) && json.pruned.length === 0, 'json.pruned is []');
  assert.ok(Array.isArray(json.skippedTables), 'json.skippedTables is an array');
  assert.equal(realpathSync(resolve(json.source.path)), realpathSync(db), 'json.source.path is the database');
  assert.equal(json.source.journalMode, journalMode, 'json.source.journalMode');
  const mainSize = statSync(db).size;
  const setSize = ['', '-wal', '-shm', '-journal'].reduce((a, s) => a + (existsSync(db + s) ? statSync(db + s).size : 0), 0);
  assert.ok(json.source.sizeBytes === mainSize || json.source.sizeBytes === setSize, `json.source.sizeBytes ${json.source.sizeBytes} is the source size (${mainSize} or ${setSize} with companions)`);
  const skipped = new Map(json.skippedTables.map((s) => [s.name, s.reason]));
  for (const [name, reason] of skipped) {
    assert.ok(virt.includes(name) || shadow.includes(name), `only virtual tables may be skipped, got ${name}`);
    assert.ok(typeof reason === 'string' && reason.trim().length > 0, `skipped table ${name} has a reason`);
  }
  for (const [name, count] of Object.entries(json.tables)) {
    assert.ok(name in expectedCounts || name.startsWith('sqlite_'), `json.tables has unknown table ${name}`);
    if (name in expectedCounts) assert.equal(count, expectedCounts[name], `json.tables.${name}`);
    assert.ok(!skipped.has(name), `${name} is both counted and skipped`);
  }
  for (const name of Object.keys(expectedCounts)) {
    if (shadow.includes(name)) continue;
    if (virt.includes(name)) assert.ok(name in json.tables || skipped.has(name), `virtual table ${name} is counted or listed in skippedTables`);
    else assert.ok(name in json.tables, `json.tables lists ${name}`);
  }
}

/** A refusal: exit 1, exactly one non-empty stderr line naming the file and a reason, no stack trace. */
export function assertRefusal(r: CliRun, file: string | string[], what: string): void {
  const files = Array.isArray(file) ? file : [file];
  assert.equal(r.signal, null, `${what}: the CLI must not hang or be killed\n${describeRun(r)}`);
  assert.equal(r.status, 1, `${what}: exit code 1\n${describeRun(r)}`);
  const lines = r.stderr.split('\n').filter((l) => l.length > 0);
  assert.equal(lines.length, 1, `${what}: stderr is exactly one line\n${describeRun(r)}`);
  const line = lines[0];
  assert.ok(!/^\s+at\s|node:internal/m.test(r.stderr), `${what}: no stack trace\n${describeRun(r)}`);
  const named = files.some((f) => line.includes(f) || line.includes(basename(f)));
  assert.ok(named, `${what}: stderr names the file (${files.map((f) => basename(f)).join(' or ')})\n${describeRun(r)}`);
  let rest = line;
  for (const f of files) rest = rest.split(f).join('').split(basename(f)).join('');
  assert.ok(/[A-Za-z]{3,}/.test(rest), `${what}: stderr gives a reason\n${describeRun(r)}`);
}

/** A usage error: exit 2 and some message on stderr. */
export function assertUsageError(r: CliRun, what: string): void {
  assert.equal(r.signal, null, `${what}: no hang\n${describeRun(r)}`);
  assert.equal(r.status, 2, `${what}: usage errors exit 2\n${describeRun(r)}`);
  assert.ok(r.stderr.trim().length > 0, `${what}: says what is wrong on stderr`);
  assert.ok(!/^\s+at\s/m.test(r.stderr), `${what}: no stack trace\n${describeRun(r)}`);
}
