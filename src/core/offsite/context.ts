// What every off-site operation is given: where the identity is kept, how to reach the stores, how
// to ask for the passphrase, progress and cancellation. The CLI builds one from the environment;
// the editor builds one with SecretStorage behind the identity store and credentials.
import { defaultIdentityFile, fileIdentityStore, IdentityStore, recipientOf, unwrapIdentity } from './age';
import { Destination } from './config';
import { OffsiteRefusedError, PassphraseError } from './errors';
import { FolderStore } from './folderstore';
import { identityKey, infoKey, RemoteInfo, REMOTE_FORMAT } from './layout';
import { S3Store } from './s3store';
import { outboxDir } from './stage';
import { RemoteStore, StoreRuntime } from './store';

export type OffsitePhase = 'stage' | 'upload' | 'commit' | 'download' | 'verify' | 'restore' | 'prune' | 'list' | 'clean';
export interface OffsiteProgress {
  phase: OffsitePhase;
  destination?: string;
  message: string;
  bytes?: number;
  totalBytes?: number;
}
export type OffsiteProgressFn = (p: OffsiteProgress) => void;

export interface OffsiteContext {
  identityStore: IdentityStore;
  runtime: StoreRuntime;
  outbox: string;
  /** asked when an operation needs the passphrase (no local identity, init); null: none available */
  passphrase: () => Promise<string | null>;
  openStore: (d: Destination) => RemoteStore;
  now: () => Date;
}

/** The defaults: identity in `<config dir>/age-identity.txt`, outbox beside the backups, the AWS chain. */
export function defaultContext(over: Partial<OffsiteContext> = {}, env: NodeJS.ProcessEnv = process.env): OffsiteContext {
  const runtime = over.runtime ?? {};
  return {
    identityStore: over.identityStore ?? fileIdentityStore(defaultIdentityFile(env)),
    runtime,
    outbox: over.outbox ?? outboxDir(env),
    passphrase: over.passphrase ?? (async () => env.LIFEBOAT_PASSPHRASE ?? null),
    openStore: over.openStore ?? ((d) => openStore(d, runtime)),
    now: over.now ?? (() => new Date()),
  };
}

export function openStore(d: Destination, runtime: StoreRuntime = {}): RemoteStore {
  return d.type === 's3' ? new S3Store(d, runtime) : new FolderStore(d);
}

/** Runs `fn` with a store that is closed afterwards. */
export async function withStore<T>(ctx: OffsiteContext, d: Destination, fn: (s: RemoteStore) => Promise<T>): Promise<T> {
  const store = ctx.openStore(d);
  try {
    return await fn(store);
  } finally {
    store.close();
  }
}

export async function readRemoteInfo(store: RemoteStore, signal?: AbortSignal): Promise<RemoteInfo | null> {
  const raw = await store.getBytes(infoKey(store.destination.prefix), signal);
  if (!raw) return null;
  try {
    const info = JSON.parse(raw.toString('utf8')) as RemoteInfo;
    if (info?.format !== REMOTE_FORMAT) throw new Error('not ours');
    return info;
  } catch {
    throw new OffsiteRefusedError(store.label, `${infoKey(store.destination.prefix)} is not a Lifeboat description; is the prefix right?`);
  }
}

/**
 * The identity to decrypt with: the local one, or, on a machine that has none (a fresh one), the
 * copy wrapped in the destination opened with the passphrase. Null only for unencrypted destinations.
 */
export async function identityFor(ctx: OffsiteContext, store: RemoteStore, signal?: AbortSignal): Promise<string | null> {
  const local = await ctx.identityStore.load();
  if (local) return local;
  const wrapped = await store.getBytes(identityKey(store.destination.prefix), signal);
  if (!wrapped) {
    if (store.destination.encryption === 'none') return null;
    throw new OffsiteRefusedError(store.label, `there is no local age identity (${ctx.identityStore.describe}) and no wrapped identity in the destination`);
  }
  const passphrase = await ctx.passphrase();
  if (!passphrase) {
    throw new PassphraseError(store.label, `there is no local age identity (${ctx.identityStore.describe}): give the passphrase (LIFEBOAT_PASSPHRASE, or run on a terminal)`);
  }
  return unwrapIdentity(wrapped, passphrase, store.label);
}

/** The local identity and its recipient, or null. */
export async function localRecipient(ctx: OffsiteContext): Promise<{ identity: string; recipient: string } | null> {
  const identity = await ctx.identityStore.load();
  return identity ? { identity, recipient: await recipientOf(identity) } : null;
}
