// Verify: is this file a healthy SQLite database, and is it the file its manifest describes?
import { promises as fsp } from 'node:fs';
import { resolve } from 'node:path';
import { CancelledError, LifeboatError, NotSqliteError, throwIfAborted } from './errors';
import { HEADER_SIZE, parseDbHeader } from './format';
import { assertReadableRegularFile, readHead } from './fsutil';
import { readManifest, sha256File, updateManifest } from './manifest';
import { inspectDatabase, InspectResult, usesMemoryEngine } from './sqlite';

export interface VerifyOptions {
  signal?: AbortSignal;
  requireTables?: string[];
  /** record the outcome in the manifest (default true) */
  record?: boolean;
}

export interface VerifyResult {
  file: string;
  ok: boolean;
  reason: string | null;
  integrity: string | null;
  sha256: string | null;
  checksumMatch: boolean | null;
  tables: Record<string, number>;
  skippedTables: { name: string; reason: string }[];
  missingTables: string[];
  engine: string | null;
  info: InspectResult | null;
}

/** Never throws for a bad file (the result says why); throws only on cancellation. */
export async function verifyBackup(fileArg: string, opts: VerifyOptions = {}): Promise<VerifyResult> {
  const file = resolve(fileArg);
  const result: VerifyResult = {
    file, ok: false, reason: null, integrity: null, sha256: null, checksumMatch: null,
    tables: {}, skippedTables: [], missingTables: [], engine: null, info: null,
  };
  try {
    await assertReadableRegularFile(file);
    const head = parseDbHeader(await readHead(file, HEADER_SIZE));
    if (typeof head === 'string') throw new NotSqliteError(file, head);
    // The check runs in a worker while this thread hashes. Row counts are only computed when the
    // manifest cannot vouch for them (no manifest, or different bytes): its counts are exact for
    // the bytes its SHA-256 names.
    const local = new AbortController();
    const stop = () => local.abort();
    opts.signal?.addEventListener('abort', stop, { once: true });
    try {
      // In memory the counts cost milliseconds once the file is loaded: the same worker does them.
      const inMemory = usesMemoryEngine((await fsp.stat(file)).size);
      const checking = inspectDatabase(file, { signal: local.signal, requireTables: opts.requireTables, parts: inMemory ? 'all' : 'integrity' });
      checking.catch(() => undefined);
      result.sha256 = await sha256File(file, opts.signal);
      const manifest = await readManifest(file);
      if (manifest) {
        result.checksumMatch = manifest.sha256 === result.sha256;
        if (!result.checksumMatch) {
          result.reason = `SHA-256 does not match the manifest (file ${result.sha256.slice(0, 12)}…, manifest ${manifest.sha256.slice(0, 12)}…): the file changed after the backup`;
        }
      }
      const vouched = manifest && result.checksumMatch ? manifest : null;
      const counting = vouched || inMemory ? null : inspectDatabase(file, { signal: local.signal, parts: 'counts', engine: 'paged', cacheKiB: 16384 });
      counting?.catch(() => undefined);
      throwIfAborted(opts.signal, file);
      const info = await checking;
      result.info = info;
      result.integrity = info.integrity;
      result.engine = info.engine;
      result.missingTables = info.missingTables;
      if (info.ok) {
        const counted = vouched ? { tables: vouched.tables, skippedTables: vouched.skippedTables } : (counting ? await counting : info);
        result.tables = counted.tables;
        result.skippedTables = counted.skippedTables;
        info.tables = counted.tables;
        info.skippedTables = counted.skippedTables;
      }
    } finally {
      opts.signal?.removeEventListener('abort', stop);
      local.abort(); // stops a count that is no longer needed
    }
    const info = result.info!;
    if (!info.ok) result.reason ??= `integrity_check failed: ${info.integrity}`;
    else if (info.missingTables.length) result.reason ??= `required table(s) missing: ${info.missingTables.join(', ')}`;
    result.ok = result.reason === null;
  } catch (e) {
    if (e instanceof CancelledError || (e as Error).name === 'AbortError') throw new CancelledError(file);
    const msg = e instanceof LifeboatError ? e.message : (e as Error).message;
    result.reason = result.reason ? `${result.reason}; ${msg}` : msg;
    result.ok = false;
  }
  if (opts.record !== false) {
    await updateManifest(file, (m) => {
      m.lastVerified = { at: new Date().toISOString(), ok: result.ok, ...(result.reason ? { reason: result.reason } : {}) };
    }).catch(() => undefined);
  }
  return result;
}
