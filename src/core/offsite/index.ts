// Off-site copies (S3-compatible buckets and folders, age-encrypted, compressed): the public
// surface for the CLI and the editor. Our code is here, in the main bundles; the AWS SDK and age
// load from dist/offsite.js on first use (lazy.ts), so local-only use never pays for them.
export * from './errors';
export {
  normalizeDestination, normalizeDestinations, describeDestination, loadOffsiteConfig, pickDestinations, configDir, defaultConfigFile,
} from './config';
export type { Destination, S3Destination, FolderDestination, Codec, Encryption, S3Preset } from './config';
export { fileIdentityStore, defaultIdentityFile, hasAgeHeader, parseIdentityFile } from './age';
export type { IdentityStore } from './age';
export { availableCodecs, codecAvailable } from './codec';
export { remoteDbKey, parseRemoteKey, REMOTE_INFO, WRAPPED_IDENTITY, AGE_HEADER } from './layout';
export type { RemoteInfo, RemoteManifest } from './layout';
export { defaultContext, openStore, readRemoteInfo, identityFor, withStore } from './context';
export type { OffsiteContext, OffsiteProgress, OffsiteProgressFn, OffsitePhase } from './context';
export type { RemoteStore, StoreRuntime, RemoteObject } from './store';
export { outboxDir } from './stage';
export { listRemote, committedCopies, fetchRemoteManifest, buildCatalog } from './catalog';
export type { RemoteCopy } from './catalog';
export { uploadAfterBackup, uploadBackup, resumePending, STALE_UPLOAD_MS } from './upload';
export type { UploadOutcome, UploadOptions, BackupToUpload } from './upload';
export { verifyRemote, parseSubset, selectSubset } from './verify';
export type { RemoteVerifyResult, RemoteVerifyOptions, Subset } from './verify';
export { restoreFromOffsite } from './restore';
export type { OffsiteRestoreOptions, OffsiteRestoreResult } from './restore';
export { pruneRemote, pinRemote, ORPHAN_MS } from './prune';
export type { RemotePruneResult, RemotePruneOptions } from './prune';
export { initDestination, checkPassphrase } from './setup';
export type { InitResult, PassphraseCheck } from './setup';
export { fetchCopy } from './fetch';
export { S3Store, mapS3Error } from './s3store';
export { FolderStore } from './folderstore';
