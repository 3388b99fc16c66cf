// Every user-facing sentence of the extension, in one place.
import { fmtBytes, formatAgo, formatLocal } from './core';

export const M = {
  backupDone: (db: string, file: string) => `Backed up ${db} → ${file}`,
  /** Back Up of a database provably unchanged since its newest verified backup: no second copy. */
  backupUnchanged: (db: string, since: string, file: string) => `${db} is unchanged since its backup of ${formatLocal(since)} (${formatAgo(since)}): no new copy (${file})`,
  backupAllDone: (ok: number, failed: number, unchanged = 0) => {
    const same = unchanged ? ` (${unchanged} unchanged since their newest backup: no new copy)` : '';
    return failed ? `Backed up ${ok} database(s)${same}; ${failed} failed (see the log).` : `Backed up ${ok} database(s)${same}.`;
  },
  noDatabases: 'No SQLite databases found in this workspace. Use "Lifeboat: Add Database…" to add one.',
  noBackups: (db: string) => `${db} has no backups yet.`,
  pickDatabase: 'Select a database',
  pickBackup: (db: string) => `Select a backup of ${db} to restore (newest first)`,
  pickBackupToVerify: 'Select a backup to verify',
  restoreTitle: (db: string) => `Restore ${db} from a backup?`,
  restoreButton: 'Restore',
  compareButton: 'Compare',
  cancelButton: 'Cancel',
  restoreOtherButton: "Restore Other Database's Backup",
  inUseTitle: (db: string) => `${db} is in use by another process`,
  inUseDetail: (reasons: string[], online: boolean) => `${reasons.join('\n')}\n\n${online
    ? 'Restore Online restores through SQLite while the application stays connected: it sees the restored data, and its later writes land in it. Or stop the application (its server, worker or test run) and try again.'
    : 'Stop the application that uses it (its server, worker or test run), then try again. Restoring now would lose the writes it makes afterwards.'}`,
  restoreOnline: 'Restore Online',
  tryAgain: 'Try Again',
  restoreAnyway: 'Restore Anyway',
  restoreDone: (db: string, method: 'swap' | 'online' = 'swap') => `Restored ${db}${method === 'online' ? ' online, through SQLite' : ''}. The previous version is kept as a safety copy.`,
  undoRestore: 'Undo Restore',
  revealSafetyCopy: 'Reveal Safety Copy',
  untrusted: 'Restoring and deleting backups is disabled in an untrusted workspace. Trust the workspace to enable them.',
  verifyOk: (file: string) => `${file}: integrity ok, checksum matches.`,
  verifyFailed: (file: string, why: string) => `${file} failed verification: ${why}`,
  verifyAllDone: (ok: number, bad: number) => bad ? `${bad} of ${ok + bad} backup(s) failed verification (see the log).` : `All ${ok} backup(s) verified.`,
  pruneDone: (deleted: number, kept: number) => `Pruned ${deleted} backup(s); ${kept} kept.`,
  deleteConfirm: (file: string) => `Delete the backup ${file}? This cannot be undone.`,
  deleteButton: 'Delete',
  showLog: 'Show Log',
  failed: (what: string, line: string) => `Lifeboat: ${what} failed: ${line}`,
  cancelled: (what: string) => `Lifeboat: ${what} cancelled.`,
  notSqlite: (file: string) => `${file} is not a SQLite database.`,
  gitignoreWarn: (dir: string) => `Your backup folder ${dir} is inside a git repository and not ignored: backups hold user data and could be committed.`,
  gitignoreAdd: 'Add to .gitignore',
  dontAskAgain: "Don't Ask Again",
  added: (db: string) => `Added ${db} to Lifeboat.`,
  addFilter: 'SQLite databases',
  protectionText: { fresh: 'backed up within the RPO', stale: 'newest backup is older than the RPO', none: 'no backup yet', failed: 'the last backup failed' } as Record<'fresh' | 'stale' | 'none' | 'failed', string>,
  badgeTooltip: (failed: number, stale: number, none: number) => [failed && `${failed} failing`, stale && `${stale} older than the RPO`, none && `${none} never backed up`].filter(Boolean).join(', '),
  scheduledFailed: (why: 'scheduled' | 'start-up', db: string, line: string) => `Lifeboat: the ${why} backup of ${db} failed: ${line}`,
  retry: 'Retry',
  removeTitle: (db: string) => `Stop managing ${db}?`,
  removeDetail: 'Lifeboat will no longer list or back it up. The database file and its backups stay where they are; you can add it again at any time.',
  removeButton: 'Stop Managing',
  removed: (db: string) => `Lifeboat no longer manages ${db}.`,
  undo: 'Undo',
  copiedPath: (p: string) => `This editor cannot open the system's file manager: copied the path ${p}`,
  openInNewWindow: 'Open Folder in New Window',
  undoTitle: (db: string, when: string) => `Undo the restore of ${db}? It goes back to the state kept before the restore of ${when}.`,
  rehearsalPassed: (left: number, what = 'Restore rehearsal') => left ? `${what} passed; the drill passes once every step is ticked (${left} left):` : `${what} passed, and every step is ticked: the drill passed:`,
  size: fmtBytes,
};

/** A message as one line for a notification: whitespace folded, at most ~300 characters. */
export function oneLine(s: string, max = 300): string {
  const flat = s.replace(/\s*\n\s*/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** "just now", "5 min ago", "2 h ago", "3 days ago" (the core's rule, for the CLI and here). */
export const ago = formatAgo;

export function shortAge(ms: number): string {
  const m = Math.round(ms / 60000);
  if (m < 60) return `${m}m`;
  const h = Math.round(m / 60);
  if (h < 48) return `${h}h`;
  return `${Math.round(h / 24)}d`;
}
