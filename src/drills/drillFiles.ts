// The drill files of the workspace (`<folder>/<lifeboat.drillsFolder>/*.md`), read from the
// open editor when there is one (so unsaved edits count) and from disk otherwise.
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { expandPath, readSettings } from '../settings';

export interface DrillFile { uri: vscode.Uri; text: string }

export class DrillFiles implements vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<void>();
  readonly onDidChange = this.emitter.event;
  private files = new Map<string, DrillFile>();
  private watchers: vscode.Disposable[] = [];
  private readonly subs: vscode.Disposable[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor() {
    this.subs.push(
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (this.isDrill(e.document.uri)) {
          this.files.set(e.document.uri.toString(), { uri: e.document.uri, text: e.document.getText() });
          this.emitter.fire();
        }
      }),
    );
  }

  dirs(): string[] {
    const s = readSettings();
    return (vscode.workspace.workspaceFolders ?? []).map((f) => expandPath(s.drillsFolder, f));
  }

  isDrill(uri: vscode.Uri): boolean {
    if (uri.scheme !== 'file' || !uri.fsPath.endsWith('.md')) return false;
    const dir = path.dirname(uri.fsPath);
    return this.dirs().some((d) => path.resolve(d) === dir);
  }

  all(): DrillFile[] {
    return [...this.files.values()].sort((a, b) => b.uri.fsPath.localeCompare(a.uri.fsPath));
  }

  get(uri: vscode.Uri): DrillFile | undefined {
    return this.files.get(uri.toString());
  }

  startWatching(): void {
    for (const w of this.watchers) w.dispose();
    this.watchers = [];
    for (const dir of this.dirs()) {
      const w = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(dir), '*.md'));
      const again = () => this.scheduleRefresh();
      w.onDidCreate(again);
      w.onDidChange(again);
      w.onDidDelete(again);
      this.watchers.push(w);
    }
  }

  scheduleRefresh(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.refresh(), 150);
  }

  async refresh(): Promise<void> {
    const next = new Map<string, DrillFile>();
    for (const dir of this.dirs()) {
      const names = await fsp.readdir(dir).catch(() => [] as string[]);
      for (const n of names.filter((x) => x.endsWith('.md'))) {
        const uri = vscode.Uri.file(path.join(dir, n));
        const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
        const text = open ? open.getText() : await fsp.readFile(uri.fsPath, 'utf8').catch(() => null);
        if (text !== null) next.set(uri.toString(), { uri, text });
      }
    }
    this.files = next;
    this.emitter.fire();
  }

  dispose(): void {
    clearTimeout(this.timer);
    for (const w of [...this.watchers, ...this.subs]) w.dispose();
    this.emitter.dispose();
  }
}
