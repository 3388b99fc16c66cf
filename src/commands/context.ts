// What every command needs, and how a command's argument (explorer Uri, tree node, nothing
// from the palette) becomes a database or a backup.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { BackupEntry, fmtBytes } from '../core';
import { ago, M } from '../messages';
import { BackupService } from '../services/backupService';
import { DatabaseRegistry } from '../services/registry';
import { BackupNode, DatabaseNode, DatabasesTreeProvider } from '../views/databasesTree';

export interface Ctx {
  registry: DatabaseRegistry;
  service: BackupService;
  tree: DatabasesTreeProvider;
  log: vscode.LogOutputChannel;
  extension: vscode.ExtensionContext;
}

/** The database a command is about, asking with a QuickPick when the caller gave none. */
export async function resolveDatabase(ctx: Ctx, arg: unknown): Promise<string | undefined> {
  if (arg instanceof DatabaseNode) return arg.db.path;
  if (arg instanceof BackupNode) return arg.db.path;
  if (arg instanceof vscode.Uri) {
    if (!(await ctx.registry.isSqliteFile(arg.fsPath))) {
      void vscode.window.showErrorMessage(M.notSqlite(arg.fsPath));
      return undefined;
    }
    return arg.fsPath;
  }
  if (typeof arg === 'string') return arg;
  await ctx.registry.refresh();
  const dbs = ctx.registry.list();
  if (!dbs.length) {
    void vscode.window.showInformationMessage(M.noDatabases);
    return undefined;
  }
  if (dbs.length === 1) return dbs[0].path;
  const items = await Promise.all(dbs.map(async (d) => {
    const newest = (await ctx.service.list(d.path))[0];
    return {
      label: d.name,
      description: newest ? `backed up ${ago(newest.createdAt)}` : 'no backup yet',
      detail: d.path,
      path: d.path,
    };
  }));
  const pick = await vscode.window.showQuickPick(items, { placeHolder: M.pickDatabase, matchOnDetail: true });
  return pick?.path;
}

export function backupPickItem(e: BackupEntry): vscode.QuickPickItem & { entry: BackupEntry } {
  return {
    label: new Date(e.createdAt).toLocaleString(),
    description: `${ago(e.createdAt)} · ${fmtBytes(e.sizeBytes)} · ${e.verified ? 'verified ✓' : 'unverified ✗'}${e.pinned ? ' · pinned' : ''}`,
    detail: path.basename(e.file),
    entry: e,
  };
}

/** A backup of `dbPath`, newest first, chosen in a QuickPick. */
export async function pickBackup(ctx: Ctx, dbPath: string, placeHolder = M.pickBackup(path.basename(dbPath))): Promise<BackupEntry | undefined> {
  const backups = await ctx.service.list(dbPath);
  if (!backups.length) {
    void vscode.window.showInformationMessage(M.noBackups(path.basename(dbPath)));
    return undefined;
  }
  const pick = await vscode.window.showQuickPick(backups.map(backupPickItem), { placeHolder, matchOnDescription: true });
  return pick?.entry;
}

export function requireTrust(): boolean {
  if (vscode.workspace.isTrusted) return true;
  void vscode.window.showWarningMessage(M.untrusted);
  return false;
}

/**
 * Shows a file or folder where the user can reach it: the system's file manager on a desktop
 * VS Code; in a browser or remote window (no file manager of this machine to open), the
 * Explorer when it is inside the workspace, else its path on the clipboard with an offer to
 * open its folder in a new window.
 */
export async function revealPath(file: string): Promise<void> {
  const uri = vscode.Uri.file(file);
  const local = vscode.env.uiKind === vscode.UIKind.Desktop && !vscode.env.remoteName;
  if (local) {
    await vscode.commands.executeCommand('revealFileInOS', uri);
    return;
  }
  if (vscode.workspace.getWorkspaceFolder(uri)) {
    await vscode.commands.executeCommand('revealInExplorer', uri);
    return;
  }
  await vscode.env.clipboard.writeText(file);
  const c = await vscode.window.showInformationMessage(M.copiedPath(file), M.openInNewWindow);
  if (c === M.openInNewWindow) {
    const st = await vscode.workspace.fs.stat(uri).then((s) => s, () => undefined);
    const folder = st && st.type & vscode.FileType.Directory ? uri : vscode.Uri.file(path.dirname(file));
    await vscode.commands.executeCommand('vscode.openFolder', folder, { forceNewWindow: true });
  }
}
