// Scheduled backups. The schedule lives in the backups themselves (their manifests' times),
// so it survives restarts: on startup and on each tick, every database whose newest backup
// is older than the interval is backed up.
import * as vscode from 'vscode';
import { describeError } from '../core';
import { BackupService } from '../services/backupService';
import { DatabaseRegistry } from '../services/registry';
import { readSettings } from '../settings';

const TICK_MS = 60_000;

export class Scheduler implements vscode.Disposable {
  private timer: NodeJS.Timeout | undefined;
  private busy = false;

  constructor(private readonly registry: DatabaseRegistry, private readonly service: BackupService, private readonly log: vscode.LogOutputChannel) {}

  /** (Re)reads the settings; starts or stops ticking. */
  configure(): void {
    const s = readSettings();
    clearInterval(this.timer);
    this.timer = undefined;
    if (s.scheduleEnabled) {
      this.timer = setInterval(() => void this.tick(), TICK_MS);
      this.log.info(`Scheduled backups every ${s.scheduleIntervalMinutes} min`);
    }
  }

  /** Backs up each database whose newest backup is older than `maxAgeMs` (all when 0). */
  async runDue(maxAgeMs: number): Promise<number> {
    if (this.busy) return 0;
    this.busy = true;
    let done = 0;
    try {
      for (const d of this.registry.list()) {
        const newest = (await this.service.list(d.path))[0];
        const age = newest ? Date.now() - new Date(newest.createdAt).getTime() : Infinity;
        if (age < maxAgeMs) continue;
        try {
          await this.service.backup(d.path, 'window');
          done++;
        } catch (e) {
          this.log.warn(`Scheduled backup of ${d.path} failed: ${describeError(e)}`);
        }
      }
    } finally {
      this.busy = false;
    }
    return done;
  }

  async tick(): Promise<void> {
    const s = readSettings();
    if (!s.scheduleEnabled) return;
    await this.runDue(s.scheduleIntervalMinutes * 60_000);
  }

  dispose(): void {
    clearInterval(this.timer);
  }
}
