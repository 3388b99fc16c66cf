// Reading a live database's content safely: take a consistent snapshot into a private temp
// folder and inspect that, never the live file (which another process may be writing).
import { promises as fsp } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { removeQuietly } from './fsutil';
import { manifestPath } from './manifest';
import { takeSnapshot } from './snapshot';
import { inspectDatabase, InspectResult } from './sqlite';

export async function inspectLive(dbPath: string, opts: { signal?: AbortSignal } = {}): Promise<InspectResult> {
  const dir = await fsp.mkdtemp(join(tmpdir(), 'lifeboat-live-'));
  try {
    const copy = join(dir, basename(resolve(dbPath)));
    await takeSnapshot(resolve(dbPath), copy, { signal: opts.signal });
    return await inspectDatabase(copy, { signal: opts.signal });
  } finally {
    await removeQuietly(dir);
  }
}

/** Deletes a backup and its manifest. */
export async function deleteBackup(file: string): Promise<void> {
  await fsp.rm(file, { force: true });
  await fsp.rm(manifestPath(file), { force: true });
}
