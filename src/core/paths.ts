// Where backups go by default: one private folder per database under the user's home,
// outside any workspace (backups hold user data and must not end up in a repository).
import { createHash } from 'node:crypto';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { backupBaseName } from './naming';

export function backupRoot(env: NodeJS.ProcessEnv = process.env): string {
  return env.LIFEBOAT_BACKUP_ROOT ? resolve(env.LIFEBOAT_BACKUP_ROOT) : join(homedir(), '.sqlite-lifeboat', 'backups');
}

/** `<root>/<dbName>-<8 hex of the absolute path>`: stable per database, distinct for same-named files. */
export function defaultBackupDir(dbPath: string, env: NodeJS.ProcessEnv = process.env): string {
  return backupDirFor(dbPath, backupRoot(env));
}

/** The per-database folder under a chosen root (the extension's `lifeboat.backupDirectory`). */
export function backupDirFor(dbPath: string, root: string): string {
  const abs = resolve(dbPath);
  const tag = createHash('sha256').update(abs).digest('hex').slice(0, 8);
  const { dbName } = backupBaseName(abs);
  const safe = dbName.replace(/[^\p{L}\p{N}._-]+/gu, '_').slice(0, 64) || 'db';
  return join(resolve(root), `${safe}-${tag}`);
}

export const preRestoreDir = (outputDir: string): string => join(outputDir, 'pre-restore');
