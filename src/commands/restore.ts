// Restore Database from Backup…, Restore Latest Backup, and the Undo that follows a restore.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { BackupEntry, describeError, fmtBytes, InUseError, RestorePreflight, RestoreResult } from '../core';
import { ago, M } from '../messages';
import { BackupNode } from '../views/databasesTree';
import { Ctx, pickBackup, requireTrust, resolveDatabase } from './context';

export const COMPARE_SCHEME = 'lifeboat-compare';

/** Read-only documents that compare live and backup row counts. */
export class CompareDocuments implements vscode.TextDocumentContentProvider {
  private readonly docs = new Map<string, string>();
  private readonly emitter = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.emitter.event;

  set(uri: vscode.Uri, text: string): void {
    this.docs.set(uri.toString(), text);
    this.emitter.fire(uri);
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.docs.get(uri.toString()) ?? '';
  }
}

function tableSummary(tables: Record<string, number>, max = 12): string {
  const rows = Object.entries(tables);
  if (!rows.length) return 'no tables';
  const shown = rows.slice(0, max).map(([t, n]) => `${t} ${n}`).join(', ');
  return rows.length > max ? `${shown}, … (${rows.length} tables)` : shown;
}

/** Opens the comparison document and returns a short summary of the differences for the dialog. */
async function showComparison(ctx: Ctx, docs: CompareDocuments, dbPath: string, backupFile: string, backup: RestorePreflight['backup']): Promise<string> {
  let live: Record<string, number> = {};
  let liveNote = '';
  try {
    live = (await ctx.service.inspectLive(dbPath)).tables;
  } catch (e) {
    liveNote = `The live database could not be read: ${describeError(e)}`;
  }
  const names = [...new Set([...Object.keys(live), ...Object.keys(backup.tables)])].sort();
  const lines = [
    `# ${path.basename(dbPath)}: live database vs backup`,
    '',
    `- Live: \`${dbPath}\``,
    `- Backup: \`${backupFile}\``,
    '',
  ];
  if (liveNote) lines.push(liveNote, '');
  lines.push('| table | live rows | backup rows | difference |', '|---|---:|---:|---:|');
  for (const t of names) {
    const a = live[t];
    const b = backup.tables[t];
    const diff = a === undefined || b === undefined ? '—' : b - a === 0 ? '=' : `${b - a > 0 ? '+' : ''}${b - a}`;
    lines.push(`| ${t} | ${a ?? 'missing'} | ${b ?? 'missing'} | ${diff} |`);
  }
  const uri = vscode.Uri.from({ scheme: COMPARE_SCHEME, path: `/${path.basename(dbPath)} live vs backup.md` });
  docs.set(uri, lines.join('\n') + '\n');
  const doc = await vscode.workspace.openTextDocument(uri);
  await vscode.window.showTextDocument(doc, { preview: true, preserveFocus: false });
  ctx.log.info(`Compared ${dbPath} with ${backupFile}`);
  if (liveNote) return liveNote;
  const diffs = names.filter((t) => live[t] !== backup.tables[t]);
  if (!diffs.length) return 'Live vs backup: every table has the same number of rows.';
  const shown = diffs.slice(0, 12).map((t) => `${t}: ${live[t] ?? 'missing'} → ${backup.tables[t] ?? 'missing'}`);
  return `Live → backup row counts that differ:\n${shown.join('\n')}${diffs.length > 12 ? `\n… and ${diffs.length - 12} more (see the comparison)` : ''}`;
}

/** The modal confirmation; "Compare" opens the row counts side by side and asks again with the differences. */
export function confirmer(ctx: Ctx, docs: CompareDocuments, entry: BackupEntry | undefined) {
  return async (p: RestorePreflight): Promise<boolean> => {
    const size = entry?.sizeBytes ?? p.backupSizeBytes;
    const createdAt = entry?.createdAt ?? p.backupCreatedAt;
    const when = createdAt ? `${ago(createdAt)} (${new Date(createdAt).toLocaleString()})` : '';
    const other = p.otherSource;
    const lines = [
      ...(other ? [`Warning: this backup was made from ANOTHER database: ${p.sourcePath}`] : p.ownership === 'other' ? [`Made from: ${p.sourcePath}`] : []),
      `Target: ${p.dbPath}${p.viaLink ? ` (a link to ${p.realPath})` : ''}${p.liveExists ? '' : ' (does not exist now: it will be created)'}`,
      `Backup: ${path.basename(p.backupFile)} — ${when ? when + ', ' : ''}${fmtBytes(size)}, integrity ok${p.backup.checksumMatch ? ', checksum matches' : ''}`,
      `Rows: ${tableSummary(p.backup.tables)}`,
      `Safety copy: the current database is copied first to ${p.safetyDir}`,
      ...p.warnings.map((w) => `Note: ${w}`),
      ...(p.inUse ? [`Warning: the database looks in use (${p.inUseReasons.join('; ')}). Its application's later writes will be lost.`] : []),
    ];
    const restoreLabel = other ? M.restoreOtherButton : M.restoreButton;
    let differences: string | undefined;
    for (;;) {
      const detail = differences ? [...lines, '', differences].join('\n') : lines.join('\n');
      // "Compare" comes first so that the default button is never the destructive one.
      const buttons = differences ? [restoreLabel] : [M.compareButton, restoreLabel];
      const choice = await vscode.window.showWarningMessage(M.restoreTitle(path.basename(p.dbPath)), { modal: true, detail }, ...buttons);
      if (choice === M.compareButton) {
        differences = await showComparison(ctx, docs, p.dbPath, p.backupFile, p.backup);
        continue;
      }
      return choice === restoreLabel;
    }
  };
}

/** The toast after a restore: Undo Restore (puts the safety copy back) and Reveal Safety Copy. */
export function offerUndo(ctx: Ctx, docs: CompareDocuments, dbPath: string, r: RestoreResult, message: string): void {
  const buttons = r.safetyCopy ? [M.undoRestore, M.revealSafetyCopy] : [M.revealSafetyCopy];
  void vscode.window.showInformationMessage(message, ...buttons).then(async (c) => {
    if (c === M.undoRestore && r.safetyCopy) await restoreFromBackup(ctx, docs, dbPath, r.safetyCopy);
    if (c === M.revealSafetyCopy) await vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(r.safetyCopy ?? r.safetyDir));
  });
}

/** The modal when the database is in use: how to go on, or undefined to stop. */
export async function askInUse(dbPath: string, e: InUseError): Promise<{ force?: boolean; method?: 'swap' | 'online' } | undefined> {
  // Where SQLite's locks are available the safe way is offered first: restoring through SQLite.
  const buttons = e.online ? [M.restoreOnline, M.tryAgain, M.restoreAnyway] : [M.tryAgain, M.restoreAnyway];
  const choice = await vscode.window.showWarningMessage(M.inUseTitle(path.basename(dbPath)), { modal: true, detail: M.inUseDetail(e.reasons, e.online) }, ...buttons);
  if (choice === M.restoreOnline) return { method: 'online' };
  if (choice === M.tryAgain) return {};
  if (choice === M.restoreAnyway) return { force: true };
  return undefined;
}

export async function restoreFromBackup(ctx: Ctx, docs: CompareDocuments, dbPath: string, backupFile: string, entry?: BackupEntry, how: { force?: boolean; method?: 'swap' | 'online' } = {}): Promise<boolean> {
  try {
    // a backup of another database is allowed only through the modal's explicit button
    const r = await ctx.service.restore(backupFile, dbPath, confirmer(ctx, docs, entry), how);
    offerUndo(ctx, docs, dbPath, r, M.restoreDone(path.basename(dbPath), r.method));
    return true;
  } catch (e) {
    if ((e as Error).name === 'NotConfirmedError') return false;
    if (e instanceof InUseError && !how.force && how.method !== 'online') {
      const next = await askInUse(dbPath, e);
      return next ? restoreFromBackup(ctx, docs, dbPath, backupFile, entry, next) : false;
    }
    await ctx.service.reportError(`Restore of ${path.basename(dbPath)}`, e);
    return false;
  }
}

export async function restoreDatabaseCommand(ctx: Ctx, docs: CompareDocuments, arg?: unknown): Promise<boolean> {
  if (!requireTrust()) return false;
  if (arg instanceof BackupNode) return restoreFromBackup(ctx, docs, arg.db.path, arg.entry.file, arg.entry);
  const db = await resolveDatabase(ctx, arg);
  if (!db) return false;
  const entry = await pickBackup(ctx, db);
  if (!entry) return false;
  return restoreFromBackup(ctx, docs, db, entry.file, entry);
}

export async function restoreLatestCommand(ctx: Ctx, docs: CompareDocuments, arg?: unknown): Promise<boolean> {
  if (!requireTrust()) return false;
  const db = await resolveDatabase(ctx, arg);
  if (!db) return false;
  const backups = await ctx.service.list(db);
  const entry = backups.find((b) => b.verified) ?? backups[0];
  if (!entry) {
    void vscode.window.showInformationMessage(M.noBackups(path.basename(db)));
    return false;
  }
  return restoreFromBackup(ctx, docs, db, entry.file, entry);
}
