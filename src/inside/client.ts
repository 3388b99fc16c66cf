// The editor's handle on a look-inside or compare session in the engine child (engineHost.ts):
// every SQLite call runs there; this side only holds the session's number. The engine is held
// up while a session is open, and a session lost with a restarted engine is opened again once.
import type { DiffOptions, DiffResult, RowChange, RowsPage, RowsQuery, TableInfo, TableSummary, Target } from '../core';
import type { EngineHost } from '../core/engineHost';

const gone = (e: unknown) => (e as Error)?.name === 'SessionGoneError';

abstract class Session {
  protected id = 0;
  private release: (() => void) | null;
  private closed = false;

  protected constructor(protected readonly engine: EngineHost, id: number) {
    this.id = id;
    this.release = engine.hold();
  }

  protected abstract reopen(): Promise<number>;

  /** Runs `fn` with the session's id; once more with a new session if the engine lost it. */
  protected async with<T>(fn: (id: number) => Promise<T>): Promise<T> {
    try {
      return await fn(this.id);
    } catch (e) {
      if (!gone(e) || this.closed) throw e;
      this.id = await this.reopen();
      return fn(this.id);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.engine.call('sessionClose', { session: this.id });
    } catch {
      // the engine is gone, and the session with it
    } finally {
      this.release?.();
      this.release = null;
    }
  }
}

/** A backup (or a snapshot of a live database) open read-only in the engine. */
export class InsideClient extends Session {
  private constructor(engine: EngineHost, id: number, readonly label: string, private readonly target: Target) {
    super(engine, id);
  }

  static async open(engine: EngineHost, target: Target, signal?: AbortSignal): Promise<InsideClient> {
    const r = await engine.call('insideOpen', { target }, { signal });
    return new InsideClient(engine, r.session, r.label, target);
  }

  protected async reopen(): Promise<number> {
    return (await this.engine.call('insideOpen', { target: this.target })).session;
  }

  tables(counts = true): Promise<TableSummary[]> {
    return this.with((session) => this.engine.call('insideTables', { session, counts }));
  }

  schema(table: string): Promise<TableInfo> {
    return this.with((session) => this.engine.call('insideSchema', { session, table }));
  }

  rows(table: string, query: RowsQuery): Promise<RowsPage> {
    return this.with((session) => this.engine.call('insideRows', { session, table, query }));
  }
}

/** A backup and the live database (through a snapshot) side by side in the engine. */
export class CompareClient extends Session {
  private constructor(engine: EngineHost, id: number, readonly from: string, readonly to: string, private readonly target: { from: { backupFile: string }; to: Target }) {
    super(engine, id);
  }

  static async open(engine: EngineHost, from: { backupFile: string }, to: Target, signal?: AbortSignal): Promise<CompareClient> {
    const r = await engine.call('compareOpen', { from, to }, { signal });
    return new CompareClient(engine, r.session, r.from, r.to, { from, to });
  }

  protected async reopen(): Promise<number> {
    return (await this.engine.call('compareOpen', this.target)).session;
  }

  diff(opts: Omit<DiffOptions, 'signal' | 'onProgress'>, signal?: AbortSignal, onProgress?: DiffOptions['onProgress']): Promise<DiffResult> {
    return this.with((session) => this.engine.call('compareDiff', { session, ...opts }, { signal, onProgress }));
  }

  rows(table: string, after: string | null, limit: number, signal?: AbortSignal): Promise<{ rows: RowChange[]; next: string | null }> {
    return this.with((session) => this.engine.call('compareRows', { session, table, after, limit }, { signal }));
  }
}
