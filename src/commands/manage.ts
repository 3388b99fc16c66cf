// Housekeeping: prune, pin, delete, reveal, copy path, open the backup folder, the log,
// and adding or removing databases.
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { M } from '../messages';
import { BackupNode, DatabaseNode, SafetyNode } from '../views/databasesTree';
import { Ctx, requireTrust, resolveDatabase, revealPath } from './context';

export async function pruneCommand(ctx: Ctx, arg?: unknown): Promise<void> {
  if (!requireTrust()) return; // deleting backups needs a trusted workspace, as Delete does
  const targets = arg ? [await resolveDatabase(ctx, arg)] : (await ctx.registry.refresh(), ctx.registry.list().map((d) => d.path));
  let deleted = 0;
  let kept = 0;
  for (const db of targets) {
    if (!db) continue;
    try {
      const r = await ctx.service.prune(db);
      deleted += r.deleted.length;
      kept += r.kept.length;
    } catch (e) {
      await ctx.service.reportError(`Pruning backups of ${path.basename(db)}`, e);
    }
  }
  void vscode.window.showInformationMessage(M.pruneDone(deleted, kept));
}

export async function openBackupFolderCommand(ctx: Ctx, arg?: unknown): Promise<void> {
  const db = await resolveDatabase(ctx, arg);
  if (!db) return;
  const dir = ctx.service.backupDir(db);
  await fsp.mkdir(dir, { recursive: true, mode: 0o700 });
  await revealPath(dir);
}

function targetFile(arg: unknown): string | undefined {
  if (arg instanceof BackupNode) return arg.entry.file;
  if (arg instanceof DatabaseNode) return arg.db.path;
  if (arg instanceof SafetyNode) return arg.copy.file ?? arg.copy.dir;
  if (arg instanceof vscode.Uri) return arg.fsPath;
  return undefined;
}

export async function revealCommand(_ctx: Ctx, arg?: unknown): Promise<void> {
  const f = targetFile(arg);
  if (f) await revealPath(f);
}

export async function copyPathCommand(_ctx: Ctx, arg?: unknown): Promise<void> {
  const f = targetFile(arg);
  if (f) await vscode.env.clipboard.writeText(f);
}

export async function setPinnedCommand(ctx: Ctx, arg: unknown, pinned: boolean): Promise<void> {
  if (!(arg instanceof BackupNode)) return;
  try {
    await ctx.service.setPinned(arg.db.path, arg.entry.file, pinned);
    ctx.log.info(`${pinned ? 'Pinned' : 'Unpinned'} ${arg.entry.file}`);
  } catch (e) {
    ctx.log.error(`${pinned ? 'Pinning' : 'Unpinning'} ${arg.entry.file} failed: ${(e as Error).message}`);
    await ctx.service.reportError(`${pinned ? 'Pinning' : 'Unpinning'} ${path.basename(arg.entry.file)}`, e);
  }
}

export async function deleteBackupCommand(ctx: Ctx, arg?: unknown): Promise<boolean> {
  if (!requireTrust() || !(arg instanceof BackupNode)) return false;
  const name = path.basename(arg.entry.file);
  const c = await vscode.window.showWarningMessage(M.deleteConfirm(name), { modal: true }, M.deleteButton);
  if (c !== M.deleteButton) return false;
  try {
    await ctx.service.delete(arg.db.path, arg.entry.file);
    return true;
  } catch (e) {
    await ctx.service.reportError(`Deleting ${name}`, e);
    return false;
  }
}

export async function addDatabaseCommand(ctx: Ctx, arg?: unknown): Promise<string | undefined> {
  let file = arg instanceof vscode.Uri ? arg.fsPath : typeof arg === 'string' ? arg : undefined;
  if (!file) {
    const picked = await vscode.window.showOpenDialog({
      canSelectMany: false,
      openLabel: 'Add Database',
      filters: { [M.addFilter]: ['db', 'sqlite', 'sqlite3', 'db3'], 'All files': ['*'] },
    });
    file = picked?.[0]?.fsPath;
  }
  if (!file) return undefined;
  if (!(await ctx.registry.add(file))) {
    void vscode.window.showErrorMessage(M.notSqlite(file));
    return undefined;
  }
  void vscode.window.showInformationMessage(M.added(path.basename(file)));
  return file;
}

export async function removeDatabaseCommand(ctx: Ctx, arg?: unknown): Promise<void> {
  const db = await resolveDatabase(ctx, arg);
  if (!db) return;
  const name = path.basename(db);
  const ok = await vscode.window.showWarningMessage(M.removeTitle(name), { modal: true, detail: M.removeDetail }, M.removeButton);
  if (ok !== M.removeButton) return;
  const undo = await ctx.registry.remove(db);
  ctx.log.info(`Stopped managing ${db}`);
  const c = await vscode.window.showInformationMessage(M.removed(name), M.undo);
  if (c === M.undo) {
    await undo();
    ctx.log.info(`Managing ${db} again`);
  }
}
