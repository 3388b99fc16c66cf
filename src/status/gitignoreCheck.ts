// Backups hold user data: if the backup folder sits inside a git work tree and is not ignored,
// warn once and offer to add it to .gitignore. git runs with an argument array, never a shell.
import { execFile } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { M } from '../messages';
import { backupRootOf, readSettings } from '../settings';

const ASKED_KEY = 'lifeboat.gitignoreAsked';

function git(args: string[], cwd: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile('git', args, { cwd, windowsHide: true, timeout: 10_000 }, (err, stdout) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, out: String(stdout).trim() });
    });
  });
}

/** The work tree that contains `dir` without ignoring it, or null. */
export async function unignoredRepoOf(dir: string): Promise<string | null> {
  let probe = dir;
  while (!(await fsp.stat(probe).catch(() => null))) {
    const parent = path.dirname(probe);
    if (parent === probe) return null;
    probe = parent;
  }
  const top = await git(['rev-parse', '--show-toplevel'], probe);
  if (top.code !== 0 || !top.out) return null;
  const ignored = await git(['check-ignore', '-q', '--no-index', path.join(dir, 'probe')], top.out);
  return ignored.code === 0 ? null : top.out;
}

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
  const rel = path.relative(repo, root).split(path.sep).join('/');
  const file = path.join(repo, '.gitignore');
  const existing = await fsp.readFile(file, 'utf8').catch(() => '');
  const line = `/${rel}/`;
  await fsp.writeFile(file, `${existing}${existing && !existing.endsWith('\n') ? '\n' : ''}# SQLite Lifeboat backups (user data)\n${line}\n`);
  log.info(`Added ${line} to ${file}`);
}
