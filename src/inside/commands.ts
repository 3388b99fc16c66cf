// The commands of issue 12 in the editor: Look Inside, Compare with Live, Restore Table…, Recover
// Deleted Rows…, Restore as Copy…, and what a command's argument (a tree node, an explorer Uri,
// a page's request, nothing from the palette) becomes: a backup, or a live database.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { backupPickItem, Ctx, pickBackup, resolveDatabase } from '../commands/context';
import { readSettings } from '../settings';
import { BackupNode, DatabaseNode } from '../views/databasesTree';
import { showDiff } from './diffPanel';
import { InsideAction, InsidePanel, InsideTarget, targetKey } from './insidePanel';
import { Pair, recoverRowsFlow, restoreAsCopyFlow, restoreTableFlow } from './partial';
import { T } from './text';
import { preferredViewer, ViewerHandover } from './viewer';

/** A request from a page or another command: a backup (of a database), or a live database. */
type Plain = { backupFile: string; dbPath?: string; table?: string } | { dbPath: string; live: true };

const isPlain = (a: unknown): a is Plain => !!a && typeof a === 'object' && !(a instanceof vscode.Uri)
  && (typeof (a as { backupFile?: unknown }).backupFile === 'string' || (typeof (a as { dbPath?: unknown }).dbPath === 'string' && (a as { live?: unknown }).live === true));

/** The backup (and its database) a command is about; asks for what the argument does not say. */
async function resolvePair(ctx: Ctx, arg: unknown, placeHolder: (db: string) => string): Promise<(Pair & { table?: string }) | undefined> {
  if (arg instanceof BackupNode) return { backupFile: arg.entry.file, dbPath: arg.db.path };
  if (isPlain(arg) && 'backupFile' in arg && arg.dbPath) return { backupFile: arg.backupFile, dbPath: arg.dbPath, table: arg.table };
  const db = await resolveDatabase(ctx, arg instanceof DatabaseNode || arg instanceof vscode.Uri ? arg : undefined);
  if (!db) return undefined;
  const entry = await pickBackup(ctx, db, placeHolder(path.basename(db)));
  return entry ? { backupFile: entry.file, dbPath: db } : undefined;
}

/** What Look Inside opens for an argument; from the palette, a pick of the live database or a backup. */
async function resolveTarget(ctx: Ctx, arg: unknown): Promise<InsideTarget | undefined> {
  if (arg instanceof BackupNode) return { kind: 'backup', backupFile: arg.entry.file, dbPath: arg.db.path, createdAt: arg.entry.createdAt };
  if (arg instanceof DatabaseNode) return { kind: 'live', dbPath: arg.db.path };
  if (isPlain(arg)) return 'live' in arg ? { kind: 'live', dbPath: arg.dbPath } : { kind: 'backup', backupFile: arg.backupFile, dbPath: arg.dbPath };
  const db = await resolveDatabase(ctx, arg);
  if (!db) return undefined;
  if (arg instanceof vscode.Uri) return { kind: 'live', dbPath: db };
  const backups = await ctx.service.list(db);
  const pick = await vscode.window.showQuickPick([
    { label: T.liveItem, description: T.liveItemDetail, target: { kind: 'live', dbPath: db } as InsideTarget },
    ...backups.map((e) => ({ ...backupPickItem(e), target: { kind: 'backup', backupFile: e.file, dbPath: db, createdAt: e.createdAt } as InsideTarget })),
  ], { placeHolder: T.pickTarget(path.basename(db)), matchOnDescription: true });
  return pick?.target;
}

/** The open look-inside panels, one per backup or live database. */
class InsideViews implements vscode.Disposable {
  private readonly panels = new Map<string, InsidePanel>();
  readonly viewers: ViewerHandover;

  constructor(private readonly ctx: Ctx) {
    this.viewers = new ViewerHandover(ctx);
  }

  async open(target: InsideTarget): Promise<InsidePanel | vscode.Uri | undefined> {
    const file = target.kind === 'backup' ? target.backupFile : target.dbPath;
    const scope = vscode.Uri.file(target.kind === 'backup' ? target.dbPath ?? file : file);
    const viewer = preferredViewer(this.ctx, path.basename(file), scope);
    if (viewer === 'missing') this.ctx.log.warn(T.viewerMissing(readSettings(scope).insidePreferViewer));
    else if (viewer) return this.viewers.open(target, viewer);
    const key = targetKey(target);
    const open = this.panels.get(key);
    if (open) {
      open.reveal();
      return open;
    }
    const p = await InsidePanel.open(this.ctx, target, (a, table, panel) => this.act(a, table, panel), () => this.panels.delete(key));
    this.panels.set(key, p);
    return p;
  }

  private async act(action: InsideAction, table: string | undefined, panel: InsidePanel): Promise<void> {
    const t = panel.target;
    if (action === 'refresh') return panel.refresh();
    if (t.kind !== 'backup' || !t.dbPath) return;
    const pair = { backupFile: t.backupFile, dbPath: t.dbPath };
    const hooks = { showDiff: () => showDiff(this.ctx, pair.backupFile, pair.dbPath) };
    if (action === 'compare') await hooks.showDiff();
    else if (action === 'restoreTable') await restoreTableFlow(this.ctx, pair, table, hooks);
    else if (action === 'recoverRows') await recoverRowsFlow(this.ctx, pair, table ? [table] : undefined, undefined, hooks);
    else if (action === 'restoreAsCopy') await restoreAsCopyFlow(this.ctx, pair);
  }

  dispose(): void {
    for (const p of [...this.panels.values()]) p.dispose();
    this.viewers.dispose();
  }
}

/** Errors end here: logged whole, shown as one line with Show Log. */
const guarded = (ctx: Ctx, what: string, fn: (arg: unknown) => Promise<unknown>) => async (arg: unknown) => {
  try {
    return await fn(arg);
  } catch (e) {
    await ctx.service.reportError(what, e);
    return undefined;
  }
};

/** Registers the commands; the returned disposables go into the extension's subscriptions. */
export function registerInside(ctx: Ctx): vscode.Disposable[] {
  const views = new InsideViews(ctx);
  const commands: Record<string, (arg: unknown) => Promise<unknown>> = {
    'lifeboat.lookInside': guarded(ctx, 'Look inside', async (arg) => {
      const t = await resolveTarget(ctx, arg);
      return t ? views.open(t) : undefined;
    }),
    'lifeboat.compareWithLive': guarded(ctx, 'Compare with live', async (arg) => {
      const p = await resolvePair(ctx, arg, T.pickBackupToCompare);
      return p ? showDiff(ctx, p.backupFile, p.dbPath) : undefined;
    }),
    'lifeboat.restoreTable': guarded(ctx, 'Restore table', async (arg) => {
      const p = await resolvePair(ctx, arg, (db) => T.pickBackupFor('restore a table', db));
      return p ? restoreTableFlow(ctx, p, p.table, { showDiff: () => showDiff(ctx, p.backupFile, p.dbPath) }) : false;
    }),
    'lifeboat.recoverRows': guarded(ctx, 'Recover deleted rows', async (arg) => {
      const p = await resolvePair(ctx, arg, (db) => T.pickBackupFor('recover deleted rows', db));
      return p ? recoverRowsFlow(ctx, p, p.table ? [p.table] : undefined, undefined, { showDiff: () => showDiff(ctx, p.backupFile, p.dbPath) }) : false;
    }),
    'lifeboat.restoreAsCopy': guarded(ctx, 'Restore as copy', async (arg) => {
      const p = await resolvePair(ctx, arg, (db) => T.pickBackupFor('write a copy', db));
      return p ? restoreAsCopyFlow(ctx, p) : undefined;
    }),
  };
  return [views, ...Object.entries(commands).map(([id, fn]) => vscode.commands.registerCommand(id, fn))];
}
