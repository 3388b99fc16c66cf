// SQLite's own locks, where the runtime has them (node:sqlite), held by the lock helper
// (lockHelperMain.ts) in a process of its own. The engine asks for a lock only for what only a
// lock can do: copy a rollback-journal database that a fast writer never leaves alone, tell
// whether another process has a database open, and restore into a live database online.
import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CancelledError } from './errors';
import type { OnlineStep, SchemaDesc } from './onlinePlan';

/** Whether this runtime can take SQLite's locks, and with what. */
export interface LockSupport {
  available: boolean;
  /** why not (when not available) */
  reason?: string;
  node?: string;
  sqlite?: string;
  /** node:sqlite's backup() (Node ≥ 22.16): needed for an online restore */
  backup?: boolean;
}

interface Reply { ok: boolean; reason?: string; errcode?: number | null; unavailable?: boolean; [k: string]: unknown }

/**
 * node:sqlite needs no flag from Node 22.13 (and 23.4): an older runtime is known not to have it,
 * without starting a process to ask. A newer one is asked (its build may still lack it).
 */
export function runtimeMayHaveSqlite(version = process.versions.node): boolean {
  const [major, minor] = version.split('.').map(Number);
  return major > 23 || (major === 23 && minor >= 4) || (major === 22 && minor >= 13);
}

const tooOld = (): LockSupport => ({ available: false, reason: `node:sqlite needs Node 22.13 or later; this is ${process.version}` });

/** The bundled helper: beside this file in dist/, or dist/ of the repository when running from source (tests). */
export function lockHelperScript(): string | null {
  for (const p of [join(__dirname, 'lock-helper.js'), join(__dirname, '..', '..', 'dist', 'lock-helper.js')]) if (existsSync(p)) return p;
  return null;
}

/** One helper process and its request/reply channel. */
class Helper {
  private buf = '';
  private readonly waiting: { resolve(r: Reply): void; reject(e: Error): void }[] = [];
  private exited = false;
  private stderr = '';

  constructor(private readonly child: ChildProcess) {
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      this.buf += d;
      for (let i = this.buf.indexOf('\n'); i >= 0; i = this.buf.indexOf('\n')) {
        const line = this.buf.slice(0, i);
        this.buf = this.buf.slice(i + 1);
        let r: Reply;
        try { r = JSON.parse(line) as Reply; } catch { continue; }
        this.waiting.shift()?.resolve(r);
      }
    });
    child.stderr!.setEncoding('utf8').on('data', (d: string) => { this.stderr = (this.stderr + d).slice(-2000); });
    child.on('error', (e) => this.gone(e.message));
    child.on('exit', (code, signal) => this.gone(`the lock helper exited (${signal ?? `code ${code}`})${this.stderr ? `: ${this.stderr.trim()}` : ''}`));
  }

  private gone(why: string): void {
    this.exited = true;
    for (const w of this.waiting.splice(0)) w.reject(new Error(why));
  }

  static start(): Helper | null {
    const script = lockHelperScript();
    if (!script) return null;
    // process.execPath is Electron in VS Code: ELECTRON_RUN_AS_NODE makes it plain Node there.
    const child = spawn(process.execPath, ['--no-warnings', script], {
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    return new Helper(child);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  request(cmd: object, timeoutMs = 30_000): Promise<Reply> {
    if (this.exited) return Promise.reject(new Error('the lock helper is not running'));
    return new Promise<Reply>((resolve, reject) => {
      const t = setTimeout(() => { this.kill(); reject(new Error(`the lock helper did not answer within ${timeoutMs} ms`)); }, timeoutMs);
      this.waiting.push({ resolve: (r) => { clearTimeout(t); resolve(r); }, reject: (e) => { clearTimeout(t); reject(e); } });
      this.child.stdin!.write(JSON.stringify(cmd) + '\n');
    });
  }

  /** Ends it at once: SIGKILL (its locks go with it, and a connection is never closed: no checkpoint). */
  kill(): void {
    if (!this.exited) this.child.kill('SIGKILL');
  }

  async close(): Promise<void> {
    if (this.exited) return;
    const done = new Promise<void>((r) => this.child.once('exit', () => r()));
    this.child.stdin!.end();
    await Promise.race([done, new Promise((r) => setTimeout(r, 2000))]);
    this.kill();
  }
}

let support: Promise<LockSupport> | undefined;

/**
 * Whether SQLite's locks can be used here: the helper starts with this runtime and uses
 * node:sqlite once (Electron builds have shipped without a working one). Probed once per process.
 */
export function sqliteLockSupport(): Promise<LockSupport> {
  support ??= (async (): Promise<LockSupport> => {
    if (!runtimeMayHaveSqlite()) return tooOld();
    const h = Helper.start();
    if (!h) return { available: false, reason: 'the lock helper is missing from this installation' };
    try {
      const r = await h.request({ op: 'probe' }, 15_000);
      if (!r.ok) return { available: false, reason: r.reason ?? 'node:sqlite does not work here' };
      return { available: true, node: String(r.node), sqlite: String(r.sqlite), backup: !!r.backup };
    } catch (e) {
      return { available: false, reason: (e as Error).message };
    } finally {
      await h.close();
    }
  })();
  return support;
}

/** Why a lock could not be taken: the database is busy (a writer holds it), has a hot journal, or something else. */
export type LockRefusal = { kind: 'busy' | 'hot-journal' | 'error'; reason: string };

/**
 * A helper process with a read-only connection to one live database, taking and giving up
 * SHARED on it as often as asked (one snapshot may need several tries).
 */
export class LockSession {
  private heldSince: number | null = null;

  private constructor(private readonly helper: Helper) {}

  /**
   * Starts a helper on `realPath`, checking on the way that this runtime has working SQLite
   * locks (one process for both). `session` is null when it has not, and `support` says why.
   */
  static async open(realPath: string, opts: { busyTimeoutMs?: number; maxHoldMs?: number } = {}): Promise<{ session: LockSession | null; support: LockSupport }> {
    if (!runtimeMayHaveSqlite()) return { session: null, support: tooOld() };
    const h = Helper.start();
    if (!h) return { session: null, support: { available: false, reason: 'the lock helper is missing from this installation' } };
    try {
      const p = await h.request({ op: 'probe' }, 15_000);
      if (!p.ok) { h.kill(); return { session: null, support: { available: false, reason: p.reason ?? 'node:sqlite does not work here' } }; }
      const support: LockSupport = { available: true, node: String(p.node), sqlite: String(p.sqlite), backup: !!p.backup };
      const o = await h.request({ op: 'open', path: realPath, busyTimeoutMs: opts.busyTimeoutMs ?? 1000, maxHoldMs: opts.maxHoldMs ?? 30_000 });
      if (!o.ok) { h.kill(); return { session: null, support: { ...support, available: false, reason: o.reason ?? 'cannot open the database' } }; }
      return { session: new LockSession(h), support };
    } catch (e) {
      h.kill();
      return { session: null, support: { available: false, reason: (e as Error).message } };
    }
  }

  /** The helper's process id (tests kill it, or its parent). */
  get pid(): number | undefined {
    return this.helper.pid;
  }

  /** Takes SHARED, waiting up to the busy timeout for a committing writer. */
  async acquire(signal?: AbortSignal): Promise<true | LockRefusal> {
    if (signal?.aborted) throw new CancelledError();
    try {
      const r = await this.helper.request({ op: 'shared' }, 60_000);
      if (r.ok) { this.heldSince = Number(r.at); return true; }
      const code = (r.errcode ?? 0) % 256;
      // 776 = SQLITE_READONLY_ROLLBACK: a hot journal that a read-only connection will not roll back
      if (r.errcode === 776) return { kind: 'hot-journal', reason: r.reason ?? 'hot journal' };
      return { kind: code === 5 || code === 6 ? 'busy' : 'error', reason: r.reason ?? 'refused' };
    } catch (e) {
      return { kind: 'error', reason: (e as Error).message };
    }
  }

  /** Gives SHARED up; returns how long it was held (ms). */
  async release(): Promise<number> {
    const since = this.heldSince ?? Date.now();
    this.heldSince = null;
    try {
      const r = await this.helper.request({ op: 'release' }, 10_000);
      return (Number(r.at) || Date.now()) - since;
    } catch {
      return Date.now() - since; // the helper is gone: so is its lock
    }
  }

  close(): void {
    this.helper.kill();
  }
}

/**
 * An online restore's connection: the helper opens the live database read-write with the
 * validated backup copy attached, takes the write lock when told, runs the plan and checks it
 * inside that one transaction, and commits only if everything matches (else rolls back).
 */
export class OnlineSession {
  private constructor(private readonly helper: Helper) {}

  static async open(realPath: string, source: string, opts: { busyTimeoutMs?: number } = {}): Promise<{ session: OnlineSession; live: SchemaDesc; source: SchemaDesc } | LockRefusal> {
    if (!runtimeMayHaveSqlite()) return { kind: 'error', reason: tooOld().reason! };
    const h = Helper.start();
    if (!h) return { kind: 'error', reason: 'the lock helper is missing' };
    try {
      const p = await h.request({ op: 'probe' }, 15_000);
      if (!p.ok) { h.kill(); return { kind: 'error', reason: p.reason ?? 'node:sqlite does not work here' }; }
      const o = await h.request({ op: 'onlineOpen', path: realPath, source, busyTimeoutMs: opts.busyTimeoutMs }, 60_000);
      if (!o.ok) { h.kill(); return { kind: o.errcode === 776 ? 'hot-journal' : 'error', reason: o.reason ?? 'cannot open' }; }
      return { session: new OnlineSession(h), live: o.live as SchemaDesc, source: o.source as SchemaDesc };
    } catch (e) {
      h.kill();
      return { kind: 'error', reason: (e as Error).message };
    }
  }

  get pid(): number | undefined {
    return this.helper.pid;
  }

  /** Takes the write lock (waiting up to the busy timeout for a writer to finish). */
  async begin(): Promise<void> {
    const r = await this.helper.request({ op: 'onlineBegin' }, 120_000);
    if (!r.ok) throw new Error(`could not take the database's write lock: ${r.reason}`);
  }

  /** Runs the plan, checks integrity and row counts, and commits; throws (rolled back) otherwise. */
  async apply(steps: OnlineStep[], expect: Record<string, number>): Promise<{ integrity: string; counts: Record<string, number> }> {
    const r = await this.helper.request({ op: 'onlineApply', steps, expect }, 24 * 3_600_000);
    if (!r.ok) throw new Error(String(r.reason));
    return { integrity: String(r.integrity), counts: r.counts as Record<string, number> };
  }

  async rollback(): Promise<void> {
    await this.helper.request({ op: 'onlineRollback' }, 60_000).catch(() => { this.helper.kill(); });
  }

  /** A clean close (our connection may checkpoint a WAL, as any connection of SQLite's does). */
  async close(): Promise<void> {
    await this.helper.request({ op: 'close' }, 30_000).catch(() => undefined);
    this.helper.kill();
  }
}

/** What the lock probe says of other connections: true, false, or null when it cannot tell (and why). */
export interface InUseProbe { inUse: boolean | null; reason?: string }

/** Asks SQLite, without waiting, whether another connection has `realPath` open (see lockHelperMain). */
export async function probeInUse(realPath: string): Promise<InUseProbe> {
  if (!runtimeMayHaveSqlite()) return { inUse: null, reason: tooOld().reason };
  const h = Helper.start();
  if (!h) return { inUse: null, reason: 'the lock helper is missing' };
  try {
    const r = await h.request({ op: 'inUse', path: realPath }, 15_000);
    if (!r.ok) return { inUse: null, reason: r.reason };
    return { inUse: r.inUse as boolean | null, reason: r.reason as string | undefined };
  } catch (e) {
    return { inUse: null, reason: (e as Error).message };
  } finally {
    h.kill(); // never a clean close: that could checkpoint a WAL
  }
}
