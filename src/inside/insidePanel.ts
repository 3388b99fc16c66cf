// "Look Inside": a backup, or a live database through a consistent snapshot, read-only in a
// webview: its tables with kinds and row counts, a table's schema, and its rows in keyset pages
// sorted by any column. The session lives in the engine child; this side only relays pages.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Ctx } from '../commands/context';
import type { RowsQuery, TableInfo } from '../core';
import { ago } from '../messages';
import { InsideClient } from './client';
import { T } from './text';
import { openPanel } from './webview';

export type InsideTarget =
  | { kind: 'backup'; backupFile: string; dbPath?: string; createdAt?: string }
  | { kind: 'live'; dbPath: string };

/** What the page's buttons ask for; the extension runs the matching command. */
export type InsideAction = 'compare' | 'restoreTable' | 'recoverRows' | 'restoreAsCopy' | 'refresh';

export const targetKey = (t: InsideTarget) => `${t.kind}:${path.resolve(t.kind === 'backup' ? t.backupFile : t.dbPath)}`;

function describeKey(t: TableInfo): string {
  if (t.kind === 'view') return 'a view: no key (its rows come from a query)';
  if (t.key.kind === 'rowid') return `rows are identified by rowid${t.key.columns.length ? ` (${t.key.columns.join(', ')}, an INTEGER PRIMARY KEY)` : ''}${t.key.stable ? '' : '; without an INTEGER PRIMARY KEY a VACUUM may renumber them'}`;
  if (t.key.kind === 'primary-key') return `rows are identified by the primary key (${t.key.columns.join(', ')}) of this WITHOUT ROWID table`;
  return 'no usable key: rows are paged by position and compared by content';
}

/** Only what a page of rows may ask for (the core checks the values: column, cursor, 1-1000 rows). */
function pageQuery(q: unknown): RowsQuery {
  const o = (q && typeof q === 'object' ? q : {}) as Record<string, unknown>;
  return {
    orderBy: typeof o.orderBy === 'string' ? o.orderBy : undefined,
    descending: o.descending === true,
    after: typeof o.after === 'string' ? o.after : undefined,
    limit: typeof o.limit === 'number' ? o.limit : undefined,
  };
}

export class InsidePanel implements vscode.Disposable {
  private disposed = false;

  private constructor(readonly target: InsideTarget, private readonly ctx: Ctx, private client: InsideClient, private readonly panel: vscode.WebviewPanel,
    private readonly onAction: (a: InsideAction, table: string | undefined, p: InsidePanel) => Promise<void>, private readonly onGone: () => void) {}

  /** Opens the session in the engine (a snapshot first, for a live database), then the panel. */
  static async open(ctx: Ctx, target: InsideTarget, onAction: InsidePanel['onAction'], onGone: () => void): Promise<InsidePanel> {
    const name = path.basename(target.kind === 'backup' ? target.backupFile : target.dbPath);
    const client = await ctx.service.withProgress(target.kind === 'live' ? T.snapshotting(name) : T.opening(name), target.kind === 'live' ? 'notification' : 'window',
      (signal) => InsideClient.open(ctx.service.engine, target.kind === 'backup' ? { backupFile: target.backupFile } : { dbPath: target.dbPath }, signal));
    const title = target.kind === 'live' ? T.liveTitle(name) : T.insideTitle(name);
    const box: { self?: InsidePanel } = {};
    const { panel } = openPanel(ctx.extension.extensionUri, { viewType: 'lifeboat.inside', title, script: 'inside.js', label: `${title}, read-only`, log: ctx.log }, {
      init: async () => box.self!.header(),
      tables: async (p) => box.self!.client.tables(p.counts !== false),
      schema: async (p) => {
        const info = await box.self!.client.schema(String(p.table));
        return { ...info, keyText: describeKey(info) };
      },
      rows: async (p) => box.self!.client.rows(String(p.table), pageQuery(p.query)),
      action: async (p) => {
        await box.self!.onAction(p.action as InsideAction, typeof p.table === 'string' ? p.table : undefined, box.self!);
        return null;
      },
    });
    const self = new InsidePanel(target, ctx, client, panel, onAction, onGone);
    box.self = self;
    panel.onDidDispose(() => self.dispose());
    ctx.log.info(`Looking inside ${client.label}${target.kind === 'live' ? ' (through a snapshot)' : ''}`);
    return self;
  }

  private header() {
    const t = this.target;
    const when = t.kind === 'backup' && t.createdAt ? `made ${ago(t.createdAt)} (${new Date(t.createdAt).toLocaleString()})` : '';
    return {
      kind: t.kind,
      title: path.basename(this.client.label),
      subtitle: t.kind === 'live'
        ? `A consistent snapshot of ${t.dbPath}, taken ${new Date().toLocaleTimeString()}; read-only (the live file is never opened)`
        : `${t.dbPath ? `Backup of ${t.dbPath}` : this.client.label}${when ? `, ${when}` : ''}; read-only`,
      path: this.client.label,
      // what the page offers: a live snapshot can be refreshed; a backup compared and restored from
      actions: t.kind === 'live' ? ['refresh'] : t.dbPath ? ['compare', 'restoreTable', 'recoverRows', 'restoreAsCopy'] : [],
    };
  }

  reveal(): void {
    this.panel.reveal();
  }

  /** A new snapshot of the live database (the page asks for its tables again). */
  async refresh(): Promise<void> {
    if (this.target.kind !== 'live') return;
    const fresh = await InsidePanel.reopenClient(this.ctx, this.target);
    const old = this.client;
    this.client = fresh;
    await old.close();
    this.panel.webview.postMessage({ event: 'reload', data: null });
  }

  private static reopenClient(ctx: Ctx, target: { dbPath: string }): Thenable<InsideClient> {
    return ctx.service.withProgress(T.snapshotting(path.basename(target.dbPath)), 'notification', (signal) => InsideClient.open(ctx.service.engine, { dbPath: target.dbPath }, signal));
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.onGone();
    void this.client.close();
    this.panel.dispose();
  }
}
