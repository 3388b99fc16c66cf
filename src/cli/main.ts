// `lifeboat`: the command-line face of the engine, for cron, Task Scheduler and CI.
// Thin glue: parse arguments, call src/core, print one result; errors become one line.
import { readFile, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { parseArgs, ParseArgsConfig } from 'node:util';
import {
  backupDatabase, BackupResult, describeError, NotSqliteError, formatAgo, formatLocal, formatSeconds, enableWasmTuning, fmtBytes, InUseError, LifeboatError, listBackups, normalizePolicy, OtherSourceError,
  Progress, pruneBackups, resolveDbPath, restoreDatabase, RestorePreflight, RetentionPolicy, setPinned, TOOL_VERSION, UsageError, verifyBackup,
} from '../core';
import {
  defaultOperator, findEvidenceTable, listScenarios, recordInFile, runDrillRehearsal, shippedDrillsDir, startDrill,
} from '../core/drills';
import { defaultBackupDir } from '../core/paths';
import { diffCommand } from './diff';
import { HELP, usageLine } from './help';
import { offsiteCommand, outcomesJson, uploadAfterLocalBackup } from './offsite';
import { partialRestoreCommand } from './partial';

type Options = NonNullable<ParseArgsConfig['options']>;
const COMMON: Options = { help: { type: 'boolean', short: 'h' }, json: { type: 'boolean' } };
const DB: Options = { 'db-path': { type: 'string' }, 'output-dir': { type: 'string' } };
const POLICY: Options = {
  retain: { type: 'string' }, 'keep-daily': { type: 'string' }, 'keep-weekly': { type: 'string' }, 'keep-monthly': { type: 'string' },
};

const BUSY: Options = { 'busy-timeout': { type: 'string' }, 'no-locks': { type: 'boolean' } };

const SPEC: Record<string, Options> = {
  backup: { ...COMMON, ...DB, ...POLICY, ...BUSY, force: { type: 'boolean' }, offsite: { type: 'string', multiple: true }, 'offsite-config': { type: 'string' } },
  verify: { ...COMMON, 'backup-file': { type: 'string' } },
  restore: {
    ...COMMON, ...DB, ...BUSY, 'backup-file': { type: 'string' }, yes: { type: 'boolean', short: 'y' }, 'require-table': { type: 'string', multiple: true },
    force: { type: 'boolean' }, 'force-other-source': { type: 'boolean' }, online: { type: 'boolean' },
    table: { type: 'string', multiple: true }, rows: { type: 'string' }, to: { type: 'string' }, 'dry-run': { type: 'boolean' }, 'allow-fk-violations': { type: 'boolean' },
  },
  diff: { ...COMMON, 'db-path': { type: 'string' }, 'backup-file': { type: 'string', multiple: true }, table: { type: 'string', multiple: true }, limit: { type: 'string' } },
  list: { ...COMMON, ...DB },
  prune: { ...COMMON, ...DB, ...POLICY, 'dry-run': { type: 'boolean' } },
  pin: { ...COMMON, 'backup-file': { type: 'string' } },
  drill: {
    ...COMMON, ...DB, 'backup-file': { type: 'string' }, drill: { type: 'string' }, scenario: { type: 'string' },
    'drills-dir': { type: 'string' }, operator: { type: 'string' }, 'rto-minutes': { type: 'string' }, 'rpo-hours': { type: 'string' },
    table: { type: 'string' },
  },
  unpin: { ...COMMON, 'backup-file': { type: 'string' } },
};

export interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
  env: NodeJS.ProcessEnv;
  isTty: boolean;
  ask: (question: string) => Promise<string>;
  /** asks without echo (a passphrase) */
  askSecret?: (question: string) => Promise<string>;
}

function int(name: string, v: unknown): number | undefined {
  if (v === undefined) return undefined;
  const s = String(v);
  if (!/^\d+$/.test(s)) throw new UsageError(`--${name} must be a whole number (got "${s}")`);
  return Number(s);
}

function policyOf(v: Record<string, unknown>, always: boolean): RetentionPolicy | undefined {
  const p: RetentionPolicy = {
    keepLast: int('retain', v.retain),
    keepDaily: int('keep-daily', v['keep-daily']),
    keepWeekly: int('keep-weekly', v['keep-weekly']),
    keepMonthly: int('keep-monthly', v['keep-monthly']),
  };
  const given = Object.values(p).some((x) => x !== undefined);
  if (!given && !always) return undefined;
  return normalizePolicy(Object.fromEntries(Object.entries(p).filter(([, x]) => x !== undefined)));
}

/** --busy-timeout SECONDS (default 30) in milliseconds. */
function busyTimeout(v: Record<string, unknown>): number | undefined {
  const s = v['busy-timeout'];
  if (s === undefined) return undefined;
  const n = Number(s);
  if (!/^\d+(\.\d+)?$/.test(String(s)) || !Number.isFinite(n)) throw new UsageError(`--busy-timeout must be a number of seconds (got "${String(s)}")`);
  return Math.round(n * 1000);
}

function required(v: Record<string, unknown>, name: string): string {
  const s = v[name];
  if (typeof s !== 'string' || s === '') throw new UsageError(`--${name} is required`);
  return s;
}

const json = (x: unknown) => JSON.stringify(x, null, 2);

/** A database path that names nothing: say where it came from (a restore may create it, when its folder exists). */
async function mustExist(db: string, creatable = false): Promise<void> {
  const st = await stat(db).catch(() => null);
  if (st) return;
  if (creatable && (await stat(dirname(resolve(db))).catch(() => null))) return;
  throw new NotSqliteError(resolve(db), 'no such file (check --db-path, or the Data Source of ConnectionStrings__DefaultConnection)');
}

/** The one line a backup prints: what, where, verified, size and time (or that nothing had changed). */
function backupLine(r: BackupResult): string {
  if (r.unchanged) return `${r.source.path} unchanged since its backup of ${formatLocal(r.unchanged.since)} (${formatAgo(r.unchanged.since)}): no new copy; ${r.file} (verified, ${fmtBytes(r.sizeBytes)})`;
  return `backed up ${r.source.path} to ${r.file} (verified, ${fmtBytes(r.sizeBytes)}, ${formatSeconds(r.durationMs)})`;
}
/** Progress the CLI shows: only waiting for another Lifeboat operation (it may take a while). */
const waits = (io: Io) => (p: Progress) => { if (p.phase === 'wait' || p.phase === 'busy') io.err(`lifeboat: ${p.message.charAt(0).toLowerCase()}${p.message.slice(1)}`); };
const oneLine = (s: string) => s.replace(/\s*\n\s*/g, ' ');

async function confirmRestore(p: RestorePreflight, io: Io): Promise<boolean> {
  const b = p.backup;
  io.err(`About to restore ${p.dbPath}${p.viaLink ? ` (a link to ${p.realPath})` : ''}`);
  io.err(`  from ${p.backupFile} (${Object.entries(b.tables).map(([t, n]) => `${t}: ${n}`).join(', ') || 'no tables'})`);
  if (p.otherSource) io.err(`  warning: this backup was made from ANOTHER database: ${p.sourcePath}`);
  else if (p.ownership === 'other') io.err(`  note: this backup was made from ${p.sourcePath}`);
  io.err(`  the current database is kept first under ${p.safetyDir}`);
  for (const w of p.warnings) io.err(`  warning: ${w}`);
  for (const r of p.inUseReasons) io.err(`  warning: the database looks in use: ${r}; its application's later writes will be lost`);
  const answer = await io.ask(p.otherSource ? 'Restore this other database\'s backup now? [y/N] ' : 'Restore now? [y/N] ');
  return /^y(es)?$/i.test(answer.trim());
}

async function run(argv: string[], io: Io): Promise<number> {
  const [command, ...rest] = argv;
  if (command === 'help' && rest[0]) {
    if (!HELP[rest[0]]) throw new UsageError(`help: unknown command "${rest[0]}"`);
    io.out(HELP[rest[0]]);
    return 0;
  }
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    io.out(HELP.main);
    return command ? 0 : 2;
  }
  if (command === '--version' || command === '-v') {
    io.out(TOOL_VERSION);
    return 0;
  }
  if (command === 'offsite') return offsiteCommand(rest, io);
  const spec = SPEC[command];
  if (!spec) throw new UsageError(`unknown command "${command}"`);
  let values: Record<string, unknown>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args: rest, options: spec, allowPositionals: command === 'drill', strict: true }));
  } catch (e) {
    throw new UsageError(`${command}: ${(e as Error).message.split('\n')[0]}`);
  }
  if (values.help) {
    io.out(HELP[command]);
    return 0;
  }
  if (command === 'drill') return drillCommand(positionals, values, io);
  if (command === 'diff') return diffCommand(values, io);
  const asJson = !!values.json;
  const dbPath = () => resolveDbPath(values['db-path'] as string | undefined, io.env);
  const outputDir = values['output-dir'] as string | undefined;

  switch (command) {
    case 'backup': {
      const policy = policyOf(values, false);
      const db = dbPath();
      await mustExist(db);
      const r = await backupDatabase({ dbPath: db, outputDir, policy, busyTimeoutMs: busyTimeout(values), locks: !values['no-locks'], force: !!values.force, onProgress: waits(io) });
      const { manifest: _m, ...rest2 } = r;
      for (const w of r.warnings) io.err(`lifeboat: warning: ${w}`);
      if (!asJson) {
        io.out(backupLine(r));
        for (const f of r.pruned) io.out(`deleted by retention: ${f}`);
      }
      if (!values.offsite) {
        if (asJson) io.out(json(rest2));
        return 0;
      }
      // the local backup is made and printed whatever happens off-site; a failed upload exits 1
      const up = await uploadAfterLocalBackup(r, values, io);
      if (asJson) io.out(json({ ...rest2, offsite: outcomesJson(up.outcomes) }));
      return up.code;
    }
    case 'verify': {
      const r = await verifyBackup(required(values, 'backup-file'));
      const { info: _i, ...rest2 } = r;
      if (asJson) io.out(json(rest2));
      else if (r.ok) {
        const counts = r.tablesSource === 'recorded' ? 'row counts as recorded in the manifest' : 'row counts counted';
        io.out(`ok: ${r.file} (integrity ok${r.checksumMatch ? ', checksum matches the manifest' : ''}, ${counts})`);
        for (const n of r.notes) io.err(`lifeboat: note: ${n}`);
      }
      if (!r.ok) io.err(`lifeboat: ${r.file}: ${oneLine(r.reason ?? 'verification failed')}`);
      return r.ok ? 0 : 1;
    }
    case 'restore': {
      const backupFile = required(values, 'backup-file');
      if (values.to === undefined && values.table === undefined) await mustExist(dbPath(), true);
      if (values.table !== undefined || values.to !== undefined || values.rows !== undefined) return partialRestoreCommand(values, io, backupFile);
      if (values['dry-run'] || values['allow-fk-violations']) throw new UsageError('--dry-run and --allow-fk-violations go with --table');
      const db = dbPath();
      const yes = !!values.yes;
      const otherOk = !!values['force-other-source'];
      const restore = (method: 'swap' | 'online') => restoreDatabase({
        backupFile,
        dbPath: db,
        outputDir,
        requireTables: values['require-table'] as string[] | undefined,
        force: !!values.force,
        allowOtherSource: otherOk,
        locks: !values['no-locks'],
        method,
        busyTimeoutMs: busyTimeout(values),
        onProgress: waits(io),
        confirm: async (p) => {
          if (p.otherSource && !otherOk && (yes || !io.isTty)) {
            throw new OtherSourceError(p.dbPath, `refusing to restore: ${p.backupFile} was made from another database (${p.sourcePath}); pass --force-other-source to restore it anyway`, p.sourcePath ?? '');
          }
          if (yes) return true; // the result's warnings say what there was to say
          if (!io.isTty) throw new LifeboatError('refusing to restore without confirmation: stdin is not a terminal; pass --yes', p.dbPath);
          return confirmRestore(p, io);
        },
      });
      const r = await restore(values.online ? 'online' : 'swap').catch(async (e) => {
        if (!(e instanceof InUseError)) throw e;
        // On a terminal, offer what an in-use database allows: restoring through SQLite.
        if (e.online && io.isTty && !yes) {
          io.err(`lifeboat: ${e.file}: ${e.reasons.join('; ')}`);
          const a = await io.ask('The database is in use. Restore it online, through SQLite, while the application stays connected? [y/N] ');
          if (/^y(es)?$/i.test(a.trim())) return restore('online');
          throw new LifeboatError('restore cancelled: the database is in use', e.file);
        }
        const what = /is in use/.test(e.message) ? 'is in use by another process' : 'looks in use by another process';
        const online = e.online ? '--online restores through SQLite while it stays connected; ' : '';
        throw new InUseError(e.file ?? db, `refusing to restore: the database ${what} (${e.reasons.join('; ')}); stop the application that uses it (${online}--force restores anyway, and that application's later writes are lost)`, e.reasons, e.online);
      });
      if (asJson) io.out(json(r));
      else {
        io.out(`restored ${r.dbPath}${r.realPath !== r.dbPath ? ` (${r.realPath})` : ''} from ${r.backupFile}${r.method === 'online' ? ' (online, through SQLite)' : ''}`);
        if (r.safetyCopy) io.out(`safety copy: ${r.safetyCopy}`);
        io.out(`safety set: ${r.safetyDir}`);
      }
      for (const w of r.warnings) io.err(`lifeboat: warning: ${w}`);
      return 0;
    }
    case 'list': {
      const db = dbPath();
      const dir = resolve(outputDir ?? defaultBackupDir(db));
      const entries = await listBackups(db, dir);
      if (asJson) io.out(json(entries.map(({ manifest: _m, ...e }) => e)));
      else {
        for (const e of entries) {
          const state = e.state === 'verified' ? 'verified' : e.state === 'failed verification' ? e.problem! : `unverified (${e.problem})`;
          const checked = e.freshAt !== e.createdAt ? `, unchanged at ${formatLocal(e.freshAt)}` : '';
          io.out(`${formatLocal(e.createdAt)} (${formatAgo(e.createdAt)}${checked})  ${fmtBytes(e.sizeBytes).padStart(9)}  ${state}${e.pinned ? '  pinned' : ''}  ${e.file}`);
        }
        if (!entries.length) io.err(`no backups of ${db} found in ${dir}`);
      }
      return 0;
    }
    case 'prune': {
      const policy = policyOf(values, true)!;
      const r = await pruneBackups({ dbPath: dbPath(), outputDir, policy, dryRun: !!values['dry-run'], lock: { onWait: (h) => waits(io)({ phase: 'wait', message: `Waiting for another Lifeboat operation: ${h}` }) } });
      if (asJson) io.out(json({ dryRun: r.dryRun, deleted: r.deleted, kept: r.kept, plan: r.plan }));
      else {
        for (const d of r.plan.delete) io.out(`${r.dryRun ? 'would delete' : 'deleted'} ${d.file}`);
        io.out(`${r.kept.length} kept, ${r.deleted.length} ${r.dryRun ? 'to delete' : 'deleted'}`);
      }
      return 0;
    }
    case 'pin':
    case 'unpin': {
      const file = resolve(required(values, 'backup-file'));
      const m = await setPinned(file, command === 'pin', { onWait: (h) => waits(io)({ phase: 'wait', message: `Waiting for another Lifeboat operation: ${h}` }) });
      io.out(asJson ? json({ file, pinned: m.pinned }) : `${command === 'pin' ? 'pinned' : 'unpinned'} ${file}`);
      return 0;
    }
  }
  return 2;
}

async function drillCommand(positionals: string[], values: Record<string, unknown>, io: Io): Promise<number> {
  const [sub, ...extra] = positionals;
  if (extra.length) throw new UsageError(`drill: unexpected argument "${extra[0]}"`);
  const drillsDir = (values['drills-dir'] as string | undefined) ?? join('.lifeboat', 'drills');
  const asJson = !!values.json;
  switch (sub) {
    case 'list': {
      const scenarios = await listScenarios([shippedDrillsDir(), drillsDir]);
      if (asJson) io.out(json(scenarios));
      else for (const s of scenarios) io.out(`${s.id.padEnd(18)} ${s.title}`);
      return 0;
    }
    case 'start': {
      const id = required(values, 'scenario');
      const scenarios = await listScenarios([shippedDrillsDir(), drillsDir]);
      const scenario = scenarios.find((s) => s.id === id);
      if (!scenario) throw new UsageError(`drill start: unknown scenario "${id}" (known: ${scenarios.map((s) => s.id).join(', ')})`);
      const operator = (values.operator as string | undefined) ?? (await defaultOperator());
      const db = values['db-path'] as string | undefined;
      const file = await startDrill(scenario, drillsDir, { operator, database: db ? resolve(db) : undefined });
      io.out(asJson ? json({ file, scenario: scenario.id, operator }) : file);
      return 0;
    }
    case 'run': {
      const drillFile = required(values, 'drill');
      const text = await readFile(drillFile, 'utf8').catch((e) => { throw new LifeboatError(`cannot read the drill: ${(e as Error).message}`, drillFile); });
      if (!findEvidenceTable(text)) throw new LifeboatError('has no evidence table to record the rehearsal in', drillFile);
      // the database and operator that `drill start` wrote into the drill, unless given here
      const givenDb = values['db-path'] || io.env.ConnectionStrings__DefaultConnection ? resolveDbPath(values['db-path'] as string | undefined, io.env) : undefined;
      const r = await runDrillRehearsal(text, {
        dbPath: givenDb,
        backupFile: values['backup-file'] as string | undefined,
        outputDir: values['output-dir'] as string | undefined,
        operator: values.operator as string | undefined,
        rtoMinutes: num('rto-minutes', values['rto-minutes']) ?? 30,
        rpoHours: num('rpo-hours', values['rpo-hours']) ?? 24,
        table: values.table as string | undefined,
      });
      const rec = await recordInFile(drillFile, r);
      if (asJson) io.out(json({ drill: resolve(drillFile), ...r, evidenceLine: rec.rowLine + 1, tickedLines: rec.ticked.map((l) => l + 1) }));
      else {
        if (r.kind === 'recover-rows') {
          io.out(`${r.pass ? 'PASS' : 'FAIL'}: DELETE FROM ${r.table} on a scratch copy: ${r.rowsLost} rows lost, ${r.rowsRecovered} recovered in ${r.row['Restore Duration']}, other tables untouched: ${r.extra['Other Tables Untouched']}, integrity_check ${r.integrity}, backup age ${r.row['Backup Age']}`);
        } else {
          io.out(`${r.pass ? 'PASS' : 'FAIL'}: ${r.row['Backup File']} restored in ${r.row['Restore Duration']}, integrity_check ${r.integrity}, row counts ${r.row['Row Count Match']}, backup age ${r.row['Backup Age']}`);
        }
        io.out(`evidence recorded in ${drillFile}:${rec.rowLine + 1}`);
      }
      if (!r.pass) io.err(`lifeboat: ${drillFile}: drill failed: ${oneLine(r.reasons.join('; '))}`);
      return r.pass ? 0 : 1;
    }
    default:
      throw new UsageError(sub ? `drill: unknown subcommand "${sub}"` : 'drill: a subcommand is required (list, start, run)');
  }
}

function num(name: string, v: unknown): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new UsageError(`--${name} must be a non-negative number (got "${String(v)}")`);
  return n;
}

export async function main(argv: string[], io: Io): Promise<number> {
  try {
    return await run(argv, io);
  } catch (e) {
    if (io.env.LIFEBOAT_DEBUG) io.err(String((e as Error)?.stack ?? e));
    if (e instanceof UsageError) {
      io.err(`lifeboat: ${e.message} (${usageLine(argv[0])})`);
      return 2;
    }
    io.err(`lifeboat: ${oneLine(describeError(e))}`);
    return 1;
  }
}

if (require.main === module) {
  const io: Io = {
    out: (s) => process.stdout.write(s + '\n'),
    err: (s) => process.stderr.write(s + '\n'),
    env: process.env,
    isTty: !!process.stdin.isTTY,
    ask: async (question) => {
      const rl = createInterface({ input: process.stdin, output: process.stderr });
      try { return await rl.question(question); } finally { rl.close(); }
    },
    askSecret: async (question) => {
      // readline with its echo muted: the passphrase never appears on the terminal
      const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
      const w = rl as unknown as { _writeToOutput: (s: string) => void };
      process.stderr.write(question);
      w._writeToOutput = () => undefined;
      try { return await rl.question(''); } finally { rl.close(); process.stderr.write('\n'); }
    },
  };
  enableWasmTuning(); // this process is ours alone: its V8 may compile SQLite's WASM the way the check needs
  main(process.argv.slice(2), io).then((code) => { process.exitCode = code; });
}
