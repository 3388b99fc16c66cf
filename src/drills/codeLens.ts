// CodeLens above each checklist section of a drill ("3/5 done · Run rehearsal"), and the
// status-bar item with the active drill's progress.
import * as vscode from 'vscode';
import { parseChecklist, progressOf, sectionProgress } from '../core/drills';
import { DrillFiles } from './drillFiles';

export class DrillCodeLens implements vscode.CodeLensProvider {
  private readonly emitter = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.emitter.event;

  constructor(private readonly files: DrillFiles) {
    files.onDidChange(() => this.emitter.fire());
  }

  provideCodeLenses(doc: vscode.TextDocument): vscode.CodeLens[] {
    if (!this.files.isDrill(doc.uri)) return [];
    const list = parseChecklist(doc.getText());
    const lenses: vscode.CodeLens[] = [];
    list.sections.forEach((s, i) => {
      const range = new vscode.Range(s.line, 0, s.line, 0);
      const rehearsal = /evidence/i.test(s.title) || s.items.some((k) => list.items[k].auto);
      if (s.items.length) {
        const p = sectionProgress(list, i);
        lenses.push(new vscode.CodeLens(range, { title: `${p.done}/${p.total} done`, command: 'lifeboat.toggleCheckbox', tooltip: 'Toggle the checkbox on the current line (Lifeboat: Toggle Checkbox)' }));
      }
      if (rehearsal) lenses.push(new vscode.CodeLens(range, { title: 'Run rehearsal', command: 'lifeboat.runRehearsal', arguments: [doc.uri], tooltip: 'Restore a backup into a scratch copy, measure it, and record the evidence row' }));
    });
    return lenses;
  }
}

export class DrillStatusItem implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('lifeboat.drill', vscode.StatusBarAlignment.Left, 19);
  private readonly subs: vscode.Disposable[] = [];

  constructor(private readonly files: DrillFiles) {
    this.item.name = 'Lifeboat Drill';
    this.item.command = 'workbench.view.extension.lifeboat';
    this.subs.push(vscode.window.onDidChangeActiveTextEditor(() => this.update()), files.onDidChange(() => this.update()));
    this.update();
  }

  update(): void {
    const doc = vscode.window.activeTextEditor?.document;
    if (!doc || !this.files.isDrill(doc.uri)) {
      this.item.hide();
      return;
    }
    const p = progressOf(parseChecklist(doc.getText()).items);
    this.item.text = `$(checklist) Drill ${p.done}/${p.total}`;
    this.item.tooltip = `Drill progress: ${p.done} of ${p.total} steps done`;
    this.item.show();
  }

  dispose(): void {
    for (const s of this.subs) s.dispose();
    this.item.dispose();
  }
}
