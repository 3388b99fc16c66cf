// What a destination holds, from one listing: every copy with its size, whether it is committed
// (its manifest is there: manifests are written last) and pinned. Listing costs one paginated
// ListObjectsV2 and nothing runs while idle; details (the encrypted manifest) are fetched only
// when asked for.
import { parseBackupName } from '../naming';
import { decryptBytes } from './age';
import { Codec } from './config';
import { OffsiteIntegrityError } from './errors';
import { dbPrefix, dbsPrefix, parseRemoteKey, RemoteManifest } from './layout';
import { RemoteObject, RemoteStore } from './store';

export interface RemoteCopy {
  dbKey: string;
  /** the backup's file name, as made locally: `<db>-backup-YYYY-MM-DD-HHMMSS[-N].<ext>` */
  name: string;
  createdAt: Date;
  seq: number;
  dataKey: string | null;
  /** bytes stored (compressed and encrypted) */
  storedBytes: number;
  codec: Codec | null;
  encrypted: boolean;
  manifestKey: string | null;
  /** data and manifest are both there: a complete copy */
  committed: boolean;
  pinned: boolean;
  pinKey: string;
  uploadedAt: Date | null;
}

/** Groups listed objects into copies, newest first per database; objects that are not ours are left out. */
export function buildCatalog(prefix: string, objects: RemoteObject[]): Map<string, RemoteCopy[]> {
  const copies = new Map<string, RemoteCopy>();
  const get = (dbKey: string, name: string): RemoteCopy => {
    const id = `${dbKey}/${name}`;
    let c = copies.get(id);
    if (!c) {
      const parsed = parseBackupName(name)!;
      c = {
        dbKey, name, createdAt: parsed.createdAt, seq: parsed.seq, dataKey: null, storedBytes: 0, codec: null, encrypted: false,
        manifestKey: null, committed: false, pinned: false, pinKey: `${dbPrefix(prefix, dbKey)}${name}.pin`, uploadedAt: null,
      };
      copies.set(id, c);
    }
    return c;
  };
  for (const o of objects) {
    const k = parseRemoteKey(prefix, o.key);
    if (!k) continue;
    const c = get(k.dbKey, k.backupName);
    if (k.kind === 'data') {
      // two codecs of one backup (a changed setting): the copy is the one with a manifest; keep the first seen
      if (c.dataKey) continue;
      c.dataKey = o.key;
      c.storedBytes = o.size;
      c.codec = k.codec;
      c.encrypted = k.encrypted;
    } else if (k.kind === 'manifest') {
      c.manifestKey = o.key;
      c.uploadedAt = o.lastModified;
    } else c.pinned = true;
  }
  const byDb = new Map<string, RemoteCopy[]>();
  for (const c of copies.values()) {
    c.committed = c.dataKey !== null && c.manifestKey !== null;
    if (!byDb.has(c.dbKey)) byDb.set(c.dbKey, []);
    byDb.get(c.dbKey)!.push(c);
  }
  for (const list of byDb.values()) {
    list.sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || b.seq - a.seq || (b.name < a.name ? -1 : 1));
  }
  return byDb;
}

/** One listing of a destination: all databases, or one (`dbKey`). */
export async function listRemote(store: RemoteStore, dbKey?: string, signal?: AbortSignal): Promise<Map<string, RemoteCopy[]>> {
  const prefix = store.destination.prefix;
  const objects = await store.list(dbKey ? dbPrefix(prefix, dbKey) : dbsPrefix(prefix), signal);
  return buildCatalog(prefix, objects);
}

/** The committed copies of one database, newest first. */
export async function committedCopies(store: RemoteStore, dbKey: string, signal?: AbortSignal): Promise<RemoteCopy[]> {
  return ((await listRemote(store, dbKey, signal)).get(dbKey) ?? []).filter((c) => c.committed);
}

/** Downloads and decrypts a copy's manifest (the lazy details: checksum, sizes, row counts). */
export async function fetchRemoteManifest(store: RemoteStore, copy: RemoteCopy, identity: string | null, signal?: AbortSignal): Promise<RemoteManifest> {
  if (!copy.manifestKey) throw new OffsiteIntegrityError(store.label, `${copy.name} has no manifest: the upload did not finish`);
  const raw = await store.getBytes(copy.manifestKey, signal);
  if (!raw) throw new OffsiteIntegrityError(store.label, `${copy.manifestKey} disappeared`);
  let text: string;
  try {
    text = copy.manifestKey.endsWith('.age')
      ? Buffer.from(await decryptBytes(raw, requireIdentity(store, identity))).toString('utf8')
      : raw.toString('utf8');
  } catch (e) {
    if (e instanceof OffsiteIntegrityError) throw e;
    throw new OffsiteIntegrityError(store.label, `${copy.manifestKey} does not decrypt: ${describeAgeError(e)}`, { cause: e });
  }
  let m: RemoteManifest;
  try {
    m = JSON.parse(text) as RemoteManifest;
  } catch {
    throw new OffsiteIntegrityError(store.label, `${copy.manifestKey} is not a manifest`);
  }
  if (m?.format !== 'sqlite-lifeboat-remote-manifest' || m.backup?.file !== copy.name) {
    throw new OffsiteIntegrityError(store.label, `${copy.manifestKey} is not the manifest of ${copy.name}`);
  }
  return m;
}

export function requireIdentity(store: RemoteStore, identity: string | null): string {
  if (!identity) throw new OffsiteIntegrityError(store.label, 'the copies are encrypted and no age identity is available (run lifeboat offsite init, or give the passphrase)');
  return identity;
}

/** age's errors, said for a user. */
export function describeAgeError(e: unknown): string {
  const msg = (e as Error)?.message ?? String(e);
  if (/no identity matched/i.test(msg)) return 'it was encrypted for another age identity than this one';
  if (/invalid tag|mac|tag mismatch/i.test(msg)) return 'it is damaged (authentication failed)';
  if (/truncated|unexpected end|premature/i.test(msg)) return 'it is truncated';
  return msg;
}
