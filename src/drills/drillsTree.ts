// The "Drills" view: drill files with progress and state, their sections, and checklist items
// with native checkboxes. Ticking edits the markdown through a WorkspaceEdit (undoable, one
// character); editing the markdown refreshes the tree at once.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { drillStatus, DrillStatus, nextDrillDue, parseChecklist, Checklist, sectionProgress } from '../core/drills';
import { DrillFiles } from './drillFiles';

export class DrillFileNode { constructor(readonly uri: vscode.Uri, readonly status: DrillStatus, readonly list: Checklist) {} }
export class SectionNode { constructor(readonly file: DrillFileNode, readonly index: number) {} }
export class ItemNode { constructor(readonly file: DrillFileNode, readonly index: number) {} }
export class CadenceNode { constructor(readonly text: string, readonly overdue: boolean, readonly tooltip: string) {} }
export type DrillNode = DrillFileNode | SectionNode | ItemNode | CadenceNode;

const STATE_ICON = {
  'not-started': new vscode.ThemeIcon('circle-large-outline'),
  'in-progress': new vscode.ThemeIcon('play-circle', new vscode.ThemeColor('charts.blue')),
  passed: new vscode.ThemeIcon('pass-filled', new vscode.ThemeColor('testing.iconPassed')),
  failed: new vscode.ThemeIcon('error', new vscode.ThemeColor('testing.iconFailed')),
};

export class DrillsTreeProvider implements vscode.TreeDataProvider<DrillNode>, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<DrillNode | undefined | void>();
  readonly onDidChangeTreeData = this.emitter.event;
  private readonly subs: vscode.Disposable[] = [];

  constructor(private readonly files: DrillFiles, private readonly intervalDays: () => number) {
    this.subs.push(files.onDidChange(() => this.emitter.fire()));
  }

  refresh(): void { this.emitter.fire(); }

  /** The newest passed drill date and whether the next one is overdue. */
  cadence(): { lastPassed: Date | null; due: Date | null; overdue: boolean } {
    let lastPassed: Date | null = null;
    for (const f of this.files.all()) {
      const st = drillStatus(f.text);
      if (st.state === 'passed' && st.lastRun) {
        const d = new Date(st.lastRun.date);
        if (!Number.isNaN(d.getTime()) && (!lastPassed || d > lastPassed)) lastPassed = d;
      }
    }
    return { lastPassed, ...nextDrillDue(lastPassed, this.intervalDays()) };
  }

  getChildren(node?: DrillNode): DrillNode[] {
    if (!node) {
      const files = this.files.all().map((f) => new DrillFileNode(f.uri, drillStatus(f.text), parseChecklist(f.text)));
      if (!files.length) return []; // the welcome content offers "Start Drill…"
      const c = this.cadence();
      const text = c.lastPassed
        ? `Last passed ${c.lastPassed.toISOString().slice(0, 10)} · next due ${c.due!.toISOString().slice(0, 10)}${c.overdue ? ' (overdue)' : ''}`
        : 'No drill has passed yet: a drill is due';
      return [new CadenceNode(text, c.overdue, `Drill interval: every ${this.intervalDays()} days (lifeboat.drillIntervalDays)`), ...files];
    }
    if (node instanceof DrillFileNode) {
      const secs = node.list.sections.map((s, i) => ({ s, i })).filter(({ s }) => s.items.length > 0);
      return secs.map(({ i }) => new SectionNode(node, i));
    }
    if (node instanceof SectionNode) return node.file.list.sections[node.index].items.map((i) => new ItemNode(node.file, i));
    return [];
  }

  getTreeItem(node: DrillNode): vscode.TreeItem {
    if (node instanceof CadenceNode) {
      const item = new vscode.TreeItem(node.text, vscode.TreeItemCollapsibleState.None);
      item.iconPath = new vscode.ThemeIcon(node.overdue ? 'warning' : 'calendar', node.overdue ? new vscode.ThemeColor('list.warningForeground') : undefined);
      item.tooltip = node.tooltip;
      item.accessibilityInformation = { label: node.text };
      item.contextValue = 'drillCadence';
      item.command = node.overdue ? { command: 'lifeboat.startDrill', title: 'Start Drill…' } : undefined;
      return item;
    }
    if (node instanceof DrillFileNode) {
      const { status } = node;
      const item = new vscode.TreeItem(path.basename(node.uri.fsPath, '.md'), vscode.TreeItemCollapsibleState.Collapsed);
      item.id = `drill:${node.uri.toString()}`;
      item.resourceUri = node.uri;
      const state = status.state.replace('-', ' ');
      item.description = `${status.done}/${status.total} · ${state}`;
      item.iconPath = STATE_ICON[status.state];
      item.tooltip = `${node.list.title ?? ''}\n${node.uri.fsPath}\n${status.done} of ${status.total} steps done${status.lastRun ? `\nLast rehearsal ${status.lastRun.date}: ${status.lastRun.pass ? 'Pass' : 'Fail'}` : ''}`;
      item.contextValue = `drillFile+${status.state}`;
      item.command = { command: 'vscode.open', title: 'Open Drill', arguments: [node.uri] };
      return item;
    }
    if (node instanceof SectionNode) {
      const sec = node.file.list.sections[node.index];
      const p = sectionProgress(node.file.list, node.index);
      const item = new vscode.TreeItem(sec.title, vscode.TreeItemCollapsibleState.Collapsed);
      item.id = `drill:${node.file.uri.toString()}#s${sec.line}`;
      item.description = `${p.done}/${p.total}`;
      item.contextValue = /evidence|rehearsal|verify/i.test(sec.title) ? 'drillSection+rehearsal' : 'drillSection';
      item.command = { command: 'vscode.open', title: 'Go to Section', arguments: [node.file.uri, { selection: new vscode.Range(sec.line, 0, sec.line, 0) }] };
      return item;
    }
    const it = node.file.list.items[node.index];
    const item = new vscode.TreeItem(it.text || '(empty)', vscode.TreeItemCollapsibleState.None);
    item.id = `drill:${node.file.uri.toString()}#l${it.line}`;
    item.checkboxState = it.checked ? vscode.TreeItemCheckboxState.Checked : vscode.TreeItemCheckboxState.Unchecked;
    item.description = it.auto ? `auto: ${it.auto}` : undefined;
    item.tooltip = `${it.text}\nLine ${it.line + 1}${it.auto ? `\nTicked by the restore rehearsal (${it.auto})` : ''}`;
    item.contextValue = 'drillItem';
    item.accessibilityInformation = { label: `${it.checked ? 'done' : 'not done'}: ${it.text}`, role: 'checkbox' };
    item.command = { command: 'vscode.open', title: 'Go to Item', arguments: [node.file.uri, { selection: new vscode.Range(it.line, it.column, it.line, it.column + 1) }] };
    return item;
  }

  getParent(node: DrillNode): DrillNode | undefined {
    if (node instanceof ItemNode) {
      const s = node.file.list.items[node.index].section;
      return s >= 0 ? new SectionNode(node.file, s) : node.file;
    }
    if (node instanceof SectionNode) return node.file;
    return undefined;
  }

  dispose(): void {
    for (const s of this.subs) s.dispose();
    this.emitter.dispose();
  }
}
