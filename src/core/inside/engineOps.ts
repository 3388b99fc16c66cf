// The look-inside, diff and partial-restore operations of the engine child (see engineHost.ts):
// sessions stay open here between the editor's page requests, and every SQLite call of a view,
// a diff or a partial restore runs in this process, never in the editor's extension host.
import { resolve } from 'node:path';
import type { EngineOp } from '../engineHost';
import { takeSnapshot } from '../snapshot';
import type { Target } from './api';
import { restoreAsCopy, RestoreCopyOptions } from './copy';
import type { DiffOptions } from './diff';
import { partialRestore, PartialPreflight, PartialRestoreOptions } from './partial';
import type { RowsQuery } from './rows';
import { Sessions } from './sessions';

export const INSIDE_OPS: ReadonlySet<EngineOp> = new Set<EngineOp>([
  'insideOpen', 'insideTables', 'insideSchema', 'insideRows', 'compareOpen', 'compareDiff', 'compareRows', 'sessionClose',
  'partialRestore', 'restoreAsCopy', 'snapshot',
]);

interface Channel {
  signal: AbortSignal;
  onProgress: (p: unknown) => void;
  confirm: (preflight: unknown) => Promise<boolean>;
}

/** Runs one of INSIDE_OPS with the arguments the parent sent. */
export async function insideOp(sessions: Sessions, op: EngineOp, a: Record<string, unknown>, ch: Channel): Promise<unknown> {
  const { signal } = ch;
  const session = a.session as number;
  switch (op) {
    case 'insideOpen': return sessions.openInside(a.target as Target, signal);
    case 'insideTables': return sessions.run(session, 'inside', (s) => s.tables({ counts: a.counts as boolean | undefined }));
    case 'insideSchema': return sessions.run(session, 'inside', (s) => s.schema(a.table as string));
    case 'insideRows': return sessions.run(session, 'inside', (s) => s.rows(a.table as string, a.query as RowsQuery | undefined));
    case 'compareOpen': return sessions.openCompare(a.from as { backupFile: string }, a.to as Target, signal);
    case 'compareDiff': {
      const { session: _s, ...opts } = a as unknown as DiffOptions & { session: number };
      return sessions.run(session, 'compare', (s) => s.diff({ ...opts, signal, onProgress: ch.onProgress }));
    }
    case 'compareRows':
      return sessions.run(session, 'compare', (s) => s.rows(a.table as string, {
        after: a.after as string | null | undefined, limit: a.limit as number | undefined, maxBytes: a.maxBytes as number | undefined, signal,
      }));
    case 'sessionClose': return sessions.close(session);
    case 'partialRestore':
      return partialRestore({
        ...(a as unknown as PartialRestoreOptions), signal, onProgress: ch.onProgress,
        confirm: (p: PartialPreflight) => ch.confirm(p),
      });
    case 'restoreAsCopy': return restoreAsCopy({ ...(a as unknown as RestoreCopyOptions), signal, onProgress: ch.onProgress });
    case 'snapshot': {
      await takeSnapshot(resolve(a.dbPath as string), a.file as string, { signal, subject: a.dbPath as string });
      return undefined;
    }
  }
  throw new Error(`not an inside operation: ${String(op)}`);
}
