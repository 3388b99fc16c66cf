// Setting a destination up and proving that it can be recovered from: `init` makes (or adopts) the
// age identity, uploads it wrapped with the passphrase and writes LIFEBOAT-REMOTE.json (last, so a
// destination described there is complete); `checkPassphrase` answers "does the passphrase I wrote
// down open it?" without touching anything.
import { generateIdentity, recipientOf, unwrapIdentity, wrapIdentity } from './age';
import { describeDestination, Destination } from './config';
import { localRecipient, OffsiteContext, readRemoteInfo, withStore } from './context';
import { OffsiteRefusedError, PassphraseError } from './errors';
import { identityKey, infoKey, makeRemoteInfo } from './layout';
import { S3Store } from './s3store';
import { RemoteStore } from './store';

export interface InitResult {
  destination: string;
  recipient: string | null;
  /** what happened to the identity: made here, taken from the destination, or the local one used */
  identity: 'created' | 'adopted' | 'local' | 'none';
  /** whether LIFEBOAT-REMOTE.json / identity.age were written now */
  wroteInfo: boolean;
  wroteWrappedIdentity: boolean;
}

async function needPassphrase(ctx: OffsiteContext, label: string, why: string): Promise<string> {
  const p = await ctx.passphrase();
  if (!p) throw new PassphraseError(label, `${why}: give a passphrase (LIFEBOAT_PASSPHRASE, or run on a terminal)`);
  return p;
}

/**
 * Makes a destination ready for uploads. Idempotent: on a destination already set up with the
 * same identity it changes nothing. Refuses a destination set up with another identity.
 */
export async function initDestination(ctx: OffsiteContext, d: Destination, opts: { createBucket?: boolean; signal?: AbortSignal } = {}): Promise<InitResult> {
  return withStore(ctx, d, async (store) => {
    const { signal } = opts;
    if (opts.createBucket && store instanceof S3Store) await store.createBucket(signal);
    await store.checkAccess(signal);
    const info = await readRemoteInfo(store, signal);
    const result: InitResult = { destination: store.label, recipient: null, identity: 'none', wroteInfo: false, wroteWrappedIdentity: false };
    if (d.encryption === 'none') {
      if (info?.encryption === 'age') throw new OffsiteRefusedError(store.label, 'this destination holds encrypted copies; refusing to set it up for unencrypted ones');
      if (!info) {
        await store.putBytes(infoKey(d.prefix), Buffer.from(JSON.stringify(makeRemoteInfo(null, 'none', ctx.now()), null, 2) + '\n'), signal);
        result.wroteInfo = true;
      }
      return result;
    }
    if (info && info.encryption !== 'age') throw new OffsiteRefusedError(store.label, 'this destination was set up without encryption; use another prefix for encrypted copies');
    let local = await localRecipient(ctx);
    if (info?.recipient) {
      if (local && local.recipient !== info.recipient) {
        throw new OffsiteRefusedError(store.label, `it was set up with another age identity (${info.recipient}) than this machine's (${local.recipient}); remove ${ctx.identityStore.describe} to adopt the destination's, or use another prefix`);
      }
      if (!local) {
        const identity = await adoptIdentity(ctx, store);
        if ((await recipientOf(identity)) !== info.recipient) throw new OffsiteRefusedError(store.label, 'the wrapped identity does not belong to the recipient in LIFEBOAT-REMOTE.json');
        await ctx.identityStore.save(identity);
        local = { identity, recipient: info.recipient };
        result.identity = 'adopted';
      } else result.identity = 'local';
    } else {
      if (!local) {
        const identity = await generateIdentity();
        await ctx.identityStore.save(identity);
        local = { identity, recipient: await recipientOf(identity) };
        result.identity = 'created';
      } else result.identity = 'local';
    }
    result.recipient = local.recipient;
    if (!(await store.getBytes(identityKey(d.prefix), signal))) {
      const passphrase = await needPassphrase(ctx, store.label, 'the identity is uploaded wrapped with a passphrase so that a new machine can restore');
      await store.putBytes(identityKey(d.prefix), await wrapIdentity(local.identity, passphrase), signal);
      result.wroteWrappedIdentity = true;
    }
    if (!info) {
      await store.putBytes(infoKey(d.prefix), Buffer.from(JSON.stringify(makeRemoteInfo(local.recipient, 'age', ctx.now()), null, 2) + '\n'), signal);
      result.wroteInfo = true;
    }
    return result;
  });
}

async function adoptIdentity(ctx: OffsiteContext, store: RemoteStore): Promise<string> {
  const wrapped = await store.getBytes(identityKey(store.destination.prefix));
  if (!wrapped) throw new OffsiteRefusedError(store.label, `${identityKey(store.destination.prefix)} is missing: the identity cannot be recovered from here`);
  return unwrapIdentity(wrapped, await needPassphrase(ctx, store.label, 'to adopt the identity of this destination'), store.label);
}

export interface PassphraseCheck {
  destination: string;
  ok: true;
  recipient: string;
  /** whether the identity on this machine is the same one */
  matchesLocal: boolean | null;
}

/** Opens the destination's wrapped identity with the passphrase; throws PassphraseError when it does not. */
export async function checkPassphrase(ctx: OffsiteContext, d: Destination, signal?: AbortSignal): Promise<PassphraseCheck> {
  return withStore(ctx, d, async (store) => {
    if (d.encryption === 'none') throw new OffsiteRefusedError(describeDestination(d), 'this destination is unencrypted: there is no passphrase to check');
    const wrapped = await store.getBytes(identityKey(d.prefix), signal);
    if (!wrapped) throw new OffsiteRefusedError(store.label, `${identityKey(d.prefix)} is missing: run lifeboat offsite init first`);
    const passphrase = await needPassphrase(ctx, store.label, 'checking the passphrase');
    const identity = await unwrapIdentity(wrapped, passphrase, store.label);
    const recipient = await recipientOf(identity);
    const info = await readRemoteInfo(store, signal);
    if (info?.recipient && info.recipient !== recipient) throw new OffsiteRefusedError(store.label, `the passphrase opens an identity (${recipient}) that is not the one the copies are encrypted to (${info.recipient})`);
    const local = await localRecipient(ctx);
    return { destination: store.label, ok: true, recipient, matchesLocal: local ? local.recipient === recipient : null };
  });
}
