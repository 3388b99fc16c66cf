// Scheduled backups. The schedule lives in the backups themselves (their manifests' times, and
// the checks that found a database unchanged), so it survives restarts: a timer is set for the
// moment the first database falls due (its newest backup + the interval), not polled, so that
// "every minute" means every minute. A scheduled or start-up backup that fails says so, once per
// database until one succeeds again, with Show Log and Retry.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { describeError, isDue, nextRunAt } from '../core';
import { M, oneLine } from '../messages';
import { BackupService } from '../services/backupService';
import { DatabaseRegistry } from '../services/registry';
import { readSettings } from '../settings';

/** Re-read the plan at least this often (files written by the CLI from cron change it too). */
const MAX_WAIT_MS = 15 * 60_000;

export class Scheduler implements vscode.Disposable {
  private timer: NodeJS.Timeout | undefined;
  private busy = false;
  /** databases whose current streak of failures the user was told about */
  private readonly notified = new Set<string>();
  private readonly subs: vscode.Disposable[] = [];
  /** when the timer fires next (tests read it) */
  nextAt: number | null = null;

  constructor(private readonly registry: DatabaseRegistry, private readonly service: BackupService, private readonly log: vscode.LogOutputChannel) {
    // a backup made by hand (or a new database) moves the next due time
    this.subs.push(service.onDidChange(() => { if (!this.busy) void this.plan(); }), registry.onDidChange(() => void this.plan()));
  }

  /** (Re)reads the settings; plans the next run or stops. */
  configure(): void {
    const s = readSettings();
    if (s.scheduleEnabled) this.log.info(`Scheduled backups every ${s.scheduleIntervalMinutes} min`);
    void this.plan();
  }

  private async plan(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.nextAt = null;
    const s = readSettings();
    if (!s.scheduleEnabled) return;
    const interval = s.scheduleIntervalMinutes * 60_000;
    const fresh = await Promise.all(this.registry.list().map((d) => this.lastTry(d.path)));
    const at = nextRunAt(fresh, interval);
    if (at === null) return;
    clearTimeout(this.timer); // another plan() may have set one while this one was reading
    this.nextAt = Math.min(at, Date.now() + MAX_WAIT_MS);
    this.timer = setTimeout(() => void this.tick(), Math.max(1000, this.nextAt - Date.now()));
  }

  /**
   * What the interval counts from: the newest verified backup (or the check that found the
   * database unchanged), or a failed attempt after it. A database whose backups fail is tried
   * again an interval later, not at once (it was due "now" again after every failure).
   */
  private async lastTry(dbPath: string): Promise<string | null> {
    const fresh = (await this.service.list(dbPath)).find((b) => b.verified)?.freshAt ?? null;
    const failed = this.service.lastFailure(dbPath)?.at ?? null;
    return failed && (!fresh || failed > fresh) ? failed : fresh;
  }

  /** Backs up each database whose newest backup (or failed attempt) is older than `maxAgeMs` (all when 0). */
  async runDue(maxAgeMs: number, why: 'scheduled' | 'start-up' = 'scheduled'): Promise<number> {
    if (this.busy) return 0;
    this.busy = true;
    let done = 0;
    try {
      for (const d of this.registry.list()) {
        if (maxAgeMs > 0 && !isDue(await this.lastTry(d.path), maxAgeMs)) continue;
        try {
          await this.service.backup(d.path, 'window');
          this.notified.delete(d.path);
          done++;
        } catch (e) {
          this.log.warn(`${why === 'scheduled' ? 'Scheduled' : 'Start-up'} backup of ${d.path} failed: ${describeError(e)}`);
          if ((e as Error).name !== 'CancelledError' && !this.notified.has(d.path)) {
            this.notified.add(d.path);
            void this.tell(d.path, why, e);
          }
        }
      }
    } finally {
      this.busy = false;
    }
    return done;
  }

  /** One notification per failure streak: the first problem, Show Log, Retry. */
  private async tell(dbPath: string, why: 'scheduled' | 'start-up', e: unknown): Promise<void> {
    const c = await vscode.window.showErrorMessage(M.scheduledFailed(why, path.basename(dbPath), oneLine(describeError(e))), M.showLog, M.retry);
    if (c === M.showLog) this.service.log.show();
    if (c === M.retry) {
      try {
        await this.service.backup(dbPath, 'notification');
        this.notified.delete(dbPath);
      } catch (e2) {
        await this.service.reportError(`Backup of ${path.basename(dbPath)}`, e2);
      }
    }
  }

  async tick(): Promise<void> {
    const s = readSettings();
    if (s.scheduleEnabled) await this.runDue(s.scheduleIntervalMinutes * 60_000);
    await this.plan();
  }

  dispose(): void {
    clearTimeout(this.timer);
    for (const d of this.subs) d.dispose();
  }
}
