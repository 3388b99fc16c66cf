// Verify Backup… and Verify All Backups.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { verifyBackup } from '../core';
import { M } from '../messages';
import { BackupNode } from '../views/databasesTree';
import { Ctx, pickBackup, resolveDatabase } from './context';

export async function verifyBackupCommand(ctx: Ctx, arg?: unknown): Promise<boolean | undefined> {
  let file: string | undefined;
  if (arg instanceof BackupNode) file = arg.entry.file;
  else if (arg instanceof vscode.Uri) file = arg.fsPath;
  else {
    const db = await resolveDatabase(ctx, undefined);
    if (!db) return undefined;
    file = (await pickBackup(ctx, db, M.pickBackupToVerify))?.file;
  }
  if (!file) return undefined;
  try {
    const r = await ctx.service.verify(file);
    if (r.ok) void vscode.window.showInformationMessage(M.verifyOk(path.basename(file)));
    else {
      const c = await vscode.window.showErrorMessage(M.verifyFailed(path.basename(file), r.reason ?? 'unknown'), M.showLog);
      if (c === M.showLog) ctx.log.show();
    }
    return r.ok;
  } catch (e) {
    await ctx.service.reportError(`Verification of ${path.basename(file)}`, e);
    return undefined;
  }
}

export async function verifyAllCommand(ctx: Ctx): Promise<{ ok: number; bad: number }> {
  await ctx.registry.refresh();
  let ok = 0;
  let bad = 0;
  try {
    await ctx.service.withProgress('Verifying all backups', 'notification', async (signal, report) => {
      for (const d of ctx.registry.list()) {
        for (const b of await ctx.service.list(d.path)) {
          if (signal.aborted) return;
          report(path.basename(b.file));
          const r = await verifyBackup(b.file, { signal });
          if (r.ok) ok++;
          else {
            bad++;
            ctx.log.warn(`Verification of ${b.file} failed: ${r.reason}`);
          }
        }
      }
    });
  } catch (e) {
    await ctx.service.reportError('Verify all', e);
  }
  ctx.service.invalidate();
  if (bad) {
    const c = await vscode.window.showErrorMessage(M.verifyAllDone(ok, bad), M.showLog);
    if (c === M.showLog) ctx.log.show();
  } else void vscode.window.showInformationMessage(M.verifyAllDone(ok, bad));
  return { ok, bad };
}
