// Which file a database path really is, and which backups belong to it.
//
// SQLite opens the target of a link and keeps its -wal/-journal beside that target, so every
// operation resolves the path first (also when the target does not exist yet, as for a restore
// onto a new path). A backup belongs to a database by the source recorded in its manifest:
//   1. the same real path (the usual case; also a database replaced at its path, e.g. restored),
//      unless that backup's file moved away: its lineage's newest backup is at another path and the
//      file at this path is not the one recorded (a new database created where the old one was);
//   2. the same file (device + inode) under a new path, when nothing is at the recorded path any
//      more: the database was moved or renamed;
//   3. the same lineage id as a backup matched by 1 or 2: every backup of one database carries
//      the id of the first, so the history follows the database through moves and rewrites.
// A copy of a database at a new path is a new database: it starts its own lineage. Backups
// without a (valid) manifest have no known source: they are shown, never pruned, and restoring
// one asks first.
import { randomUUID } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { ManifestSource } from './manifest';

export interface DbLocation {
  /** the path as given, made absolute */
  path: string;
  /** every link resolved; the file to read and write (it may not exist yet) */
  realPath: string;
  /** whether `path` goes through a link */
  viaLink: boolean;
  exists: boolean;
}

export interface DbIdentity { path: string; realPath: string; dev?: string; ino?: string }

/** Resolves `p` as SQLite would: the target of links, also when that target does not exist. */
export async function locateDatabase(p: string): Promise<DbLocation> {
  const path = resolve(p);
  let current = path;
  for (let hops = 0; hops < 40; hops++) {
    try {
      const realPath = await fsp.realpath(current);
      return { path, realPath, viaLink: realPath !== path, exists: true };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    // Missing: a dangling link (follow it by hand) or a file that does not exist yet.
    const st = await fsp.lstat(current).catch(() => null);
    if (st?.isSymbolicLink()) {
      const target = await fsp.readlink(current);
      current = isAbsolute(target) ? target : join(dirname(current), target);
      continue;
    }
    const dir = await realDir(dirname(current));
    const realPath = join(dir, basename(current));
    return { path, realPath, viaLink: realPath !== path, exists: false };
  }
  throw Object.assign(new Error(`too many levels of links: ${path}`), { code: 'ELOOP', path });
}

/** The real path of a folder that may not exist (its nearest existing ancestor is resolved). */
async function realDir(dir: string): Promise<string> {
  try {
    return await fsp.realpath(dir);
  } catch {
    const parent = dirname(dir);
    return parent === dir ? dir : join(await realDir(parent), basename(dir));
  }
}

/** The identity of the database at `loc` (device and inode when it exists). */
export async function identify(loc: DbLocation): Promise<DbIdentity> {
  const st = await fsp.stat(loc.realPath, { bigint: true }).catch(() => null);
  return st ? { path: loc.path, realPath: loc.realPath, dev: String(st.dev), ino: String(st.ino) } : { path: loc.path, realPath: loc.realPath };
}

export type Ownership = 'own' | 'other' | 'unknown';

/** What is at a recorded path now: its device and inode, or null when nothing is there. */
export type PathFacts = Map<string, { dev: string; ino: string } | null>;

/** The recorded paths whose current state `classifySources` needs (candidates for rule 2). */
export function pathsToCheck(db: DbIdentity, sources: (ManifestSource | null)[]): string[] {
  const out = new Set<string>();
  for (const s of sources) {
    if (s && db.dev && s.dev === db.dev && s.ino === db.ino && !sameRealPath(db, s)) out.add(s.realPath ?? s.path);
  }
  return [...out];
}

function sameRealPath(db: DbIdentity, s: ManifestSource): boolean {
  if (s.realPath) return s.realPath === db.realPath;
  return s.path === db.path || s.path === db.realPath; // version-1 manifests recorded the absolute path only
}

/**
 * Decides, for each manifest source (null: no valid manifest), whether the backup is this
 * database's. Pure: what is at the recorded paths now comes in `facts`; `createdAt` (ISO, one
 * per source) tells where each lineage is now (the real path of its newest backup).
 */
export function classifySources(db: DbIdentity, sources: (ManifestSource | null)[], facts: PathFacts, createdAt: (string | null)[] = []): Ownership[] {
  const out: Ownership[] = sources.map((s) => (s ? 'other' : 'unknown'));
  const ids = new Set<string>();
  const own = (i: number) => {
    out[i] = 'own';
    const id = sources[i]?.id;
    if (id) ids.add(id);
  };
  const lineageHome = new Map<string, { at: string; realPath: string }>();
  sources.forEach((s, i) => {
    if (!s?.id) return;
    const at = createdAt[i] ?? '';
    const home = lineageHome.get(s.id);
    if (!home || at > home.at) lineageHome.set(s.id, { at, realPath: s.realPath ?? s.path });
  });
  const movedAway = (s: ManifestSource) => {
    const home = s.id ? lineageHome.get(s.id) : undefined;
    return !!home && home.realPath !== db.realPath && !!s.ino && !!db.ino && s.ino !== db.ino;
  };
  sources.forEach((s, i) => {
    if (!s) return;
    if (sameRealPath(db, s)) { if (!movedAway(s)) own(i); }
    else if (db.dev && s.dev === db.dev && s.ino === db.ino && facts.get(s.realPath ?? s.path) === null) own(i);
  });
  sources.forEach((s, i) => {
    if (s?.id && out[i] === 'other' && ids.has(s.id) && !(sameRealPath(db, s) && movedAway(s))) out[i] = 'own';
  });
  return out;
}

/** The lineage id for a new backup of `db`: the one its own backups carry (newest first), or a new one. */
export function lineageId(ownSourcesNewestFirst: ManifestSource[]): string {
  return ownSourcesNewestFirst.find((s) => s.id)?.id ?? randomUUID();
}

/** Gathers `facts` for classifySources by looking at the paths it needs. */
export async function gatherFacts(paths: string[]): Promise<PathFacts> {
  const facts: PathFacts = new Map();
  for (const p of paths) {
    const st = await fsp.stat(p, { bigint: true }).catch(() => null);
    facts.set(p, st ? { dev: String(st.dev), ino: String(st.ino) } : null);
  }
  return facts;
}
