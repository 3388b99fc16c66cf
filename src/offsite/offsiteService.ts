// The editor's way to its off-site copies: destinations from `lifeboat.offsite.destinations`, S3
// credentials from VS Code's secret storage (else the AWS chain), and every operation run in an
// engine child process of its own (src/core/offsite/engineOps.ts), so that compressing and
// encrypting a large backup never stalls the extension host, a long upload never delays the
// local backups and header reads of the main engine child, and the SDK never loads here.
// It remembers each destination's last listing (fetched on first need, after uploads and on
// Refresh: never while idle) and what its own uploads reported, for the tree and the status bar.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { BackupEntry, BackupResult, CancelledError, describeError, Manifest } from '../core';
import { AskOf, CallOptions, EngineHost, EngineOps, ProgressOf } from '../core/engineHost';
import { describeDestination as labelOf, Destination } from '../core/offsite/config';
import type { OffsiteEngineOp, OffsiteListing, OffsiteRequest, OffsiteSecrets, UploadReport } from '../core/offsite/engineOps';
import { remoteDbKey } from '../core/offsite/layout';
import type { BackupService, ProgressPlace } from '../services/backupService';
import { readOffsiteSettings, readSettings } from '../settings';
import type { BackupBadges } from '../views/databasesTree';
import { MO } from './messages';
import { catalogOf, copyStates, CopyState, describeCopies, DestinationCatalog, editorWording, recordKey, UploadRecord } from './offsiteState';

const SECRET_PREFIX = 'lifeboat.offsite.credentials/';
const RECORDS_KEY = 'lifeboat.offsite.uploads';
const MAX_RECORDS = 500;

export type AskPassphrase = (r: OffsiteRequest) => Promise<string | null>;

/** The remote folder of a database's copies (`<db>-<id>`): its manifest's source, else its path. */
export function dbKeyOf(dbPath: string, manifest?: Pick<Manifest, 'source'> | null): string {
  return remoteDbKey(manifest ?? { source: { path: path.resolve(dbPath) } as Manifest['source'] });
}

export interface UploadRequest {
  place: ProgressPlace;
  /** ignore the policy interval ("Copy to Off-site Now") */
  force?: boolean;
  /** the user asked for it: say how it went, success included */
  explicit?: boolean;
}

export class OffsiteService implements vscode.Disposable, BackupBadges {
  private readonly emitter = new vscode.EventEmitter<void>();
  /** fires when a listing or an upload changed what is known (the tree re-renders) */
  readonly onDidChange = this.emitter.event;
  private readonly progressed = new vscode.EventEmitter<void>();
  /** fires (at most a few times a second) while an upload runs: for the status bar only */
  readonly onDidProgress = this.progressed.event;
  private lastProgress = 0;
  private dests: Destination[] = [];
  /** off-site work runs in a child of its own (see the header) */
  readonly engine: EngineHost;
  private readonly catalogs = new Map<string, DestinationCatalog>();
  /** the settings each listing was made with: a changed destination is listed again */
  private readonly listedWith = new Map<string, string>();
  private readonly listing = new Map<string, Promise<void>>();
  private readonly records: Map<string, UploadRecord>;
  private queue: Promise<unknown> = Promise.resolve();
  private queued = 0;
  private inflight = 0;
  private readonly running = new Set<AbortController>();
  /** what the running upload shows: for the status bar */
  current: { what: string; percent: number | null } | undefined;
  /** destinations whose failure a background upload has shown already (once until it works again) */
  private readonly shown = new Set<string>();
  private reported = '';

  constructor(private readonly context: vscode.ExtensionContext, private readonly log: vscode.LogOutputChannel, private readonly backups: BackupService) {
    this.engine = new EngineHost({ log: (line) => log.warn(`off-site engine: ${line}`) });
    this.records = new Map(Object.entries(context.workspaceState.get<Record<string, UploadRecord>>(RECORDS_KEY, {})));
    this.configure();
  }

  /** the valid destinations of the settings, as of the last change (the tree asks once per row) */
  destinations(): Destination[] {
    return this.dests;
  }

  /** (Re)reads the settings: forgets listings of destinations that changed, reports invalid ones once. */
  configure(): void {
    const s = readOffsiteSettings();
    this.dests = s.destinations;
    const now = new Map(s.destinations.map((d) => [d.name, JSON.stringify(d)]));
    for (const name of [...this.catalogs.keys()]) if (now.get(name) !== this.listedWith.get(name)) this.catalogs.delete(name);
    void vscode.commands.executeCommand('setContext', 'lifeboat.offsite.configured', s.destinations.length > 0);
    const problems = s.problems.join('\n');
    if (problems && problems !== this.reported) {
      for (const p of s.problems) this.log.warn(MO.settingsProblem(p));
      void vscode.window.showWarningMessage(MO.settingsProblem(s.problems[0]), MO.openSettings).then((c) => {
        if (c) void vscode.commands.executeCommand('workbench.action.openSettings', 'lifeboat.offsite.destinations');
      });
    }
    this.reported = problems;
    this.emitter.fire();
  }

  // ----------------------------------------------------------------------------------- secrets

  async credentialsOf(dests: Destination[]): Promise<Record<string, OffsiteSecrets>> {
    const out: Record<string, OffsiteSecrets> = {};
    for (const d of dests.filter((x) => x.type === 's3')) {
      const raw = await this.context.secrets.get(SECRET_PREFIX + d.name);
      if (!raw) continue;
      try {
        const c = JSON.parse(raw) as OffsiteSecrets;
        if (c.accessKeyId && c.secretAccessKey) out[d.name] = c;
      } catch {
        this.log.warn(`The stored credentials of off-site destination "${d.name}" are unreadable; it uses the AWS chain`);
      }
    }
    return out;
  }

  async hasCredentials(name: string): Promise<boolean> {
    return !!(await this.context.secrets.get(SECRET_PREFIX + name));
  }

  async setCredentials(name: string, c: OffsiteSecrets): Promise<void> {
    await this.context.secrets.store(SECRET_PREFIX + name, JSON.stringify(c));
    this.log.info(`Credentials of off-site destination "${name}" stored in the secret storage (access key ${c.accessKeyId.slice(0, 4)}…)`);
    this.forget([name]);
  }

  async clearCredentials(name: string): Promise<void> {
    await this.context.secrets.delete(SECRET_PREFIX + name);
    this.log.info(`Credentials of off-site destination "${name}" removed from the secret storage`);
    this.forget([name]);
  }

  /** Runs an off-site operation in the child with the destinations' stored credentials. */
  private async call<K extends OffsiteEngineOp>(op: K, args: Omit<EngineOps[K]['args'], 'credentials'>, opts: CallOptions<AskOf<K>, ProgressOf<K>> = {}): Promise<EngineOps[K]['result']> {
    const credentials = await this.credentialsOf((args as { destinations: Destination[] }).destinations);
    return this.engine.call(op, { ...args, credentials } as EngineOps[K]['args'], opts);
  }

  // ---------------------------------------------------------------------------------- listings

  private store(l: OffsiteListing, d: Destination): void {
    this.catalogs.set(d.name, catalogOf(l.destination, l.label || l.destination, new Date(l.listedAt), l.error && editorWording(l.error), l.copies));
    this.listedWith.set(d.name, JSON.stringify(d));
    if (l.error) this.log.warn(`Listing off-site ${l.error}`);
    else this.log.info(`Listed ${l.label}: ${l.copies.filter((c) => c.committed).length} committed copies`);
  }

  /** Lists `dests` now (one listing each) and remembers the result. */
  async list(dests: Destination[], dbKey?: string): Promise<OffsiteListing[]> {
    let out: OffsiteListing[];
    this.inflight++;
    try {
      out = await this.call('offsiteList', { destinations: dests, dbKey });
    } catch (e) {
      out = dests.map((d) => ({ destination: d.name, label: d.name, listedAt: new Date(), copies: [], error: describeError(e), errorKind: null }));
    } finally {
      this.inflight--;
    }
    // a listing of one database folder is not the destination's whole catalog
    if (!dbKey) for (const l of out) this.store(l, dests.find((d) => d.name === l.destination)!);
    this.emitter.fire();
    return out;
  }

  /** Starts a listing of every destination not listed yet; the tree and the status bar ask for it. */
  ensureListed(): void {
    for (const d of this.destinations()) {
      if (this.catalogs.has(d.name) || this.listing.has(d.name)) continue;
      const p = this.list([d]).then(() => undefined).finally(() => this.listing.delete(d.name));
      this.listing.set(d.name, p);
    }
  }

  /** Forgets listings (they are fetched again when next needed). */
  forget(names?: string[]): void {
    for (const n of names ?? [...this.catalogs.keys()]) this.catalogs.delete(n);
    this.emitter.fire();
  }

  /** Refresh: every destination is listed again. */
  refresh(): Promise<void> {
    this.forget();
    this.ensureListed();
    return Promise.all(this.listing.values()).then(() => undefined);
  }

  catalogsNow(): Map<string, DestinationCatalog> {
    return this.catalogs;
  }

  recordsNow(): Map<string, UploadRecord> {
    return this.records;
  }

  /** The state of one backup at every destination (what the tree shows). */
  statesOf(dbPath: string, entry: Pick<BackupEntry, 'file' | 'manifest'>): CopyState[] {
    const dests = this.destinations();
    this.ensureListed();
    const name = entry.manifest?.file ?? path.basename(entry.file);
    return copyStates(dests.map((d) => ({ name: d.name, label: labelOf(d) })), this.catalogs, this.records, dbKeyOf(dbPath, entry.manifest), name);
  }

  /** BackupBadges: a backup row's off-site part, when there are destinations and the backup has a manifest. */
  forBackup(dbPath: string, entry: BackupEntry): { text: string; tooltip: string; flag: string } | undefined {
    if (!entry.manifest || !this.destinations().length) return undefined;
    const c = describeCopies(this.statesOf(dbPath, entry));
    return { text: c.text, tooltip: `\n\n**Off-site:**\n\n${c.tooltip.map((l) => `- ${l.replace(/([\\`*_[\]])/g, '\\$1')}`).join('\n')}\n`, flag: c.copied ? '+offsite' : '' };
  }

  // ----------------------------------------------------------------------------------- uploads

  private async record(dest: string, backup: string, r: UploadRecord | undefined): Promise<void> {
    const k = recordKey(dest, backup);
    this.records.delete(k);
    if (r) this.records.set(k, r);
    while (this.records.size > MAX_RECORDS) this.records.delete(this.records.keys().next().value!);
    await this.context.workspaceState.update(RECORDS_KEY, Object.fromEntries(this.records));
  }

  /** The hook after every local backup (manual, scheduled, at start-up): its copies, per each destination's policy. */
  afterBackup(dbPath: string, r: BackupResult, place: ProgressPlace): void {
    const dests = this.destinations();
    if (!dests.length) return;
    void this.upload(dbPath, { file: r.file, manifest: r.manifest }, dests, { place });
  }

  /** Aborts the running and queued uploads. */
  cancelUploads(): boolean {
    for (const ac of this.running) ac.abort();
    return this.running.size > 0;
  }

  /** uploads queued or running, or a listing under way */
  get busy(): boolean {
    return this.queued > 0 || this.inflight > 0;
  }

  /**
   * Uploads one backup (after the copies earlier runs left staged) to `dests`, one upload at a
   * time. Never throws: each report says what happened; failures are logged and shown as one line
   * each (in the background, once per destination until it works again).
   */
  upload(dbPath: string, backup: { file: string; manifest: Manifest }, dests: Destination[], req: UploadRequest): Promise<UploadReport[]> {
    const ac = new AbortController();
    this.running.add(ac);
    this.queued++;
    const run = this.queue.then(() => this.runUpload(dbPath, backup, dests, req, ac));
    this.queue = run.catch(() => undefined).finally(() => {
      this.running.delete(ac);
      this.queued--;
      // the queue is empty: one listing per destination shows what the uploads did
      if (!this.queued) void this.list(this.destinations());
    });
    return run;
  }

  private async runUpload(dbPath: string, backup: { file: string; manifest: Manifest }, dests: Destination[], req: UploadRequest, ac: AbortController): Promise<UploadReport[]> {
    const name = backup.manifest.file;
    const started = new Date().toISOString();
    for (const d of dests) await this.record(d.name, name, { status: 'uploading', reason: null, at: started });
    this.current = { what: MO.uploadProgress(name), percent: null };
    this.emitter.fire();
    this.progressed.fire();
    let reports: UploadReport[];
    try {
      reports = await this.withProgress(MO.uploadProgress(name), req.place, ac, (signal, report) =>
        this.call('offsiteUpload', { destinations: dests, backup, force: req.force }, {
          signal,
          onProgress: (p) => {
            const pct = 'totalBytes' in p && p.totalBytes ? Math.floor(((p.bytes ?? 0) / p.totalBytes) * 100) : null;
            this.current = { what: p.message, percent: pct };
            if (pct !== null && Date.now() - this.lastProgress < 250) return;
            this.lastProgress = Date.now();
            report(pct === null ? p.message : `${p.message} (${pct}%)`);
            this.progressed.fire();
          },
        }));
    } catch (e) {
      // the backup could not be staged (cancelled, no space in the outbox, changed since): every destination failed
      const cancelled = e instanceof CancelledError;
      reports = dests.map((d) => ({
        destination: d.name, label: labelOf(d), backup: name, status: 'failed', reason: (e as Error).message, key: null, storedBytes: null,
        resumed: false, cleaned: [], error: cancelled ? null : `${labelOf(d)}: ${describeError(e)}`, errorKind: null, cancelled,
      }));
    } finally {
      this.current = undefined;
      this.progressed.fire();
    }
    await this.finish(dbPath, name, reports, req);
    return reports;
  }

  private async finish(dbPath: string, name: string, reports: UploadReport[], req: UploadRequest): Promise<void> {
    const at = new Date().toISOString();
    const failures: UploadReport[] = [];
    for (const r of reports) {
      if (r.status === 'uploaded') {
        this.log.info(`Off-site: ${r.backup} → ${r.label} (${r.storedBytes} bytes stored${r.resumed ? ', resumed from the outbox' : ''}${r.cleaned.length ? `, ${r.cleaned.length} interrupted upload(s) cleaned` : ''})`);
        this.shown.delete(r.destination);
        await this.record(r.destination, r.backup, { status: 'uploaded', reason: null, at });
      } else if (r.status === 'skipped') {
        this.log.info(`Off-site: ${r.backup} not sent to ${r.label}: ${r.reason}`);
        await this.record(r.destination, r.backup, { status: 'skipped', reason: r.reason, at });
      } else if (r.cancelled) {
        this.log.info(`Off-site: the copy of ${r.backup} to ${r.label} was cancelled`);
        await this.record(r.destination, r.backup, undefined);
      } else {
        const line = editorWording(r.error ?? r.reason ?? 'failed');
        this.log.error(`Off-site copy of ${r.backup} (${dbPath}) failed: ${line}`);
        await this.record(r.destination, r.backup, { status: 'failed', reason: line, at });
        failures.push({ ...r, error: line });
      }
    }
    this.emitter.fire();
    for (const f of failures) {
      if (!req.explicit && this.shown.has(f.destination)) continue;
      this.shown.add(f.destination);
      // a destination that is not set up gets the command that sets it up
      const setUp = /Set Up Off-site Destination/.test(f.error ?? '');
      void vscode.window.showErrorMessage(MO.uploadFailed(f.backup, f.error ?? 'failed'), setUp ? MO.setUp : MO.openSettings, 'Show Log').then((c) => {
        if (c === 'Show Log') this.log.show();
        if (c === MO.openSettings) void vscode.commands.executeCommand('workbench.action.openSettings', 'lifeboat.offsite');
        if (c === MO.setUp) void vscode.commands.executeCommand('lifeboat.setUpOffsite', f.destination);
      });
    }
    if (reports.some((r) => r.cancelled) && (req.explicit || req.place === 'notification')) void vscode.window.showInformationMessage(MO.uploadCancelled(name));
    if (req.explicit) {
      const mine = reports.filter((r) => r.backup === name);
      const sent = mine.filter((r) => r.status === 'uploaded').map((r) => r.destination);
      const skipped = mine.filter((r) => r.status === 'skipped').map((r) => `${r.destination}: ${r.reason}`);
      if (sent.length) void vscode.window.showInformationMessage(MO.uploaded(name, sent));
      if (skipped.length) void vscode.window.showInformationMessage(MO.skipped(name, skipped));
    }
  }

  private withProgress<T>(title: string, place: ProgressPlace, ac: AbortController, work: (signal: AbortSignal, report: (m: string) => void) => Promise<T>): Thenable<T> {
    return vscode.window.withProgress(
      { location: place === 'notification' ? vscode.ProgressLocation.Notification : vscode.ProgressLocation.Window, title, cancellable: place === 'notification' },
      async (progress, token) => {
        const sub = token.onCancellationRequested(() => ac.abort());
        try {
          if (ac.signal.aborted) throw new CancelledError();
          return await work(ac.signal, (message) => progress.report({ message }));
        } finally {
          sub.dispose();
        }
      },
    );
  }

  // --------------------------------------------------------------------- set up, check, verify

  /** Sets a destination up (its identity, wrapped with the passphrase `ask` gives); logs a failure. */
  async init(d: Destination, ask: AskPassphrase, opts: { createBucket?: boolean } = {}): Promise<EngineOps['offsiteInit']['result']> {
    try {
      const r = await this.backups.withProgress(`Setting up off-site destination "${d.name}"`, 'notification', (signal) =>
        this.call('offsiteInit', { destinations: [d], createBucket: opts.createBucket }, { signal, request: ask }));
      this.log.info(`Off-site ${r.destination} ready: ${r.recipient ? `age ${r.recipient}, identity ${r.identity}` : 'unencrypted'}${r.wroteWrappedIdentity ? ', wrapped identity uploaded' : ''}${r.wroteInfo ? ', LIFEBOAT-REMOTE.json written' : ''}`);
      this.forget([d.name]);
      return r;
    } catch (e) {
      if (!(e instanceof CancelledError)) this.log.error(`Setting up off-site destination "${d.name}" failed: ${describeError(e)}`);
      throw e;
    }
  }

  async checkPassphrase(d: Destination, ask: AskPassphrase): Promise<EngineOps['offsiteCheckPassphrase']['result']> {
    try {
      const r = await this.backups.withProgress(`Checking the passphrase of "${d.name}"`, 'notification', (signal) =>
        this.call('offsiteCheckPassphrase', { destinations: [d] }, { signal, request: ask }));
      this.log.info(`The passphrase opens the identity of ${r.destination} (${r.recipient}; same as this machine's: ${r.matchesLocal})`);
      return r;
    } catch (e) {
      if (!(e instanceof CancelledError)) this.log.error(`Checking the passphrase of "${d.name}" failed: ${describeError(e)}`);
      throw e;
    }
  }

  async verify(d: Destination, dbKey: string, name: string, ask: AskPassphrase): Promise<EngineOps['offsiteVerify']['result']> {
    try {
      const rs = await this.backups.withProgress(`Verifying the off-site copy ${name} on "${d.name}"`, 'notification', (signal, report) =>
        this.call('offsiteVerify', { destinations: [d], dbKey, names: [name] }, { signal, request: ask, onProgress: (p) => report(p.message) }));
      for (const r of rs) {
        if (r.ok) this.log.info(`Verified off-site ${labelOf(d)} ${r.dbKey}/${r.name}: integrity ${r.integrity}, checksum matches: ${r.checksumMatch}`);
        else this.log.warn(`Off-site verification of ${labelOf(d)} ${r.dbKey}/${r.name} failed: ${r.reason}`);
      }
      return rs;
    } catch (e) {
      if (!(e instanceof CancelledError)) this.log.error(`Verifying ${name} on "${d.name}" failed: ${describeError(e)}`);
      throw e;
    }
  }

  /**
   * Restores `dbPath` from the first of `dests` that delivers a good copy: download and the normal
   * verified restore both run in the child; `confirm` is the restore modal.
   */
  async restore(
    dbPath: string, dests: Destination[], o: { dbKey?: string; copy?: string; force?: boolean; method?: 'swap' | 'online' },
    confirm: NonNullable<CallOptions['confirm']>, ask: AskPassphrase, onDestination?: (name: string) => void,
  ): Promise<EngineOps['offsiteRestore']['result']> {
    const s = readSettings(vscode.Uri.file(dbPath));
    try {
      const r = await this.backups.withProgress(`Restoring ${path.basename(dbPath)} from off-site`, 'notification', (signal, report) =>
        this.call('offsiteRestore', {
          destinations: dests, dbPath, outputDir: this.backups.backupDir(dbPath), requireTables: s.requiredTables, busyTimeoutMs: s.busyTimeoutSeconds * 1000,
          locks: s.useSqliteLocks, force: o.force, method: o.method, dbKey: o.dbKey, copy: o.copy,
        }, {
          signal, confirm, request: ask,
          onProgress: (p) => {
            if ('destination' in p && p.destination && p.phase === 'restore') onDestination?.(p.destination);
            const pct = 'totalBytes' in p && p.totalBytes ? ` (${Math.floor(((p.bytes ?? 0) / p.totalBytes) * 100)}%)` : '';
            report(`${p.message}${pct}`);
          },
        }));
      for (const f of r.failures) this.log.warn(`Off-site restore: destination "${f.destination}" failed, the next one was tried: ${f.reason}`);
      this.log.info(`Restored ${dbPath} from the off-site copy ${r.copy} (${r.destination}); safety set ${r.safetyDir}`);
      return r;
    } catch (e) {
      if (!(e instanceof CancelledError)) this.log.error(`Restore of ${dbPath} from off-site failed: ${describeError(e)}`);
      throw e;
    } finally {
      this.backups.invalidate(dbPath);
    }
  }

  dispose(): void {
    this.cancelUploads();
    this.engine.dispose();
    this.emitter.dispose();
    this.progressed.dispose();
  }
}
