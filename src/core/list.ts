// Listing backups of one database: files with this tool's name pattern, newest first,
// described by their manifests (never by opening the database).
import { promises as fsp } from 'node:fs';
import { join, resolve } from 'node:path';
import { Manifest, readManifest } from './manifest';
import { isBackupOf, parseBackupName } from './naming';
import { defaultBackupDir } from './paths';

export interface BackupEntry {
  file: string;
  name: string;
  createdAt: string; // ISO 8601 UTC
  sizeBytes: number;
  verified: boolean;
  sha256: string | null;
  pinned: boolean;
  hasManifest: boolean;
  manifest: Manifest | null;
}

export async function listBackups(dbPath: string, outputDir?: string): Promise<BackupEntry[]> {
  const dir = resolve(outputDir ?? defaultBackupDir(dbPath));
  let names: string[];
  try {
    names = await fsp.readdir(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  const entries: BackupEntry[] = [];
  for (const name of names) {
    if (!isBackupOf(name, dbPath)) continue;
    const file = join(dir, name);
    const st = await fsp.stat(file).catch(() => null);
    if (!st?.isFile()) continue;
    const manifest = await readManifest(file);
    const parsed = parseBackupName(name)!;
    const sizeOk = manifest ? manifest.sizeBytes === st.size : false;
    entries.push({
      file,
      name,
      createdAt: manifest?.createdAt ?? parsed.createdAt.toISOString(),
      sizeBytes: st.size,
      verified: !!manifest && manifest.verified && sizeOk && (manifest.lastVerified?.ok ?? true),
      sha256: manifest?.sha256 ?? null,
      pinned: manifest?.pinned ?? false,
      hasManifest: !!manifest,
      manifest,
    });
  }
  const seq = (n: string) => parseBackupName(n)?.seq ?? 0;
  return entries.sort((a, b) => b.createdAt.localeCompare(a.createdAt) || seq(b.name) - seq(a.name) || b.name.localeCompare(a.name));
}
