// Typed errors of off-site copies. Each names the destination (as `file`, so `describeError` prints
// `destination "r2" (s3://bucket/prefix): <reason>`) and says which kind of failure it was, so that
// the CLI and the editor can show one line and decide whether another destination is worth trying.
import { LifeboatError } from '../errors';

export type OffsiteErrorKind =
  | 'auth' // wrong secret, unknown key, access denied, no credentials
  | 'bucket' // the bucket does not exist
  | 'network' // connection refused/reset, timeouts, DNS, server errors after retries
  | 'quota' // quota exceeded, bucket or disk full
  | 'skew' // the clock differs too much from the server's, even after the SDK corrected it
  | 'refused' // would upload without encryption, identity mismatch, not initialized
  | 'not-found' // no such copy/object
  | 'integrity' // downloaded bytes do not decrypt, decompress, check or hash as recorded
  | 'passphrase' // the passphrase does not open the wrapped identity
  | 'config'; // a destination's settings are wrong

export class OffsiteError extends LifeboatError {
  constructor(
    /** e.g. `destination "r2" (s3://bucket/prefix)` */
    readonly destination: string,
    reason: string,
    readonly kind: OffsiteErrorKind,
    options?: { cause?: unknown },
  ) {
    super(reason, destination, `OFFSITE_${kind.toUpperCase().replace('-', '_')}`);
    if (options?.cause !== undefined) (this as { cause?: unknown }).cause = options.cause;
  }
}

export class OffsiteAuthError extends OffsiteError {
  constructor(destination: string, reason: string, options?: { cause?: unknown }) { super(destination, reason, 'auth', options); }
}
export class OffsiteBucketError extends OffsiteError {
  constructor(destination: string, reason: string, options?: { cause?: unknown }) { super(destination, reason, 'bucket', options); }
}
export class OffsiteNetworkError extends OffsiteError {
  constructor(destination: string, reason: string, options?: { cause?: unknown }) { super(destination, reason, 'network', options); }
}
export class OffsiteQuotaError extends OffsiteError {
  constructor(destination: string, reason: string, options?: { cause?: unknown }) { super(destination, reason, 'quota', options); }
}
export class OffsiteSkewError extends OffsiteError {
  constructor(destination: string, reason: string, options?: { cause?: unknown }) { super(destination, reason, 'skew', options); }
}
/** Lifeboat refused to do something unsafe (plaintext upload, foreign identity, no identity). */
export class OffsiteRefusedError extends OffsiteError {
  constructor(destination: string, reason: string) { super(destination, reason, 'refused'); }
}
export class OffsiteNotFoundError extends OffsiteError {
  constructor(destination: string, reason: string) { super(destination, reason, 'not-found'); }
}
export class OffsiteIntegrityError extends OffsiteError {
  constructor(destination: string, reason: string, options?: { cause?: unknown }) { super(destination, reason, 'integrity', options); }
}
export class PassphraseError extends OffsiteError {
  constructor(destination: string, reason: string) { super(destination, reason, 'passphrase'); }
}
export class OffsiteConfigError extends OffsiteError {
  constructor(destination: string, reason: string) { super(destination, reason, 'config'); }
}
