// Executes a retention plan. The plan itself is the pure `planRetention`; this lists, plans, and
// (unless dry-run) deletes what the plan names, under the folder's lock. Only this database's
// own, complete backups (a valid manifest naming the file) are candidates; anything else in the
// folder — other databases' backups, files without a manifest, foreign files — is never deleted.
import { promises as fsp } from 'node:fs';
import { resolve } from 'node:path';
import { FolderLockOptions, sweepFolder, withFolderLock } from './folder';
import { DbIdentity, identify, locateDatabase } from './identity';
import { BackupEntry, listBackups } from './list';
import { loadManifest, manifestPath } from './manifest';
import { defaultBackupDir } from './paths';
import { planRetention, RetentionPlan, RetentionPolicy } from './retention';

/** Points of a prune where a test may fail it. */
export type PruneStep = 'plan' | 'delete';

export interface PruneOptions {
  dbPath: string;
  outputDir?: string;
  policy: RetentionPolicy;
  dryRun?: boolean;
  now?: Date;
  lock?: FolderLockOptions;
  hooks?: { step?: (step: PruneStep, file?: string) => void | Promise<void> };
}

export interface PruneResult {
  dryRun: boolean;
  plan: RetentionPlan;
  deleted: string[];
  kept: string[];
}

/** Plans retention over `entries` (pure apart from the clock): only own backups with a valid manifest are managed. */
export function planFor(entries: BackupEntry[], policy: RetentionPolicy, now: Date): RetentionPlan {
  return planRetention(
    entries.map((e) => ({
      file: e.file,
      createdAt: new Date(e.createdAt),
      coveredUntil: new Date(e.freshAt),
      verified: e.verified,
      pinned: e.pinned,
      hasManifest: e.hasManifest,
      nameMatches: e.ownership === 'own',
    })),
    policy,
    now,
  );
}

/** Prune with the folder's lock already held by the caller (a backup applying its policy). */
export async function pruneLocked(opts: PruneOptions, identity?: DbIdentity): Promise<PruneResult> {
  const dir = resolve(opts.outputDir ?? defaultBackupDir(opts.dbPath));
  if (!opts.dryRun) await sweepFolder(dir);
  const entries = await listBackups(opts.dbPath, dir, { identity });
  await opts.hooks?.step?.('plan');
  const plan = planFor(entries, opts.policy, opts.now ?? new Date());
  const deleted: string[] = [];
  if (!opts.dryRun) {
    for (const d of plan.delete) {
      await opts.hooks?.step?.('delete', d.file);
      // re-checked just before: still a regular file with a valid manifest of ours
      const st = await fsp.lstat(d.file).catch(() => null);
      if (!st?.isFile() || (await loadManifest(d.file)).state !== 'ok') continue;
      await fsp.unlink(d.file);
      await fsp.unlink(manifestPath(d.file)).catch(() => undefined);
      deleted.push(d.file);
    }
  }
  return {
    dryRun: !!opts.dryRun,
    plan,
    deleted: opts.dryRun ? plan.delete.map((d) => d.file) : deleted,
    kept: plan.keep.map((k) => k.file),
  };
}

/** Applies `policy` to the backups of `dbPath`, holding its folder's lock. */
export async function pruneBackups(opts: PruneOptions): Promise<PruneResult> {
  const dir = resolve(opts.outputDir ?? defaultBackupDir(opts.dbPath));
  const exists = await fsp.stat(dir).then((s) => s.isDirectory(), () => false);
  if (!exists) return { dryRun: !!opts.dryRun, plan: { keep: [], delete: [] }, deleted: [], kept: [] };
  const identity = await identify(await locateDatabase(opts.dbPath));
  return withFolderLock(dir, 'prune', { ...opts.lock, subject: opts.lock?.subject ?? opts.dbPath }, () => pruneLocked({ ...opts, outputDir: dir }, identity));
}
