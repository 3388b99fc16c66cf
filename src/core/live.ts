// Reading a live database's content safely: take a consistent snapshot into a private temp
// folder and inspect that, never the live file (which another process may be writing).
import { join } from 'node:path';
import { renameSubject } from './errors';
import { SnapshotHooks, takeSnapshot } from './snapshot';
import { inspectDatabase, InspectResult } from './sqlite';
import { makePrivateDir, sweepTempOnce } from './tempdir';

/** integrity_check and row counts of a consistent snapshot of the live database `dbPath`. */
export async function inspectLive(dbPath: string, opts: { signal?: AbortSignal; busyTimeoutMs?: number; hooks?: SnapshotHooks } = {}): Promise<InspectResult> {
  await sweepTempOnce();
  const dir = await makePrivateDir('live');
  const copy = join(dir.dir, 'db');
  try {
    await takeSnapshot(dbPath, copy, { signal: opts.signal, subject: dbPath, busyTimeoutMs: opts.busyTimeoutMs, hooks: opts.hooks });
    return await inspectDatabase(copy, { signal: opts.signal });
  } catch (e) {
    throw renameSubject(e, copy, dbPath);
  } finally {
    await dir.remove();
  }
}
