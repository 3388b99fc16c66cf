// Handing a backup (or a snapshot of a live database) to an installed SQLite viewer extension
// instead of Lifeboat's view, read-only: the viewer gets a private read-only copy, never the
// backup itself (a viewer that writes would break its checksum) nor the live file. The copy's
// folder is removed when its last tab closes, or when the extension stops.
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Ctx } from '../commands/context';
import { makePrivateDir, PrivateDir } from '../core/tempdir';
import { readSettings } from '../settings';
import type { InsideTarget } from './insidePanel';
import { CustomEditorInfo, customEditorsOf, pickViewer } from './viewerPick';

export function installedCustomEditors(ownId: string): CustomEditorInfo[] {
  return vscode.extensions.all.filter((e) => e.id !== ownId).flatMap((e) => customEditorsOf(e.id, e.packageJSON));
}

/** The viewType lifeboat.inside.preferViewer asks for this file (see pickViewer). */
export function preferredViewer(ctx: Ctx, fileName: string, scope?: vscode.Uri): string | null | 'missing' {
  return pickViewer(readSettings(scope).insidePreferViewer, installedCustomEditors(ctx.extension.extension.id), fileName);
}

export class ViewerHandover implements vscode.Disposable {
  /** private folders by the uri of the copy in them */
  private readonly copies = new Map<string, PrivateDir>();
  private readonly sub: vscode.Disposable;

  constructor(private readonly ctx: Ctx) {
    this.sub = vscode.window.tabGroups.onDidChangeTabs((e) => {
      if (!e.closed.length) return;
      const open = new Set(vscode.window.tabGroups.all.flatMap((g) => g.tabs).map((t) => inputUri(t.input)).filter(Boolean));
      for (const [uri, dir] of this.copies) {
        if (open.has(uri)) continue;
        this.copies.delete(uri);
        void dir.remove();
      }
    });
  }

  /** Writes the read-only copy and opens it with `viewType`. */
  async open(target: InsideTarget, viewType: string): Promise<vscode.Uri> {
    const src = target.kind === 'backup' ? target.backupFile : target.dbPath;
    const dir = await makePrivateDir('viewer');
    const file = path.join(dir.dir, path.basename(src));
    try {
      if (target.kind === 'backup') await fsp.copyFile(src, file);
      else {
        // the live database is only ever read in the engine child, through a consistent snapshot
        await this.ctx.service.withProgress(`Taking a consistent snapshot of ${path.basename(src)}`, 'notification', (signal) =>
          this.ctx.service.engine.call('snapshot', { dbPath: src, file }, { signal }));
      }
      await fsp.chmod(file, 0o400);
    } catch (e) {
      await dir.remove();
      throw e;
    }
    const uri = vscode.Uri.file(file);
    this.copies.set(uri.toString(), dir);
    this.ctx.log.info(`Opening a read-only copy of ${src} with ${viewType}: ${file}`);
    await vscode.commands.executeCommand('vscode.openWith', uri, viewType);
    return uri;
  }

  dispose(): void {
    this.sub.dispose();
    for (const d of this.copies.values()) void d.remove();
    this.copies.clear();
  }
}

function inputUri(input: unknown): string | undefined {
  if (input instanceof vscode.TabInputCustom || input instanceof vscode.TabInputText) return input.uri.toString();
  return undefined;
}
