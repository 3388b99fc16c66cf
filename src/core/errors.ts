// Typed errors of the engine. Every error names the file it concerns; the CLI and the
// extension turn them into one line for the user and log the detail.

export class LifeboatError extends Error {
  constructor(message: string, readonly file?: string, readonly code = 'LIFEBOAT_ERROR') {
    super(message);
    this.name = new.target.name;
  }
}

/** Bad arguments or options: the CLI exits 2. */
export class UsageError extends LifeboatError {
  constructor(message: string) {
    super(message, undefined, 'USAGE');
  }
}

/** The file is not a (healthy) SQLite database: missing, a directory, wrong magic, truncated, corrupt. */
export class NotSqliteError extends LifeboatError {
  constructor(file: string, reason: string) {
    super(reason, file, 'NOT_SQLITE');
  }
}

/** `PRAGMA integrity_check` (or a required-table or checksum check) did not pass. */
export class IntegrityError extends LifeboatError {
  constructor(file: string, reason: string) {
    super(reason, file, 'INTEGRITY');
  }
}

/** A writer kept changing the database for longer than the retry budget. */
export class BusyError extends LifeboatError {
  constructor(file: string, reason: string) {
    super(reason, file, 'BUSY');
  }
}

export class NoSpaceError extends LifeboatError {
  constructor(file: string, reason: string) {
    super(reason, file, 'NO_SPACE');
  }
}

export class CancelledError extends LifeboatError {
  constructor(file?: string) {
    super('cancelled', file, 'CANCELLED');
  }
}

/** The user (or a non-interactive caller without --yes) did not confirm. */
export class NotConfirmedError extends LifeboatError {
  constructor(file: string, reason: string) {
    super(reason, file, 'NOT_CONFIRMED');
  }
}

/** A restore step failed; `restored` says whether the original was put back. */
export class RestoreError extends LifeboatError {
  constructor(file: string, reason: string, readonly restored: boolean) {
    super(reason, file, 'RESTORE_FAILED');
  }
}

export function throwIfAborted(signal: AbortSignal | undefined, file?: string): void {
  if (signal?.aborted) throw new CancelledError(file);
}

/** One line for the user: `<file>: <reason>`. */
export function describeError(err: unknown): string {
  if (err instanceof LifeboatError) return err.file ? `${err.file}: ${err.message}` : err.message;
  if (err instanceof Error) {
    const e = err as NodeJS.ErrnoException;
    return e.path ? `${e.path}: ${e.message.replace(/^[A-Z]+: /, '')}` : err.message;
  }
  return String(err);
}
