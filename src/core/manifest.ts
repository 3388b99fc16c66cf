// The manifest written beside each backup (`<backup>.json`): what was copied, from where,
// and what the checks found. Listing and retention read manifests, never database contents.
import { createHash } from 'node:crypto';
import { createReadStream, promises as fsp } from 'node:fs';
import { basename } from 'node:path';
import { FILE_MODE } from './perms';
import { JournalMode } from './snapshot';
import pkg from '../../package.json';

export const MANIFEST_FORMAT = 'sqlite-lifeboat-manifest';
export const MANIFEST_VERSION = 1;
export const TOOL_VERSION: string = pkg.version;

export interface Manifest {
  format: typeof MANIFEST_FORMAT;
  formatVersion: number;
  tool: { name: 'sqlite-lifeboat'; version: string };
  file: string; // base name of the backup
  sha256: string;
  sizeBytes: number;
  createdAt: string; // ISO 8601 UTC
  durationMs: number;
  source: {
    path: string;
    sizeBytes: number;
    journalMode: JournalMode;
    walFramesApplied: number;
    journalPagesRolledBack: number;
  };
  pageSize: number;
  pageCount: number;
  userVersion: number;
  applicationId: number;
  autoVacuum: number;
  tables: Record<string, number>;
  skippedTables: { name: string; reason: string }[];
  integrity: string;
  verified: boolean;
  engine: string;
  attempts: number;
  pinned: boolean;
  lastVerified?: { at: string; ok: boolean; reason?: string };
}

export const manifestPath = (backupFile: string): string => `${backupFile}.json`;

export async function sha256File(file: string, signal?: AbortSignal): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20, signal })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Reads a manifest; null when there is none or it is not one of ours (a broken manifest is no manifest). */
export async function readManifest(backupFile: string): Promise<Manifest | null> {
  let text: string;
  try {
    text = await fsp.readFile(manifestPath(backupFile), 'utf8');
  } catch {
    return null;
  }
  try {
    const m = JSON.parse(text) as Manifest;
    if (m?.format !== MANIFEST_FORMAT || typeof m.sha256 !== 'string') return null;
    if (m.file && m.file !== basename(backupFile)) return null;
    return m;
  } catch {
    return null;
  }
}

/** Writes atomically (temp + rename), owner-only. */
export async function writeManifest(backupFile: string, m: Manifest): Promise<void> {
  const target = manifestPath(backupFile);
  const tmp = `${target}.tmp-${process.pid}`;
  await fsp.writeFile(tmp, JSON.stringify(m, null, 2) + '\n', { mode: FILE_MODE });
  await fsp.chmod(tmp, FILE_MODE).catch(() => undefined);
  await fsp.rename(tmp, target);
}

export async function updateManifest(backupFile: string, change: (m: Manifest) => void): Promise<Manifest | null> {
  const m = await readManifest(backupFile);
  if (!m) return null;
  change(m);
  await writeManifest(backupFile, m);
  return m;
}
