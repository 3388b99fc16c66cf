// The engine's public surface: the CLI and the VS Code layer import from here only.
export * from './errors';
export { backupDatabase } from './backup';
export type { BackupOptions, BackupResult, Phase, Progress, ProgressFn } from './backup';
export { verifyBackup } from './verify';
export type { VerifyOptions, VerifyResult } from './verify';
export { restoreDatabase, inspectRestore, COMPANION_SUFFIXES } from './restore';
export type { RestoreOptions, RestorePreflight, RestoreResult } from './restore';
export { listBackups } from './list';
export type { BackupEntry } from './list';
export { pruneBackups } from './prune';
export type { PruneOptions, PruneResult } from './prune';
export { planRetention, normalizePolicy, DEFAULT_RETAIN } from './retention';
export type { RetentionPolicy, RetentionPlan } from './retention';
export { readManifest, updateManifest, manifestPath, sha256File, TOOL_VERSION } from './manifest';
export type { Manifest } from './manifest';
export { parseConnectionString, resolveDbPath } from './connstr';
export { formatBackupName, parseBackupName, isBackupOf, backupBaseName } from './naming';
export { defaultBackupDir, backupRoot, preRestoreDir } from './paths';
export { hasSqliteMagic, parseDbHeader } from './format';
export { enableWasmTuning, inspectDatabase, IN_MEMORY_LIMIT } from './sqlite';
export type { InspectResult } from './sqlite';
export { fmtBytes } from './fsutil';
export { inspectLive, deleteBackup } from './live';
export { backupDirFor } from './paths';
export { takeSnapshot } from './snapshot';
// Off-site copies: our code is bundled here; the SDK and age load from dist/offsite.js on first use.
export * from './offsite';
