// A webview panel of this feature: a strict Content-Security-Policy (scripts only with this
// page's nonce, styles and nothing else from the extension's own media/inside folder, no remote
// resource, no inline handler), the theme through VS Code's CSS variables, and a small
// request/response channel: the page sends { id, method, params }, the handler's result or error
// goes back under the same id; the extension pushes { event, data }.
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { describeError } from '../core';

export type Handlers = Record<string, (params: Record<string, unknown>) => Promise<unknown>>;

export interface PanelOptions {
  viewType: string;
  title: string;
  /** the page's script in media/inside (grid.js is always loaded first) */
  script: 'inside.js' | 'diff.js';
  /** a one-line description of the page for screen readers, before its script has run */
  label: string;
  column?: vscode.ViewColumn;
  log: vscode.LogOutputChannel;
}

export interface Panel {
  readonly panel: vscode.WebviewPanel;
  post(event: string, data: unknown): void;
  /** the page has loaded and asked for its first data */
  readonly ready: Promise<void>;
}

export function nonce(): string {
  return randomBytes(18).toString('base64').replace(/[+/=]/g, '');
}

/** The page: its CSP allows this nonce's scripts and the webview's own resources, nothing else. */
export function pageHtml(webview: vscode.Webview, media: vscode.Uri, script: string, label: string, n = nonce()): string {
  const src = (f: string) => webview.asWebviewUri(vscode.Uri.joinPath(media, f)).toString();
  const csp = [
    "default-src 'none'",
    `style-src ${webview.cspSource}`,
    `script-src 'nonce-${n}'`,
    `img-src ${webview.cspSource}`,
    `font-src ${webview.cspSource}`,
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
  const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${src('inside.css')}">
<title>${esc(label)}</title>
</head>
<body>
<main id="app" aria-label="${esc(label)}" aria-busy="true"><p class="muted">Loading…</p></main>
<script nonce="${n}" src="${src('grid.js')}"></script>
<script nonce="${n}" src="${src(script)}"></script>
</body>
</html>`;
}

/** Opens a panel whose page calls `handlers`; `ready` resolves when the page first asks for data. */
export function openPanel(extensionUri: vscode.Uri, opts: PanelOptions, handlers: Handlers): Panel {
  const media = vscode.Uri.joinPath(extensionUri, 'media', 'inside');
  const panel = vscode.window.createWebviewPanel(opts.viewType, opts.title, opts.column ?? vscode.ViewColumn.Active, {
    enableScripts: true,
    enableCommandUris: false,
    localResourceRoots: [media],
    // keeps the page (its pages of rows, the focused cell) when the tab is hidden
    retainContextWhenHidden: true,
  });
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((r) => { markReady = r; });
  const all: Handlers = { ...handlers, ready: async () => { markReady(); return null; } };
  panel.webview.onDidReceiveMessage(async (m: { id?: number; method?: string; params?: Record<string, unknown> }) => {
    if (typeof m?.id !== 'number' || typeof m.method !== 'string') return;
    const fn = Object.prototype.hasOwnProperty.call(all, m.method) ? all[m.method] : undefined;
    if (!fn) {
      void panel.webview.postMessage({ id: m.id, error: `unknown request ${m.method}` });
      return;
    }
    try {
      const result = await fn(m.params ?? {});
      void panel.webview.postMessage({ id: m.id, result });
    } catch (e) {
      if ((e as Error)?.name !== 'CancelledError') opts.log.warn(`${opts.title}: ${m.method} failed: ${describeError(e)}`);
      void panel.webview.postMessage({ id: m.id, error: describeError(e), cancelled: (e as Error)?.name === 'CancelledError' });
    }
  });
  panel.webview.html = pageHtml(panel.webview, media, opts.script, opts.label);
  return { panel, ready, post: (event, data) => void panel.webview.postMessage({ event, data }) };
}
