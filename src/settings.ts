// The one typed reader of `lifeboat.*` settings.
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { backupDirFor, defaultBackupDir, describeError, RetentionPolicy } from './core';
import { Destination, normalizeDestination } from './core/offsite/config';

export interface Settings {
  backupDirectory: string; // '' = the per-user default
  retain: number;
  keepDaily: number;
  keepWeekly: number;
  keepMonthly: number;
  scheduleEnabled: boolean;
  scheduleIntervalMinutes: number;
  backupOnStartup: boolean;
  rpoHours: number;
  rtoMinutes: number;
  requiredTables: string[];
  include: string;
  exclude: string[];
  databases: string[];
  drillsFolder: string;
  drillIntervalDays: number;
  /** how long a writer may keep the database busy before a backup gives up */
  busyTimeoutSeconds: number;
  /** use SQLite's own locks where the runtime has them */
  useSqliteLocks: boolean;
  /** safety sets kept per database after restores */
  safetyCopies: number;
  /** Look Inside hands files to this SQLite viewer ('' = Lifeboat's view, 'auto', or a viewType) */
  insidePreferViewer: string;
}

export function readSettings(scope?: vscode.ConfigurationScope): Settings {
  const c = vscode.workspace.getConfiguration('lifeboat', scope);
  const num = (k: string, d: number, min = 0) => {
    const v = c.get<number>(k, d);
    return typeof v === 'number' && Number.isFinite(v) && v >= min ? v : d;
  };
  return {
    backupDirectory: c.get<string>('backupDirectory', '') ?? '',
    retain: Math.floor(num('retain', 7)),
    keepDaily: Math.floor(num('keepDaily', 0)),
    keepWeekly: Math.floor(num('keepWeekly', 0)),
    keepMonthly: Math.floor(num('keepMonthly', 0)),
    scheduleEnabled: c.get<boolean>('schedule.enabled', false) ?? false,
    scheduleIntervalMinutes: num('schedule.intervalMinutes', 1440, 1),
    backupOnStartup: c.get<boolean>('backupOnStartup', false) ?? false,
    rpoHours: num('rpoHours', 24, 0),
    rtoMinutes: num('rtoMinutes', 30, 0),
    requiredTables: (c.get<string[]>('requiredTables', []) ?? []).filter((t) => typeof t === 'string' && t.trim()),
    include: c.get<string>('include', '**/*.{db,sqlite,sqlite3,db3}') || '**/*.{db,sqlite,sqlite3,db3}',
    exclude: c.get<string[]>('exclude', ['**/node_modules/**', '**/.git/**']) ?? [],
    databases: c.get<string[]>('databases', []) ?? [],
    drillsFolder: c.get<string>('drillsFolder', '.lifeboat/drills') || '.lifeboat/drills',
    drillIntervalDays: num('drillIntervalDays', 90, 1),
    busyTimeoutSeconds: num('busyTimeoutSeconds', 30, 1),
    useSqliteLocks: c.get<boolean>('useSqliteLocks', true) !== false,
    safetyCopies: Math.floor(num('safetyCopies', 3, 1)),
    insidePreferViewer: (c.get<string>('inside.preferViewer', '') ?? '').trim(),
  };
}

export function retentionPolicy(s: Settings): RetentionPolicy {
  return { keepLast: s.retain, keepDaily: s.keepDaily, keepWeekly: s.keepWeekly, keepMonthly: s.keepMonthly };
}

/** Expands `~` and `${workspaceFolder}` (the first folder, or the one named `${workspaceFolder:name}`). */
export function expandPath(p: string, folder?: vscode.WorkspaceFolder): string {
  let out = p.trim();
  out = out.replace(/\$\{workspaceFolder(?::([^}]+))?\}/g, (_m, name: string | undefined) => {
    const folders = vscode.workspace.workspaceFolders ?? [];
    const f = name ? folders.find((x) => x.name === name) : folder ?? folders[0];
    return f ? f.uri.fsPath : '';
  });
  out = out.replace(/\$\{userHome\}/g, os.homedir());
  if (out === '~' || out.startsWith('~/') || out.startsWith('~\\')) out = path.join(os.homedir(), out.slice(1));
  if (!path.isAbsolute(out) && folder) out = path.join(folder.uri.fsPath, out);
  return path.normalize(out);
}

/** The backup folder of one database under the configured root. */
export function backupDirOf(dbPath: string, s: Settings): string {
  if (!s.backupDirectory.trim()) return defaultBackupDir(dbPath);
  const folder = vscode.workspace.getWorkspaceFolder(vscode.Uri.file(dbPath));
  return backupDirFor(dbPath, expandPath(s.backupDirectory, folder));
}

/** The configured root itself (for the .gitignore check and the exclude glob). */
export function backupRootOf(s: Settings, folder?: vscode.WorkspaceFolder): string | null {
  return s.backupDirectory.trim() ? expandPath(s.backupDirectory, folder) : null;
}

export interface OffsiteSettings {
  /** the valid destinations of `lifeboat.offsite.destinations`, in their order */
  destinations: Destination[];
  /** one line per destination that is not valid (it is left out) */
  problems: string[];
  /** a database whose newest off-site copy is older than this is shown with a warning */
  rpoHours: number;
}

/** `lifeboat.offsite.*`; a folder's `path` may use `~`, `${userHome}` and `${workspaceFolder}`. */
export function readOffsiteSettings(): OffsiteSettings {
  const c = vscode.workspace.getConfiguration('lifeboat.offsite');
  const raw = c.get<unknown[]>('destinations', []);
  const destinations: Destination[] = [];
  const problems: string[] = [];
  for (const r of Array.isArray(raw) ? raw : []) {
    try {
      const x = r as Record<string, unknown>;
      const d = normalizeDestination(x && typeof x === 'object' && x.type === 'folder' && typeof x.path === 'string' ? { ...x, path: expandPath(x.path) } : r);
      if (destinations.some((o) => o.name === d.name)) problems.push(`two destinations are named "${d.name}"; the second is left out`);
      else destinations.push(d);
    } catch (e) {
      problems.push(describeError(e));
    }
  }
  const rpo = c.get<number>('rpoHours', 48);
  return { destinations, problems, rpoHours: typeof rpo === 'number' && Number.isFinite(rpo) && rpo >= 0 ? rpo : 48 };
}
