// Status-bar item of the off-site copies, shown only when there are destinations: how many
// databases have their newest backup off-site ("☁ 2/3 off-site"), a warning when one has no
// copy made within `lifeboat.offsite.rpoHours`; while an upload runs, its progress, and a click
// cancels it. It reads the remembered listings: it never lists a destination by itself.
import * as vscode from 'vscode';
import { DatabaseRegistry } from '../services/registry';
import { BackupService } from '../services/backupService';
import { readOffsiteSettings } from '../settings';
import { MO } from './messages';
import { dbKeyOf, OffsiteService } from './offsiteService';
import { DbNewest, offsiteProtection } from './offsiteState';
import { describeDestination } from '../core/offsite/config';

export class OffsiteStatus implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('lifeboat.offsite', vscode.StatusBarAlignment.Left, 19);
  private readonly subs: vscode.Disposable[] = [];
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly registry: DatabaseRegistry, private readonly backups: BackupService, private readonly offsite: OffsiteService) {
    this.item.name = 'Lifeboat Off-site';
    this.subs.push(registry.onDidChange(() => void this.update()), backups.onDidChange(() => void this.update()), offsite.onDidChange(() => void this.update()), offsite.onDidProgress(() => void this.update()));
    // ages move on; the listings do not change while idle
    this.timer = setInterval(() => void this.update(), 60_000);
  }

  /** what the item shows now (tests read it); undefined while hidden */
  get text(): string | undefined {
    return this.shown ? this.item.text : undefined;
  }

  private shown = false;

  private hide(): void {
    this.shown = false;
    this.item.hide();
  }

  async update(): Promise<void> {
    const s = readOffsiteSettings();
    const dbs = this.registry.list();
    if (!s.destinations.length || !dbs.length) return this.hide();
    const up = this.offsite.current;
    if (up) {
      this.item.text = `$(sync~spin) Off-site${up.percent === null ? '' : ` ${up.percent}%`}`;
      this.item.tooltip = MO.statusUploading(up.what);
      this.item.command = 'lifeboat.cancelOffsiteUpload';
      this.item.backgroundColor = undefined;
      this.item.accessibilityInformation = { label: `Lifeboat: ${up.what}` };
    } else {
      this.offsite.ensureListed();
      const rows: DbNewest[] = await Promise.all(dbs.map(async (d) => {
        const newest = (await this.backups.list(d.path)).find((b) => b.manifest);
        return { name: d.name, dbKey: dbKeyOf(d.path, newest?.manifest), newest: newest && { name: newest.manifest!.file, createdAt: newest.createdAt } };
      }));
      const p = offsiteProtection(rows, s.destinations.map((d) => ({ name: d.name, label: describeDestination(d) })), this.offsite.catalogsNow(), this.offsite.recordsNow(), s.rpoHours);
      this.item.text = `$(${p.warn ? 'warning' : 'cloud'}) ${p.protected}/${p.total} off-site`;
      this.item.tooltip = MO.statusTooltip(p.lines, s.rpoHours);
      this.item.command = 'workbench.view.extension.lifeboat';
      this.item.backgroundColor = p.warn ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
      this.item.accessibilityInformation = { label: `Lifeboat: ${p.protected} of ${p.total} databases have their newest backup off-site${p.warn ? '; some have no off-site copy within the RPO' : ''}` };
    }
    this.shown = true;
    this.item.show();
  }

  dispose(): void {
    clearInterval(this.timer);
    for (const s of this.subs) s.dispose();
    this.item.dispose();
  }
}
