// The off-site operations as the editor runs them: in an engine child process (engineMain.ts),
// never in the extension host. Compressing and encrypting a backup (age is pure JS, ~55 MB/s on
// one core) and scrypt (~2 s per passphrase) would stall the host's event loop, and the host then
// never loads the SDK. The host sends plain data: validated destinations, the S3 credentials
// from its secret storage (over the private IPC channel to its own child; never logged), and it
// answers requests for the passphrase. The age identity is the CLI's 0600 file, so that the
// editor and cron jobs on one machine share one identity (a destination set up by one is not
// refused by the other).
import { CancelledError, describeError } from '../errors';
import type { RestoreOptions, RestorePreflight } from '../restore';
import { listRemote, RemoteCopy } from './catalog';
import { Destination } from './config';
import { defaultContext, OffsiteContext, OffsiteProgressFn, withStore } from './context';
import { OffsiteError } from './errors';
import { identityKey } from './layout';
import { OffsiteRestoreResult, restoreFromOffsite } from './restore';
import { InitResult, initDestination, checkPassphrase, PassphraseCheck } from './setup';
import { BackupToUpload, uploadAfterBackup, UploadOutcome } from './upload';
import { RemoteVerifyResult, verifyRemote } from './verify';

export interface OffsiteSecrets { accessKeyId: string; secretAccessKey: string; sessionToken?: string }

export interface OffsiteCallBase {
  /** validated destinations (normalizeDestination), in the order to use them */
  destinations: Destination[];
  /** S3 credentials by destination name; a destination without any uses the AWS chain */
  credentials?: Record<string, OffsiteSecrets>;
}

/** What the child asks its parent for while an operation runs. */
export interface OffsiteRequest {
  what: 'passphrase';
  /** the destination it is for, as messages name it; '' when it may be any of them */
  destination: string;
  /** 'new': the passphrase that will wrap the identity (ask twice); 'open': one that exists */
  purpose: 'new' | 'open';
}

/** An upload's outcome as plain data: the error as its one line and kind. */
export interface UploadReport extends Omit<UploadOutcome, 'error'> {
  /** `destination "NAME" (where): reason` */
  error: string | null;
  errorKind: string | null;
  cancelled: boolean;
}

/** One destination's listing, or why it could not be listed. */
export interface OffsiteListing {
  destination: string;
  label: string;
  listedAt: Date;
  copies: RemoteCopy[];
  error: string | null;
  errorKind: string | null;
}

type RestoreArgs = Omit<RestoreOptions, 'backupFile' | 'onProgress' | 'signal' | 'confirm' | 'hooks' | 'now'> & { dbKey?: string; copy?: string };

export interface OffsiteEngineOps {
  offsiteList: { args: OffsiteCallBase & { dbKey?: string }; result: OffsiteListing[] };
  offsiteUpload: { args: OffsiteCallBase & { backup: BackupToUpload; force?: boolean }; result: UploadReport[] };
  offsiteInit: { args: OffsiteCallBase & { createBucket?: boolean }; result: InitResult };
  offsiteCheckPassphrase: { args: OffsiteCallBase; result: PassphraseCheck };
  offsiteVerify: { args: OffsiteCallBase & { dbKey: string; names: string[] }; result: RemoteVerifyResult[] };
  offsiteRestore: { args: OffsiteCallBase & RestoreArgs; result: OffsiteRestoreResult };
}
export type OffsiteEngineOp = keyof OffsiteEngineOps;

export const isOffsiteOp = (op: string): op is OffsiteEngineOp => op.startsWith('offsite');

export interface OffsiteOpHooks {
  signal: AbortSignal;
  onProgress: OffsiteProgressFn;
  confirm: (p: RestorePreflight) => Promise<boolean>;
  request: (r: OffsiteRequest) => Promise<string | null>;
}

const errorKind = (e: unknown): string | null => (e instanceof OffsiteError ? e.kind : null);

/** The CLI's defaults (identity file, outbox) with the editor's credentials and passphrase. */
function contextFor(base: OffsiteCallBase, hooks: OffsiteOpHooks, purpose: OffsiteRequest['purpose'] = 'open'): OffsiteContext {
  const creds = base.credentials ?? {};
  let answer: Promise<string | null> | undefined;
  const destination = base.destinations.length === 1 ? base.destinations[0].name : '';
  return defaultContext({
    runtime: { credentials: (d) => (creds[d.name] ? { ...creds[d.name] } : undefined) },
    // asked once per operation; dismissing the prompt cancels the operation
    passphrase: async () => {
      answer ??= hooks.request({ what: 'passphrase', destination, purpose });
      const p = await answer;
      if (!p) throw new CancelledError(destination || undefined);
      return p;
    },
  });
}

function plainOutcome(o: UploadOutcome): UploadReport {
  const { error, ...rest } = o;
  return { ...rest, error: error ? describeError(error) : null, errorKind: errorKind(error), cancelled: error instanceof CancelledError };
}

/** Runs one off-site operation for the editor (see the header). */
export async function runOffsiteOp(op: OffsiteEngineOp, raw: unknown, hooks: OffsiteOpHooks): Promise<unknown> {
  const { signal, onProgress } = hooks;
  switch (op) {
    case 'offsiteList': {
      const args = raw as OffsiteEngineOps['offsiteList']['args'];
      const ctx = contextFor(args, hooks);
      const out: OffsiteListing[] = [];
      for (const d of args.destinations) {
        const base = { destination: d.name, label: '', listedAt: new Date(), copies: [] as RemoteCopy[], error: null, errorKind: null };
        try {
          await withStore(ctx, d, async (store) => {
            base.label = store.label;
            base.copies = [...(await listRemote(store, args.dbKey, signal)).values()].flat();
          });
          out.push(base);
        } catch (e) {
          if (e instanceof CancelledError) throw e;
          out.push({ ...base, error: describeError(e), errorKind: errorKind(e) });
        }
      }
      return out;
    }
    case 'offsiteUpload': {
      const args = raw as OffsiteEngineOps['offsiteUpload']['args'];
      const outcomes = await uploadAfterBackup(contextFor(args, hooks), args.backup, args.destinations, { signal, onProgress, force: args.force });
      return outcomes.map(plainOutcome);
    }
    case 'offsiteInit': {
      const args = raw as OffsiteEngineOps['offsiteInit']['args'];
      const [d] = args.destinations;
      // a destination without a wrapped identity gets one: its passphrase is new and asked twice
      const probe = contextFor(args, hooks);
      const wrapped = await withStore(probe, d, (s) => s.getBytes(identityKey(d.prefix), signal)).catch(() => null);
      return initDestination(contextFor(args, hooks, wrapped ? 'open' : 'new'), d, { createBucket: args.createBucket, signal });
    }
    case 'offsiteCheckPassphrase': {
      const args = raw as OffsiteEngineOps['offsiteCheckPassphrase']['args'];
      return checkPassphrase(contextFor(args, hooks), args.destinations[0], signal);
    }
    case 'offsiteVerify': {
      const args = raw as OffsiteEngineOps['offsiteVerify']['args'];
      return verifyRemote(contextFor(args, hooks), args.destinations[0], { dbKey: args.dbKey, names: args.names, signal, onProgress });
    }
    case 'offsiteRestore': {
      const { destinations, credentials, ...rest } = raw as OffsiteEngineOps['offsiteRestore']['args'];
      const ctx = contextFor({ destinations, credentials }, hooks);
      return restoreFromOffsite(ctx, { ...rest, destinations, signal, onProgress, confirm: hooks.confirm });
    }
  }
  throw new Error(`unknown off-site operation ${String(op)}`);
}
