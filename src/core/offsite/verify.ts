// Verifying off-site copies: each selected copy is downloaded, decrypted and decompressed into a
// private temp folder and checked like a local backup (integrity_check, SHA-256 against its
// manifest). `subset` samples the copies whose data is read, as restic's --read-data-subset does;
// every other copy still gets the cheap check (its manifest decrypts, its size is as recorded).
import { promises as fsp } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CancelledError, UsageError } from '../errors';
import { removeQuietly } from '../fsutil';
import { ensurePrivateDir } from '../perms';
import { verifyBackup } from '../verify';
import { fetchRemoteManifest, listRemote, RemoteCopy } from './catalog';
import { Destination } from './config';
import { identityFor, OffsiteContext, OffsiteProgressFn, withStore } from './context';
import { OffsiteError } from './errors';
import { fetchCopy } from './fetch';

/** `n/t`: the n-th of every t copies; `p%`: a random p percent (at least one); `all`. */
export type Subset = { kind: 'all' } | { kind: 'slice'; n: number; t: number } | { kind: 'percent'; p: number };

export function parseSubset(s: string | undefined): Subset {
  if (!s || s === 'all') return { kind: 'all' };
  let m = /^(\d+)\/(\d+)$/.exec(s);
  if (m) {
    const n = Number(m[1]);
    const t = Number(m[2]);
    if (t >= 1 && n >= 1 && n <= t) return { kind: 'slice', n, t };
  }
  m = /^(\d+(?:\.\d+)?)%$/.exec(s);
  if (m && Number(m[1]) > 0 && Number(m[1]) <= 100) return { kind: 'percent', p: Number(m[1]) };
  throw new UsageError(`--subset must be "n/t" (1 <= n <= t), "p%" (0 < p <= 100) or "all" (got "${s}")`);
}

export function selectSubset<T>(items: T[], subset: Subset, random: () => number = Math.random): Set<T> {
  if (subset.kind === 'all') return new Set(items);
  if (subset.kind === 'slice') return new Set(items.filter((_, i) => i % subset.t === subset.n - 1));
  const want = Math.max(1, Math.round((items.length * subset.p) / 100));
  const shuffled = items.map((x) => ({ x, k: random() })).sort((a, b) => a.k - b.k).map((e) => e.x);
  return new Set(shuffled.slice(0, Math.min(want, items.length)));
}

export interface RemoteVerifyResult {
  destination: string;
  dbKey: string;
  name: string;
  /** 'data': downloaded and checked; 'manifest': only the cheap check (not in the subset) */
  checked: 'data' | 'manifest';
  ok: boolean;
  reason: string | null;
  integrity: string | null;
  checksumMatch: boolean | null;
  tables: Record<string, number>;
}

export interface RemoteVerifyOptions {
  /** one database's copies (`<db>-<id>`); default all */
  dbKey?: string;
  /** only these copies (backup names); default all committed ones */
  names?: string[];
  subset?: Subset;
  /** private scratch folder parent (default the OS temp folder) */
  tmpRoot?: string;
  signal?: AbortSignal;
  onProgress?: OffsiteProgressFn;
}

/** Verifies committed copies in `d`. Never throws for a bad copy (its result says why); throws when the destination cannot be read. */
export async function verifyRemote(ctx: OffsiteContext, d: Destination, opts: RemoteVerifyOptions = {}): Promise<RemoteVerifyResult[]> {
  return withStore(ctx, d, async (store) => {
    const { signal } = opts;
    const catalog = await listRemote(store, opts.dbKey, signal);
    const copies: RemoteCopy[] = [...catalog.values()].flat().filter((c) => c.committed && (!opts.names || opts.names.includes(c.name)));
    const picked = selectSubset(copies, opts.subset ?? { kind: 'all' });
    const identity = copies.some((c) => c.encrypted) ? await identityFor(ctx, store, signal) : null;
    const scratchRoot = opts.tmpRoot ?? tmpdir();
    const out: RemoteVerifyResult[] = [];
    for (const copy of copies) {
      const r: RemoteVerifyResult = {
        destination: d.name, dbKey: copy.dbKey, name: copy.name, checked: picked.has(copy) ? 'data' : 'manifest',
        ok: false, reason: null, integrity: null, checksumMatch: null, tables: {},
      };
      try {
        if (!picked.has(copy)) {
          const m = await fetchRemoteManifest(store, copy, identity, signal);
          if (m.object.storedBytes !== copy.storedBytes) r.reason = `stored size ${copy.storedBytes} differs from the manifest's ${m.object.storedBytes}`;
          r.ok = r.reason === null;
        } else {
          opts.onProgress?.({ phase: 'verify', destination: d.name, message: `Verifying ${copy.name} from ${store.label}` });
          await ensurePrivateDir(scratchRoot);
          const dir = await fsp.mkdtemp(join(scratchRoot, 'lifeboat-offsite-verify-'));
          try {
            await ensurePrivateDir(dir);
            const f = await fetchCopy(store, copy, identity, dir, { signal, onProgress: opts.onProgress });
            const v = await verifyBackup(f.file, { signal, record: false });
            Object.assign(r, { ok: v.ok, reason: v.reason, integrity: v.integrity, checksumMatch: v.checksumMatch, tables: v.tables });
          } finally {
            await removeQuietly(dir);
          }
        }
      } catch (e) {
        if (e instanceof CancelledError) throw e;
        // an unreadable destination is the caller's error; a bad copy is this copy's result
        if (e instanceof OffsiteError && ['auth', 'bucket', 'network', 'passphrase', 'skew'].includes(e.kind)) throw e;
        r.ok = false;
        r.reason = (e as Error).message;
      }
      out.push(r);
    }
    return out;
  });
}
