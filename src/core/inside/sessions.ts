// Open look-inside and compare sessions of one process, by number, for a caller on the other side
// of a channel (the editor talks to the engine child this way: open, then pages, then close).
// Calls on one session run one after another: a page asked for while a diff of the same session
// runs waits for it instead of interleaving statements on its connection.
import { LifeboatError } from '../errors';
import { CompareSession, InsideSession, openCompare, openInside, Target } from './api';

type Session = { kind: 'inside'; s: InsideSession } | { kind: 'compare'; s: CompareSession };

export class SessionGoneError extends LifeboatError {
  constructor() {
    super('this view is no longer open in the Lifeboat engine (it restarted, or the view was closed): open it again');
  }
}

export class Sessions {
  private next = 1;
  private readonly open = new Map<number, { session: Session; queue: Promise<unknown> }>();

  get size(): number {
    return this.open.size;
  }

  private add(session: Session): number {
    const id = this.next++;
    this.open.set(id, { session, queue: Promise.resolve() });
    return id;
  }

  async openInside(target: Target, signal?: AbortSignal): Promise<{ session: number; label: string }> {
    const s = await openInside(target, { signal });
    return { session: this.add({ kind: 'inside', s }), label: s.label };
  }

  async openCompare(from: { backupFile: string }, to: Target, signal?: AbortSignal): Promise<{ session: number; from: string; to: string }> {
    const s = await openCompare(from, to, { signal });
    return { session: this.add({ kind: 'compare', s }), from: s.from, to: s.to };
  }

  /** Runs `fn` on session `id` of `kind`, after whatever that session is already doing. */
  run<T>(id: number, kind: 'inside', fn: (s: InsideSession) => Promise<T>): Promise<T>;
  run<T>(id: number, kind: 'compare', fn: (s: CompareSession) => Promise<T>): Promise<T>;
  run<T>(id: number, kind: Session['kind'], fn: (s: never) => Promise<T>): Promise<T> {
    const entry = this.open.get(id);
    if (!entry || entry.session.kind !== kind) return Promise.reject(new SessionGoneError());
    const p = entry.queue.then(() => {
      if (!this.open.has(id)) throw new SessionGoneError();
      return fn(entry.session.s as never);
    });
    entry.queue = p.catch(() => undefined);
    return p;
  }

  /** Closes a session (after its running call); an unknown id is already closed. */
  async close(id: number): Promise<void> {
    const entry = this.open.get(id);
    if (!entry) return;
    await entry.queue;
    if (!this.open.delete(id)) return;
    await entry.session.s.close();
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.open.keys()].map((id) => this.close(id)));
  }
}
