// A "machine" for the off-site tests: its own HOME, config folder (offsite.json, age identity),
// backup root and outbox, the S3 credentials in its environment, and the passphrase. A fresh
// machine is a new one with nothing but the config file, the credentials and the passphrase.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultContext, normalizeDestination, OffsiteContext, S3Store, StoreRuntime } from '../../../src/core';
import { tmpDir } from '../../helpers';
import { S3Server } from '../../support/s3/server';

export const PASSPHRASE = 'correct horse battery staple 42';

// every machine's temp folder adds an exit listener (helpers.tmpDir); a test file makes a dozen
process.setMaxListeners(Math.max(process.getMaxListeners(), 64));

export interface Machine {
  root: string;
  home: string;
  configDir: string;
  configFile: string;
  backupRoot: string;
  env: NodeJS.ProcessEnv;
}

export function newMachine(server: S3Server | null, destinations: unknown[] = [], extraEnv: NodeJS.ProcessEnv = {}): Machine {
  const root = tmpDir('lifeboat-offsite-');
  const home = join(root, 'home');
  const configDir = join(home, '.config', 'sqlite-lifeboat');
  mkdirSync(configDir, { recursive: true });
  const m: Machine = {
    root,
    home,
    configDir,
    configFile: join(configDir, 'offsite.json'),
    backupRoot: join(home, '.sqlite-lifeboat', 'backups'),
    env: {
      HOME: home,
      LIFEBOAT_CONFIG: configDir,
      LIFEBOAT_BACKUP_ROOT: join(home, '.sqlite-lifeboat', 'backups'),
      LIFEBOAT_PASSPHRASE: PASSPHRASE,
      AWS_ACCESS_KEY_ID: server?.accessKeyId ?? '',
      AWS_SECRET_ACCESS_KEY: server?.secretAccessKey ?? '',
      AWS_REGION: server?.region ?? 'us-east-1',
      // nothing of the developer's own AWS setup may leak into a test
      AWS_PROFILE: '',
      AWS_CONFIG_FILE: join(home, '.aws', 'config'),
      AWS_SHARED_CREDENTIALS_FILE: join(home, '.aws', 'credentials'),
      XDG_CONFIG_HOME: '',
      ...extraEnv,
    },
  };
  writeConfig(m, destinations);
  return m;
}

export function writeConfig(m: Machine, destinations: unknown[]): void {
  writeFileSync(m.configFile, JSON.stringify({ destinations }, null, 2));
}

export function s3Dest(name: string, endpoint: string, bucket: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { name, type: 's3', endpoint, bucket, prefix: 'lifeboat', ...extra };
}

/** The engine's context for this machine (what the CLI builds from the same environment). */
export function contextOf(m: Machine, runtime: StoreRuntime = {}, passphrase: string | null = PASSPHRASE): OffsiteContext {
  const credentials = () => ({ accessKeyId: m.env.AWS_ACCESS_KEY_ID!, secretAccessKey: m.env.AWS_SECRET_ACCESS_KEY! });
  return defaultContext({ runtime: { credentials, ...runtime }, passphrase: async () => passphrase }, m.env);
}

/** Creates a bucket with the real SDK (SigV4, the test user's keys). */
export async function createBucket(server: S3Server, bucket: string): Promise<void> {
  const store = new S3Store(normalizeDestination(s3Dest('setup', server.endpoint, bucket)) as never, {
    credentials: () => ({ accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey }),
  });
  try {
    await store.createBucket();
  } finally {
    store.close();
  }
}
