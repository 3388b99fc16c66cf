// `lifeboat`: the command-line face of the engine, for cron, Task Scheduler and CI.
// Thin glue: parse arguments, call src/core, print one result; errors become one line.
import { createInterface } from 'node:readline/promises';
import { parseArgs, ParseArgsConfig } from 'node:util';
import {
  backupDatabase, describeError, fmtBytes, LifeboatError, listBackups, normalizePolicy, pruneBackups,
  resolveDbPath, restoreDatabase, RestorePreflight, RetentionPolicy, TOOL_VERSION, UsageError, verifyBackup,
  updateManifest,
} from '../core';
import { HELP, usageLine } from './help';

type Options = NonNullable<ParseArgsConfig['options']>;
const COMMON: Options = { help: { type: 'boolean', short: 'h' }, json: { type: 'boolean' } };
const DB: Options = { 'db-path': { type: 'string' }, 'output-dir': { type: 'string' } };
const POLICY: Options = {
  retain: { type: 'string' }, 'keep-daily': { type: 'string' }, 'keep-weekly': { type: 'string' }, 'keep-monthly': { type: 'string' },
};

const SPEC: Record<string, Options> = {
  backup: { ...COMMON, ...DB, ...POLICY },
  verify: { ...COMMON, 'backup-file': { type: 'string' } },
  restore: { ...COMMON, ...DB, 'backup-file': { type: 'string' }, yes: { type: 'boolean', short: 'y' }, 'require-table': { type: 'string', multiple: true } },
  list: { ...COMMON, ...DB },
  prune: { ...COMMON, ...DB, ...POLICY, 'dry-run': { type: 'boolean' } },
  pin: { ...COMMON, 'backup-file': { type: 'string' } },
  unpin: { ...COMMON, 'backup-file': { type: 'string' } },
};

interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
  env: NodeJS.ProcessEnv;
  isTty: boolean;
  ask: (question: string) => Promise<string>;
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

function required(v: Record<string, unknown>, name: string): string {
  const s = v[name];
  if (typeof s !== 'string' || s === '') throw new UsageError(`--${name} is required`);
  return s;
}

const json = (x: unknown) => JSON.stringify(x, null, 2);

async function confirmRestore(p: RestorePreflight, io: Io): Promise<boolean> {
  const b = p.backup;
  io.err(`About to restore ${p.dbPath}`);
  io.err(`  from ${p.backupFile} (${Object.entries(b.tables).map(([t, n]) => `${t}: ${n}`).join(', ') || 'no tables'})`);
  io.err(`  the current database is kept first under ${p.safetyDir}`);
  for (const r of p.inUseReasons) io.err(`  warning: the database looks in use: ${r}; stop the application first`);
  const answer = await io.ask('Restore now? [y/N] ');
  return /^y(es)?$/i.test(answer.trim());
}

async function run(argv: string[], io: Io): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    io.out(HELP.main);
    return command ? 0 : 2;
  }
  if (command === '--version' || command === '-v') {
    io.out(TOOL_VERSION);
    return 0;
  }
  const spec = SPEC[command];
  if (!spec) throw new UsageError(`unknown command "${command}"`);
  let values: Record<string, unknown>;
  try {
    ({ values } = parseArgs({ args: rest, options: spec, allowPositionals: false, strict: true }));
  } catch (e) {
    throw new UsageError(`${command}: ${(e as Error).message.split('\n')[0]}`);
  }
  if (values.help) {
    io.out(HELP[command]);
    return 0;
  }
  const asJson = !!values.json;
  const dbPath = () => resolveDbPath(values['db-path'] as string | undefined, io.env);
  const outputDir = values['output-dir'] as string | undefined;

  switch (command) {
    case 'backup': {
      const policy = policyOf(values, false);
      const db = dbPath();
      const r = await backupDatabase({ dbPath: db, outputDir, policy });
      const { manifest: _m, ...rest2 } = r;
      io.out(asJson ? json(rest2) : r.file);
      return 0;
    }
    case 'verify': {
      const r = await verifyBackup(required(values, 'backup-file'));
      const { info: _i, ...rest2 } = r;
      if (asJson) io.out(json(rest2));
      else if (r.ok) io.out(`ok: ${r.file} (integrity ok${r.checksumMatch ? ', checksum matches the manifest' : ''})`);
      if (!r.ok) io.err(`lifeboat: ${r.file}: ${r.reason}`);
      return r.ok ? 0 : 1;
    }
    case 'restore': {
      const backupFile = required(values, 'backup-file');
      const db = dbPath();
      const yes = !!values.yes;
      const r = await restoreDatabase({
        backupFile,
        dbPath: db,
        outputDir,
        requireTables: values['require-table'] as string[] | undefined,
        confirm: async (p) => {
          if (yes) {
            for (const w of p.inUseReasons) io.err(`lifeboat: warning: ${p.dbPath} looks in use: ${w}`);
            return true;
          }
          if (!io.isTty) {
            const why = p.inUse ? ' and the database looks in use' : '';
            throw new LifeboatError(`refusing to restore without confirmation: stdin is not a terminal${why}; pass --yes`, p.dbPath);
          }
          return confirmRestore(p, io);
        },
      });
      if (asJson) io.out(json(r));
      else {
        io.out(`restored ${r.dbPath} from ${r.backupFile}`);
        if (r.safetyCopy) io.out(`safety copy: ${r.safetyCopy}`);
        io.out(`safety set: ${r.safetyDir}`);
      }
      return 0;
    }
    case 'list': {
      const entries = await listBackups(dbPath(), outputDir);
      if (asJson) io.out(json(entries.map(({ manifest: _m, ...e }) => e)));
      else {
        for (const e of entries) {
          io.out(`${e.createdAt}  ${fmtBytes(e.sizeBytes).padStart(9)}  ${e.verified ? 'verified' : 'unverified'}${e.pinned ? '  pinned' : ''}  ${e.file}`);
        }
        if (!entries.length) io.err('no backups found');
      }
      return 0;
    }
    case 'prune': {
      const policy = policyOf(values, true)!;
      const r = await pruneBackups({ dbPath: dbPath(), outputDir, policy, dryRun: !!values['dry-run'] });
      if (asJson) io.out(json({ dryRun: r.dryRun, deleted: r.deleted, kept: r.kept, plan: r.plan }));
      else {
        for (const d of r.plan.delete) io.out(`${r.dryRun ? 'would delete' : 'deleted'} ${d.file}`);
        io.out(`${r.kept.length} kept, ${r.deleted.length} ${r.dryRun ? 'to delete' : 'deleted'}`);
      }
      return 0;
    }
    case 'pin':
    case 'unpin': {
      const file = required(values, 'backup-file');
      const m = await updateManifest(file, (x) => { x.pinned = command === 'pin'; });
      if (!m) throw new LifeboatError('has no manifest, so it cannot be pinned', file);
      io.out(asJson ? json({ file, pinned: m.pinned }) : `${command === 'pin' ? 'pinned' : 'unpinned'} ${file}`);
      return 0;
    }
  }
  return 2;
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
    io.err(`lifeboat: ${describeError(e).replace(/\s*\n\s*/g, ' ')}`);
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
  };
  main(process.argv.slice(2), io).then((code) => { process.exitCode = code; });
}
