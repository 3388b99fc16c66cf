// The extension's single way into the engine: runs core operations under progress with
// cancellation, logs them, remembers failures, and caches backup listings for the views.
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  BackupEntry, BackupResult, CancelledError, deleteBackup, describeError, InspectResult, LifeboatError, listBackups, listSafetyCopies, Manifest, pruneBackups, PruneResult,
  SafetyCopy,
  RestorePreflight, RestoreResult, setPinned, verifyBackup, VerifyResult,
} from '../core';
import type { RehearsalOptions, RehearsalResult } from '../core/drills/rehearsal';
import type { EngineHost } from '../core/engineHost';
import { M, oneLine } from '../messages';
import { backupDirOf, readSettings, retentionPolicy } from '../settings';

export type ProgressPlace = 'notification' | 'window';

export interface FailureInfo { at: string; message: string }

const FAIL_KEY = 'lifeboat.lastFailures';

export class BackupService implements vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<string | undefined>();
  /** fires with a database path whose backups changed (undefined: all) */
  readonly onDidChange = this.emitter.event;
  private readonly cache = new Map<string, Promise<BackupEntry[]>>();
  private readonly safetyCache = new Map<string, Promise<SafetyCopy[]>>();
  private readonly running = new Set<string>();
  private readonly watchers = new Map<string, vscode.Disposable>();
  private readonly backedUp = new vscode.EventEmitter<{ dbPath: string; result: BackupResult; place: ProgressPlace }>();
  /** fires after each successful backup (manual, scheduled, at start-up): the off-site copies start here */
  readonly onDidBackUp = this.backedUp.event;

  constructor(private readonly state: vscode.Memento, readonly log: vscode.LogOutputChannel, readonly engine: EngineHost) {}

  backupDir(dbPath: string): string {
    return backupDirOf(dbPath, readSettings(vscode.Uri.file(dbPath)));
  }

  list(dbPath: string): Promise<BackupEntry[]> {
    let p = this.cache.get(dbPath);
    if (!p) {
      this.watch(dbPath);
      p = listBackups(dbPath, this.backupDir(dbPath)).catch((e) => {
        this.log.warn(`Listing backups of ${dbPath} failed: ${describeError(e)}`);
        return [];
      });
      this.cache.set(dbPath, p);
    }
    return p;
  }

  /** The safety copies earlier restores kept (newest first), for Undo. */
  safetyCopies(dbPath: string): Promise<SafetyCopy[]> {
    let p = this.safetyCache.get(dbPath);
    if (!p) {
      p = listSafetyCopies(dbPath, this.backupDir(dbPath)).catch((e) => {
        this.log.warn(`Listing the safety copies of ${dbPath} failed: ${describeError(e)}`);
        return [];
      });
      this.safetyCache.set(dbPath, p);
    }
    return p;
  }

  /** Backups written by someone else (the CLI from cron, another window) show up too. */
  private watch(dbPath: string): void {
    const dir = this.backupDir(dbPath);
    if (this.watchers.has(dir)) return;
    const w = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(dir), '*.json'));
    let t: NodeJS.Timeout | undefined;
    const changed = () => { clearTimeout(t); t = setTimeout(() => { if (!this.running.has(dbPath)) this.invalidate(dbPath); }, 500); };
    w.onDidCreate(changed);
    w.onDidDelete(changed);
    w.onDidChange(changed);
    this.watchers.set(dir, w);
  }

  invalidate(dbPath?: string): void {
    if (dbPath) { this.cache.delete(dbPath); this.safetyCache.delete(dbPath); } else { this.cache.clear(); this.safetyCache.clear(); }
    this.emitter.fire(dbPath);
  }

  lastFailure(dbPath: string): FailureInfo | undefined {
    return this.state.get<Record<string, FailureInfo>>(FAIL_KEY, {})[dbPath];
  }

  isRunning(dbPath: string): boolean {
    return this.running.has(dbPath);
  }

  private async setFailure(dbPath: string, f: FailureInfo | undefined): Promise<void> {
    const all = { ...this.state.get<Record<string, FailureInfo>>(FAIL_KEY, {}) };
    if (f) all[dbPath] = f;
    else delete all[dbPath];
    await this.state.update(FAIL_KEY, all);
  }

  /** Runs `work` under a progress indicator whose cancel button aborts the engine. */
  withProgress<T>(title: string, place: ProgressPlace, work: (signal: AbortSignal, report: (msg: string) => void) => Promise<T>): Thenable<T> {
    return vscode.window.withProgress(
      {
        location: place === 'notification' ? vscode.ProgressLocation.Notification : vscode.ProgressLocation.Window,
        title,
        cancellable: place === 'notification',
      },
      async (progress, token) => {
        const ac = new AbortController();
        const sub = token.onCancellationRequested(() => ac.abort());
        try {
          return await work(ac.signal, (message) => progress.report({ message }));
        } finally {
          sub.dispose();
        }
      },
    );
  }

  async backup(dbPath: string, place: ProgressPlace = 'notification'): Promise<BackupResult> {
    const s = readSettings(vscode.Uri.file(dbPath));
    const name = path.basename(dbPath);
    this.running.add(dbPath);
    this.emitter.fire(dbPath);
    try {
      const r = await this.withProgress(`Backing up ${name}`, place, (signal, report) =>
        this.engine.call('backup', {
          dbPath,
          outputDir: this.backupDir(dbPath),
          policy: retentionPolicy(s),
          busyTimeoutMs: s.busyTimeoutSeconds * 1000,
          locks: s.useSqliteLocks,
        }, { signal, onProgress: (p) => report(p.message) }));
      if (r.unchanged) this.log.info(`Backup of ${dbPath}: unchanged since its backup ${r.file} of ${r.unchanged.since} (checked ${r.unchanged.checkedAt}): no new copy`);
      else this.log.info(`Backup of ${dbPath} → ${r.file} (${r.sizeBytes} bytes, ${r.durationMs} ms, ${r.attempts} attempt(s), sha256 ${r.sha256})`);
      if (r.pruned.length) this.log.info(`Retention deleted ${r.pruned.length} backup(s): ${r.pruned.join(', ')}`);
      for (const w of r.warnings) this.log.warn(`Backup of ${dbPath}: ${w}`);
      for (const u of r.uncheckedIndexes ?? []) this.log.warn(`Backup of ${dbPath}: index ${u.index} (table ${u.table}) ${u.reason}`);
      await this.setFailure(dbPath, undefined);
      this.backedUp.fire({ dbPath, result: r, place });
      return r;
    } catch (e) {
      if (!(e instanceof CancelledError)) {
        this.logFailure(`Backup of ${dbPath}`, e);
        await this.setFailure(dbPath, { at: new Date().toISOString(), message: describeError(e) });
      }
      throw e;
    } finally {
      this.running.delete(dbPath);
      this.invalidate(dbPath);
    }
  }

  async verify(file: string, place: ProgressPlace = 'notification'): Promise<VerifyResult> {
    const r = await this.withProgress(`Verifying ${path.basename(file)}`, place, (signal) => verifyBackup(file, { signal }));
    if (r.ok) this.log.info(`Verified ${file}: integrity ok, sha256 ${r.sha256}`);
    else this.log.warn(`Verification of ${file} failed: ${r.reason}`);
    this.invalidate();
    return r;
  }

  /**
   * Restores in the engine process. While the backup is checked only the status bar says so; the
   * confirmation (the modal) comes next, and only once the user confirmed does a cancellable
   * "Restoring …" notification appear: nothing says "Restoring" before anyone agreed to it.
   */
  async restore(backupFile: string, dbPath: string, confirm: (p: RestorePreflight) => Promise<boolean>, opts: { force?: boolean; allowOtherSource?: boolean; method?: 'swap' | 'online' } = {}): Promise<RestoreResult> {
    const s = readSettings(vscode.Uri.file(dbPath));
    const ac = new AbortController();
    let report: (m: string) => void = () => undefined;
    const ends: (() => void)[] = [];
    const progress = (location: vscode.ProgressLocation, title: string, cancellable: boolean) => new Promise<void>((started) => {
      void vscode.window.withProgress({ location, title, cancellable }, (p, token) => {
        token.onCancellationRequested(() => ac.abort());
        report = (m) => p.report({ message: m });
        started();
        return new Promise<void>((end) => ends.push(end));
      });
    });
    const finish = () => { for (const e of ends.splice(0)) e(); };
    await progress(vscode.ProgressLocation.Window, `Lifeboat: checking ${path.basename(backupFile)}`, false);
    const confirmed = async (p: RestorePreflight): Promise<boolean> => {
      finish();
      const yes = await confirm(p);
      if (yes) await progress(vscode.ProgressLocation.Notification, `Restoring ${path.basename(dbPath)}`, true);
      return yes;
    };
    try {
      const r = await this.engine.call('restore', {
        backupFile,
        dbPath,
        outputDir: this.backupDir(dbPath),
        requireTables: s.requiredTables,
        busyTimeoutMs: s.busyTimeoutSeconds * 1000,
        force: opts.force,
        allowOtherSource: opts.allowOtherSource,
        locks: s.useSqliteLocks,
        method: opts.method,
        keepSafetyCopies: s.safetyCopies,
      }, { signal: ac.signal, confirm: confirmed, onProgress: (p) => report(p.message) });
      this.log.info(`Restored ${dbPath} from ${backupFile} (${r.method === 'online' ? 'online, through SQLite' : 'file swap'}); safety set ${r.safetyDir}; moved aside: ${r.movedCompanions.join(', ') || 'none'}`);
      for (const w of r.warnings) this.log.warn(w);
      return r;
    } catch (e) {
      if (!(e instanceof CancelledError) && (e as Error).name !== 'NotConfirmedError') this.logFailure(`Restore of ${dbPath} from ${backupFile}`, e);
      throw e;
    } finally {
      finish();
      this.invalidate(dbPath);
    }
  }

  /** One line in the log for a failure, and the detail (integrity_check's every message) once, below it. */
  logFailure(what: string, e: unknown): void {
    this.log.error(`${what} failed: ${describeError(e)}`);
    const detail = (e as { detail?: unknown })?.detail;
    if (typeof detail === 'string' && detail) this.log.error(`  ${detail.split('\n').join('\n  ')}`);
    if (!(e instanceof LifeboatError) && e instanceof Error && e.stack) this.log.debug(e.stack);
  }

  async prune(dbPath: string): Promise<PruneResult> {
    const s = readSettings(vscode.Uri.file(dbPath));
    const r = await this.withProgress(`Pruning backups of ${path.basename(dbPath)}`, 'window', (signal, report) =>
      pruneBackups({ dbPath, outputDir: this.backupDir(dbPath), policy: retentionPolicy(s), lock: { signal, onWait: (h) => report(`waiting for another Lifeboat operation: ${h}`) } }));
    for (const d of r.plan.delete) this.log.info(`Pruned ${d.file} (${d.reasons.join(', ')})`);
    this.invalidate(dbPath);
    return r;
  }

  /** Pins or unpins under the folder's lock (a concurrent verification or backup keeps the change). */
  async setPinned(dbPath: string, file: string, pinned: boolean): Promise<Manifest> {
    try {
      return await this.withProgress(`${pinned ? 'Pinning' : 'Unpinning'} ${path.basename(file)}`, 'window', (signal, report) =>
        setPinned(file, pinned, { signal, onWait: (h) => report(`waiting for another Lifeboat operation: ${h}`) }));
    } finally {
      this.invalidate(dbPath);
    }
  }

  async delete(dbPath: string, file: string): Promise<void> {
    try {
      await this.withProgress(`Deleting ${path.basename(file)}`, 'window', (signal, report) =>
        deleteBackup(file, { signal, onWait: (h) => report(`waiting for another Lifeboat operation: ${h}`) }));
      this.log.info(`Deleted ${file}`);
    } finally {
      this.invalidate(dbPath);
    }
  }

  /** Integrity and row counts of a consistent snapshot of the live database (in the engine process). */
  inspectLive(dbPath: string, signal?: AbortSignal): Promise<InspectResult> {
    const s = readSettings(vscode.Uri.file(dbPath));
    return this.engine.call('inspectLive', { dbPath, busyTimeoutMs: s.busyTimeoutSeconds * 1000 }, { signal });
  }

  /** A restore rehearsal into a scratch copy (in the engine process: it reads the live database). */
  rehearse(opts: Omit<RehearsalOptions, 'signal' | 'now'>, signal?: AbortSignal): Promise<RehearsalResult> {
    return this.engine.call('rehearsal', opts, { signal });
  }

  /** Shows one clear line with "Show Log"; the detail is already in the log. */
  async reportError(what: string, e: unknown): Promise<void> {
    if (e instanceof CancelledError) {
      void vscode.window.showInformationMessage(M.cancelled(what));
      return;
    }
    const choice = await vscode.window.showErrorMessage(M.failed(what, oneLine(describeError(e))), M.showLog);
    if (choice === M.showLog) this.log.show();
  }

  dispose(): void {
    for (const w of this.watchers.values()) w.dispose();
    this.emitter.dispose();
    this.backedUp.dispose();
  }
}
