// Is a folder inside a git work tree without being ignored? Backups hold user data, and a
// backup folder that git would pick up is one `git add .` away from a repository.
// git runs with an argument array, never through a shell.
import { execFile } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';

function git(args: string[], cwd: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile('git', args, { cwd, windowsHide: true, timeout: 10_000 }, (err, stdout) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, out: String(stdout).trim() });
    });
  });
}

/** The top of the work tree that contains `dir` and does not ignore it, or null (no repo, ignored, or no git). */
export async function unignoredRepoOf(dir: string): Promise<string | null> {
  let probe = path.resolve(dir);
  while (!(await fsp.stat(probe).catch(() => null))) {
    const parent = path.dirname(probe);
    if (parent === probe) return null;
    probe = parent;
  }
  const top = await git(['rev-parse', '--show-toplevel'], probe);
  if (top.code !== 0 || !top.out) return null;
  const ignored = await git(['check-ignore', '-q', '--no-index', path.join(path.resolve(dir), 'probe')], top.out);
  return ignored.code === 0 ? null : top.out;
}

/** The line that ignores `dir` in the repository's root .gitignore. */
export function gitignoreLine(repo: string, dir: string): string {
  return `/${path.relative(repo, path.resolve(dir)).split(path.sep).join('/')}/`;
}
