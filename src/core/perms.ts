import { execFile } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import { dirname } from 'node:path';

export const FILE_MODE = 0o600, DIR_MODE = 0o700;

export type IcaclsRunner = (cmd: string, args: string[]) => Promise<void>;

export function icaclsArgs(target: string, user: string, kind: 'file' | 'dir'): string[] {
  // (OI)(CI) makes files created later inside the directory inherit the owner-only ACE.
  return [target, '/inheritance:r', '/grant:r', kind === 'dir' ? `${user}:(OI)(CI)F` : `${user}:F`];
}

export function windowsUser(env: NodeJS.ProcessEnv = process.env): string {
  const { USERDOMAIN: domain, USERNAME: user } = env;
  return domain && user ? `${domain}\\${user}` : os.userInfo().username;
}

export function execFileIcacls(cmd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    // Argument array and no shell: paths containing &, %VAR%, quotes or spaces reach icacls verbatim.
    execFile(cmd, args, { windowsHide: true, shell: false }, (err, _stdout, stderr) => {
      if (!err) return resolve();
      const detail = String(stderr).trim() || err.message;
      reject(new Error(`Could not restrict permissions on ${args[0]} with ${cmd}: ${detail}`, { cause: err }));
    });
  });
}

async function secure(p: string, kind: 'file' | 'dir', platform: NodeJS.Platform, run: IcaclsRunner): Promise<void> {
  if (platform === 'win32') return run('icacls', icaclsArgs(p, windowsUser(), kind));
  await fsp.chmod(p, kind === 'dir' ? DIR_MODE : FILE_MODE);
}

export function secureFile(p: string, platform: NodeJS.Platform = process.platform, run: IcaclsRunner = execFileIcacls): Promise<void> {
  return secure(p, 'file', platform, run);
}

export function secureDir(p: string, platform: NodeJS.Platform = process.platform, run: IcaclsRunner = execFileIcacls): Promise<void> {
  return secure(p, 'dir', platform, run);
}

/** What ensurePrivateDir found: whether it made the folder, and whether others can read an existing one. */
export interface FolderState { created: boolean; openToOthers: boolean }

/**
 * Makes sure `dir` exists. Folders it creates (the leaf and any missing parents) are owner-only
 * whatever the umask; a folder that already existed is never changed (it may be the database's
 * own folder or a shared one), only reported when group or others can read it.
 */
export async function ensurePrivateDir(dir: string, platform: NodeJS.Platform = process.platform, run: IcaclsRunner = execFileIcacls): Promise<FolderState> {
  const before = await fsp.stat(dir).catch(() => null);
  if (before?.isDirectory()) return { created: false, openToOthers: platform !== 'win32' && (before.mode & 0o077) !== 0 };
  const first = await fsp.mkdir(dir, { recursive: true, mode: DIR_MODE });
  if (first === undefined) {
    // created meanwhile by someone else (or not a folder: let the caller's next step fail clearly)
    const st = await fsp.stat(dir);
    return { created: false, openToOthers: platform !== 'win32' && (st.mode & 0o077) !== 0 };
  }
  // mkdir's mode is filtered by the umask: tighten each folder we made, from the leaf up to the first.
  for (let d = dir; ; d = dirname(d)) {
    await secureDir(d, platform, run);
    if (d === first || dirname(d) === d) break;
  }
  return { created: true, openToOthers: false };
}

/** Creates a folder that must not exist yet, owner-only whatever the umask. */
export async function makePrivateDirExclusive(dir: string, platform: NodeJS.Platform = process.platform, run: IcaclsRunner = execFileIcacls): Promise<void> {
  await fsp.mkdir(dir, { mode: DIR_MODE });
  await secureDir(dir, platform, run);
}
