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

/** A partial restore cannot be done as asked: the table is missing, of another kind, or its schema does not fit. */
export class IncompatibleError extends LifeboatError {
  constructor(file: string, reason: string) {
    super(reason, file, 'INCOMPATIBLE');
  }
}

/** One group of rows whose foreign key has no parent: `count` rows of `table` (foreign key `fk`) point into `parent`. */
export interface ForeignKeyViolation { table: string; parent: string; fk: number; count: number; rowids: (number | string)[] }

/** A partial restore would leave rows whose foreign keys point nowhere; nothing was changed. */
export class ForeignKeyError extends LifeboatError {
  constructor(file: string, reason: string, readonly violations: ForeignKeyViolation[]) {
    super(reason, file, 'FOREIGN_KEY');
  }
}

/** The live database changed after a partial restore read it: installing would lose those writes. */
export class LiveChangedError extends LifeboatError {
  constructor(file: string, reason: string) {
    super(reason, file, 'LIVE_CHANGED');
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
