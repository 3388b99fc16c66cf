// Shared test utilities: temp folders, the built CLI, and the native sqlite3 CLI as oracle.
import { execFileSync, spawnSync, SpawnSyncReturns } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(__dirname, '..');
export const CLI = join(ROOT, 'dist', 'cli.js');
export const CHINOOK = join(ROOT, 'test', 'fixtures', 'chinook.sqlite');
/**
 * The Node that runs better-sqlite3 (writers, holders, crash fixtures): it is built for the
 * machine's Node 20, so when the tests themselves run on Node 22 or 24 (to test node:sqlite),
 * scripts/test.mjs names the Node 20 binary here.
 */
export const WRITER_NODE = process.env.LIFEBOAT_WRITER_NODE || process.execPath;

/** A fresh temp folder, removed when the process exits unless LIFEBOAT_KEEP_TMP is set. */
export function tmpDir(prefix = 'lifeboat-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  if (!process.env.LIFEBOAT_KEEP_TMP) process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export interface CliRun { status: number | null; stdout: string; stderr: string; signal: NodeJS.Signals | null }

/** Runs `node dist/cli.js …` without a shell. */
export function cli(args: string[], opts: { env?: NodeJS.ProcessEnv; input?: string; cwd?: string; timeoutMs?: number } = {}): CliRun {
  const r: SpawnSyncReturns<string> = spawnSync(process.execPath, [CLI, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...opts.env },
    input: opts.input ?? '',
    cwd: opts.cwd,
    timeout: opts.timeoutMs ?? 120_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, signal: r.signal };
}

/** The backup file named by `lifeboat backup`'s one line ("backed up P to F (verified, …)"). */
export function printedBackup(stdout: string): string {
  const line = stdout.trim().split('\n')[0];
  const m = /^backed up .* to (.+) \(verified, [^)]*\)$/s.exec(line) ?? /^.* unchanged since its backup of .*: no new copy; (.+) \(verified, [^)]*\)$/s.exec(line);
  if (!m) throw new Error(`not a backup line: ${JSON.stringify(line)}`);
  return m[1];
}

/** Runs the native sqlite3 CLI (the oracle) on a file and returns its trimmed output. */
export function sqlite3(db: string, sql: string, args: string[] = []): string {
  return execFileSync('sqlite3', [...args, db, sql], { encoding: 'utf8', maxBuffer: 1 << 28 }).trim();
}

/** Native `PRAGMA integrity_check` result. */
export function nativeIntegrity(db: string): string {
  return sqlite3(db, 'PRAGMA integrity_check;');
}

/** Row count per user table, by the native CLI. */
export function nativeCounts(db: string): Record<string, number> {
  const names = sqlite3(db, "SELECT name FROM sqlite_schema WHERE type='table' AND name NOT LIKE 'sqlite_%' ORDER BY name;")
    .split('\n').filter(Boolean);
  const out: Record<string, number> = {};
  for (const n of names) out[n] = Number(sqlite3(db, `SELECT count(*) FROM "${n.replace(/"/g, '""')}";`));
  return out;
}

export function sha256File(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}
