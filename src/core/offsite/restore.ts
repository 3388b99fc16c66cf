// Restoring from off-site: find the copy, download it into a private temp folder (checked on the
// way: stored and plaintext SHA-256, age's authentication), then hand it to the normal verified
// restore (`restoreDatabase`: integrity_check against the manifest, safety copy, atomic replace,
// verify afterwards). When a destination cannot deliver a good copy, the next one is tried; once
// restoreDatabase has started on the live database, its outcome is final.
import { promises as fsp } from 'node:fs';
import { join, resolve } from 'node:path';
import { IntegrityError, LifeboatError, NotSqliteError } from '../errors';
import { removeQuietly } from '../fsutil';
import { defaultBackupDir } from '../paths';
import { ensurePrivateDir } from '../perms';
import { restoreDatabase, RestoreOptions, RestoreResult } from '../restore';
import { committedCopies, RemoteCopy } from './catalog';
import { describeDestination, Destination } from './config';
import { identityFor, OffsiteContext, OffsiteProgressFn, withStore } from './context';
import { OffsiteError, OffsiteNotFoundError } from './errors';
import { fetchCopy } from './fetch';
import { remoteDbKey } from './layout';

export interface OffsiteRestoreOptions extends Omit<RestoreOptions, 'backupFile' | 'onProgress'> {
  /** tried in this order until one delivers a good copy */
  destinations: Destination[];
  /** the remote database folder `<db>-<id>`; default the one of `dbPath` (same path as when backed up) */
  dbKey?: string;
  /** a backup name; default the newest committed copy */
  copy?: string;
  onProgress?: OffsiteProgressFn;
}

export interface OffsiteRestoreResult extends RestoreResult {
  destination: string;
  copy: string;
  /** destinations that failed before this one, with the reason */
  failures: { destination: string; reason: string }[];
}

/** The copy to restore from one destination: the named one, or the newest committed. */
async function pick(store: Parameters<typeof committedCopies>[0], dbKey: string, name: string | undefined, signal?: AbortSignal): Promise<RemoteCopy> {
  const copies = await committedCopies(store, dbKey, signal);
  const copy = name ? copies.find((c) => c.name === name) : copies[0];
  if (!copy) throw new OffsiteNotFoundError(store.label, name ? `no committed copy named ${name} for ${dbKey}` : `no committed copy of ${dbKey}`);
  return copy;
}

/** Whether a failure means "this destination's copy is no good" (try the next) rather than "stop". */
function worthNextDestination(e: unknown, downloaded: string | null): boolean {
  if (e instanceof OffsiteError) return e.kind !== 'config';
  // restoreDatabase refused the downloaded file in its validation, before touching anything
  return !!downloaded && (e instanceof NotSqliteError || e instanceof IntegrityError) && resolve(e.file ?? '') === downloaded;
}

/**
 * Restores `dbPath` from the first destination that has a good copy. Throws the last failure
 * (naming every destination tried) when none could; a refusal or a failure of the restore itself
 * (not confirmed, the live database's safety copy, …) is thrown at once.
 */
export async function restoreFromOffsite(ctx: OffsiteContext, opts: OffsiteRestoreOptions): Promise<OffsiteRestoreResult> {
  const dbPath = resolve(opts.dbPath);
  const dbKey = opts.dbKey ?? remoteDbKey({ source: { path: dbPath } as never });
  const outputDir = resolve(opts.outputDir ?? defaultBackupDir(dbPath));
  const failures: { destination: string; reason: string }[] = [];
  const lines: string[] = [];
  let last: unknown = null;
  for (const d of opts.destinations) {
    let downloaded: string | null = null;
    let scratch: string | null = null;
    try {
      return await withStore(ctx, d, async (store) => {
        const copy = await pick(store, dbKey, opts.copy, opts.signal);
        const identity = copy.encrypted ? await identityFor(ctx, store, opts.signal) : null;
        await ensurePrivateDir(outputDir);
        scratch = await fsp.mkdtemp(join(outputDir, '.offsite-download-'));
        await ensurePrivateDir(scratch);
        const f = await fetchCopy(store, copy, identity, scratch, { signal: opts.signal, onProgress: opts.onProgress });
        downloaded = resolve(f.file);
        opts.onProgress?.({ phase: 'restore', destination: d.name, message: `Restoring ${dbPath} from ${copy.name} (${store.label})` });
        const { destinations: _d, dbKey: _k, copy: _c, onProgress: _p, ...rest } = opts;
        const r = await restoreDatabase({ ...rest, dbPath, outputDir, backupFile: f.file });
        return { ...r, destination: d.name, copy: copy.name, failures };
      });
    } catch (e) {
      if (!worthNextDestination(e, downloaded)) throw e;
      last = e;
      failures.push({ destination: d.name, reason: (e as Error).message });
      lines.push(`${describeDestination(d)}: ${(e as Error).message}`);
    } finally {
      if (scratch) await removeQuietly(scratch);
    }
  }
  if (last instanceof LifeboatError && failures.length === 1) throw last;
  throw new LifeboatError(`not restored: no destination could deliver a good copy: ${lines.join('; ')}`, dbPath, 'OFFSITE_RESTORE_FAILED');
}
