// The "Databases" view: each database with the age of its newest backup, and its backups
// (newest first) as children. Reads manifests only, never database contents.
import * as vscode from 'vscode';
import { BackupEntry, fmtBytes } from '../core';
import { ago } from '../messages';
import { DatabaseInfo, DatabaseRegistry } from '../services/registry';
import { BackupService } from '../services/backupService';
import { readSettings } from '../settings';

/** contextValue values; menus match them with `viewItem =~ /…/`. */
export const enum ItemKind {
  Database = 'database',
  Backup = 'backup',
}

export type DbState = 'none' | 'fresh' | 'stale' | 'failed' | 'running';

export class DatabaseNode {
  readonly kind = ItemKind.Database;
  constructor(readonly db: DatabaseInfo) {}
}

export class BackupNode {
  readonly kind = ItemKind.Backup;
  constructor(readonly db: DatabaseInfo, readonly entry: BackupEntry) {}
}

export type Node = DatabaseNode | BackupNode;

/** Off-site state of a backup row (src/offsite): a description part, tooltip markdown, a contextValue flag. */
export interface BackupBadges {
  readonly onDidChange: vscode.Event<void>;
  forBackup(dbPath: string, entry: BackupEntry): { text: string; tooltip: string; flag: string } | undefined;
}

export function databaseState(newest: BackupEntry | undefined, failed: boolean, running: boolean, rpoHours: number, now = Date.now()): DbState {
  if (running) return 'running';
  if (failed) return 'failed';
  if (!newest) return 'none';
  return now - new Date(newest.createdAt).getTime() > rpoHours * 3600_000 ? 'stale' : 'fresh';
}

const STATE_ICON: Record<DbState, vscode.ThemeIcon> = {
  none: new vscode.ThemeIcon('circle-large-outline', new vscode.ThemeColor('disabledForeground')),
  fresh: new vscode.ThemeIcon('pass-filled', new vscode.ThemeColor('testing.iconPassed')),
  stale: new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground')),
  failed: new vscode.ThemeIcon('error', new vscode.ThemeColor('list.errorForeground')),
  running: new vscode.ThemeIcon('sync~spin'),
};

const STATE_TEXT: Record<DbState, string> = {
  none: 'no backup yet',
  fresh: 'backed up within the RPO',
  stale: 'newest backup is older than the RPO',
  failed: 'the last backup failed',
  running: 'backing up…',
};

export class DatabasesTreeProvider implements vscode.TreeDataProvider<Node>, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<Node | undefined | void>();
  readonly onDidChangeTreeData = this.emitter.event;
  private readonly subs: vscode.Disposable[] = [];

  constructor(private readonly registry: DatabaseRegistry, private readonly service: BackupService, private readonly badges?: BackupBadges) {
    this.subs.push(registry.onDidChange(() => this.refresh()), service.onDidChange(() => this.refresh()));
    if (badges) this.subs.push(badges.onDidChange(() => this.refresh()));
  }

  refresh(): void {
    this.emitter.fire();
  }

  async getChildren(node?: Node): Promise<Node[]> {
    if (!node) return this.registry.list().map((d) => new DatabaseNode(d));
    if (node instanceof DatabaseNode) return (await this.service.list(node.db.path)).map((e) => new BackupNode(node.db, e));
    return [];
  }

  async getTreeItem(node: Node): Promise<vscode.TreeItem> {
    return node instanceof DatabaseNode ? this.databaseItem(node) : this.backupItem(node);
  }

  private async databaseItem(node: DatabaseNode): Promise<vscode.TreeItem> {
    const { db } = node;
    const backups = await this.service.list(db.path);
    const newest = backups[0];
    const failure = this.service.lastFailure(db.path);
    const failed = !!failure && (!newest || new Date(failure.at) > new Date(newest.createdAt));
    const state = databaseState(newest, failed, this.service.isRunning(db.path), readSettings(vscode.Uri.file(db.path)).rpoHours);
    const item = new vscode.TreeItem(db.name, backups.length ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
    item.id = `db:${db.path}`;
    item.resourceUri = vscode.Uri.file(db.path);
    item.description = newest ? `${fmtBytes(newest.sizeBytes)} · ${ago(newest.createdAt)}` : 'no backup yet';
    item.iconPath = STATE_ICON[state];
    item.contextValue = `${ItemKind.Database}+${state}${backups.length ? '+hasBackups' : ''}`;
    const md = new vscode.MarkdownString(undefined, true);
    md.appendMarkdown(`**${db.name}** — ${STATE_TEXT[state]}\n\n`);
    md.appendMarkdown(`\`${db.path}\`\n\n`);
    md.appendMarkdown(`${backups.length} backup(s)${newest ? `, newest ${ago(newest.createdAt)} (${new Date(newest.createdAt).toLocaleString()})` : ''}\n\n`);
    if (failed && failure) md.appendMarkdown(`Last failure (${ago(failure.at)}): ${failure.message}\n\n`);
    md.appendMarkdown(`Backups in \`${this.service.backupDir(db.path)}\``);
    item.tooltip = md;
    return item;
  }

  private backupItem(node: BackupNode): vscode.TreeItem {
    const e = node.entry;
    const m = e.manifest;
    const when = new Date(e.createdAt);
    const item = new vscode.TreeItem(when.toLocaleString(), vscode.TreeItemCollapsibleState.None);
    item.id = `backup:${e.file}`;
    const bits = [fmtBytes(e.sizeBytes), ago(e.createdAt), e.verified ? 'verified ✓' : 'unverified ✗'];
    if (e.pinned) bits.push('pinned');
    const offsite = this.badges?.forBackup(node.db.path, e);
    if (offsite) bits.push(offsite.text);
    item.description = bits.join(' · ');
    item.iconPath = new vscode.ThemeIcon(e.pinned ? 'pinned' : e.verified ? 'database' : 'warning');
    item.contextValue = `${ItemKind.Backup}${e.pinned ? '+pinned' : '+unpinned'}${e.verified ? '+verified' : ''}${offsite?.flag ?? ''}`;
    const md = new vscode.MarkdownString(undefined, true);
    md.appendMarkdown(`**${e.name}**\n\n`);
    md.appendMarkdown(`Created ${when.toISOString()} (${ago(e.createdAt)}) · ${fmtBytes(e.sizeBytes)}\n\n`);
    if (e.problem) md.appendMarkdown(`**Unverified:** ${e.problem}\n\n`);
    if (m) {
      md.appendMarkdown(`SHA-256 \`${m.sha256}\`\n\n`);
      md.appendMarkdown(`Source \`${m.source.path}\` (${m.source.journalMode} journal) · took ${m.durationMs} ms · integrity ${m.integrity}\n\n`);
      if (m.lastVerified) md.appendMarkdown(`Last verified ${ago(m.lastVerified.at)}: ${m.lastVerified.ok ? 'ok' : m.lastVerified.reason ?? 'failed'}\n\n`);
      const rows = Object.entries(m.tables);
      if (rows.length) {
        md.appendMarkdown('| table | rows |\n|---|---:|\n');
        for (const [t, n] of rows.slice(0, 40)) md.appendMarkdown(`| ${t.replace(/\|/g, '\\|')} | ${n} |\n`);
        if (rows.length > 40) md.appendMarkdown(`| … ${rows.length - 40} more | |\n`);
      }
      for (const s of m.skippedTables) md.appendMarkdown(`\nNot counted: ${s.name} (${s.reason})`);
      for (const u of m.uncheckedIndexes ?? []) md.appendMarkdown(`\nNot checked: index ${u.index} of ${u.table} (${u.reason})`);
    } else if (e.manifestState === 'missing') {
      md.appendMarkdown('No manifest: this backup was not written by Lifeboat or its manifest is missing.');
    }
    if (offsite) md.appendMarkdown(offsite.tooltip);
    item.tooltip = md;
    item.resourceUri = vscode.Uri.file(e.file);
    return item;
  }

  dispose(): void {
    for (const s of this.subs) s.dispose();
    this.emitter.dispose();
  }
}
