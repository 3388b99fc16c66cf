// Retention off-site: the same pure `planRetention` as local backups, over one listing of the
// destination (never the newest committed copy, never a pinned one, only keys of our layout),
// executed manifest first so that a copy stops counting as committed before its data goes.
// Pins are 0-byte markers beside the copy.
import { normalizePolicy, planRetention, RetentionPlan, RetentionPolicy } from '../retention';
import { listRemote, RemoteCopy } from './catalog';
import { Destination } from './config';
import { OffsiteContext, OffsiteProgressFn, withStore } from './context';
import { OffsiteNotFoundError } from './errors';

/** A data object without its manifest this old is left over from an upload that never finished. */
export const ORPHAN_MS = 7 * 24 * 60 * 60 * 1000;

export interface RemotePruneResult {
  destination: string;
  dbKey: string;
  dryRun: boolean;
  plan: RetentionPlan;
  /** copies deleted (or that would be, with dryRun) */
  deleted: string[];
  /** incomplete uploads older than ORPHAN_MS removed */
  orphans: string[];
  kept: string[];
}

export interface RemotePruneOptions {
  /** one database (`<db>-<id>`); default every database in the destination */
  dbKey?: string;
  /** default: the destination's `retention`, else keep the newest 7 */
  policy?: RetentionPolicy;
  dryRun?: boolean;
  now?: Date;
  signal?: AbortSignal;
  onProgress?: OffsiteProgressFn;
}

export async function pruneRemote(ctx: OffsiteContext, d: Destination, opts: RemotePruneOptions = {}): Promise<RemotePruneResult[]> {
  const policy = normalizePolicy(opts.policy ?? d.retention ?? {});
  const now = opts.now ?? ctx.now();
  return withStore(ctx, d, async (store) => {
    const catalog = await listRemote(store, opts.dbKey, opts.signal);
    const results: RemotePruneResult[] = [];
    for (const [dbKey, copies] of catalog) {
      const byName = new Map(copies.map((c) => [c.name, c]));
      const plan = planRetention(copies.filter((c) => c.dataKey).map((c) => ({
        file: c.name,
        createdAt: c.createdAt,
        // a copy is verified when it was committed: only verified backups are uploaded, and the
        // upload checked what was stored against what was sent
        verified: c.committed,
        pinned: c.pinned,
        hasManifest: c.committed,
        nameMatches: true,
      })), policy, now);
      const doomed = plan.delete.map((x) => byName.get(x.file)!).filter((c) => c.committed && !c.pinned);
      const orphans = copies.filter((c) => !c.committed && c.dataKey && !c.pinned && now.getTime() - c.createdAt.getTime() > ORPHAN_MS);
      if (!opts.dryRun) {
        for (const c of doomed) {
          opts.onProgress?.({ phase: 'prune', destination: d.name, message: `Deleting ${c.name} from ${store.label}` });
          await deleteCopy(store, c);
        }
        for (const c of orphans) await store.delete(c.dataKey!, opts.signal);
      }
      results.push({
        destination: d.name,
        dbKey,
        dryRun: !!opts.dryRun,
        plan,
        deleted: doomed.map((c) => c.name),
        orphans: orphans.map((c) => c.name),
        kept: plan.keep.map((k) => k.file),
      });
    }
    return results;
  });
}

/** Manifest first: a half-deleted copy never lists as committed. Single DeleteObject calls. */
async function deleteCopy(store: Parameters<Parameters<typeof withStore>[2]>[0], c: RemoteCopy): Promise<void> {
  if (c.manifestKey) await store.delete(c.manifestKey);
  if (c.dataKey) await store.delete(c.dataKey);
}

/** Pins or unpins a copy (a 0-byte `<backup>.pin` marker). */
export async function pinRemote(ctx: OffsiteContext, d: Destination, dbKey: string, name: string, pinned: boolean, signal?: AbortSignal): Promise<RemoteCopy> {
  return withStore(ctx, d, async (store) => {
    const copy = ((await listRemote(store, dbKey, signal)).get(dbKey) ?? []).find((c) => c.name === name && c.dataKey);
    if (!copy) throw new OffsiteNotFoundError(store.label, `no copy named ${name} for ${dbKey}`);
    if (pinned) await store.putBytes(copy.pinKey, new Uint8Array(0), signal);
    else await store.delete(copy.pinKey, signal);
    return { ...copy, pinned };
  });
}
