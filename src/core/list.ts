// Listing the backups of one database: regular files with this tool's name pattern, newest
// first, described by their manifests (never by opening the database), and only those that
// belong to this database (see identity.ts). A backup is listed once it is complete: the
// manifest is written before the file is published, so a run killed half-way leaves nothing
// here but an orphaned manifest or a work folder, which the next run sweeps.
import { promises as fsp } from 'node:fs';
import { join, resolve } from 'node:path';
import { classifySources, DbIdentity, gatherFacts, identify, locateDatabase, Ownership, pathsToCheck } from './identity';
import { loadManifest, Manifest, ManifestRead } from './manifest';
import { isBackupOf, parseBackupName } from './naming';
import { defaultBackupDir } from './paths';

export interface BackupEntry {
  file: string;
  name: string;
  createdAt: string; // ISO 8601 UTC
  sizeBytes: number;
  /** complete, checked when made, its file matches the manifest, and no later check failed */
  verified: boolean;
  /** why it is not verified ("manifest invalid: …", "failed verification (…, at …)"), null when it is */
  problem: string | null;
  /** one word for the three states, the same in every view: verified, failed verification, or unverified */
  state: 'verified' | 'failed verification' | 'unverified';
  /**
   * Up to when this backup is known to hold the database: its creation, or a later check that
   * found the database unchanged (what the RPO and the schedule count).
   */
  freshAt: string;
  sha256: string | null;
  pinned: boolean;
  hasManifest: boolean;
  manifestState: ManifestRead['state'];
  manifest: Manifest | null;
  /** whose backup it is: this database's, another database's, or unknown (no valid manifest) */
  ownership: Ownership;
  /** the database it was made from, as its manifest says */
  sourcePath: string | null;
}

export interface ListOptions {
  /** also return the backups of other databases that share the folder (ownership 'other') */
  includeOthers?: boolean;
  /** the identity of the database, when the caller already has it */
  identity?: DbIdentity;
}

/** The problem of a backup given its manifest and its file's size; null when it counts as verified. */
export function backupProblem(read: ManifestRead, sizeBytes: number): string | null {
  if (read.state === 'missing') return 'no manifest';
  if (read.state === 'invalid') return read.reason;
  const m = read.manifest;
  if (!m.verified) return 'not verified when made';
  if (m.sizeBytes !== sizeBytes) return `its size (${sizeBytes} bytes) differs from the manifest's (${m.sizeBytes})`;
  if (m.lastVerified && !m.lastVerified.ok) return `failed verification (${m.lastVerified.reason ?? 'no reason recorded'}, ${m.lastVerified.at})`;
  return null;
}

/** Backups of `dbPath` in `outputDir` (default: its own folder), newest first. */
export async function listBackups(dbPath: string, outputDir?: string, opts: ListOptions = {}): Promise<BackupEntry[]> {
  const dir = resolve(outputDir ?? defaultBackupDir(dbPath));
  let names: string[];
  try {
    names = await fsp.readdir(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  const db = opts.identity ?? (await identify(await locateDatabase(dbPath)));
  const found: { file: string; name: string; size: number; read: ManifestRead }[] = [];
  for (const name of names) {
    const parsed = parseBackupName(name);
    if (!parsed) continue;
    const file = join(dir, name);
    const st = await fsp.lstat(file).catch(() => null);
    if (!st?.isFile()) continue; // links and folders named like backups are not ours
    const read = await loadManifest(file);
    // Without a valid manifest only the name can tie a file to this database.
    if (read.state !== 'ok' && !isBackupOf(name, dbPath)) continue;
    found.push({ file, name, size: st.size, read });
  }
  const sources = found.map((f) => (f.read.state === 'ok' ? f.read.manifest.source : null));
  const created = found.map((f) => (f.read.state === 'ok' ? f.read.manifest.createdAt : null));
  const owners = classifySources(db, sources, await gatherFacts(pathsToCheck(db, sources)), created);
  const entries: BackupEntry[] = [];
  found.forEach((f, i) => {
    if (owners[i] === 'other' && !opts.includeOthers) return;
    const manifest = f.read.state === 'ok' ? f.read.manifest : null;
    const problem = backupProblem(f.read, f.size);
    const createdAt = manifest?.createdAt ?? parseBackupName(f.name)!.createdAt.toISOString();
    const unchangedAt = manifest?.unchangedAt && manifest.unchangedAt > createdAt && problem === null ? manifest.unchangedAt : null;
    entries.push({
      file: f.file,
      name: f.name,
      createdAt,
      freshAt: unchangedAt ?? createdAt,
      state: problem === null ? 'verified' : problem.startsWith('failed verification') ? 'failed verification' : 'unverified',
      sizeBytes: f.size,
      verified: problem === null,
      problem,
      sha256: manifest?.sha256 ?? null,
      pinned: manifest?.pinned ?? false,
      hasManifest: !!manifest,
      manifestState: f.read.state,
      manifest,
      ownership: owners[i],
      sourcePath: manifest ? manifest.source.realPath ?? manifest.source.path : null,
    });
  });
  const seq = (n: string) => parseBackupName(n)?.seq ?? 0;
  return entries.sort((a, b) => b.createdAt.localeCompare(a.createdAt) || seq(b.name) - seq(a.name) || b.name.localeCompare(a.name));
}
