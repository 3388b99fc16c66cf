// Restore as a copy: the backup written to a new file beside the live database
// (`app.restored-YYYY-MM-DD-HHMMSS.db`) for the user to inspect or swap in themselves. The live
// database is never touched, and an existing file is never overwritten.
import { dirname, join, resolve } from 'node:path';
import { LifeboatError } from '../errors';
import { statOrNull } from '../fsutil';
import { makePrivateDir } from '../tempdir';
import { backupBaseName, formatTimestamp } from '../naming';
import { COMPANION_SUFFIXES, restoreDatabase } from '../restore';

export interface RestoreCopyOptions {
  backupFile: string;
  /** the live database the copy goes beside (it is only used for the name and folder) */
  dbPath: string;
  /** the new file, or an existing folder to put it in (default: beside dbPath) */
  to?: string;
  signal?: AbortSignal;
  onProgress?: (p: { phase: string; message: string }) => void;
  now?: () => Date;
}

export interface RestoreCopyResult {
  file: string;
  backupFile: string;
  tables: Record<string, number>;
  integrity: string;
  durationMs: number;
}

/** `<dir>/<name>.restored-YYYY-MM-DD-HHMMSS.<ext>` for a database `<name>.<ext>`. */
export function restoredCopyName(dbPath: string, at: Date, dir = dirname(resolve(dbPath))): string {
  const { dbName, ext } = backupBaseName(dbPath);
  return join(dir, `${dbName}.restored-${formatTimestamp(at)}.${ext}`);
}

/**
 * Writes the backup, verified, to a new file (see RestoreCopyOptions.to). Refuses when that file
 * (or a -wal/-shm/-journal of it) exists: nothing is ever overwritten.
 */
export async function restoreAsCopy(opts: RestoreCopyOptions): Promise<RestoreCopyResult> {
  const started = Date.now();
  const dbPath = resolve(opts.dbPath);
  const at = opts.now?.() ?? new Date();
  let target = opts.to ? resolve(opts.to) : restoredCopyName(dbPath, at);
  const st = await statOrNull(target);
  if (st?.isDirectory()) target = restoredCopyName(dbPath, at, target);
  if (target === dbPath) throw new LifeboatError('is the live database: a copy goes to a new file (leave out --to, or name another file)', target);
  for (const s of ['', ...COMPANION_SUFFIXES]) {
    if (await statOrNull(target + s)) throw new LifeboatError(`${s ? `a ${s} file of it ` : ''}already exists; a restore as a copy never overwrites a file`, target);
  }
  // the copy is a new database: nothing to keep a safety copy of, so its (empty) safety folders go to a temp folder
  const scratchDir = await makePrivateDir('copy');
  const scratch = scratchDir.dir;
  try {
    const r = await restoreDatabase({ backupFile: opts.backupFile, dbPath: target, outputDir: scratch, signal: opts.signal, onProgress: opts.onProgress, now: opts.now });
    return { file: target, backupFile: r.backupFile, tables: r.tables, integrity: r.integrity, durationMs: Date.now() - started };
  } finally {
    await scratchDir.remove();
  }
}
