// Restore only what was lost, in the editor: Restore Table…, Recover Deleted Rows (optionally with
// the changed rows), Restore as Copy. Each runs in the engine child with progress and cancel,
// shows what it will change in a modal whose default button is never the destructive one, says
// what it changed, and offers Undo (the safety copy the core keeps, put back by a full restore).
// The core applies the per-database lock and the in-use rules of a full restore.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Ctx } from '../commands/context';
import { requireTrust, revealPath } from '../commands/context';
import {
  describeError, describeSchemaChanges, DiffResult, ForeignKeyViolation, describeViolations, PartialMode, PartialPreflight, PartialRestoreResult, restoredCopyName,
} from '../core';
import { M } from '../messages';
import { readSettings } from '../settings';
import { CompareClient } from './client';
import { diffLine, T } from './text';

export interface Pair { backupFile: string; dbPath: string }

/** What a flow may do besides its own modal: show the diff (the modal's first, harmless button). */
export interface FlowHooks {
  showDiff?: () => Promise<unknown>;
  /** after a change to the live database (the diff view refreshes) */
  changed?: () => Promise<unknown>;
}

const name = (p: string) => path.basename(p);

/** Counts per table of a backup against its live database (no rows), for the pickers; undefined when that failed (said). */
export async function quickDiff(ctx: Ctx, a: Pair): Promise<DiffResult | undefined> {
  try {
    return await ctx.service.withProgress(T.comparing(name(a.dbPath)), 'notification', async (signal) => {
      const c = await CompareClient.open(ctx.service.engine, { backupFile: a.backupFile }, { dbPath: a.dbPath }, signal);
      try {
        return await c.diff({ limit: 0 }, signal);
      } finally {
        await c.close();
      }
    });
  } catch (e) {
    await ctx.service.reportError(`Comparing ${name(a.dbPath)}`, e);
    return undefined;
  }
}

function preflightDetail(p: PartialPreflight): string {
  const lines = [
    `Target: ${p.dbPath}`,
    `Backup: ${name(p.backupFile)}`,
    ...p.tables.map((o) => T.outcome(p.mode, o, false)),
    ...p.tables.flatMap((o) => o.schemaChanges.map((s) => `${o.table}: ${s}`)),
    ...p.warnings.map((w) => `Note: ${w}`),
    ...(p.foreignKeyViolations.length ? [`Warning: ${describeViolations(p.foreignKeyViolations)}`] : []),
    T.everyOtherTable,
    T.safetyCopy(p.restore.safetyDir),
    ...(p.restore.inUse ? [T.inUse(p.restore.inUseReasons)] : []),
  ];
  return lines.join('\n');
}

/** The modal: "Show Diff" first (the default button), then the change itself; Cancel from VS Code. */
function confirmer(hooks: FlowHooks) {
  return async (p: PartialPreflight): Promise<boolean> => {
    const rows = p.tables.reduce((n, o) => n + o.inserted + o.replaced, 0);
    const go = T.actionButton(p.mode, rows);
    for (;;) {
      const buttons = hooks.showDiff ? [T.showDiff, go] : [go];
      const choice = await vscode.window.showWarningMessage(T.modeTitle(p.mode, p.tables.map((o) => o.table), name(p.dbPath)), { modal: true, detail: preflightDetail(p) }, ...buttons);
      if (choice === T.showDiff && hooks.showDiff) {
        await hooks.showDiff();
        continue;
      }
      return choice === go;
    }
  };
}

export interface PartialRequest extends Pair { tables: string[]; mode: PartialMode; allowForeignKeyViolations?: boolean }

/** Runs one partial restore (see the file header); true when it changed the live database. */
export async function runPartial(ctx: Ctx, req: PartialRequest, hooks: FlowHooks = {}): Promise<boolean> {
  if (!requireTrust()) return false;
  const db = name(req.dbPath);
  const s = readSettings(vscode.Uri.file(req.dbPath));
  let r: PartialRestoreResult;
  try {
    r = await ctx.service.withProgress(req.mode === 'table' ? `Restoring ${req.tables.join(', ')} in ${db}` : `Recovering rows of ${req.tables.join(', ')} in ${db}`, 'notification', (signal, report) =>
      ctx.service.engine.call('partialRestore', {
        backupFile: req.backupFile, dbPath: req.dbPath, tables: req.tables, mode: req.mode, outputDir: ctx.service.backupDir(req.dbPath),
        requireTables: s.requiredTables, busyTimeoutMs: s.busyTimeoutSeconds * 1000, allowForeignKeyViolations: req.allowForeignKeyViolations,
      }, { signal, confirm: confirmer(hooks), onProgress: (p) => report(p.message) }));
  } catch (e) {
    return handleFailure(ctx, req, hooks, e);
  } finally {
    ctx.service.invalidate(req.dbPath);
  }
  const lines = r.tables.map((o) => T.outcome(r.mode, o, true));
  ctx.log.info(`Partial restore (${r.mode}) of ${r.tablesTouched.join(', ')} in ${r.dbPath} from ${r.backupFile}: ${lines.join('; ')}; safety set ${r.restore?.safetyDir}`);
  for (const w of r.warnings) ctx.log.warn(`Partial restore of ${r.dbPath}: ${w}`);
  await hooks.changed?.();
  const safety = r.restore?.safetyCopy ?? null;
  const buttons = safety ? [T.undo, T.revealSafetyCopy] : [];
  void vscode.window.showInformationMessage(T.partialDone(r.mode, db, lines), ...buttons).then(async (c) => {
    if (c === T.undo && safety) await undoPartial(ctx, req.dbPath, safety, hooks);
    if (c === T.revealSafetyCopy && safety) await revealPath(safety);
  });
  return true;
}

async function handleFailure(ctx: Ctx, req: PartialRequest, hooks: FlowHooks, e: unknown): Promise<boolean> {
  const err = e as Error & { reasons?: string[]; violations?: ForeignKeyViolation[] };
  const db = name(req.dbPath);
  switch (err?.name) {
    case 'NotConfirmedError': return false;
    case 'InUseError': {
      const c = await vscode.window.showWarningMessage(M.inUseTitle(db), { modal: true, detail: M.inUseDetail(err.reasons ?? [], false) }, M.tryAgain);
      return c === M.tryAgain ? runPartial(ctx, req, hooks) : false;
    }
    case 'LiveChangedError': {
      const c = await vscode.window.showWarningMessage(T.liveChangedTitle(db), { modal: true, detail: T.liveChangedDetail }, M.tryAgain);
      return c === M.tryAgain ? runPartial(ctx, req, hooks) : false;
    }
    case 'ForeignKeyError': {
      const v = err.violations ?? [];
      const wanted = new Set(req.tables.map((t) => t.toLowerCase()));
      const parents = [...new Set(v.filter((x) => wanted.has(x.table.toLowerCase()) && !wanted.has(x.parent.toLowerCase())).map((x) => x.parent))];
      // adding the parents is the safe answer, so it comes first
      const buttons = parents.length ? [T.fkAddTables(parents), T.fkAnyway] : [T.fkAnyway];
      const c = await vscode.window.showWarningMessage(T.fkTitle(db), { modal: true, detail: `${describeViolations(v)}.\nNothing was changed.` }, ...buttons);
      if (c === T.fkAnyway) return runPartial(ctx, { ...req, allowForeignKeyViolations: true }, hooks);
      if (c && parents.length) return runPartial(ctx, { ...req, tables: [...req.tables, ...parents] }, hooks);
      return false;
    }
  }
  ctx.log.error(`Partial restore of ${req.dbPath} from ${req.backupFile} failed: ${describeError(e)}`);
  await ctx.service.reportError(req.mode === 'table' ? `Restoring ${req.tables.join(', ')}` : 'Recovering rows', e);
  return false;
}

/** Puts the safety copy back with a full, verified restore (asked first). */
export async function undoPartial(ctx: Ctx, dbPath: string, safetyCopy: string, hooks: FlowHooks = {}): Promise<boolean> {
  if (!requireTrust()) return false;
  const db = name(dbPath);
  try {
    await ctx.service.restore(safetyCopy, dbPath, async (p) => {
      const detail = [T.undoDetail(name(safetyCopy)), ...(p.inUse ? [T.inUse(p.inUseReasons)] : [])].join('\n\n');
      for (;;) {
        const c = await vscode.window.showWarningMessage(T.undoTitle(db), { modal: true, detail }, T.showDiff, T.undoButton);
        if (c === T.showDiff) {
          await vscode.commands.executeCommand('lifeboat.compareWithLive', { backupFile: safetyCopy, dbPath });
          continue;
        }
        return c === T.undoButton;
      }
    });
  } catch (e) {
    if ((e as Error).name === 'NotConfirmedError') return false;
    if ((e as Error).name === 'InUseError') {
      const c = await vscode.window.showWarningMessage(M.inUseTitle(db), { modal: true, detail: M.inUseDetail((e as { reasons?: string[] }).reasons ?? [], false) }, M.tryAgain);
      return c === M.tryAgain ? undoPartial(ctx, dbPath, safetyCopy, hooks) : false;
    }
    await ctx.service.reportError(`Undo in ${db}`, e);
    return false;
  }
  ctx.log.info(`Undid the partial restore of ${dbPath} with ${safetyCopy}`);
  await hooks.changed?.();
  void vscode.window.showInformationMessage(T.undone(db));
  return true;
}

/** Restore Table…: one table of the backup replaces the live one (picked when not given). */
export async function restoreTableFlow(ctx: Ctx, a: Pair, table?: string, hooks: FlowHooks = {}): Promise<boolean> {
  if (!requireTrust()) return false;
  if (!table) {
    const d = await quickDiff(ctx, a);
    if (!d) return false;
    const items = d.tables.filter((t) => t.kind.from === 'rowid' || t.kind.from === 'without-rowid').map((t) => ({
      label: t.table, description: diffLine(t), detail: t.schema && !t.schema.same ? describeSchemaChanges(t.schema).join('; ') : undefined, table: t.table,
    }));
    const pick = await vscode.window.showQuickPick(items, { placeHolder: T.pickTableToRestore(name(a.dbPath)), matchOnDescription: true });
    if (!pick) return false;
    table = pick.table;
  }
  return runPartial(ctx, { ...a, tables: [table], mode: 'table' }, hooks);
}

/** Recover Deleted Rows: the tables with rows missing from live (all preselected), then whether to put back changed rows too. */
export async function recoverRowsFlow(ctx: Ctx, a: Pair, tables?: string[], mode?: 'missing' | 'missing+changed', hooks: FlowHooks = {}): Promise<boolean> {
  if (!requireTrust()) return false;
  if (!tables || !mode) {
    const d = await quickDiff(ctx, a);
    if (!d) return false;
    const lost = d.tables.filter((t) => t.status === 'different' && t.counts && (t.counts.deleted > 0 || t.counts.changed > 0) && t.key?.kind !== 'content');
    const chosen = tables ? lost.filter((t) => tables!.some((x) => x.toLowerCase() === t.table.toLowerCase())) : lost;
    if (!chosen.some((t) => t.counts!.deleted > 0 || (mode === 'missing+changed' && t.counts!.changed > 0))) {
      void vscode.window.showInformationMessage(T.noRowsMissing(name(a.dbPath)));
      return false;
    }
    let picked = chosen;
    if (!tables) {
      const items = chosen.map((t) => ({ label: t.table, description: diffLine(t), picked: t.counts!.deleted > 0, t }));
      const sel = await vscode.window.showQuickPick(items, { placeHolder: T.pickTablesToRecover(name(a.dbPath)), canPickMany: true });
      if (!sel?.length) return false;
      picked = sel.map((s) => s.t);
    }
    const deleted = picked.reduce((n, t) => n + t.counts!.deleted, 0);
    const changed = picked.reduce((n, t) => n + t.counts!.changed, 0);
    if (!mode) {
      if (changed) {
        const m = await vscode.window.showQuickPick([
          { label: T.onlyDeleted(deleted), mode: 'missing' as const },
          { label: T.deletedAndChanged(deleted, changed), mode: 'missing+changed' as const },
        ], { placeHolder: T.pickRecoverMode });
        if (!m) return false;
        mode = m.mode;
      } else mode = 'missing';
    }
    tables = picked.map((t) => t.table);
  }
  return runPartial(ctx, { ...a, tables, mode }, hooks);
}

/** Restore as Copy: the verified backup written to `<db>.restored-<time>.<ext>` beside the database. */
export async function restoreAsCopyFlow(ctx: Ctx, a: Pair): Promise<string | undefined> {
  if (!requireTrust()) return undefined;
  const db = name(a.dbPath);
  const file = restoredCopyName(a.dbPath, new Date());
  const ok = await vscode.window.showInformationMessage(T.copyTitle(db), { modal: true, detail: T.copyDetail(file, db) }, T.copyButton);
  if (ok !== T.copyButton) return undefined;
  try {
    const r = await ctx.service.withProgress(`Writing a copy of ${name(a.backupFile)}`, 'notification', (signal, report) =>
      ctx.service.engine.call('restoreAsCopy', { backupFile: a.backupFile, dbPath: a.dbPath, to: file }, { signal, onProgress: (p) => report(p.message) }));
    ctx.log.info(`Restored ${r.backupFile} as a copy: ${r.file} (integrity ${r.integrity}, ${r.durationMs} ms)`);
    void vscode.window.showInformationMessage(T.copyDone(name(r.file), db), T.lookInside, T.reveal, T.deleteCopy).then(async (c) => {
      if (c === T.lookInside) await vscode.commands.executeCommand('lifeboat.lookInside', { backupFile: r.file });
      if (c === T.reveal) await revealPath(r.file);
      if (c === T.deleteCopy) {
        const sure = await vscode.window.showWarningMessage(T.deleteCopyConfirm(name(r.file)), { modal: true }, T.deleteButton);
        if (sure === T.deleteButton) await vscode.workspace.fs.delete(vscode.Uri.file(r.file), { useTrash: false });
      }
    });
    return r.file;
  } catch (e) {
    await ctx.service.reportError(`Restore as copy of ${db}`, e);
    return undefined;
  }
}
