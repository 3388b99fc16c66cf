// The remote layout, one for folders and buckets alike:
//   <prefix>/LIFEBOAT-REMOTE.json                       plaintext: what this is and how to read it
//   <prefix>/identity.age                               the age identity, wrapped with the passphrase
//   <prefix>/dbs/<db>-<id>/<backup>.<codec>[.age]       the backup, compressed then encrypted
//   <prefix>/dbs/<db>-<id>/<backup>.manifest.json[.age] its manifest, uploaded last: the commit marker
//   <prefix>/dbs/<db>-<id>/<backup>.pin                 0 bytes: pinned, never pruned
// Only keys of these shapes are ours; anything else under the prefix is never touched.
import { basename } from 'node:path';
import { Manifest } from '../manifest';
import { parseBackupName } from '../naming';
import { backupDirFor } from '../paths';
import { Codec, Encryption } from './config';

export const REMOTE_INFO = 'LIFEBOAT-REMOTE.json';
export const WRAPPED_IDENTITY = 'identity.age';
export const REMOTE_FORMAT = 'sqlite-lifeboat-remote';
export const REMOTE_FORMAT_VERSION = 1;
export const AGE_HEADER = 'age-encryption.org/v1\n';

export const CODEC_EXT: Record<Codec, string> = { gzip: 'gz', zstd: 'zst', none: 'raw' };
const EXT_CODEC: Record<string, Codec> = { gz: 'gzip', zst: 'zstd', raw: 'none' };

/**
 * The remote folder name of a database, `<db>-<8 hex>`, the same as its local backup folder's.
 * The one place that decides it: derived from the manifest's source path as `backupDirFor` does,
 * until manifests carry a stable per-database identity.
 */
export function remoteDbKey(manifest: Pick<Manifest, 'source'>): string {
  return basename(backupDirFor(manifest.source.path, '/'));
}

const join = (...parts: string[]): string => parts.filter((p) => p !== '').join('/');

export const infoKey = (prefix: string): string => join(prefix, REMOTE_INFO);
export const identityKey = (prefix: string): string => join(prefix, WRAPPED_IDENTITY);
export const dbsPrefix = (prefix: string): string => `${join(prefix, 'dbs')}/`;
export const dbPrefix = (prefix: string, dbKey: string): string => `${join(prefix, 'dbs', dbKey)}/`;

export function dataName(backupName: string, codec: Codec, encryption: Encryption): string {
  return `${backupName}.${CODEC_EXT[codec]}${encryption === 'age' ? '.age' : ''}`;
}
export function manifestName(backupName: string, encryption: Encryption): string {
  return `${backupName}.manifest.json${encryption === 'age' ? '.age' : ''}`;
}
export const pinName = (backupName: string): string => `${backupName}.pin`;

export type RemoteKeyKind =
  | { kind: 'data'; dbKey: string; backupName: string; codec: Codec; encrypted: boolean }
  | { kind: 'manifest'; dbKey: string; backupName: string; encrypted: boolean }
  | { kind: 'pin'; dbKey: string; backupName: string };

/** Parses a key below `dbs/`; null for anything that is not one of our objects. */
export function parseRemoteKey(prefix: string, key: string): RemoteKeyKind | null {
  const root = dbsPrefix(prefix);
  if (!key.startsWith(root)) return null;
  const rest = key.slice(root.length).split('/');
  if (rest.length !== 2) return null;
  const [dbKey, file] = rest;
  let m = /^(.+)\.manifest\.json(\.age)?$/.exec(file);
  if (m && parseBackupName(m[1])) return { kind: 'manifest', dbKey, backupName: m[1], encrypted: !!m[2] };
  m = /^(.+)\.pin$/.exec(file);
  if (m && parseBackupName(m[1])) return { kind: 'pin', dbKey, backupName: m[1] };
  m = /^(.+)\.(gz|zst|raw)(\.age)?$/.exec(file);
  if (m && parseBackupName(m[1])) return { kind: 'data', dbKey, backupName: m[1], codec: EXT_CODEC[m[2]], encrypted: !!m[3] };
  return null;
}

/** What `LIFEBOAT-REMOTE.json` says: plaintext, so that someone with only the bucket knows what to do. */
export interface RemoteInfo {
  format: typeof REMOTE_FORMAT;
  formatVersion: number;
  createdAt: string;
  /** age X25519 recipient every object is encrypted to; null when the destination is unencrypted */
  recipient: string | null;
  encryption: Encryption;
  layout: string;
  howToRestore: string[];
}

export function makeRemoteInfo(recipient: string | null, encryption: Encryption, now: Date): RemoteInfo {
  return {
    format: REMOTE_FORMAT,
    formatVersion: REMOTE_FORMAT_VERSION,
    createdAt: now.toISOString(),
    recipient,
    encryption,
    layout: 'dbs/<db>-<id>/<backup>.<gz|zst|raw>[.age] (the backup); <backup>.manifest.json[.age] (its manifest, written last: a copy without one is incomplete); <backup>.pin (pinned)',
    howToRestore: encryption === 'age'
      ? [
        'lifeboat offsite restore (needs the credentials and the passphrase), or by hand:',
        'age -d -o identity.txt identity.age   (asks for the passphrase)',
        'age -d -i identity.txt dbs/<db>-<id>/<backup>.gz.age | gzip -d > <backup>   (zstd -d for .zst, nothing for .raw)',
        'sqlite3 <backup> "PRAGMA integrity_check"',
      ]
      : ['gzip -d < dbs/<db>-<id>/<backup>.gz > <backup>   (zstd -d for .zst); sqlite3 <backup> "PRAGMA integrity_check"'],
  };
}

/** The manifest uploaded beside each copy (encrypted like the copy): the local manifest plus how it was stored. */
export interface RemoteManifest {
  format: 'sqlite-lifeboat-remote-manifest';
  formatVersion: 1;
  uploadedAt: string;
  dbKey: string;
  object: {
    name: string;
    codec: Codec;
    encryption: Encryption;
    /** bytes as stored (after compression and encryption) */
    storedBytes: number;
    storedSha256: string;
  };
  backup: Manifest;
}

/** The backup's file name as the remote knows it (the local manifest's `file`, or the path's base name). */
export const backupNameOf = (file: string, manifest?: Pick<Manifest, 'file'>): string => manifest?.file || basename(file);
