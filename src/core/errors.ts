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
  /** `detail`: every problem integrity_check reported, one per line (the message names the first) */
  constructor(file: string, reason: string, readonly detail?: string) {
    super(reason, file, 'INTEGRITY');
  }
}

/** integrity_check's messages as one short line: the first, and how many more. */
export function summarizeProblems(problems: string[]): string {
  if (!problems.length) return 'ok';
  const first = problems[0].length > 200 ? `${problems[0].slice(0, 200)}…` : problems[0];
  return problems.length > 1 ? `${first} (and ${problems.length - 1} more)` : first;
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

/** Another Lifeboat operation held the lock for longer than we were willing to wait. */
export class LockTimeoutError extends LifeboatError {
  constructor(file: string | undefined, readonly holder: string, readonly lockFile: string, timeoutMs: number) {
    super(`another Lifeboat operation is working on it: ${holder}; gave up waiting after ${Math.round(timeoutMs / 1000)} s (if no such process runs, remove ${lockFile})`, file, 'LOCKED');
  }
}

/**
 * A restore step failed. `restored` is true when the live database is as it was before (never
 * touched, or put back whole), false when putting it back failed too (the message says where
 * its pieces are).
 */
export class RestoreError extends LifeboatError {
  constructor(file: string, reason: string, readonly restored: boolean) {
    super(reason, file, 'RESTORE_FAILED');
  }
}

/** The database is in use by another process (or looks so): restoring now would lose its writes. */
export class InUseError extends LifeboatError {
  /** `online`: an online restore (through SQLite, the application stays connected) is possible here */
  constructor(file: string, reason: string, readonly reasons: string[], readonly online = false) {
    super(reason, file, 'IN_USE');
  }
}

/**
 * A restore cannot be done as asked with these two databases: a partial restore's table is missing,
 * of another kind, or its schema does not fit; an online restore across page sizes or encodings.
 */
export class IncompatibleError extends LifeboatError {
  constructor(file: string, reason: string) {
    super(reason, file, 'INCOMPATIBLE');
  }
}

/** The backup was made from another database than the restore target. */
export class OtherSourceError extends LifeboatError {
  constructor(file: string, reason: string, readonly sourcePath: string) {
    super(reason, file, 'OTHER_SOURCE');
  }
}

/** The same error about `to` when it named our private file `from` (a temp copy the user never sees). */
export function renameSubject(e: unknown, from: string, to: string, as = 'its copy'): unknown {
  if (!(e instanceof LifeboatError) || (e.file !== from && !e.message.includes(from))) return e;
  const message = e.message.split(from).join(as);
  const copy = Object.create(Object.getPrototypeOf(e)) as LifeboatError;
  Object.assign(copy, e, { message, file: e.file === from ? to : e.file });
  Object.defineProperty(copy, 'stack', { value: e.stack, writable: true, configurable: true });
  return copy;
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
