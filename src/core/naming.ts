import * as path from 'node:path';

export interface BackupBaseName { dbName: string; ext: string }
export interface ParsedBackupName extends BackupBaseName { createdAt: Date; seq: number }

const DEFAULT_EXT = 'db';
// Sidecars and in-flight files share the backup prefix but must never be treated as backups.
const NON_BACKUP_EXTS = new Set(['partial', 'json', 'tmp']);
// Greedy dbName so a database whose own name contains "-backup-" still parses by its last marker.
const BACKUP_RE = /^(.+)-backup-(\d{4})-(\d{2})-(\d{2})-(\d{2})(\d{2})(\d{2})(?:-([1-9]\d*))?\.([^.]+)$/s;

export function backupBaseName(dbPath: string): BackupBaseName {
  const base = path.basename(dbPath);
  const dot = base.lastIndexOf('.');
  // dot <= 0: no extension, or a dotfile like ".hidden" whose dot is part of the name.
  // A trailing dot ("data.") is kept in the name so "data" and "data." never share backups.
  if (dot <= 0 || dot === base.length - 1) return { dbName: base, ext: DEFAULT_EXT };
  return { dbName: base.slice(0, dot), ext: base.slice(dot + 1) };
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

export function formatTimestamp(at: Date): string {
  if (Number.isNaN(at.getTime())) throw new RangeError('formatTimestamp: invalid date');
  return `${pad(at.getUTCFullYear(), 4)}-${pad(at.getUTCMonth() + 1)}-${pad(at.getUTCDate())}-`
    + `${pad(at.getUTCHours())}${pad(at.getUTCMinutes())}${pad(at.getUTCSeconds())}`;
}

export function formatBackupName(dbPath: string, at: Date, seq = 0): string {
  if (!Number.isInteger(seq) || seq < 0) throw new RangeError(`formatBackupName: invalid seq ${seq}`);
  const { dbName, ext } = backupBaseName(dbPath);
  return `${dbName}-backup-${formatTimestamp(at)}${seq > 0 ? `-${seq}` : ''}.${ext}`;
}

export function parseBackupName(fileName: string): ParsedBackupName | null {
  const m = BACKUP_RE.exec(path.basename(fileName));
  if (!m) return null;
  const [, dbName, y, mo, d, h, mi, s, seq, ext] = m;
  if (NON_BACKUP_EXTS.has(ext.toLowerCase())) return null;
  const [year, month, day, hour, minute, second] = [y, mo, d, h, mi, s].map(Number);
  const createdAt = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  // Date.UTC silently rolls over (month 13, Feb 30, 24:00), so require an exact round trip.
  if (formatTimestamp(createdAt) !== `${y}-${mo}-${d}-${h}${mi}${s}`) return null;
  return { dbName, ext, createdAt, seq: seq === undefined ? 0 : Number(seq) };
}

export function isBackupOf(fileName: string, dbPath: string): boolean {
  const parsed = parseBackupName(fileName);
  if (!parsed) return false;
  const db = backupBaseName(dbPath);
  return parsed.dbName === db.dbName && parsed.ext === db.ext;
}
