// Executes a retention plan. The plan itself is the pure `planRetention`; this only lists,
// plans, and (unless dry-run) deletes the backups and manifests the plan names.
import { resolve } from 'node:path';
import { listBackups } from './list';
import { manifestPath } from './manifest';
import { defaultBackupDir } from './paths';
import { planRetention, RetentionPlan, RetentionPolicy } from './retention';
import { promises as fsp } from 'node:fs';

export interface PruneOptions {
  dbPath: string;
  outputDir?: string;
  policy: RetentionPolicy;
  dryRun?: boolean;
  now?: Date;
}

export interface PruneResult {
  dryRun: boolean;
  plan: RetentionPlan;
  deleted: string[];
  kept: string[];
}

export async function pruneBackups(opts: PruneOptions): Promise<PruneResult> {
  const dir = resolve(opts.outputDir ?? defaultBackupDir(opts.dbPath));
  const entries = await listBackups(opts.dbPath, dir);
  const plan = planRetention(
    entries.map((e) => ({
      file: e.file,
      createdAt: new Date(e.createdAt),
      verified: e.verified,
      pinned: e.pinned,
      hasManifest: e.hasManifest,
      nameMatches: true,
    })),
    opts.policy,
    opts.now ?? new Date(),
  );
  const deleted: string[] = [];
  if (!opts.dryRun) {
    for (const d of plan.delete) {
      await fsp.rm(d.file, { force: true });
      await fsp.rm(manifestPath(d.file), { force: true });
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
