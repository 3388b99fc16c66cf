// Async child processes for the concurrency and crash tests: the CLI (spawned, so that it can be
// killed at any moment and so that the test's event loop keeps draining the writer's output),
// the live writer (writer.cjs) and the WAL holder (wal-holder.cjs).
import { ChildProcess, spawn } from 'node:child_process';
import { closeSync, copyFileSync, existsSync, mkdirSync, openSync, readdirSync, readSync, rmSync, statSync } from 'node:fs';
import { basename, isAbsolute, join } from 'node:path';
import { CLI, ROOT, sqlite3, tmpDir, WRITER_NODE } from '../helpers';

export const WRITER = join(ROOT, 'test', 'support', 'writer.cjs');
export const WAL_HOLDER = join(ROOT, 'test', 'support', 'wal-holder.cjs');

// Every child still running: killed (SIGKILL) by killStrays(), which the tests call in after(),
// and on exit, so that a failed or timed-out test never leaves a writer behind.
const running = new Set<ChildProcess>();
function track(child: ChildProcess): ChildProcess {
  running.add(child);
  child.on('close', () => running.delete(child));
  return child;
}
export function killStrays(): void {
  for (const c of running) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
}
process.on('exit', killStrays);

export interface AsyncRun {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

export interface Spawned {
  child: ChildProcess;
  startedAt: number;
  done: Promise<AsyncRun>;
}

/** Spawns `node dist/cli.js …` (no shell); `done` resolves when it has exited, whatever the cause. */
export function spawnCli(args: string[], env: NodeJS.ProcessEnv = {}): Spawned {
  const startedAt = performance.now();
  const child = track(
    spawn(process.execPath, [CLI, ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const done = new Promise<AsyncRun>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (status, signal) => resolve({ status, signal, stdout, stderr, ms: performance.now() - startedAt }));
  });
  return { child, startedAt, done };
}

export function runCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<AsyncRun> {
  return spawnCli(args, env).done;
}

/** Parses the CLI's --json output: stdout must be exactly one JSON document. */
export function parseJson<T = unknown>(run: AsyncRun, what: string): T {
  try {
    return JSON.parse(run.stdout) as T;
  } catch {
    throw new Error(`${what}: stdout is not JSON (exit ${run.status}, stderr ${JSON.stringify(run.stderr)}): ${JSON.stringify(run.stdout.slice(0, 500))}`);
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

// ---------------------------------------------------------------- writer

export interface WriterMsg {
  type: 'ready' | 'progress' | 'stats';
  tx: number;
  lastTx: number;
  elapsedMs: number;
  txPerSec?: number;
  busyErrors?: number;
  maxTxMs?: number;
  [k: string]: unknown;
}

export interface Writer {
  child: ChildProcess;
  ready: Promise<WriterMsg>;
  /** The latest progress (or ready) line received. */
  latest(): WriterMsg;
  waitForTx(n: number, timeoutMs?: number): Promise<WriterMsg>;
  /** SIGTERM, then the final stats line. */
  stop(): Promise<WriterMsg>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
  alive(): boolean;
  /** What the writer printed on stderr so far. */
  stderr(): string;
}

export function startWriter(
  db: string,
  mode: 'wal' | 'rollback',
  opts: { rate?: number; durationMs?: number; env?: NodeJS.ProcessEnv } = {},
): Writer {
  const child = track(
    spawn(WRITER_NODE, [WRITER, db, mode, String(opts.durationMs ?? 0), String(opts.rate ?? 300)], {
      env: { ...process.env, WRITER_PROGRESS_MS: '250', ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  let latest: WriterMsg | undefined;
  let final: WriterMsg | undefined;
  let buf = '';
  let stderr = '';
  let exitedFlag = false;
  const waiters: Array<() => void> = [];
  const notify = () => waiters.splice(0).forEach((w) => w());
  let resolveReady!: (m: WriterMsg) => void;
  let rejectReady!: (e: Error) => void;
  const ready = new Promise<WriterMsg>((res, rej) => ((resolveReady = res), (rejectReady = rej)));
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    buf += d;
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      if (!line.trim()) continue;
      const msg = JSON.parse(line) as WriterMsg;
      if (msg.type === 'ready') {
        latest = { ...msg, tx: 0, elapsedMs: 0 };
        resolveReady(latest);
      } else if (msg.type === 'progress') latest = msg;
      else if (msg.type === 'stats') final = msg;
      notify();
    }
  });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((res) => {
    child.on('close', (code, signal) => {
      exitedFlag = true;
      rejectReady(new Error(`writer exited before ready: code ${code} signal ${signal}: ${stderr}`));
      notify();
      res({ code, signal, stderr });
    });
  });
  ready.catch(() => {});
  return {
    child,
    ready,
    exited,
    alive: () => !exitedFlag,
    stderr: () => stderr,
    latest: () => {
      if (!latest) throw new Error('writer not ready');
      return latest;
    },
    async waitForTx(n, timeoutMs = 30_000) {
      const deadline = performance.now() + timeoutMs;
      for (;;) {
        if (latest && latest.tx >= n) return latest;
        if (exitedFlag) throw new Error(`writer exited (stderr: ${stderr})`);
        if (performance.now() > deadline) throw new Error(`writer did not reach ${n} tx in ${timeoutMs} ms`);
        await new Promise<void>((r) => {
          waiters.push(r);
          setTimeout(r, 200);
        });
      }
    },
    async stop() {
      if (!exitedFlag) child.kill('SIGTERM');
      const e = await exited;
      if (!final) throw new Error(`writer printed no stats (code ${e.code}, signal ${e.signal}, stderr: ${e.stderr})`);
      return final;
    },
  };
}

// ---------------------------------------------------------------- WAL holder

/** Commits `rows` rows (and the marker) into db's -wal without checkpointing, then SIGKILLs the holder. */
export async function leaveUncheckpointedWal(db: string, rows: number, marker?: string): Promise<void> {
  const child = track(
    spawn(WRITER_NODE, [WAL_HOLDER, db, String(rows), ...(marker ? [marker] : [])], {
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  let out = '';
  let err = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  const closed = new Promise<void>((r) => child.on('close', () => r()));
  await new Promise<void>((resolve, reject) => {
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      if (out.includes('"ready"')) resolve();
    });
    child.on('close', (code) => reject(new Error(`wal-holder exited early (${code}): ${err}`)));
  });
  child.kill('SIGKILL');
  await closed;
}

// ---------------------------------------------------------------- files and invariants

/** The writer's invariants on one snapshot (a single SELECT reads one snapshot). */
export interface Invariants {
  countA: number;
  countB: number;
  aNotInB: number;
  bNotInA: number;
  sumBal: number;
  accounts: number;
  maxTx: number;
}

const INVARIANTS_SQL = `SELECT
  (SELECT count(*) FROM a), (SELECT count(*) FROM b),
  (SELECT count(*) FROM a LEFT JOIN b USING(tx) WHERE b.tx IS NULL),
  (SELECT count(*) FROM b LEFT JOIN a USING(tx) WHERE a.tx IS NULL),
  (SELECT sum(bal) FROM acct), (SELECT count(*) FROM acct), (SELECT coalesce(max(tx), 0) FROM a);`;

export function invariants(db: string): Invariants {
  const out = sqlite3(db, INVARIANTS_SQL, ['-cmd', '.timeout 10000']);
  const [countA, countB, aNotInB, bNotInA, sumBal, accounts, maxTx] = out.split('|').map(Number);
  return { countA, countB, aNotInB, bNotInA, sumBal, accounts, maxTx };
}

/** Problems with the writer's invariants, as text (empty when all hold). */
export function invariantProblems(inv: Invariants): string[] {
  const p: string[] = [];
  if (inv.countA !== inv.countB) p.push(`count(a)=${inv.countA} != count(b)=${inv.countB}`);
  if (inv.aNotInB !== 0) p.push(`${inv.aNotInB} tx in a missing from b`);
  if (inv.bNotInA !== 0) p.push(`${inv.bNotInA} tx in b missing from a`);
  if (inv.sumBal !== 100000) p.push(`sum(bal)=${inv.sumBal} != 100000`);
  if (inv.accounts !== 100) p.push(`${inv.accounts} accounts != 100`);
  return p;
}

/** Copies `file` alone into a new empty folder under `scratchRoot` and returns the copy's path. */
export function isolatedCopy(file: string, scratchRoot: string, name = basename(file)): string {
  mkdirSync(scratchRoot, { recursive: true });
  let i = 0;
  let dir: string;
  do dir = join(scratchRoot, `iso-${process.pid}-${Date.now()}-${i++}`);
  while (existsSync(dir));
  mkdirSync(dir);
  const dest = join(dir, name);
  copyFileSync(file, dest);
  return dest;
}

/** Bytes 18 and 19 of the SQLite header: 1/1 = rollback journal, 2/2 = WAL. */
export function headerVersions(file: string): [number, number] {
  const fd = openSync(file, 'r');
  try {
    const b = Buffer.alloc(100);
    readSync(fd, b, 0, 100, 0);
    return [b[18], b[19]];
  } finally {
    closeSync(fd);
  }
}

export function resolveIn(dir: string, file: string): string {
  return isAbsolute(file) ? file : join(dir, file);
}

/** Every file under dir, recursively. */
export function walk(dir: string, out: string[] = []): string[] {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else out.push(p);
  }
  return out;
}

/** Files or folders named `*.lock` under dir (node-sqlite3-wasm locks with a `<db>.lock` folder). */
export function lockLeftovers(dir: string, out: string[] = []): string[] {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (name.endsWith('.lock')) out.push(p);
    else if (statSync(p).isDirectory()) lockLeftovers(p, out);
  }
  return out;
}

export function removeDbFiles(db: string): void {
  for (const s of ['', '-wal', '-shm', '-journal']) rmSync(db + s, { force: true });
}

/** Table row counts from the CLI's JSON, whatever its shape: {name: n}, [{name, rows|count}], [[name, n]]. */
export function normalizeTables(tables: unknown): Record<string, number> {
  const out: Record<string, number> = {};
  if (Array.isArray(tables)) {
    for (const t of tables) {
      if (Array.isArray(t)) out[String(t[0])] = Number(t[1]);
      else if (t && typeof t === 'object') {
        const o = t as Record<string, unknown>;
        const name = o.name ?? o.table;
        const n = o.rows ?? o.count ?? o.rowCount;
        out[String(name)] = Number(n);
      }
    }
  } else if (tables && typeof tables === 'object') {
    for (const [k, v] of Object.entries(tables as Record<string, unknown>)) {
      out[k] = typeof v === 'object' && v !== null ? Number((v as Record<string, unknown>).rows ?? (v as Record<string, unknown>).count) : Number(v);
    }
  }
  return out;
}

export function histogram(values: Array<number | string | undefined>): Record<string, number> {
  const h: Record<string, number> = {};
  for (const v of values) h[String(v)] = (h[String(v)] ?? 0) + 1;
  return h;
}

/** The folders the live-writer and kill tests share: `db/` and `backups/` made, `scratch/` named. */
export function liveLayout(prefix: string): { root: string; dbDir: string; out: string; scratch: string; db: string } {
  const root = tmpDir(prefix);
  const dbDir = join(root, 'db');
  const out = join(root, 'backups');
  mkdirSync(dbDir);
  mkdirSync(out);
  return { root, dbDir, out, scratch: join(root, 'scratch'), db: join(dbDir, 'live.db') };
}
