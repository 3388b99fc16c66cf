// Drill commands: Start Drill…, Run Restore Rehearsal, Toggle Checkbox, and ticking from the tree.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { describeError, fmtBytes } from '../core';
import {
  defaultOperator, DrillRehearsal, findEvidenceTable, formatEvidenceRow, listScenarios, parseChecklist, performedSteps,
  drillFields, rehearsalKind, startDrill,
} from '../core/drills';
import { Ctx, backupPickItem, resolveDatabase } from '../commands/context';
import { ago, M } from '../messages';
import { expandPath, readSettings } from '../settings';
import { InsideClient } from '../inside/client';
import { DrillFiles } from './drillFiles';
import { DrillFileNode, ItemNode } from './drillsTree';

/** Edits one document so that the given lines' boxes are checked/unchecked; saves when it was clean. */
export async function setBoxes(uri: vscode.Uri, changes: { line: number; checked: boolean }[]): Promise<boolean> {
  const doc = await vscode.workspace.openTextDocument(uri);
  const wasDirty = doc.isDirty;
  const items = parseChecklist(doc.getText()).items;
  const edit = new vscode.WorkspaceEdit();
  let n = 0;
  for (const c of changes) {
    const it = items.find((i) => i.line === c.line);
    if (!it || it.checked === c.checked) continue;
    edit.replace(uri, new vscode.Range(it.line, it.column, it.line, it.column + 1), c.checked ? 'x' : ' ');
    n++;
  }
  if (!n) return false;
  const ok = await vscode.workspace.applyEdit(edit);
  if (ok && !wasDirty) await doc.save();
  return ok;
}

export async function startDrillCommand(ctx: Ctx, files: DrillFiles): Promise<vscode.Uri | undefined> {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) {
    void vscode.window.showWarningMessage('Open a folder first: drills are kept in the workspace.');
    return undefined;
  }
  const s = readSettings(folder.uri);
  const drillsDir = expandPath(s.drillsFolder, folder);
  const shipped = path.join(ctx.extension.extensionPath, 'docs', 'ops', 'drills');
  const scenarios = await listScenarios([shipped, drillsDir]);
  if (!scenarios.length) {
    void vscode.window.showErrorMessage(`No drill scenarios found in ${shipped} or ${drillsDir}.`);
    return undefined;
  }
  const pick = await vscode.window.showQuickPick(
    scenarios.map((sc) => ({ label: sc.title, description: sc.id, detail: sc.file.startsWith(shipped) ? 'shipped with Lifeboat' : sc.file, sc })),
    { placeHolder: 'Select a drill scenario' },
  );
  if (!pick) return undefined;
  const operator = await defaultOperator(folder.uri.fsPath);
  const dbs = ctx.registry.list();
  const file = await startDrill(pick.sc, drillsDir, { operator, database: dbs.length === 1 ? dbs[0].path : undefined });
  ctx.log.info(`Started drill ${file} (${pick.sc.id}, operator ${operator})`);
  await files.refresh();
  const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
  await vscode.window.showTextDocument(doc);
  return doc.uri;
}

function drillUriOf(arg: unknown, files: DrillFiles): vscode.Uri | undefined {
  if (arg instanceof vscode.Uri) return arg;
  if (arg instanceof DrillFileNode) return arg.uri;
  const ed = vscode.window.activeTextEditor;
  if (ed && files.isDrill(ed.document.uri)) return ed.document.uri;
  return undefined;
}

export async function runRehearsalCommand(ctx: Ctx, files: DrillFiles, arg?: unknown, opts: { dbPath?: string; backupFile?: string; table?: string } = {}): Promise<{ pass: boolean } | undefined> {
  let uri = drillUriOf(arg, files);
  if (!uri) {
    const all = files.all();
    if (!all.length) {
      const c = await vscode.window.showInformationMessage('No drill is open. Start one first?', 'Start Drill…');
      if (c) await vscode.commands.executeCommand('lifeboat.startDrill');
      return undefined;
    }
    const pick = await vscode.window.showQuickPick(all.map((f) => ({ label: path.basename(f.uri.fsPath), uri: f.uri })), { placeHolder: 'Select the drill to record the rehearsal in' });
    uri = pick?.uri;
  }
  if (!uri) return undefined;
  const doc = await vscode.workspace.openTextDocument(uri);
  if (!findEvidenceTable(doc.getText())) {
    void vscode.window.showErrorMessage(`${path.basename(uri.fsPath)} has no evidence table to record the rehearsal in.`);
    return undefined;
  }
  // the drill says which rehearsal it wants: a restore, or (destructive query) a recovery of deleted rows
  const kind = rehearsalKind(doc.getText());
  const what = kind === 'recover-rows' ? 'Recovery rehearsal' : 'Restore rehearsal';
  // the database that `drill start` wrote into the drill ("- **Database:** /path/app.db")
  const named = drillFields(doc.getText()).database;
  let dbPath = opts.dbPath ?? (named && ctx.registry.find(named) ? named : undefined);
  dbPath ??= await resolveDatabase(ctx, undefined);
  if (!dbPath) return undefined;
  let backupFile = opts.backupFile;
  if (!backupFile && !opts.dbPath) {
    const backups = await ctx.service.list(dbPath);
    const newestVerified = backups.find((b) => b.verified);
    if (!backups.length) {
      void vscode.window.showErrorMessage(`${path.basename(dbPath)} has no backups to rehearse with. Back it up first.`);
      return undefined;
    }
    const items = [
      ...(newestVerified ? [{ label: '$(star-full) Newest verified backup', description: `${ago(newestVerified.createdAt)} · ${fmtBytes(newestVerified.sizeBytes)}`, entry: newestVerified }] : []),
      ...backups.map(backupPickItem),
    ];
    const placeHolder = kind === 'recover-rows'
      ? `Backup of ${path.basename(dbPath)} to recover the deleted rows from (on a scratch copy)`
      : `Backup of ${path.basename(dbPath)} to rehearse a restore with (into a scratch copy)`;
    const pick = await vscode.window.showQuickPick(items, { placeHolder });
    if (!pick) return undefined;
    backupFile = pick.entry.file;
  }
  let table = opts.table;
  if (kind === 'recover-rows' && !table && !opts.dbPath) {
    const picked = await pickRehearsalTable(ctx, backupFile, path.basename(dbPath));
    if (picked === null) return undefined;
    table = picked;
  }
  const s = readSettings(vscode.Uri.file(dbPath));
  // the operator is the drill's own (written by Start Drill), else git's user.name in its folder
  const operatorCwd = vscode.workspace.getWorkspaceFolder(uri)?.uri.fsPath;
  try {
    // in the engine process: it reads the live database
    const r: DrillRehearsal = await ctx.service.withProgress(`${what} of ${path.basename(dbPath)}`, 'notification', (signal) =>
      ctx.service.engine.call('drillRehearsal', {
        drillText: doc.getText(), dbPath: dbPath!, backupFile, outputDir: ctx.service.backupDir(dbPath!), operatorCwd, rtoMinutes: s.rtoMinutes, rpoHours: s.rpoHours, table,
      }, { signal }));
    // one undoable edit: tick the performed auto items, append the evidence row
    const text = doc.getText();
    const eol = doc.eol === vscode.EndOfLine.CRLF ? '\r\n' : '\n';
    const evidence = findEvidenceTable(text)!;
    const steps = new Set(performedSteps(r));
    const edit = new vscode.WorkspaceEdit();
    for (const it of parseChecklist(text).items) {
      if (it.auto && steps.has(it.auto) && !it.checked) edit.replace(uri, new vscode.Range(it.line, it.column, it.line, it.column + 1), 'x');
    }
    const last = doc.lineAt(evidence.lastLine);
    const atEnd = evidence.lastLine === doc.lineCount - 1;
    // a scenario's table may have more columns (Rows Lost, …): the rehearsal fills them (recovery.ts)
    const row = formatEvidenceRow(r.row, r.kind === 'recover-rows' ? r.extra : undefined, evidence.columns);
    edit.insert(uri, atEnd ? last.range.end : new vscode.Position(evidence.lastLine + 1, 0), atEnd ? `${eol}${row}` : `${row}${eol}`);
    const wasDirty = doc.isDirty;
    await vscode.workspace.applyEdit(edit);
    if (!wasDirty) await doc.save();
    ctx.log.info(`Rehearsal (${r.kind}) for ${dbPath} with ${r.backupFile}: ${r.row['Pass/Fail']} (${r.row['Restore Duration']}, integrity ${r.integrity}, rows ${r.row['Row Count Match']}); ${r.reasons.join('; ')}`);
    const measured = r.kind === 'recover-rows'
      ? `DELETE FROM ${r.table} on a scratch copy: ${r.rowsLost} rows lost, ${r.rowsRecovered} recovered in ${r.row['Restore Duration']}, other tables untouched: ${r.extra['Other Tables Untouched']}, integrity_check ${r.integrity}`
      : `restored in ${r.row['Restore Duration']}, integrity_check ${r.integrity}, row counts ${r.row['Row Count Match']}`;
    // in the Drills view's terms: the drill passes once every step is ticked, not with the rehearsal alone
    const left = parseChecklist(doc.getText()).items.filter((it) => !it.checked).length;
    const msg = r.pass ? `${M.rehearsalPassed(left, what)} ${measured}.` : `${what} FAILED: ${measured}. ${r.reasons.join('; ')}`;
    if (r.pass) void vscode.window.showInformationMessage(msg);
    else void vscode.window.showWarningMessage(msg, 'Show Log').then((c) => { if (c) ctx.log.show(); });
    return { pass: r.pass };
  } catch (e) {
    await ctx.service.reportError(what, e);
    ctx.log.error(`Rehearsal failed: ${describeError(e)}`);
    return undefined;
  }
}

/**
 * The table a recovery rehearsal deletes from: the backup's tables with a key, largest first
 * (the core's default). undefined: the default; null: the pick was dismissed.
 */
async function pickRehearsalTable(ctx: Ctx, backupFile: string | undefined, db: string): Promise<string | undefined | null> {
  if (!backupFile) return undefined;
  let tables;
  try {
    const inside = await InsideClient.open(ctx.service.engine, { backupFile });
    try {
      tables = (await inside.tables()).filter((t) => (t.kind === 'rowid' || t.kind === 'without-rowid') && t.key.kind !== 'none' && (t.rows ?? 0) > 0);
    } finally {
      await inside.close();
    }
  } catch (e) {
    ctx.log.warn(`Listing the tables of ${backupFile} failed: ${describeError(e)}; the rehearsal takes its largest table`);
    return undefined; // the rehearsal reports what is wrong with the backup
  }
  tables.sort((a, b) => (b.rows ?? 0) - (a.rows ?? 0));
  const pick = await vscode.window.showQuickPick(tables.map((t, i) => ({ label: t.name, description: `${t.rows} rows${i === 0 ? ' · the largest (default)' : ''}`, name: t.name })),
    { placeHolder: `Table to DELETE FROM in the scratch copy of ${db} (the live database is never written)` });
  return pick ? pick.name : null;
}

export async function toggleCheckboxCommand(): Promise<void> {
  const ed = vscode.window.activeTextEditor;
  if (!ed) return;
  const items = parseChecklist(ed.document.getText()).items;
  const lines = new Set<number>();
  for (const sel of ed.selections) for (let l = sel.start.line; l <= sel.end.line; l++) lines.add(l);
  const targets = items.filter((i) => lines.has(i.line));
  if (!targets.length) return;
  const check = targets.some((t) => !t.checked); // mixed selection: check all
  await ed.edit((b) => {
    for (const t of targets) b.replace(new vscode.Range(t.line, t.column, t.line, t.column + 1), check ? 'x' : ' ');
  });
}

export async function onTreeCheckboxes(e: vscode.TreeCheckboxChangeEvent<unknown>): Promise<void> {
  const byFile = new Map<string, { uri: vscode.Uri; changes: { line: number; checked: boolean }[] }>();
  for (const [node, state] of e.items) {
    if (!(node instanceof ItemNode)) continue;
    const key = node.file.uri.toString();
    const entry = byFile.get(key) ?? { uri: node.file.uri, changes: [] };
    entry.changes.push({ line: node.file.list.items[node.index].line, checked: state === vscode.TreeItemCheckboxState.Checked });
    byFile.set(key, entry);
  }
  for (const { uri, changes } of byFile.values()) await setBoxes(uri, changes);
}
