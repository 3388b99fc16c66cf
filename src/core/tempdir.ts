// Private working folders (0700, created fresh) stamped with their owner. Folders that hold
// copies of user data (snapshots for Compare, rehearsal scratch copies, a backup's work in
// progress) are swept on a later run once their owner is provably dead, and only then: a
// folder is ours when its name has our prefix, it is a real folder owned by this user, and it
// holds our owner stamp.
import { mkdirSync, mkdtempSync, promises as fsp, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OwnerStamp, ownerLiveness, ownStamp, parseStamp } from './owner';

const STAMP = 'owner.json';
const TEMP_PREFIX = 'lifeboat-';
/** Folders an older version made without a stamp: removed once this old (they held only links). */
const LEGACY_STALE_MS = 3_600_000;

export interface PrivateDir {
  dir: string;
  /** removes the folder and everything in it (it is ours) */
  remove(): Promise<void>;
}

function stampText(kind: string): string {
  return JSON.stringify({ ...ownStamp(kind), kind });
}

function handle(dir: string): PrivateDir {
  return { dir, remove: () => fsp.rm(dir, { recursive: true, force: true }).catch(() => undefined) };
}

/** A fresh private folder `<parent>/<prefix>XXXXXX` (default: the system temp folder) with our stamp. */
export async function makePrivateDir(kind: string, parent = tmpdir(), prefix = `${TEMP_PREFIX}${kind}-`): Promise<PrivateDir> {
  const dir = await fsp.mkdtemp(join(parent, prefix));
  await fsp.chmod(dir, 0o700); // mkdtemp gives 0700 on POSIX whatever the umask; say it anyway
  await fsp.writeFile(join(dir, STAMP), stampText(kind), { mode: 0o600 });
  return handle(dir);
}

/** The synchronous form, for code that cannot await (the paged engine's open). */
export function makePrivateDirSync(kind: string, parent = tmpdir()): PrivateDir {
  mkdirSync(parent, { recursive: true });
  const dir = mkdtempSync(join(parent, `${TEMP_PREFIX}${kind}-`));
  writeFileSync(join(dir, STAMP), stampText(kind), { mode: 0o600 });
  return handle(dir);
}

async function readStamp(dir: string): Promise<OwnerStamp | null> {
  const text = await fsp.readFile(join(dir, STAMP), 'utf8').catch(() => null);
  return text === null ? null : parseStamp(text);
}

/**
 * Removes folders named `<prefix>…` in `parent` whose owner is provably dead (or, for unstamped
 * folders of older versions under the system temp folder, that are over an hour old). Returns
 * the folders removed. Never follows links; never touches another user's folders.
 */
export async function sweepPrivateDirs(parent = tmpdir(), prefix = TEMP_PREFIX): Promise<string[]> {
  const names = await fsp.readdir(parent).catch(() => [] as string[]);
  const uid = typeof process.getuid === 'function' ? process.getuid() : undefined;
  const removed: string[] = [];
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const dir = join(parent, name);
    const st = await fsp.lstat(dir).catch(() => null);
    if (!st?.isDirectory() || (uid !== undefined && st.uid !== uid)) continue;
    const stamp = await readStamp(dir);
    let stale: boolean;
    if (stamp) stale = ownerLiveness(stamp) === 'dead';
    else stale = parent === tmpdir() && name.startsWith(`${TEMP_PREFIX}paged-`) && Date.now() - st.mtimeMs > LEGACY_STALE_MS;
    if (!stale) continue;
    await fsp.rm(dir, { recursive: true, force: true }).then(() => removed.push(dir), () => undefined);
  }
  return removed;
}

let sweptThisProcess = false;

/** Sweeps the system temp folder once per process (cheap: one readdir). */
export async function sweepTempOnce(): Promise<void> {
  if (sweptThisProcess) return;
  sweptThisProcess = true;
  await sweepPrivateDirs().catch(() => undefined);
}
