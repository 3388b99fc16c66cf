// `lifeboat restore --table T [--rows missing|missing+changed]` and `lifeboat restore --to NEW_PATH`:
// restore one table, recover lost rows, or write the backup to a new file beside the database.
import {
  describeViolations, LifeboatError, partialRestore, PartialMode, PartialPreflight, PartialRestoreResult, resolveDbPath, restoreAsCopy,
  UsageError,
} from '../core';
import type { Io } from './main';

const MODES: Record<string, PartialMode> = { missing: 'missing', 'missing+changed': 'missing+changed' };

function describeOutcome(r: Pick<PartialRestoreResult, 'mode' | 'tables'>, done: boolean): string[] {
  return r.tables.map((t) => {
    if (r.mode === 'table') {
      return `${done ? 'restored' : 'would restore'} table ${t.table}: ${t.rowsAfter} rows from the backup (live had ${t.rowsBefore ?? 'no such table'})`;
    }
    const what = `${t.inserted} missing row${t.inserted === 1 ? '' : 's'} inserted${r.mode === 'missing+changed' ? `, ${t.replaced} changed row${t.replaced === 1 ? '' : 's'} put back` : ''}`;
    return `${done ? 'recovered' : 'would recover'} ${t.table}: ${what} (${t.rowsBefore} -> ${t.rowsAfter} rows)`;
  });
}

async function confirmPartial(p: PartialPreflight, io: Io): Promise<boolean> {
  io.err(`About to change ${p.dbPath}`);
  io.err(`  from ${p.backupFile}`);
  for (const l of describeOutcome(p, false)) io.err(`  ${l}`);
  for (const t of p.tables) for (const s of t.schemaChanges) io.err(`  ${t.table}: ${s}`);
  for (const w of p.warnings) io.err(`  note: ${w}`);
  io.err(`  every other table stays as it is; the current database is kept first under ${p.restore.safetyDir}`);
  for (const r of p.restore.inUseReasons) io.err(`  warning: the database looks in use: ${r}; stop the application first`);
  const answer = await io.ask('Go ahead? [y/N] ');
  return /^y(es)?$/i.test(answer.trim());
}

/** Runs the partial forms of `lifeboat restore`; the caller has checked that --table or --to is given. */
export async function partialRestoreCommand(values: Record<string, unknown>, io: Io, backupFile: string): Promise<number> {
  const tables = (values.table as string[] | undefined) ?? [];
  const to = values.to as string | undefined;
  const rows = values.rows as string | undefined;
  if (to !== undefined && tables.length) throw new UsageError('--to writes the whole backup to a new file; it does not go with --table');
  if (rows !== undefined && !tables.length) throw new UsageError('--rows needs --table');
  if (rows !== undefined && !MODES[rows]) throw new UsageError(`--rows must be missing or missing+changed (got "${rows}")`);
  if (values['require-table'] !== undefined && to !== undefined) throw new UsageError('--require-table does not go with --to');
  const dbPath = resolveDbPath(values['db-path'] as string | undefined, io.env);
  const json = !!values.json;
  if (to !== undefined) {
    const r = await restoreAsCopy({ backupFile, dbPath, to });
    io.out(json ? JSON.stringify(r, null, 2) : `restored a copy: ${r.file} (from ${r.backupFile}; ${dbPath} was not touched)`);
    return 0;
  }
  const yes = !!values.yes;
  const r = await partialRestore({
    backupFile,
    dbPath,
    tables,
    mode: rows ? MODES[rows] : 'table',
    outputDir: values['output-dir'] as string | undefined,
    requireTables: values['require-table'] as string[] | undefined,
    dryRun: !!values['dry-run'],
    allowForeignKeyViolations: !!values['allow-fk-violations'],
    confirm: async (p) => {
      if (yes) {
        for (const w of p.restore.inUseReasons) io.err(`lifeboat: warning: ${p.dbPath} looks in use: ${w}`);
        return true;
      }
      if (!io.isTty) {
        const why = p.restore.inUse ? ' and the database looks in use' : '';
        throw new LifeboatError(`refusing to restore without confirmation: stdin is not a terminal${why}; pass --yes`, p.dbPath);
      }
      return confirmPartial(p, io);
    },
  });
  if (json) {
    io.out(JSON.stringify(r, null, 2));
    return 0;
  }
  for (const l of describeOutcome(r, r.installed)) io.out(l);
  for (const w of r.warnings) io.err(`lifeboat: note: ${w}`);
  if (r.foreignKeyViolations.length) io.err(`lifeboat: warning: ${describeViolations(r.foreignKeyViolations)}`);
  if (r.restore) {
    if (r.restore.safetyCopy) io.out(`safety copy: ${r.restore.safetyCopy}`);
    io.out(`safety set: ${r.restore.safetyDir}`);
  } else io.out(`dry run: ${dbPath} was not changed`);
  return 0;
}
