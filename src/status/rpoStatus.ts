// Status-bar item: the age of the stalest "newest backup" among the workspace's databases,
// a warning past the RPO. Clicking it opens the Lifeboat view.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { M, ago, shortAge } from '../messages';
import { BackupService } from '../services/backupService';
import { DatabaseRegistry } from '../services/registry';
import { readSettings } from '../settings';

export class RpoStatus implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('lifeboat.rpo', vscode.StatusBarAlignment.Left, 20);
  private readonly subs: vscode.Disposable[] = [];
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly registry: DatabaseRegistry, private readonly service: BackupService) {
    this.item.name = 'Lifeboat RPO';
    this.item.command = 'workbench.view.extension.lifeboat';
    this.subs.push(registry.onDidChange(() => void this.update()), service.onDidChange(() => void this.update()));
    this.timer = setInterval(() => void this.update(), 60_000);
  }

  /** what the item shows now (tests read it) */
  get text(): string | undefined {
    return this.item.text || undefined;
  }

  async update(): Promise<void> {
    const dbs = this.registry.list();
    if (!dbs.length) {
      this.item.hide();
      return;
    }
    const rpoHours = readSettings().rpoHours;
    let stalest: { name: string; age: number; at?: string } | undefined;
    for (const d of dbs) {
      const newest = (await this.service.list(d.path))[0];
      const age = newest ? Date.now() - new Date(newest.createdAt).getTime() : Infinity;
      if (!stalest || age > stalest.age) stalest = { name: path.basename(d.path), age, at: newest?.createdAt };
    }
    if (!stalest) return;
    const over = stalest.age > rpoHours * 3600_000;
    this.item.text = stalest.at ? `$(${over ? 'warning' : 'history'}) Lifeboat ${shortAge(stalest.age)}` : `$(warning) Lifeboat: ${M.statusNone}`;
    this.item.tooltip = M.statusTooltip(stalest.name, stalest.at ? ago(stalest.at) : 'never', rpoHours);
    this.item.backgroundColor = over ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
    this.item.accessibilityInformation = { label: `Lifeboat: stalest backup ${stalest.at ? ago(stalest.at) : 'never made'}${over ? ', older than the RPO' : ''}` };
    this.item.show();
  }

  dispose(): void {
    clearInterval(this.timer);
    for (const s of this.subs) s.dispose();
    this.item.dispose();
  }
}
