// Uploading a local backup to its destinations. Per destination: decide (already there, policy,
// unchanged), stage once (compress → encrypt into the outbox), clean interrupted uploads of our
// own, send the data, check that what is stored is what was sent and starts with the age header,
// then upload the manifest: the commit marker. A failure at any step leaves nothing that lists
// as committed, and the staged copy stays in the outbox for the next run to resume.
import { createHash } from 'node:crypto';
import { Manifest } from '../manifest';
import { encryptBytes, hasAgeHeader } from './age';
import { committedCopies, fetchRemoteManifest, listRemote } from './catalog';
import { codecAvailable } from './codec';
import { Destination } from './config';
import { localRecipient, OffsiteContext, OffsiteProgressFn, readRemoteInfo } from './context';
import { OffsiteConfigError, OffsiteRefusedError } from './errors';
import { dataName, dbPrefix, dbsPrefix, manifestName, remoteDbKey, RemoteManifest } from './layout';
import { EncryptFn, expectedFor, lockStaged, markDelivered, pendingStaged, Staged, stageBackup } from './stage';
import { RemoteStore } from './store';

/** Multipart uploads under our prefix older than this are orphans of some machine's crash. */
export const STALE_UPLOAD_MS = 24 * 60 * 60 * 1000;

export interface UploadOutcome {
  /** the destination's name */
  destination: string;
  /** `destination "NAME" (where)` */
  label: string;
  backup: string;
  status: 'uploaded' | 'skipped' | 'failed';
  /** why it was skipped, or the error's one line */
  reason: string | null;
  key: string | null;
  storedBytes: number | null;
  /** from an earlier run's outbox */
  resumed: boolean;
  /** interrupted uploads removed before this one */
  cleaned: string[];
  error: Error | null;
}

export interface UploadOptions {
  signal?: AbortSignal;
  onProgress?: OffsiteProgressFn;
  /** upload even when the policy interval has not passed or the content is unchanged */
  force?: boolean;
  /** test seam: how staged copies are encrypted (a broken one must be refused) */
  encrypt?: EncryptFn;
}

/** The local backup to send: what `backupDatabase` returned (its file and manifest). */
export interface BackupToUpload {
  file: string;
  manifest: Manifest;
}

const partSizeOf = (d: Destination): number => (d.type === 's3' ? d.partSizeBytes : 8 * 1024 * 1024);

function outcome(d: Destination, label: string, backup: string, status: UploadOutcome['status'], reason: string | null, extra: Partial<UploadOutcome> = {}): UploadOutcome {
  return { destination: d.name, label, backup, status, reason, key: null, storedBytes: null, resumed: false, cleaned: [], error: null, ...extra };
}

function failed(d: Destination, label: string, backup: string, e: unknown, resumed = false): UploadOutcome {
  const err = e instanceof Error ? e : new Error(String(e));
  return outcome(d, label, backup, 'failed', err.message, { error: err, resumed });
}

/** Refuses a destination that was never set up, or was set up for another identity or without encryption. */
async function ensureReady(store: RemoteStore, d: Destination, recipient: string | null, signal?: AbortSignal): Promise<void> {
  const info = await readRemoteInfo(store, signal);
  if (d.encryption === 'age') {
    if (!recipient) throw new OffsiteRefusedError(store.label, 'there is no age identity on this machine: run "lifeboat offsite init" for this destination first');
    if (!info) throw new OffsiteRefusedError(store.label, 'not set up for encrypted copies yet: run "lifeboat offsite init" for this destination first');
    if (info.encryption !== 'age') throw new OffsiteRefusedError(store.label, 'the destination was set up without encryption; refusing to mix');
    if (info.recipient !== recipient) throw new OffsiteRefusedError(store.label, `the destination's copies are encrypted to ${info.recipient}, this machine's identity is ${recipient}; refusing to upload copies its passphrase could not open`);
  } else if (info?.encryption === 'age') {
    throw new OffsiteRefusedError(store.label, 'the destination holds encrypted copies and this destination is set to "encryption": "none"; refusing to upload plaintext there');
  } else if (!info) {
    throw new OffsiteRefusedError(store.label, 'not set up yet: run "lifeboat offsite init" for this destination first');
  }
}

/**
 * Sends one staged copy to one destination and commits it. Throws on failure; the caller turns it
 * into an outcome. The manifest goes last: until it is there, the copy does not list as committed.
 */
async function push(store: RemoteStore, d: Destination, staged: Staged, opts: UploadOptions): Promise<{ key: string; cleaned: string[] }> {
  const { signal, onProgress } = opts;
  const j = staged.journal;
  const dir = dbPrefix(d.prefix, j.dbKey);
  const dataKey = dir + dataName(j.backupName, j.codec, j.encryption);
  const manifestKey = dir + manifestName(j.backupName, j.encryption);
  onProgress?.({ phase: 'clean', destination: d.name, message: `Looking for interrupted uploads in ${store.label}` });
  const cleaned = await store.cleanInterrupted(dbsPrefix(d.prefix), [dataKey, manifestKey], STALE_UPLOAD_MS, signal);
  const expected = expectedFor(j, partSizeOf(d));
  onProgress?.({ phase: 'upload', destination: d.name, message: `Uploading ${j.backupName} to ${store.label}`, bytes: 0, totalBytes: j.size });
  await store.putFile(dataKey, staged.file, expected, {
    signal,
    onBytes: (n) => onProgress?.({ phase: 'upload', destination: d.name, message: `Uploading ${j.backupName}`, bytes: n, totalBytes: j.size }),
  });
  try {
    await store.verifyStored(dataKey, expected, signal);
    if (j.encryption === 'age' && !hasAgeHeader(await store.getHead(dataKey, 32, signal))) {
      throw new OffsiteRefusedError(store.label, `${dataKey} as stored does not start with the age header; it was removed again`);
    }
  } catch (e) {
    await store.delete(dataKey).catch(() => undefined);
    throw e;
  }
  onProgress?.({ phase: 'commit', destination: d.name, message: `Committing ${j.backupName} on ${store.label}` });
  const remote: RemoteManifest = {
    format: 'sqlite-lifeboat-remote-manifest',
    formatVersion: 1,
    uploadedAt: new Date().toISOString(),
    dbKey: j.dbKey,
    object: { name: dataName(j.backupName, j.codec, j.encryption), codec: j.codec, encryption: j.encryption, storedBytes: j.size, storedSha256: j.sha256 },
    backup: j.manifest,
  };
  const text = JSON.stringify(remote, null, 2) + '\n';
  const body = j.encryption === 'age' ? await encryptBytes(text, j.recipient!) : Buffer.from(text);
  // the manifest names tables and paths: it is held to the same rule as the data
  if (j.encryption === 'age' && !hasAgeHeader(body)) throw new OffsiteRefusedError(store.label, `refusing to upload ${manifestKey}: it is not age-encrypted`);
  await store.putBytes(manifestKey, body, signal);
  const md5 = createHash('md5').update(body).digest('hex');
  await store.verifyStored(manifestKey, { size: body.length, md5, multipartEtag: null, sha256: createHash('sha256').update(body).digest('hex') }, signal);
  return { key: dataKey, cleaned };
}

/** Locks the staged copy, pushes it, and records the delivery. */
async function deliver(store: RemoteStore, d: Destination, staged: Staged, opts: UploadOptions, resumed: boolean): Promise<UploadOutcome> {
  const name = staged.journal.backupName;
  const release = await lockStaged(staged.journalFile);
  if (!release) return outcome(d, store.label, name, 'skipped', 'another Lifeboat process is uploading this copy right now', { resumed });
  try {
    const r = await push(store, d, staged, opts);
    await markDelivered(staged, d.name);
    return outcome(d, store.label, name, 'uploaded', null, { key: r.key, storedBytes: staged.journal.size, cleaned: r.cleaned, resumed });
  } catch (e) {
    return failed(d, store.label, name, e, resumed);
  } finally {
    await release();
  }
}

/**
 * Sends staged copies left by earlier runs (killed mid-upload, or a destination that failed) to
 * those of `destinations` that still need them. Copies for destinations not given stay staged.
 */
export async function resumePending(ctx: OffsiteContext, destinations: Destination[], opts: UploadOptions = {}): Promise<UploadOutcome[]> {
  const out: UploadOutcome[] = [];
  for (const staged of await pendingStaged(ctx.outbox)) {
    for (const d of destinations.filter((x) => staged.journal.pending.includes(x.name))) {
      const store = ctx.openStore(d);
      try {
        await ensureReady(store, d, staged.journal.recipient, opts.signal);
        const there = (await committedCopies(store, staged.journal.dbKey, opts.signal)).some((c) => c.name === staged.journal.backupName);
        if (there) {
          await markDelivered(staged, d.name);
          out.push(outcome(d, store.label, staged.journal.backupName, 'skipped', 'already committed there', { resumed: true }));
          continue;
        }
        out.push(await deliver(store, d, staged, opts, true));
      } catch (e) {
        out.push(failed(d, store.label, staged.journal.backupName, e, true));
      } finally {
        store.close();
      }
    }
  }
  return out;
}

/** Whether `d` should get this backup; returns the reason to skip, or null to upload. */
async function decide(ctx: OffsiteContext, store: RemoteStore, d: Destination, b: BackupToUpload, identity: string | null, opts: UploadOptions): Promise<string | null> {
  const dbKey = remoteDbKey(b.manifest);
  const copies = (await listRemote(store, dbKey, opts.signal)).get(dbKey) ?? [];
  if (copies.some((c) => c.committed && c.name === b.manifest.file)) return 'already committed there';
  if (opts.force) return null;
  const newest = copies.find((c) => c.committed);
  if (!newest) return null;
  const ageMs = ctx.now().getTime() - newest.createdAt.getTime();
  if (d.uploadEveryHours > 0 && ageMs < d.uploadEveryHours * 3_600_000) {
    return `policy: the newest copy there (${newest.name}) is younger than ${d.uploadEveryHours} h`;
  }
  const m = await fetchRemoteManifest(store, newest, identity, opts.signal);
  if (m.backup.sha256 === b.manifest.sha256) return `unchanged: ${newest.name} there has the same content (SHA-256 ${b.manifest.sha256.slice(0, 12)}…)`;
  return null;
}

/**
 * Uploads one local backup to each destination that should get it. Never throws for one
 * destination's failure: each outcome says what happened, so one failing bucket does not stop
 * the others. Throws only when the backup itself cannot be staged (changed since its manifest,
 * no space in the outbox, cancelled).
 */
export async function uploadBackup(ctx: OffsiteContext, b: BackupToUpload, destinations: Destination[], opts: UploadOptions = {}): Promise<UploadOutcome[]> {
  const name = b.manifest.file;
  const dbKey = remoteDbKey(b.manifest);
  const local = destinations.some((d) => d.encryption === 'age') ? await localRecipient(ctx) : null;
  const results = new Map<Destination, UploadOutcome>();
  const needs: { d: Destination; store: RemoteStore }[] = [];
  try {
    for (const d of destinations) {
      const store = ctx.openStore(d);
      try {
        if (!codecAvailable(d.compression)) throw new OffsiteConfigError(store.label, `"compression": "zstd" needs Node >= 22.15 (this is ${process.versions.node})`);
        await ensureReady(store, d, d.encryption === 'age' ? local?.recipient ?? null : null, opts.signal);
        const skip = await decide(ctx, store, d, b, local?.identity ?? null, opts);
        if (skip) {
          results.set(d, outcome(d, store.label, name, 'skipped', skip));
          store.close();
        } else needs.push({ d, store });
      } catch (e) {
        results.set(d, failed(d, store.label, name, e));
        store.close();
      }
    }
    // one staged copy per codec and encryption: destinations that agree get the same bytes
    const groups = new Map<string, typeof needs>();
    for (const n of needs) {
      const k = `${n.d.compression}/${n.d.compressionLevel ?? ''}/${n.d.encryption}`;
      if (!groups.has(k)) groups.set(k, []);
      groups.get(k)!.push(n);
    }
    for (const group of groups.values()) {
      const { d: first } = group[0];
      opts.onProgress?.({ phase: 'stage', message: `Compressing${first.encryption === 'age' ? ' and encrypting' : ''} ${name}` });
      const staged = await stageBackup({
        backupFile: b.file,
        manifest: b.manifest,
        dbKey,
        codec: first.compression,
        level: first.compressionLevel,
        encryption: first.encryption,
        recipient: first.encryption === 'age' ? local!.recipient : null,
        destinations: group.map((g) => g.d.name),
        partSizes: group.map((g) => partSizeOf(g.d)),
        outbox: ctx.outbox,
        signal: opts.signal,
        encrypt: opts.encrypt,
      });
      for (const { d, store } of group) results.set(d, await deliver(store, d, staged, opts, false));
    }
  } finally {
    for (const n of needs) n.store.close();
  }
  return destinations.map((d) => results.get(d)!).filter(Boolean);
}

/**
 * The hook after a local backup: first what earlier runs left staged, then this backup.
 * The CLI calls it after `backupDatabase` returns; the editor will do the same.
 */
export async function uploadAfterBackup(ctx: OffsiteContext, b: BackupToUpload, destinations: Destination[], opts: UploadOptions = {}): Promise<UploadOutcome[]> {
  const resumed = await resumePending(ctx, destinations, opts);
  return [...resumed, ...(await uploadBackup(ctx, b, destinations, opts))];
}
