// Which databases Lifeboat knows: files in the workspace that match `lifeboat.include` minus
// `lifeboat.exclude` and really are SQLite (16-byte header), plus paths from the
// `lifeboat.databases` setting and those added with "Add Database…".
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { parseBackupName } from '../core';
import type { EngineHost } from '../core/engineHost';
import { backupRootOf, expandPath, readSettings } from '../settings';

const ADDED_KEY = 'lifeboat.addedDatabases';
const NOT_DATABASES = /(-wal|-shm|-journal|\.partial|\.restore-tmp|\.lifeboat-old|\.json|\.original|\.lifeboat-lock|\.tmp|\.lifeboat-original-[0-9a-f]{8})$/i;

export interface DatabaseInfo {
  path: string;
  name: string;
  source: 'workspace' | 'setting' | 'added';
  folder?: vscode.WorkspaceFolder;
  /** the live file's size when last scanned (bytes; -1 when it could not be read) */
  size?: number;
}

export class DatabaseRegistry implements vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<void>();
  readonly onDidChange = this.emitter.event;
  private databases: DatabaseInfo[] = [];
  private watchers: vscode.Disposable[] = [];
  private scanning: Promise<void> | undefined;
  private rescanTimer: NodeJS.Timeout | undefined;
  private shown = ''; // what the last change event showed: each database's path, source and size
  /** whether a scan has run yet (the extension scans only once Lifeboat is used, or a schedule is on) */
  scanned = false;

  constructor(private readonly state: vscode.Memento, private readonly log: vscode.LogOutputChannel, private readonly engine: EngineHost) {}

  /**
   * Whether each file is SQLite (its 16-byte header). Read in the engine process: this process
   * must not open a live database (closing it would drop other extensions' SQLite locks on it).
   */
  async isSqlite(files: string[]): Promise<boolean[]> {
    if (!files.length) return [];
    try {
      return await this.engine.call('sniff', { paths: files });
    } catch (e) {
      this.log.warn(`Reading database headers failed: ${(e as Error).message}`);
      return files.map(() => false);
    }
  }

  async isSqliteFile(file: string): Promise<boolean> {
    return (await this.isSqlite([file]))[0];
  }

  list(): DatabaseInfo[] {
    return this.databases;
  }

  find(file: string): DatabaseInfo | undefined {
    const p = path.resolve(file);
    return this.databases.find((d) => d.path === p);
  }

  /** Rescans now; concurrent callers share one scan. */
  refresh(): Promise<void> {
    this.scanning ??= this.scan().finally(() => { this.scanning = undefined; });
    return this.scanning;
  }

  /** Debounced rescan for watcher events. */
  scheduleRefresh(): void {
    clearTimeout(this.rescanTimer);
    this.rescanTimer = setTimeout(() => void this.refresh(), 300);
  }

  startWatching(): void {
    this.disposeWatchers();
    const s = readSettings();
    for (const folder of vscode.workspace.workspaceFolders ?? []) {
      const w = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(folder, s.include));
      w.onDidCreate(() => this.scheduleRefresh());
      w.onDidDelete(() => this.scheduleRefresh());
      w.onDidChange(() => this.scheduleRefresh());
      this.watchers.push(w);
    }
  }

  async add(file: string): Promise<boolean> {
    const p = path.resolve(file);
    if (!(await this.isSqliteFile(p))) return false;
    const added = new Set(this.state.get<string[]>(ADDED_KEY, []));
    added.add(p);
    await this.state.update(ADDED_KEY, [...added]);
    await this.refresh();
    return true;
  }

  /** Stops managing `file` (the file and its backups stay); returns what undoes it. */
  async remove(file: string): Promise<() => Promise<void>> {
    const p = path.resolve(file);
    const added = this.state.get<string[]>(ADDED_KEY, []);
    const hiddenBefore = this.state.get<string[]>(`${ADDED_KEY}.hidden`, []);
    await this.state.update(ADDED_KEY, added.filter((x) => x !== p));
    await this.state.update(`${ADDED_KEY}.hidden`, [...new Set([...hiddenBefore, p])]);
    await this.refresh();
    return async () => {
      const nowAdded = new Set(this.state.get<string[]>(ADDED_KEY, []));
      if (added.includes(p)) nowAdded.add(p);
      await this.state.update(ADDED_KEY, [...nowAdded]);
      const hidden = this.state.get<string[]>(`${ADDED_KEY}.hidden`, []);
      await this.state.update(`${ADDED_KEY}.hidden`, hiddenBefore.includes(p) ? hidden : hidden.filter((x) => x !== p));
      await this.refresh();
    };
  }

  private async scan(): Promise<void> {
    const s = readSettings();
    const found = new Map<string, DatabaseInfo>();
    const hidden = new Set(this.state.get<string[]>(`${ADDED_KEY}.hidden`, []));
    const candidates: DatabaseInfo[] = [];
    const consider = async (file: string, source: DatabaseInfo['source'], folder?: vscode.WorkspaceFolder) => {
      const p = path.resolve(file);
      const base = path.basename(p);
      if (candidates.some((c) => c.path === p) || NOT_DATABASES.test(base) || parseBackupName(base)) return;
      if (source === 'workspace' && hidden.has(p)) return;
      candidates.push({ path: p, name: base, source, folder: folder ?? vscode.workspace.getWorkspaceFolder(vscode.Uri.file(p)) });
    };
    for (const folder of vscode.workspace.workspaceFolders ?? []) {
      const excludes = [...s.exclude];
      const root = backupRootOf(s, folder);
      if (root) {
        const rel = path.relative(folder.uri.fsPath, root);
        if (rel && !rel.startsWith('..') && !path.isAbsolute(rel)) excludes.push(`${rel.split(path.sep).join('/')}/**`);
      }
      excludes.push('**/pre-restore/**');
      const exclude = excludes.length ? `{${excludes.join(',')}}` : undefined;
      try {
        const uris = await vscode.workspace.findFiles(new vscode.RelativePattern(folder, s.include), exclude, 5000);
        for (const u of uris) await consider(u.fsPath, 'workspace', folder);
      } catch (e) {
        this.log.warn(`Scanning ${folder.uri.fsPath} failed: ${(e as Error).message}`);
      }
    }
    for (const p of s.databases) await consider(expandPath(p), 'setting');
    for (const p of this.state.get<string[]>(ADDED_KEY, [])) await consider(p, 'added');
    const sqlite = await this.isSqlite(candidates.map((c) => c.path));
    candidates.forEach((c, i) => { if (sqlite[i]) found.set(c.path, c); });
    this.databases = [...found.values()].sort((a, b) => a.name.localeCompare(b.name) || a.path.localeCompare(b.path));
    this.log.debug(`Found ${this.databases.length} database(s)`);
    // An app writing to its database makes the watcher rescan after every burst of writes: tell the
    // views only when the list or a size changed (a re-rendered tree also drops the row that a
    // context menu opened at that moment was meant for).
    const sizes = await Promise.all(this.databases.map((d) => fsp.stat(d.path).then((st) => st.size, () => -1)));
    this.databases.forEach((d, i) => { d.size = sizes[i]; });
    this.scanned = true;
    const shown = JSON.stringify(this.databases.map((d, i) => [d.path, d.source, sizes[i]]));
    if (shown === this.shown) return;
    this.shown = shown;
    this.emitter.fire();
  }

  private disposeWatchers(): void {
    for (const w of this.watchers) w.dispose();
    this.watchers = [];
  }

  dispose(): void {
    clearTimeout(this.rescanTimer);
    this.disposeWatchers();
    this.emitter.dispose();
  }
}
