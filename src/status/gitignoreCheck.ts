// Backups hold user data: if the backup folder sits inside a git work tree and is not ignored,
// warn once and offer to add it to .gitignore.
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { gitignoreLine, unignoredRepoOf } from '../core/git';
import { M } from '../messages';
import { backupRootOf, readSettings } from '../settings';

const ASKED_KEY = 'lifeboat.gitignoreAsked';

export async function checkBackupFolderIgnored(state: vscode.Memento, log: vscode.LogOutputChannel): Promise<void> {
  const folder = vscode.workspace.workspaceFolders?.[0];
  const root = backupRootOf(readSettings(), folder);
  if (!root || state.get<string[]>(ASKED_KEY, []).includes(root)) return;
  const repo = await unignoredRepoOf(root);
  if (!repo) return;
  log.warn(`Backup folder ${root} is inside the git work tree ${repo} and not ignored`);
  await state.update(ASKED_KEY, [...state.get<string[]>(ASKED_KEY, []), root]);
  const c = await vscode.window.showWarningMessage(M.gitignoreWarn(root), M.gitignoreAdd, M.dontAskAgain);
  if (c !== M.gitignoreAdd) return;
  const file = path.join(repo, '.gitignore');
  const existing = await fsp.readFile(file, 'utf8').catch(() => '');
  const line = gitignoreLine(repo, root);
  await fsp.writeFile(file, `${existing}${existing && !existing.endsWith('\n') ? '\n' : ''}# SQLite Lifeboat backups (user data)\n${line}\n`);
  log.info(`Added ${line} to ${file}`);
}
