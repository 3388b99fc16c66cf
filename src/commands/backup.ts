// Back Up Database… and Back Up All Databases.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { M } from '../messages';
import { Ctx, resolveDatabase, revealPath } from './context';

export async function backupDatabaseCommand(ctx: Ctx, arg?: unknown): Promise<string | undefined> {
  const db = await resolveDatabase(ctx, arg);
  if (!db) return undefined;
  try {
    const r = await ctx.service.backup(db, 'notification');
    if (!ctx.registry.find(db)) await ctx.registry.refresh();
    const line = r.unchanged
      ? M.backupUnchanged(path.basename(db), r.unchanged.since, path.basename(r.file))
      : M.backupDone(path.basename(db), path.basename(r.file));
    void vscode.window.showInformationMessage(line, 'Reveal').then((c) => {
      if (c === 'Reveal') void revealPath(r.file);
    });
    return r.file;
  } catch (e) {
    await ctx.service.reportError(`Backup of ${path.basename(db)}`, e);
    return undefined;
  }
}

export async function backupAllCommand(ctx: Ctx): Promise<void> {
  await ctx.registry.refresh();
  const dbs = ctx.registry.list();
  if (!dbs.length) {
    void vscode.window.showInformationMessage(M.noDatabases);
    return;
  }
  let ok = 0;
  let failed = 0;
  let unchanged = 0;
  for (const d of dbs) {
    try {
      const r = await ctx.service.backup(d.path, 'notification');
      ok++;
      if (r.unchanged) unchanged++;
    } catch (e) {
      failed++;
      if ((e as Error).name === 'CancelledError') break;
    }
  }
  if (failed) {
    const c = await vscode.window.showWarningMessage(M.backupAllDone(ok, failed, unchanged), M.showLog);
    if (c === M.showLog) ctx.log.show();
  } else void vscode.window.showInformationMessage(M.backupAllDone(ok, failed, unchanged));
}
