// The "Databases" view: each database with its protection state, the age of its newest backup
// and its live size; under it its backups (newest first) and the safety copies that earlier
// restores kept (Undo). Reads manifests only, never database contents. Rows say what matters
// first ("✓ 2 min ago · 984 KB"); relative ages are kept current while the view is visible.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { BackupEntry, fmtBytes, formatLocal, Protection, protectionOf, SafetyCopy } from '../core';
import { ago, M } from '../messages';
import { DatabaseInfo, DatabaseRegistry } from '../services/registry';
import { BackupService } from '../services/backupService';
import { readSettings } from '../settings';

/**
 * contextValue values; menus match them with `viewItem =~ /…/`. The grammar:
 * `database+<state>[+hasBackups]`, `backup+<pinned|unpinned>[+verified]`, `safetyCopy`.
 */
export const enum ItemKind {
  Database = 'database',
  Backup = 'backup',
  Safety = 'safetyCopy',
}

export type DbState = Protection | 'running';

export class DatabaseNode {
  readonly kind = ItemKind.Database;
  constructor(readonly db: DatabaseInfo) {}
}

export class BackupNode {
  readonly kind = ItemKind.Backup;
  constructor(readonly db: DatabaseInfo, readonly entry: BackupEntry) {}
}

/** A safety copy an earlier restore kept: clicking it (or Undo) restores it. */
export class SafetyNode {
  readonly kind = ItemKind.Safety;
  constructor(readonly db: DatabaseInfo, readonly copy: SafetyCopy) {}
}

/** Off-site state of a backup row (src/offsite): a description part, tooltip markdown, a contextValue flag. */
export interface BackupBadges {
  readonly onDidChange: vscode.Event<void>;
  forBackup(dbPath: string, entry: BackupEntry): { text: string; tooltip: string; flag: string } | undefined;
}

export type Node = DatabaseNode | BackupNode | SafetyNode;

/** The state of a database row (the protection rule of the core, or "running"). */
export function databaseState(backups: BackupEntry[], failedAt: string | undefined, running: boolean, rpoHours: number, now = Date.now()): DbState {
  return running ? 'running' : protectionOf(backups, failedAt, rpoHours, now);
}

const STATE_ICON: Record<DbState, vscode.ThemeIcon> = {
  none: new vscode.ThemeIcon('circle-large-outline', new vscode.ThemeColor('list.warningForeground')),
  fresh: new vscode.ThemeIcon('pass-filled', new vscode.ThemeColor('testing.iconPassed')),
  stale: new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground')),
  failed: new vscode.ThemeIcon('error', new vscode.ThemeColor('list.errorForeground')),
  running: new vscode.ThemeIcon('sync~spin'),
};

const STATE_TEXT: Record<DbState, string> = { ...M.protectionText, running: 'backing up…' };

/** The first words of a backup row: its state, age and size. */
export function backupLabel(e: BackupEntry, now = Date.now()): string {
  const mark = e.state === 'verified' ? '✓' : '✗';
  const state = e.state === 'verified' ? '' : ` ${e.state} ·`;
  const checked = e.freshAt !== e.createdAt ? ` (unchanged ${ago(e.freshAt, now)})` : '';
  return `${mark}${state} ${ago(e.createdAt, now)}${checked} · ${fmtBytes(e.sizeBytes)}`;
}

/** A backup's state and manifest as markdown (the row's tooltip, Show Details); `maxTables` rows of counts. */
export function backupDetails(e: BackupEntry, maxTables = Infinity): string {
  const m = e.manifest;
  const out: string[] = [];
  const add = (t: string) => out.push(t);
  add(`**${e.name}**\n\n`);
  // the state first, and only one: a failed verification is never shown under "integrity ok"
  if (e.state !== 'verified') add(`**${e.state === 'failed verification' ? '✗ ' : ''}${e.problem}**\n\n`);
  else add(`✓ verified${m?.lastVerified ? ` (last checked ${ago(m.lastVerified.at)})` : ` when made (integrity ${m?.integrity ?? 'ok'})`}\n\n`);
  add(`Created ${formatLocal(e.createdAt)} (${ago(e.createdAt)})${e.freshAt !== e.createdAt ? `; the database was unchanged at ${formatLocal(e.freshAt)}` : ''} · ${fmtBytes(e.sizeBytes)}\n\n`);
  if (m) {
    add(`SHA-256 \`${m.sha256}\`\n\n`);
    add(`Source \`${m.source.path}\` (${m.source.journalMode} journal) · took ${m.durationMs} ms${m.snapshot ? ` · copy ${m.snapshot.method}` : ''}\n\n`);
    const rows = Object.entries(m.tables);
    if (rows.length) {
      add('| table | rows |\n|---|---:|\n');
      for (const [t, n] of rows.slice(0, maxTables)) add(`| ${t.replace(/\|/g, '\\|')} | ${n} |\n`);
      if (rows.length > maxTables) add(`| … ${rows.length - maxTables} more | |\n`);
    }
    for (const sk of m.skippedTables) add(`\nNot counted: ${sk.name} (${sk.reason})`);
    for (const u of m.uncheckedIndexes ?? []) add(`\nNot checked: index ${u.index} of ${u.table} (${u.reason})`);
  } else if (e.manifestState === 'missing') {
    add('No manifest: this backup was not written by Lifeboat or its manifest is missing.');
  }
  return out.join('');
}

export class DatabasesTreeProvider implements vscode.TreeDataProvider<Node>, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<Node | undefined | void>();
  readonly onDidChangeTreeData = this.emitter.event;
  private readonly subs: vscode.Disposable[] = [];
  private readonly ages = new Map<string, string>(); // row id → the age text it shows
  private readonly clock: NodeJS.Timeout;
  private visible = () => false;

  constructor(private readonly registry: DatabaseRegistry, private readonly service: BackupService, private readonly badges?: BackupBadges) {
    this.subs.push(registry.onDidChange(() => this.refresh()), service.onDidChange(() => this.refresh()));
    if (badges) this.subs.push(badges.onDidChange(() => this.refresh()));
    // "just now" must not stay "just now": re-render when a shown age would read differently
    this.clock = setInterval(() => { if (this.visible() && this.agesChanged()) this.refresh(); }, 30_000);
  }

  /** Ages are refreshed only while `isVisible()` (the view's visibility). */
  watchVisibility(isVisible: () => boolean): void {
    this.visible = isVisible;
  }

  private agesChanged(): boolean {
    for (const [id, shown] of this.ages) {
      const at = id.split('\u0000')[1];
      if (at && ago(at) !== shown) return true;
    }
    return false;
  }

  refresh(): void {
    this.ages.clear(); // the rows rendered next put back what they show
    this.emitter.fire();
  }

  async getChildren(node?: Node): Promise<Node[]> {
    if (!node) {
      if (!this.registry.scanned) await this.registry.refresh(); // the view is the first use of Lifeboat
      return this.registry.list().map((d) => new DatabaseNode(d));
    }
    if (node instanceof DatabaseNode) {
      const backups = (await this.service.list(node.db.path)).map((e) => new BackupNode(node.db, e));
      const safety = (await this.service.safetyCopies(node.db.path)).filter((c) => c.file).map((c) => new SafetyNode(node.db, c));
      return [...backups, ...safety];
    }
    return [];
  }

  async getTreeItem(node: Node): Promise<vscode.TreeItem> {
    if (node instanceof DatabaseNode) return this.databaseItem(node);
    if (node instanceof SafetyNode) return this.safetyItem(node);
    return this.backupItem(node);
  }

  /** "data/" when another database of the workspace has the same file name. */
  private folderHint(db: DatabaseInfo): string | null {
    const same = this.registry.list().filter((d) => d.name === db.name);
    if (same.length < 2) return null;
    const rel = db.folder ? path.relative(db.folder.uri.fsPath, path.dirname(db.path)) : path.dirname(db.path);
    return `${rel || '.'}${path.sep}`;
  }

  private async databaseItem(node: DatabaseNode): Promise<vscode.TreeItem> {
    const { db } = node;
    const backups = await this.service.list(db.path);
    const safety = (await this.service.safetyCopies(db.path)).filter((c) => c.file);
    const failure = this.service.lastFailure(db.path);
    const state = databaseState(backups, failure?.at, this.service.isRunning(db.path), readSettings(vscode.Uri.file(db.path)).rpoHours);
    const newest = backups.find((b) => b.verified);
    const item = new vscode.TreeItem(db.name, backups.length || safety.length ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
    item.id = `db:${db.path}`;
    item.resourceUri = vscode.Uri.file(db.path);
    const hint = this.folderHint(db);
    const what = state === 'failed' ? '✗ last backup failed' : newest ? `✓ ${ago(newest.freshAt)}` : 'no backup yet';
    const live = db.size !== undefined && db.size >= 0 ? `live ${fmtBytes(db.size)}` : null;
    item.description = [hint, what, live].filter(Boolean).join(' · ');
    if (newest) this.ages.set(`${item.id}\u0000${newest.freshAt}`, ago(newest.freshAt));
    item.iconPath = STATE_ICON[state];
    item.contextValue = `${ItemKind.Database}+${state}${backups.length ? '+hasBackups' : ''}`;
    const md = new vscode.MarkdownString(undefined, true);
    md.appendMarkdown(`**${db.name}** — ${STATE_TEXT[state]}\n\n`);
    md.appendMarkdown(`\`${db.path}\`${live ? ` (${live})` : ''}\n\n`);
    md.appendMarkdown(`${backups.length} backup(s)${newest ? `, newest verified ${ago(newest.freshAt)} (${formatLocal(newest.freshAt)})` : ''}\n\n`);
    if (state === 'failed' && failure) md.appendMarkdown(`Last failure (${ago(failure.at)}): ${failure.message}\n\n`);
    md.appendMarkdown(`Backups in \`${this.service.backupDir(db.path)}\``);
    item.tooltip = md;
    return item;
  }

  private backupItem(node: BackupNode): vscode.TreeItem {
    const e = node.entry;
    const item = new vscode.TreeItem(backupLabel(e), vscode.TreeItemCollapsibleState.None);
    item.id = `backup:${e.file}`;
    this.ages.set(`${item.id}\u0000${e.createdAt}`, ago(e.createdAt));
    const offsite = this.badges?.forBackup(node.db.path, e);
    item.description = [formatLocal(e.createdAt), ...(e.pinned ? ['pinned'] : []), ...(offsite ? [offsite.text] : [])].join(' · ');
    item.iconPath = new vscode.ThemeIcon(e.pinned ? 'pinned' : e.state === 'verified' ? 'database' : e.state === 'failed verification' ? 'error' : 'warning');
    item.contextValue = `${ItemKind.Backup}${e.pinned ? '+pinned' : '+unpinned'}${e.verified ? '+verified' : ''}${offsite?.flag ?? ''}`;
    // a click looks inside (read-only); Show Details gives the manifest
    item.command = { command: 'lifeboat.lookInside', title: 'Look Inside', arguments: [node] };
    const md = new vscode.MarkdownString(backupDetails(e, 40) + (offsite ? offsite.tooltip : ''), true);
    item.tooltip = md;
    item.resourceUri = vscode.Uri.file(e.file);
    return item;
  }

  private safetyItem(node: SafetyNode): vscode.TreeItem {
    const c = node.copy;
    const when = new Date(c.createdAt);
    const item = new vscode.TreeItem(`Before restore, ${when.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })} — Undo`, vscode.TreeItemCollapsibleState.None);
    item.id = `safety:${c.dir}`;
    item.description = `${formatLocal(c.createdAt)} · ${fmtBytes(c.sizeBytes)}`;
    item.iconPath = new vscode.ThemeIcon('discard');
    item.contextValue = ItemKind.Safety;
    item.tooltip = `The database as it was before the restore of ${formatLocal(c.createdAt)}. Click to undo that restore (you are asked first).`;
    item.command = { command: 'lifeboat.undoRestore', title: 'Undo Restore', arguments: [node] };
    return item;
  }

  dispose(): void {
    clearInterval(this.clock);
    for (const s of this.subs) s.dispose();
    this.emitter.dispose();
  }
}
