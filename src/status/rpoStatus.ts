// The status-bar item and the Lifeboat view's badge: how many databases are protected, in words
// that tell the worst case ("Lifeboat: 1 failing", "Lifeboat: 4/6 protected"), with a tooltip per
// database. The badge counts those that need attention (failing, older than the RPO, or never
// backed up), like Source Control's count. Clicking the item opens the Lifeboat view.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { needAttention, Protection, protectionOf, summarizeProtection } from '../core';
import { ago, M } from '../messages';
import { BackupService } from '../services/backupService';
import { DatabaseRegistry } from '../services/registry';
import { readSettings } from '../settings';

const ICON: Record<Protection, string> = { fresh: '$(pass)', stale: '$(warning)', none: '$(circle-large-outline)', failed: '$(error)' };

export class RpoStatus implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('lifeboat.rpo', vscode.StatusBarAlignment.Left, 20);
  private readonly subs: vscode.Disposable[] = [];
  private readonly timer: NodeJS.Timeout;
  private view: vscode.TreeView<unknown> | undefined;

  constructor(private readonly registry: DatabaseRegistry, private readonly service: BackupService) {
    this.item.name = 'Lifeboat';
    this.item.command = 'workbench.view.extension.lifeboat';
    this.subs.push(registry.onDidChange(() => void this.update()), service.onDidChange(() => void this.update()));
    this.timer = setInterval(() => void this.update(), 60_000);
  }

  /** The view whose badge counts the databases that need attention. */
  attach(view: vscode.TreeView<unknown>): void {
    this.view = view;
  }

  /** what the item shows now (tests read it) */
  get text(): string | undefined {
    return this.item.text || undefined;
  }

  /** the badge now (tests read it) */
  get badge(): vscode.ViewBadge | undefined {
    return this.view?.badge;
  }

  async update(): Promise<void> {
    if (!this.registry.scanned) return; // nothing is known before Lifeboat looked (it looks once used)
    const dbs = this.registry.list();
    if (!dbs.length) {
      this.item.hide();
      if (this.view) this.view.badge = undefined;
      return;
    }
    const rpoHours = readSettings().rpoHours;
    const rows = await Promise.all(dbs.map(async (d) => {
      const backups = await this.service.list(d.path);
      const state = protectionOf(backups, this.service.lastFailure(d.path)?.at, rpoHours);
      const newest = backups.find((b) => b.verified);
      return { name: path.basename(d.path), state, newest };
    }));
    const sum = summarizeProtection(rows.map((r) => r.state));
    const attention = needAttention(sum);
    const protectedCount = sum.fresh;
    if (sum.failed) {
      this.item.text = `$(error) Lifeboat: ${sum.failed} failing`;
      this.item.backgroundColor = new vscode.ThemeColor('statusBarItem.errorBackground');
    } else {
      this.item.text = `${attention ? '$(warning)' : '$(pass)'} Lifeboat: ${protectedCount}/${sum.total} protected`;
      this.item.backgroundColor = attention ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
    }
    const md = new vscode.MarkdownString(undefined, true);
    md.appendMarkdown(`**Lifeboat** — ${protectedCount} of ${sum.total} database(s) backed up within the RPO (${rpoHours} h)\n\n`);
    for (const r of rows) {
      const when = r.newest ? `newest verified backup ${ago(r.newest.freshAt)}` : 'no verified backup';
      md.appendMarkdown(`${ICON[r.state]} ${r.name} — ${M.protectionText[r.state]} (${when})\n\n`);
    }
    this.item.tooltip = md;
    this.item.accessibilityInformation = { label: sum.failed ? `Lifeboat: ${sum.failed} failing` : `Lifeboat: ${protectedCount} of ${sum.total} protected` };
    this.item.show();
    if (this.view) {
      this.view.badge = attention ? { value: attention, tooltip: M.badgeTooltip(sum.failed, sum.stale, sum.none) } : undefined;
    }
  }

  dispose(): void {
    clearInterval(this.timer);
    for (const s of this.subs) s.dispose();
    this.item.dispose();
  }
}
