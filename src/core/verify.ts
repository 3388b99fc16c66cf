// Verify: is this file a healthy SQLite database, and is it the file its manifest describes?
// The checksum is always computed. A valid manifest must match it; an invalid manifest cannot
// vouch for anything, so the file is checked fully and the result says that the checksum could
// not be compared (and is not "ok"). Row counts are counted, or labelled as the manifest's.
import { promises as fsp } from 'node:fs';
import { resolve } from 'node:path';
import { CancelledError, LifeboatError, NotSqliteError, throwIfAborted } from './errors';
import { FolderLockOptions, updateManifestLocked } from './folder';
import { HEADER_SIZE, parseDbHeader } from './format';
import { assertReadableRegularFile, readHead } from './fsutil';
import { loadManifest, ManifestRead, sha256File, UncheckedIndex } from './manifest';
import { inspectDatabase, InspectResult, usesMemoryEngine } from './sqlite';

export interface VerifyOptions {
  signal?: AbortSignal;
  requireTables?: string[];
  /** record the outcome in the manifest (default true) */
  record?: boolean;
  /** how to wait for the folder's lock when recording */
  lock?: FolderLockOptions;
}

export interface VerifyResult {
  file: string;
  ok: boolean;
  reason: string | null;
  integrity: string | null;
  sha256: string | null;
  /** true/false: compared with a valid manifest; null: there was no valid manifest to compare with */
  checksumMatch: boolean | null;
  manifestState: ManifestRead['state'];
  tables: Record<string, number>;
  /** where `tables` comes from: counted now, or recorded in a manifest whose checksum matched */
  tablesSource: 'counted' | 'recorded' | 'none';
  skippedTables: { name: string; reason: string }[];
  uncheckedIndexes: UncheckedIndex[];
  missingTables: string[];
  /** things the user should know that did not fail the check */
  notes: string[];
  engine: string | null;
  info: InspectResult | null;
}

/** Checks a backup file. Never throws for a bad file (the result says why); throws only on cancellation. */
export async function verifyBackup(fileArg: string, opts: VerifyOptions = {}): Promise<VerifyResult> {
  const file = resolve(fileArg);
  const result: VerifyResult = {
    file, ok: false, reason: null, integrity: null, sha256: null, checksumMatch: null, manifestState: 'missing',
    tables: {}, tablesSource: 'none', skippedTables: [], uncheckedIndexes: [], missingTables: [], notes: [], engine: null, info: null,
  };
  let read: ManifestRead = { state: 'missing' };
  try {
    await assertReadableRegularFile(file);
    const head = parseDbHeader(await readHead(file, HEADER_SIZE));
    if (typeof head === 'string') throw new NotSqliteError(file, head);
    read = await loadManifest(file);
    result.manifestState = read.state;
    const manifest = read.state === 'ok' ? read.manifest : null;
    // The check runs in a worker while this thread hashes. Row counts are only computed when the
    // manifest cannot vouch for them: its counts are exact for the bytes its SHA-256 names.
    const local = new AbortController();
    const stop = () => local.abort();
    opts.signal?.addEventListener('abort', stop, { once: true });
    try {
      // In memory the counts cost milliseconds once the file is loaded: the same worker does them.
      const inMemory = usesMemoryEngine((await fsp.stat(file)).size);
      const checking = inspectDatabase(file, { signal: local.signal, requireTables: opts.requireTables, parts: inMemory ? 'all' : 'integrity' });
      checking.catch(() => undefined);
      result.sha256 = await sha256File(file, opts.signal);
      if (manifest) {
        result.checksumMatch = manifest.sha256 === result.sha256;
        if (!result.checksumMatch) {
          result.reason = `SHA-256 does not match the manifest (file ${result.sha256.slice(0, 12)}…, manifest ${manifest.sha256.slice(0, 12)}…): the file changed after the backup`;
        }
      } else if (read.state === 'invalid') {
        result.reason = `${read.reason}; the file was checked fully, but its checksum cannot be compared with a record`;
      } else {
        result.notes.push('no manifest: the checksum was not compared with a record');
      }
      const vouched = manifest && result.checksumMatch && !inMemory ? manifest : null;
      const counting = vouched || inMemory ? null : inspectDatabase(file, { signal: local.signal, parts: 'counts', engine: 'paged', cacheKiB: 16384 });
      counting?.catch(() => undefined);
      throwIfAborted(opts.signal, file);
      const info = await checking;
      result.info = info;
      result.integrity = info.integrity;
      result.engine = info.engine;
      result.missingTables = info.missingTables;
      result.uncheckedIndexes = info.uncheckedIndexes;
      if (info.ok) {
        const counted = vouched ? { tables: vouched.tables, skippedTables: vouched.skippedTables } : (counting ? await counting : info);
        result.tables = counted.tables;
        result.skippedTables = counted.skippedTables;
        result.tablesSource = vouched ? 'recorded' : 'counted';
        info.tables = counted.tables;
        info.skippedTables = counted.skippedTables;
      }
    } finally {
      opts.signal?.removeEventListener('abort', stop);
      local.abort(); // stops a count that is no longer needed
    }
    const info = result.info!;
    if (!info.ok) result.reason = result.reason ? `${result.reason}; integrity_check failed: ${info.integrity}` : `integrity_check failed: ${info.integrity}`;
    else if (info.missingTables.length) result.reason ??= `required table(s) missing: ${info.missingTables.join(', ')}`;
    for (const u of info.uncheckedIndexes) result.notes.push(`index ${u.index} (table ${u.table}) ${u.reason}`);
    result.ok = result.reason === null;
  } catch (e) {
    if (e instanceof CancelledError || (e as Error).name === 'AbortError') throw new CancelledError(file);
    const msg = e instanceof LifeboatError ? e.message : (e as Error).message;
    result.reason = result.reason ? `${result.reason}; ${msg}` : msg;
    result.ok = false;
  }
  if (opts.record !== false && read.state === 'ok') {
    // Under the folder's lock, so that a concurrent pin is not lost; a folder we cannot write is left as it is.
    await updateManifestLocked(file, 'verify', (m) => {
      m.lastVerified = { at: new Date().toISOString(), ok: result.ok, ...(result.reason ? { reason: result.reason } : {}) };
    }, { ...opts.lock, signal: undefined }).catch(() => undefined);
  }
  return result;
}
