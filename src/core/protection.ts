// Is a database protected? One rule for every view (tree, status bar, badge, CLI): by its newest
// verified backup (or the last check that found the database unchanged since it) within the
// RPO; a last backup attempt that failed after it is "failed", whatever the age.
import type { BackupEntry } from './list';

export type Protection = 'fresh' | 'stale' | 'none' | 'failed';

/** The state of one database. `failedAt`: when its last backup attempt failed (none: undefined). */
export function protectionOf(backups: Pick<BackupEntry, 'verified' | 'freshAt' | 'createdAt'>[], failedAt: string | undefined, rpoHours: number, now = Date.now()): Protection {
  const newest = backups.find((b) => b.verified);
  if (failedAt && (!newest || new Date(failedAt).getTime() > new Date(newest.freshAt).getTime())) return 'failed';
  if (!newest) return 'none';
  return now - new Date(newest.freshAt).getTime() > rpoHours * 3_600_000 ? 'stale' : 'fresh';
}

export interface ProtectionSummary { total: number; fresh: number; stale: number; none: number; failed: number }

export function summarizeProtection(states: Protection[]): ProtectionSummary {
  const s: ProtectionSummary = { total: states.length, fresh: 0, stale: 0, none: 0, failed: 0 };
  for (const p of states) s[p]++;
  return s;
}

/** How many databases need attention (failing, older than the RPO, or never backed up). */
export const needAttention = (s: ProtectionSummary): number => s.failed + s.stale + s.none;

/**
 * When the schedule must run next: each database is due `intervalMs` after its newest backup (or
 * the check that found it unchanged); one with none is due now. Null when there is nothing.
 */
export function nextRunAt(freshAts: (string | null)[], intervalMs: number, now = Date.now()): number | null {
  if (!freshAts.length) return null;
  let next = Infinity;
  for (const f of freshAts) next = Math.min(next, f ? new Date(f).getTime() + intervalMs : now);
  return Math.max(now, next);
}

/** Whether a database whose newest backup is at `freshAt` is due (a second's slack for timers that fire early). */
export function isDue(freshAt: string | null, intervalMs: number, now = Date.now()): boolean {
  return !freshAt || now - new Date(freshAt).getTime() >= intervalMs - 1000;
}
