// VS Code entry point. The engine lives in src/core; this layer only wires it to the editor.
import * as vscode from 'vscode';

export function activate(context: vscode.ExtensionContext): void {
  const log = vscode.window.createOutputChannel('Lifeboat', { log: true });
  context.subscriptions.push(log);
}

export function deactivate(): void {
  // nothing to release: every Disposable is in context.subscriptions
}
