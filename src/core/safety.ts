// Safety sets: what each restore kept of the database it replaced, under
// `<backup folder>/pre-restore/<db>-<timestamp>[-n]/`. They are listed (so that "Undo" stays
// available after the notification is gone) and pruned on their own rule: the newest few per
// database. Only our own files are removed, by exact name.
import { promises as fsp } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { classifySources, DbIdentity, gatherFacts, identify, locateDatabase, pathsToCheck } from './identity';
import { loadManifest, manifestPath } from './manifest';
import { backupBaseName } from './naming';
import { defaultBackupDir, preRestoreDir } from './paths';

/** How many safety sets of one database are kept by default. */
export const DEFAULT_SAFETY_SETS = 3;

export interface SafetyCopy {
  /** the set's folder */
  dir: string;
  /** the verified copy made by the backup engine (what Undo restores), or null when the database was too damaged */
  file: string | null;
  /** when the restore that made it ran (ISO 8601 UTC) */
  createdAt: string;
  sizeBytes: number;
  /** every file of ours in the set */
  files: string[];
}

const TS = '(\\d{4})-(\\d{2})-(\\d{2})-(\\d{2})(\\d{2})(\\d{2})';

function setTime(name: string, dbName: string): string | null {
  if (!name.startsWith(`${dbName}-`)) return null;
  const m = new RegExp(`^${TS}(?:-[1-9]\\d*)?$`, 's').exec(name.slice(dbName.length + 1));
  if (!m) return null;
  const [, y, mo, d, h, mi, s] = m;
  return `${y}-${mo}-${d}T${h}:${mi}:${s}.000Z`;
}

/** The files a restore puts in a safety set, recognised by exact name. */
function oursIn(names: string[], dbBase: string, dbName: string): string[] {
  const copy = new RegExp(`^${dbName.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-pre-restore-${TS}(?:-[1-9]\\d*)?\\.[^.]+(\\.json)?$`, 's');
  const raw = new Set([`${dbBase}.original`, `${dbBase}-wal`, `${dbBase}-shm`, `${dbBase}-journal`]);
  return names.filter((n) => raw.has(n) || copy.test(n));
}

/** The safety sets of `dbPath` in its backup folder, newest first (only those its manifests or name tie to it). */
export async function listSafetyCopies(dbPath: string, outputDir?: string, identity?: DbIdentity): Promise<SafetyCopy[]> {
  const root = preRestoreDir(resolve(outputDir ?? defaultBackupDir(dbPath)));
  const names = await fsp.readdir(root).catch(() => [] as string[]);
  const loc = await locateDatabase(dbPath);
  const db = identity ?? (await identify(loc));
  const { dbName } = backupBaseName(dbPath);
  const base = basename(loc.path);
  const sets: SafetyCopy[] = [];
  for (const name of names) {
    const createdAt = setTime(name, dbName);
    if (!createdAt) continue;
    const dir = join(root, name);
    const st = await fsp.lstat(dir).catch(() => null);
    if (!st?.isDirectory()) continue;
    const files = oursIn(await fsp.readdir(dir).catch(() => [] as string[]), base, dbName).map((f) => join(dir, f));
    const copies = files.filter((f) => !f.endsWith('.json') && /-pre-restore-/.test(f));
    let file: string | null = null;
    let sizeBytes = 0;
    for (const c of copies) {
      const read = await loadManifest(c);
      if (read.state !== 'ok') continue;
      const src = read.manifest.source;
      const [owner] = classifySources(db, [src], await gatherFacts(pathsToCheck(db, [src])));
      if (owner !== 'own') continue;
      file = c;
      sizeBytes = read.manifest.sizeBytes;
    }
    // a set without an engine copy (the database was damaged) is tied to it by name only
    if (!file && !files.some((f) => f.endsWith('.original'))) continue;
    sets.push({ dir, file, createdAt, sizeBytes, files });
  }
  return sets.sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.dir.localeCompare(a.dir));
}

/** Removes the safety sets of `dbPath` beyond the newest `keep`, file by file (never a foreign file); returns the folders removed. */
export async function pruneSafetyCopies(dbPath: string, outputDir: string | undefined, keep = DEFAULT_SAFETY_SETS, identity?: DbIdentity): Promise<string[]> {
  const sets = await listSafetyCopies(dbPath, outputDir, identity);
  const removed: string[] = [];
  for (const s of sets.slice(Math.max(0, keep))) {
    for (const f of s.files) await fsp.unlink(f).catch(() => undefined);
    if (s.file) await fsp.unlink(manifestPath(s.file)).catch(() => undefined);
    if (await fsp.rmdir(s.dir).then(() => true, () => false)) removed.push(s.dir);
  }
  return removed;
}
