// The engine in a child process, for callers that must never open a live database themselves.
//
// On POSIX a process loses every SQLite lock it holds on a file as soon as it closes *any*
// descriptor of that file. The editor's extension host is shared with other extensions that may
// hold SQLite connections to the very database we back up, so it never opens a live database:
// everything that reads one (sniffing headers, snapshots, restores, comparisons, rehearsals) runs
// here, in `process.execPath` started as plain Node (ELECTRON_RUN_AS_NODE=1 in VS Code), talking
// over the IPC channel. One child serves every call; it exits when idle or when its parent dies.
import { ChildProcess, fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { BackupOptions, BackupResult, ProgressFn } from './backup';
import * as errors from './errors';
import type { RehearsalOptions, RehearsalResult } from './drills/rehearsal';
import type { DrillRehearsal, DrillRehearsalOptions } from './drills/run';
import type { DiffOptions, DiffResult, PartialPreflight, PartialRestoreOptions, PartialRestoreResult, RestoreCopyOptions, RestoreCopyResult, RowChange, RowsPage, RowsQuery, TableInfo, TableSummary, Target } from './inside';
import type { RestoreOptions, RestorePreflight, RestoreResult } from './restore';
import type { InspectResult } from './sqlite';
import * as offsiteErrors from './offsite/errors';
import type { OffsiteEngineOps, OffsiteRequest } from './offsite/engineOps';
import type { OffsiteProgress } from './offsite/context';

/** Plain-data arguments of each operation (callbacks travel separately). */
type Plain<T> = Omit<T, 'signal' | 'onProgress' | 'confirm' | 'hooks' | 'now'>;

/** The child's operations; the off-site ones (uploads, listings, restores) are in offsite/engineOps.ts. */
export interface EngineOps extends OffsiteEngineOps {
  sniff: { args: { paths: string[] }; result: boolean[] };
  backup: { args: Plain<BackupOptions>; result: BackupResult };
  restore: { args: Plain<RestoreOptions>; result: RestoreResult };
  inspectLive: { args: { dbPath: string; busyTimeoutMs?: number }; result: InspectResult };
  inUseSigns: { args: { dbPath: string }; result: { realPath: string; reasons: string[] } };
  rehearsal: { args: Plain<RehearsalOptions>; result: RehearsalResult };
  pid: { args: Record<string, never>; result: number };
  // Inside a backup (issue 12): sessions opened here and paged from the editor, then closed.
  drillRehearsal: { args: Plain<DrillRehearsalOptions> & { drillText: string }; result: DrillRehearsal };
  insideOpen: { args: { target: Target }; result: { session: number; label: string } };
  insideTables: { args: { session: number; counts?: boolean }; result: TableSummary[] };
  insideSchema: { args: { session: number; table: string }; result: TableInfo };
  insideRows: { args: { session: number; table: string; query?: RowsQuery }; result: RowsPage };
  compareOpen: { args: { from: { backupFile: string }; to: Target }; result: { session: number; from: string; to: string } };
  compareDiff: { args: { session: number } & Plain<DiffOptions>; result: DiffResult; progress: Parameters<NonNullable<DiffOptions['onProgress']>>[0] };
  compareRows: { args: { session: number; table: string; after?: string | null; limit?: number; maxBytes?: number }; result: { rows: RowChange[]; next: string | null } };
  sessionClose: { args: { session: number }; result: void };
  partialRestore: { args: Plain<PartialRestoreOptions>; result: PartialRestoreResult; ask: PartialPreflight; progress: { phase: string; message: string } };
  restoreAsCopy: { args: Plain<RestoreCopyOptions>; result: RestoreCopyResult; progress: { phase: string; message: string } };
  /** a consistent snapshot of a live database written to `file` (a new file in a private folder) */
  snapshot: { args: { dbPath: string; file: string }; result: void };
}
export type EngineOp = keyof EngineOps;
export type AskOf<K extends EngineOp> = EngineOps[K] extends { ask: infer A } ? A : RestorePreflight;
export type ProgressOf<K extends EngineOp> = EngineOps[K] extends { progress: infer P } ? P : EngineProgress;

export type EngineProgress = Parameters<ProgressFn>[0] | OffsiteProgress;

export interface CallOptions<A = RestorePreflight, P = EngineProgress> {
  signal?: AbortSignal;
  onProgress?: (p: P) => void;
  confirm?: (p: A) => Promise<boolean>;
  /** answers the child's requests (the passphrase of an off-site destination); null: none given */
  request?: (r: OffsiteRequest) => Promise<string | null>;
}

/** Messages from parent to child and back. */
export type ToChild =
  | { t: 'call'; id: number; op: EngineOp; args: unknown }
  | { t: 'abort'; id: number }
  | { t: 'answer'; id: number; value: boolean }
  | { t: 'reply'; id: number; rid: number; value: string | null };
export type ToParent =
  | { t: 'progress'; id: number; p: unknown }
  | { t: 'ask'; id: number; preflight: unknown }
  | { t: 'request'; id: number; rid: number; request: OffsiteRequest }
  | { t: 'result'; id: number; value: unknown }
  | { t: 'error'; id: number; error: SerializedError };

export interface SerializedError { name: string; message: string; props: Record<string, unknown> }

export function serializeError(e: unknown): SerializedError {
  if (!(e instanceof Error)) return { name: 'Error', message: String(e), props: {} };
  const props: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(e)) if (k !== 'message' && k !== 'stack' && (v === null || typeof v !== 'object' || Array.isArray(v))) props[k] = v;
  return { name: e.name, message: e.message, props };
}

/** The same typed error on this side of the channel (LifeboatError subclasses by name). */
export function deserializeError(s: SerializedError): Error {
  const classes = { ...errors, ...offsiteErrors } as unknown as Record<string, new (...a: never[]) => Error>;
  const C = Object.prototype.hasOwnProperty.call(classes, s.name) && typeof classes[s.name] === 'function' ? classes[s.name] : Error;
  const e = Object.create(C.prototype) as Error;
  Object.assign(e, s.props, { message: s.message, name: s.name });
  Object.defineProperty(e, 'stack', { value: `${s.name}: ${s.message}\n    at (Lifeboat engine process)`, writable: true, configurable: true });
  return e;
}

interface Pending { resolve(v: unknown): void; reject(e: Error): void; opts: CallOptions<unknown, unknown>; cleanup(): void }

export interface EngineHostOptions {
  /** the bundled child entry; default: engine.js beside this file */
  script?: string;
  /** where the child's stderr goes (the editor's log) */
  log?: (line: string) => void;
  /** an idle child exits after this long (default 2 min) */
  idleMs?: number;
}

export class EngineHost {
  private child: ChildProcess | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private idleTimer: NodeJS.Timeout | undefined;
  private disposed = false;
  private holds = 0;

  constructor(private readonly opts: EngineHostOptions = {}) {}

  /** The bundled child script, or null when running unbundled (then calls run in this process). */
  static defaultScript(): string | null {
    const p = join(__dirname, 'engine.js');
    return existsSync(p) ? p : null;
  }

  private start(): ChildProcess {
    const script = this.opts.script ?? EngineHost.defaultScript();
    if (!script) throw new errors.LifeboatError('the Lifeboat engine (engine.js) is missing from the installation');
    const child = fork(script, [], {
      execPath: process.execPath,
      // In VS Code, process.execPath is Electron: ELECTRON_RUN_AS_NODE makes it plain Node.
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
      serialization: 'advanced',
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      execArgv: [],
    });
    child.stderr?.setEncoding('utf8').on('data', (d: string) => { for (const l of d.split('\n')) if (l.trim()) this.opts.log?.(l); });
    child.on('message', (m: ToParent) => this.onMessage(m));
    child.on('exit', (code, signal) => {
      if (this.child === child) this.child = undefined;
      const why = new errors.LifeboatError(`the Lifeboat engine process stopped unexpectedly (${signal ?? `exit code ${code}`})`);
      for (const [id, p] of this.pending) { this.pending.delete(id); p.cleanup(); p.reject(why); }
    });
    child.on('error', (e) => this.opts.log?.(`engine process: ${e.message}`));
    return child;
  }

  private onMessage(m: ToParent): void {
    const p = this.pending.get(m.id);
    if (!p) return;
    if (m.t === 'progress') p.opts.onProgress?.(m.p);
    else if (m.t === 'ask') {
      const ask = p.opts.confirm ? p.opts.confirm(m.preflight) : Promise.resolve(false);
      ask.then((value) => this.send({ t: 'answer', id: m.id, value }), () => this.send({ t: 'answer', id: m.id, value: false }));
    } else if (m.t === 'request') {
      const answer = p.opts.request ? p.opts.request(m.request) : Promise.resolve(null);
      answer.then((value) => this.send({ t: 'reply', id: m.id, rid: m.rid, value }), () => this.send({ t: 'reply', id: m.id, rid: m.rid, value: null }));
    } else {
      this.pending.delete(m.id);
      p.cleanup();
      if (m.t === 'result') p.resolve(m.value);
      else p.reject(deserializeError(m.error));
      this.armIdle();
    }
  }

  private send(m: ToChild): void {
    if (this.child?.connected) this.child.send(m);
  }

  private armIdle(): void {
    clearTimeout(this.idleTimer);
    if (this.pending.size || this.holds) return;
    this.idleTimer = setTimeout(() => {
      if (!this.pending.size && this.child) { this.child.disconnect(); this.child = undefined; }
    }, this.opts.idleMs ?? 120_000);
    this.idleTimer.unref();
  }

  /** Runs `op` in the child; progress, confirmation and cancellation cross the channel. */
  call<K extends EngineOp>(op: K, args: EngineOps[K]['args'], opts: CallOptions<AskOf<K>, ProgressOf<K>> = {}): Promise<EngineOps[K]['result']> {
    if (this.disposed) return Promise.reject(new errors.CancelledError());
    if (opts.signal?.aborted) return Promise.reject(new errors.CancelledError());
    clearTimeout(this.idleTimer);
    this.child ??= this.start();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const onAbort = () => this.send({ t: 'abort', id });
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, opts: opts as CallOptions<unknown, unknown>, cleanup: () => opts.signal?.removeEventListener('abort', onAbort) });
      this.send({ t: 'call', id, op, args });
    });
  }

  /**
   * Keeps the child from exiting when idle while something holds sessions open in it (a view
   * of a backup between two pages); call the returned function to let go.
   */
  hold(): () => void {
    this.holds++;
    clearTimeout(this.idleTimer);
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      this.holds--;
      this.armIdle();
    };
  }

  /** The child's process id (tests check that live-file work happens there), starting it if needed. */
  pid(): Promise<number> {
    return this.call('pid', {});
  }

  dispose(): void {
    this.disposed = true;
    clearTimeout(this.idleTimer);
    for (const id of this.pending.keys()) this.send({ t: 'abort', id });
    this.child?.disconnect();
    this.child = undefined;
  }
}
