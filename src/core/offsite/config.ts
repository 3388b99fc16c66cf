// Off-site destinations: what the user writes (settings `lifeboat.offsite.destinations` or the JSON
// config file the CLI reads for cron) and the one validated shape the engine uses. One defaults
// factory, checked once, one clear error per problem. Credentials are never part of a destination:
// they come from the AWS chain (env, shared config/profile, SSO) or an injected provider.
import { promises as fsp } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { UsageError } from '../errors';
import { normalizePolicy, RetentionPolicy } from '../retention';
import { OffsiteConfigError } from './errors';

export type Codec = 'gzip' | 'zstd' | 'none';
export type Encryption = 'age' | 'none';
export type S3Preset = 'aws' | 'r2' | 'b2' | 'minio' | 'wasabi' | 'custom';

interface DestinationBase {
  name: string;
  /** objects live under `<prefix>/` ('' for the bucket's or folder's root) */
  prefix: string;
  /** 'age' unless the user wrote `"encryption": "none"` for this destination */
  encryption: Encryption;
  compression: Codec;
  compressionLevel: number | undefined;
  /** 0: upload after every backup; N: only when the newest copy there is older than N hours */
  uploadEveryHours: number;
  /** retention off-site; undefined: never prune this destination */
  retention: RetentionPolicy | undefined;
}

export interface S3Destination extends DestinationBase {
  type: 's3';
  preset: S3Preset;
  bucket: string;
  region: string;
  endpoint: string | undefined;
  forcePathStyle: boolean;
  /** a profile of ~/.aws/config; undefined: the default chain (AWS_PROFILE, env, SSO, …) */
  profile: string | undefined;
  /** compare the stored ETag with the MD5 we computed (off where a service's ETags are not MD5s) */
  verifyEtag: boolean;
  partSizeBytes: number;
  queueSize: number;
  requestTimeoutMs: number;
}

export interface FolderDestination extends DestinationBase {
  type: 'folder';
  path: string;
}

export type Destination = S3Destination | FolderDestination;

const MiB = 1024 * 1024;
const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
// Keys a user might paste into the file by mistake: refused, so that a secret never sits in a
// settings or config file that gets synced, shared or committed.
const SECRET_KEYS = /^(secret|secretaccesskey|secret_access_key|accesskeyid|access_key_id|accesskey|sessiontoken|session_token|password|passphrase|credentials|identity)$/i;

const PRESETS: Record<S3Preset, { region: string; endpoint?: (region: string, d: Record<string, unknown>) => string | undefined; pathStyle: boolean; verifyEtag: boolean }> = {
  aws: { region: 'us-east-1', pathStyle: false, verifyEtag: true },
  // R2 signs with region "auto"; its endpoint names the account
  r2: { region: 'auto', endpoint: (_r, d) => (typeof d.accountId === 'string' ? `https://${d.accountId}.r2.cloudflarestorage.com` : undefined), pathStyle: true, verifyEtag: false },
  b2: { region: 'us-west-004', endpoint: (r) => `https://s3.${r}.backblazeb2.com`, pathStyle: false, verifyEtag: true },
  minio: { region: 'us-east-1', pathStyle: true, verifyEtag: true },
  wasabi: { region: 'us-east-1', endpoint: (r) => `https://s3.${r}.wasabisys.com`, pathStyle: false, verifyEtag: true },
  custom: { region: 'us-east-1', pathStyle: true, verifyEtag: true },
};

function fail(name: string, reason: string): never {
  throw new OffsiteConfigError(`destination "${name}"`, reason);
}

function str(d: Record<string, unknown>, key: string, name: string): string | undefined {
  const v = d[key];
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string') fail(name, `"${key}" must be a string`);
  return v;
}

function nonNegInt(d: Record<string, unknown>, key: string, name: string, dflt: number): number {
  const v = d[key] ?? dflt;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) fail(name, `"${key}" must be a non-negative whole number`);
  return v;
}

function cleanPrefix(p: string): string {
  return p.split('/').filter((s) => s !== '' && s !== '.').join('/');
}

/**
 * Validates one destination as written by the user and fills in the defaults.
 * Throws `OffsiteConfigError` naming the destination and the problem.
 */
export function normalizeDestination(raw: unknown): Destination {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new OffsiteConfigError('offsite config', 'each destination must be an object');
  const d = raw as Record<string, unknown>;
  const name = typeof d.name === 'string' ? d.name : '';
  if (!NAME_RE.test(name)) throw new OffsiteConfigError('offsite config', `a destination needs a "name" of letters, digits, ".", "_" or "-" (got ${JSON.stringify(d.name)})`);
  for (const k of Object.keys(d)) if (SECRET_KEYS.test(k)) fail(name, `"${k}" does not belong in a config file: credentials come from the environment, an AWS profile or the editor's secret storage`);
  const encryption = d.encryption ?? 'age';
  if (encryption !== 'age' && encryption !== 'none') fail(name, `"encryption" must be "age" or "none" (got ${JSON.stringify(encryption)})`);
  const compression = d.compression ?? 'gzip';
  if (compression !== 'gzip' && compression !== 'zstd' && compression !== 'none') fail(name, `"compression" must be "gzip", "zstd" or "none" (got ${JSON.stringify(compression)})`);
  const level = d.compressionLevel;
  if (level !== undefined && (typeof level !== 'number' || !Number.isInteger(level) || level < 0 || level > 19)) fail(name, '"compressionLevel" must be a whole number 0-19');
  let retention: RetentionPolicy | undefined;
  if (d.retention !== undefined && d.retention !== null) {
    if (typeof d.retention !== 'object') fail(name, '"retention" must be an object like { "keepLast": 7, "keepDaily": 7 }');
    try {
      retention = normalizePolicy(d.retention as RetentionPolicy);
    } catch (e) {
      if (e instanceof UsageError) fail(name, `retention: ${e.message}`);
      throw e;
    }
  }
  const base: DestinationBase = {
    name,
    prefix: cleanPrefix(str(d, 'prefix', name) ?? 'lifeboat'),
    encryption,
    compression,
    compressionLevel: level as number | undefined,
    uploadEveryHours: nonNegInt(d, 'uploadEveryHours', name, 0),
    retention,
  };
  if (d.type === 'folder') {
    const p = str(d, 'path', name);
    if (!p) fail(name, 'a folder destination needs a "path"');
    return { ...base, type: 'folder', path: resolve(p.startsWith('~/') ? join(homedir(), p.slice(2)) : p) };
  }
  if (d.type !== 's3') fail(name, `"type" must be "s3" or "folder" (got ${JSON.stringify(d.type)})`);
  const presetName = (str(d, 'preset', name) ?? (d.endpoint ? 'custom' : 'aws')) as S3Preset;
  const preset = PRESETS[presetName];
  if (!preset) fail(name, `unknown preset "${presetName}" (known: ${Object.keys(PRESETS).join(', ')})`);
  const bucket = str(d, 'bucket', name);
  if (!bucket) fail(name, 'an s3 destination needs a "bucket"');
  const region = str(d, 'region', name) ?? preset.region;
  const endpoint = str(d, 'endpoint', name) ?? preset.endpoint?.(region, d);
  if (!endpoint && presetName !== 'aws') fail(name, presetName === 'r2' ? 'an r2 destination needs "accountId" or "endpoint"' : `a ${presetName} destination needs an "endpoint"`);
  if (endpoint && !/^https?:\/\/[^/\s]+/.test(endpoint)) fail(name, `"endpoint" must be an http(s) URL (got "${endpoint}")`);
  const pathStyle = d.forcePathStyle ?? preset.pathStyle;
  if (typeof pathStyle !== 'boolean') fail(name, '"forcePathStyle" must be true or false');
  const verifyEtag = d.verifyEtag ?? preset.verifyEtag;
  if (typeof verifyEtag !== 'boolean') fail(name, '"verifyEtag" must be true or false');
  const partMiB = nonNegInt(d, 'partSizeMiB', name, 8);
  if (partMiB < 5) fail(name, '"partSizeMiB" must be at least 5 (the S3 minimum)');
  return {
    ...base,
    type: 's3',
    preset: presetName,
    bucket,
    region,
    endpoint,
    forcePathStyle: pathStyle,
    profile: str(d, 'profile', name),
    verifyEtag,
    partSizeBytes: partMiB * MiB,
    queueSize: Math.max(1, nonNegInt(d, 'queueSize', name, 4)),
    requestTimeoutMs: Math.max(1000, nonNegInt(d, 'requestTimeoutSeconds', name, 120) * 1000),
  };
}

/** Validates a list of destinations; names must be unique. */
export function normalizeDestinations(raw: unknown): Destination[] {
  if (!Array.isArray(raw)) throw new OffsiteConfigError('offsite config', '"destinations" must be an array');
  const out = raw.map(normalizeDestination);
  const seen = new Set<string>();
  for (const d of out) {
    if (seen.has(d.name)) throw new OffsiteConfigError('offsite config', `two destinations are named "${d.name}"`);
    seen.add(d.name);
  }
  return out;
}

/** `destination "r2" (s3://bucket/prefix)`: how every message names a destination. */
export function describeDestination(d: Destination): string {
  const where = d.type === 's3' ? `s3://${d.bucket}${d.prefix ? `/${d.prefix}` : ''}` : join(d.path, d.prefix);
  return `destination "${d.name}" (${where})`;
}

/** The folder of the CLI's config file and of the local age identity: `LIFEBOAT_CONFIG`, else XDG, else ~/.config. */
export function configDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.LIFEBOAT_CONFIG) return resolve(env.LIFEBOAT_CONFIG);
  const base = env.XDG_CONFIG_HOME ? resolve(env.XDG_CONFIG_HOME) : join(env.HOME || homedir(), '.config');
  return join(base, 'sqlite-lifeboat');
}

export const defaultConfigFile = (env: NodeJS.ProcessEnv = process.env): string => join(configDir(env), 'offsite.json');

/** Reads `{ "destinations": [...] }` from a JSON file (the CLI's `--offsite-config`). */
export async function loadOffsiteConfig(file: string): Promise<Destination[]> {
  let text: string;
  try {
    text = await fsp.readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new OffsiteConfigError(file, code === 'ENOENT' ? 'no such offsite config file (create it or pass --offsite-config)' : (e as Error).message);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new OffsiteConfigError(file, `not valid JSON: ${(e as Error).message}`);
  }
  const list = (parsed as { destinations?: unknown })?.destinations;
  try {
    return normalizeDestinations(list);
  } catch (e) {
    if (e instanceof OffsiteConfigError) throw new OffsiteConfigError(file, `${e.file}: ${e.message}`);
    throw e;
  }
}

/** Picks destinations by name, in the order given; an unknown name is a usage error listing the known ones. */
export function pickDestinations(all: Destination[], names: string[]): Destination[] {
  return names.map((n) => {
    const d = all.find((x) => x.name === n);
    if (!d) throw new UsageError(`no offsite destination named "${n}" (known: ${all.map((x) => x.name).join(', ') || 'none'})`);
    return d;
  });
}
