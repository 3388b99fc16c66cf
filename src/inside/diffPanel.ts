// "Compare with Live": a backup against the live database (through a snapshot), in a webview. Per
// table the schema changes, then the counts (deleted / changed / added since the backup), then
// the differing rows, paged from the engine child; and from there, restore only what was lost.
// showDiff() is also the first view of Compare in the restore modal: it returns a short summary.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Ctx } from '../commands/context';
import { describeSchemaChanges, DiffResult, TableDiff } from '../core';
import { CompareClient } from './client';
import { recoverRowsFlow, restoreAsCopyFlow, restoreTableFlow } from './partial';
import { diffLine, T } from './text';
import { openPanel } from './webview';

const FIRST_ROWS = 50;
const PAGE_ROWS = 100;

/** A table of the diff with what the page shows as text (the schema changes, the summary line). */
function decorate(t: TableDiff) {
  return { ...t, line: diffLine(t), schemaLines: t.schema && !t.schema.same ? describeSchemaChanges(t.schema) : [] };
}

/** The few lines the restore modal shows after Compare. */
export function summarize(d: DiffResult, max = 12): string {
  const differing = d.tables.filter((t) => t.status !== 'identical' && !(t.status === 'skipped' && t.kind.from === t.kind.to && (!t.schema || t.schema.same)));
  if (!differing.length) return T.compareSummaryNone;
  return T.compareSummary(differing.slice(0, max).map((t) => `${t.table}: ${diffLine(t)}`), Math.max(0, differing.length - max));
}

async function compute(ctx: Ctx, client: CompareClient, dbName: string): Promise<DiffResult> {
  return ctx.service.withProgress(T.comparing(dbName), 'notification', (signal, report) =>
    client.diff({ limit: FIRST_ROWS, maxBytes: 256 }, signal, (p) => report(p.rowsFrom || p.rowsTo ? `${p.table}: ${p.rowsFrom} / ${p.rowsTo} rows read` : p.table)));
}

/** A fresh snapshot of the live database, compared with the backup; the session stays open for the pages. */
async function compareNow(ctx: Ctx, backupFile: string, dbPath: string): Promise<{ client: CompareClient; result: DiffResult }> {
  const dbName = path.basename(dbPath);
  const client = await ctx.service.withProgress(T.snapshotting(dbName), 'window', (signal) =>
    CompareClient.open(ctx.service.engine, { backupFile }, { dbPath }, signal));
  try {
    const result = await compute(ctx, client, dbName);
    ctx.log.info(`Compared ${backupFile} with ${dbPath}: ${result.identical ? 'identical' : 'different'} (${result.durationMs} ms)`);
    return { client, result };
  } catch (e) {
    await client.close();
    throw e;
  }
}

/**
 * Opens the diff view of `backupFile` against the live database `dbPath` and returns a summary of
 * the differences (for the restore modal). Throws what the comparison threw (CancelledError, …).
 */
export async function showDiff(ctx: Ctx, backupFile: string, dbPath: string): Promise<string> {
  const dbName = path.basename(dbPath);
  let { client, result } = await compareNow(ctx, backupFile, dbPath);
  const pair = { backupFile, dbPath };
  const view: { panel?: vscode.WebviewPanel; closed?: boolean } = {};
  const refresh = async () => {
    const fresh = await compareNow(ctx, backupFile, dbPath);
    const old = client;
    ({ client, result } = fresh);
    await old.close();
    if (view.closed) await client.close();
    else view.panel?.webview.postMessage({ event: 'result', data: page() });
  };
  const hooks = { showDiff: async () => view.panel?.reveal(), changed: refresh };
  const page = () => ({
    title: T.diffTitle(dbName),
    from: result.from,
    to: result.to,
    backupName: path.basename(backupFile),
    identical: result.identical,
    durationMs: result.durationMs,
    at: new Date().toLocaleTimeString(),
    tables: result.tables.map(decorate),
  });
  const opened = openPanel(ctx.extension.extensionUri, { viewType: 'lifeboat.diff', title: T.diffTitle(dbName), script: 'diff.js', label: `${T.diffTitle(dbName)}: what changed since the backup`, log: ctx.log }, {
    init: async () => page(),
    more: async (p) => client.rows(String(p.table), typeof p.after === 'string' ? p.after : null, PAGE_ROWS),
    refresh: async () => { await refresh(); return null; },
    action: async (p) => {
      const table = typeof p.table === 'string' ? p.table : undefined;
      switch (p.action) {
        case 'recoverDeleted': await recoverRowsFlow(ctx, pair, table ? [table] : undefined, table ? 'missing' : undefined, hooks); break;
        case 'recoverChanged': await recoverRowsFlow(ctx, pair, table ? [table] : undefined, table ? 'missing+changed' : undefined, hooks); break;
        case 'restoreTable': await restoreTableFlow(ctx, pair, table, hooks); break;
        case 'restoreAsCopy': await restoreAsCopyFlow(ctx, pair); break;
        case 'lookInside': await vscode.commands.executeCommand('lifeboat.lookInside', { backupFile, dbPath }); break;
      }
      return null;
    },
  });
  view.panel = opened.panel;
  view.panel.onDidDispose(() => { view.closed = true; void client.close(); });
  return summarize(result);
}
