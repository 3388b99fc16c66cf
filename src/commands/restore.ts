// Restore Database from Backup…, Restore Latest Backup, and the Undo that follows a restore.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { BackupEntry, describeError, fmtBytes, InUseError, RestorePreflight, RestoreResult } from '../core';
import { ago, M } from '../messages';
import { backupDetails, BackupNode, SafetyNode } from '../views/databasesTree';
import { Ctx, pickBackup, requireTrust, resolveDatabase, revealPath } from './context';

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

/** Row counts of the live database now (in the engine process, from a consistent snapshot). */
async function liveCounts(ctx: Ctx, dbPath: string): Promise<{ tables: Record<string, number> } | { error: string }> {
  try {
    return { tables: (await ctx.service.inspectLive(dbPath)).tables };
  } catch (e) {
    return { error: `The live database could not be read: ${describeError(e)}` };
  }
}

/** "Track 3503 (live 3403), Album 347, …": the backup's counts, with the live one where it differs. */
function rowsLine(backup: Record<string, number>, live: Record<string, number> | null, max = 12): string {
  const names = [...new Set([...Object.keys(backup), ...Object.keys(live ?? {})])].sort();
  if (!names.length) return 'no tables';
  const one = (t: string) => {
    const b = backup[t];
    const l = live?.[t];
    if (live && b !== l) return `${t} ${b ?? 'missing'} (live ${l ?? 'missing'})`;
    return `${t} ${b}`;
  };
  const shown = names.slice(0, max).map(one).join(', ');
  return names.length > max ? `${shown}, … (${names.length} tables)` : shown;
}

/** Opens the comparison, rendered, beside the dialog; returns a summary of the differences and the tab it opened. */
async function showComparison(ctx: Ctx, docs: CompareDocuments, dbPath: string, backupFile: string, backup: RestorePreflight['backup'], counted: Awaited<ReturnType<typeof liveCounts>>): Promise<{ summary: string; uri: vscode.Uri }> {
  const live = 'tables' in counted ? counted.tables : {};
  const names = [...new Set([...Object.keys(live), ...Object.keys(backup.tables)])].sort();
  const lines = [
    `# ${path.basename(dbPath)}: live database vs backup`,
    '',
    `- Live: \`${dbPath}\``,
    `- Backup: \`${backupFile}\``,
    '',
  ];
  if ('error' in counted) lines.push(counted.error, '');
  lines.push('| table | live rows | backup rows | difference |', '|---|---:|---:|---:|');
  for (const t of names) {
    const a = live[t];
    const b = backup.tables[t];
    const diff = a === undefined || b === undefined ? '—' : b - a === 0 ? '=' : `${b - a > 0 ? '+' : ''}${b - a}`;
    lines.push(`| ${t} | ${a ?? 'missing'} | ${b ?? 'missing'} | ${diff} |`);
  }
  const uri = vscode.Uri.from({ scheme: COMPARE_SCHEME, path: `/${path.basename(dbPath)} live vs backup.md` });
  docs.set(uri, lines.join('\n') + '\n');
  // rendered, beside the dialog (a raw markdown tab behind the modal was easy to miss)
  await vscode.commands.executeCommand('markdown.showPreviewToSide', uri);
  ctx.log.info(`Compared ${dbPath} with ${backupFile}`);
  if ('error' in counted) return { summary: counted.error, uri };
  const diffs = names.filter((t) => live[t] !== backup.tables[t]);
  if (!diffs.length) return { summary: 'Live vs backup: every table has the same number of rows.', uri };
  const shown = diffs.slice(0, 12).map((t) => `${t}: ${live[t] ?? 'missing'} → ${backup.tables[t] ?? 'missing'}`);
  return { summary: `Live → backup row counts that differ:\n${shown.join('\n')}${diffs.length > 12 ? `\n… and ${diffs.length - 12} more (see the comparison)` : ''}`, uri };
}

/** Closes the rendered comparison (and its source, if open) once the restore is decided. */
async function closeComparison(uri: vscode.Uri | undefined): Promise<void> {
  if (!uri) return;
  const name = path.basename(uri.path);
  const tabs = vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((t) => t.label.includes(name.replace(/\.md$/, '')) || (t.input instanceof vscode.TabInputText && t.input.uri.toString() === uri.toString()));
  if (tabs.length) await vscode.window.tabGroups.close(tabs);
}

/**
 * The modal confirmation. "Compare" comes first (the default button is never the destructive
 * one); it opens the comparison beside the dialog and asks again with the differences, Compare
 * still the default (VS Code makes the first button that is not the close affordance the
 * default, so a Cancel item given first would leave Restore as the default: Enter restored).
 * The comparison closes with the restore.
 */
export function confirmer(ctx: Ctx, docs: CompareDocuments, entry: BackupEntry | undefined, opened: { uri?: vscode.Uri } = {}) {
  return async (p: RestorePreflight): Promise<boolean> => {
    const size = entry?.sizeBytes ?? p.backupSizeBytes;
    const createdAt = entry?.createdAt ?? p.backupCreatedAt;
    const when = createdAt ? `${ago(createdAt)} (${new Date(createdAt).toLocaleString()})` : '';
    const other = p.otherSource;
    const counted = p.liveExists ? await liveCounts(ctx, p.dbPath) : { tables: {} };
    const live = 'tables' in counted && p.liveExists ? counted.tables : null;
    const lines = [
      ...(other ? [`Warning: this backup was made from ANOTHER database: ${p.sourcePath}`] : p.ownership === 'other' ? [`Made from: ${p.sourcePath}`] : []),
      `Target: ${p.dbPath}${p.viaLink ? ` (a link to ${p.realPath})` : ''}${p.liveExists ? ` (${fmtBytes(p.liveSizeBytes)} now)` : ' (does not exist now: it will be created)'}`,
      `Backup: ${path.basename(p.backupFile)} — ${when ? when + ', ' : ''}${fmtBytes(size)}, integrity ok${p.backup.checksumMatch ? ', checksum matches' : ''}`,
      `Rows in the backup: ${rowsLine(p.backup.tables, live)}`,
      ...('error' in counted ? [counted.error] : []),
      `Safety copy: the current database is copied first to ${p.safetyDir}`,
      ...p.warnings.map((w) => `Note: ${w}`),
      ...(p.inUse ? [p.method === 'online'
        ? `In use (${p.inUseReasons.join('; ')}): the restore goes through SQLite and the application stays connected; its later writes land in the restored data.`
        : `Warning: the database looks in use (${p.inUseReasons.join('; ')}). Its application's later writes will be lost.`] : []),
    ];
    const restoreLabel = other ? M.restoreOtherButton : M.restoreButton;
    let differences: string | undefined;
    for (;;) {
      const detail = differences ? [...lines, '', differences].join('\n') : lines.join('\n');
      // Compare first, before and after comparing (VS Code adds Cancel): Enter never restores.
      const buttons: vscode.MessageItem[] = [{ title: M.compareButton }, { title: restoreLabel }];
      const choice = await vscode.window.showWarningMessage(M.restoreTitle(path.basename(p.dbPath)), { modal: true, detail }, ...buttons);
      if (choice?.title === M.compareButton) {
        const c = await showComparison(ctx, docs, p.dbPath, p.backupFile, p.backup, counted);
        opened.uri = c.uri;
        differences = c.summary;
        continue;
      }
      return choice?.title === restoreLabel;
    }
  };
}

/** The toast after a restore: Undo Restore (puts the safety copy back) and Reveal Safety Copy. */
export function offerUndo(ctx: Ctx, docs: CompareDocuments, dbPath: string, r: RestoreResult, message: string): void {
  const buttons = r.safetyCopy ? [M.undoRestore, M.revealSafetyCopy] : [M.revealSafetyCopy];
  void vscode.window.showInformationMessage(message, ...buttons).then(async (c) => {
    if (c === M.undoRestore && r.safetyCopy) await restoreFromBackup(ctx, docs, dbPath, r.safetyCopy);
    if (c === M.revealSafetyCopy) await revealPath(r.safetyCopy ?? r.safetyDir);
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
    const opened: { uri?: vscode.Uri } = {};
    const r = await ctx.service.restore(backupFile, dbPath, confirmer(ctx, docs, entry, opened), how).finally(() => closeComparison(opened.uri));
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

/** Undo Restore from the tree: a safety copy, after its own confirmation. */
export async function undoRestoreCommand(ctx: Ctx, docs: CompareDocuments, arg?: unknown): Promise<boolean> {
  if (!requireTrust() || !(arg instanceof SafetyNode) || !arg.copy.file) return false;
  return restoreFromBackup(ctx, docs, arg.db.path, arg.copy.file);
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

/** Show Details: a backup's state and manifest, rendered in a preview tab. */
export async function showBackupCommand(ctx: Ctx, docs: CompareDocuments, arg?: unknown): Promise<void> {
  let entry: BackupEntry | undefined;
  if (arg instanceof BackupNode) entry = arg.entry;
  else {
    const db = await resolveDatabase(ctx, arg);
    if (db) entry = await pickBackup(ctx, db);
  }
  if (!entry) return;
  const uri = vscode.Uri.from({ scheme: COMPARE_SCHEME, path: `/${entry.name} details.md` });
  docs.set(uri, `${backupDetails(entry)}\n\n\`${entry.file}\`\n`);
  await vscode.commands.executeCommand('markdown.showPreview', uri);
}
