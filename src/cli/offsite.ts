// `lifeboat offsite …` and `lifeboat backup --offsite NAME`: thin glue over src/core/offsite.
// Destinations come from a JSON config file (for cron), secrets only from the environment / the
// AWS chain, the passphrase from LIFEBOAT_PASSPHRASE or a prompt on a terminal.
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs, ParseArgsConfig } from 'node:util';
import {
  BackupResult, describeError, fmtBytes, LifeboatError, listBackups, NotConfirmedError, readManifest, RestorePreflight, resolveDbPath, UsageError,
} from '../core';
import {
  checkPassphrase, defaultConfigFile, defaultContext, Destination, initDestination, listRemote, loadOffsiteConfig, OffsiteContext,
  parseSubset, pickDestinations, pinRemote, pruneRemote, remoteDbKey, restoreFromOffsite, uploadAfterBackup, UploadOutcome, verifyRemote,
  fetchRemoteManifest, openStore, describeDestination, withStore, committedCopies, fetchCopy, identityFor,
} from '../core/offsite';
import { HELP } from './help';

export interface OffsiteIo {
  out: (s: string) => void;
  err: (s: string) => void;
  env: NodeJS.ProcessEnv;
  isTty: boolean;
  /** asks without echo (a passphrase) */
  askSecret?: (question: string) => Promise<string>;
  ask: (question: string) => Promise<string>;
}

type Options = NonNullable<ParseArgsConfig['options']>;
const BASE: Options = {
  help: { type: 'boolean', short: 'h' }, json: { type: 'boolean' },
  offsite: { type: 'string', multiple: true }, 'offsite-config': { type: 'string' },
};
const DB: Options = { 'db-path': { type: 'string' }, 'remote-db': { type: 'string' }, 'output-dir': { type: 'string' } };
const POLICY: Options = {
  retain: { type: 'string' }, 'keep-daily': { type: 'string' }, 'keep-weekly': { type: 'string' }, 'keep-monthly': { type: 'string' },
};
const SPEC: Record<string, Options> = {
  init: { ...BASE, 'create-bucket': { type: 'boolean' } },
  upload: { ...BASE, ...DB, 'backup-file': { type: 'string' }, force: { type: 'boolean' } },
  list: { ...BASE, ...DB, details: { type: 'boolean' } },
  verify: { ...BASE, ...DB, copy: { type: 'string' }, subset: { type: 'string' } },
  restore: { ...BASE, ...DB, copy: { type: 'string' }, yes: { type: 'boolean', short: 'y' }, 'require-table': { type: 'string', multiple: true } },
  prune: { ...BASE, ...DB, ...POLICY, 'dry-run': { type: 'boolean' } },
  download: { ...BASE, ...DB, copy: { type: 'string' }, to: { type: 'string' } },
  pin: { ...BASE, ...DB, copy: { type: 'string' } },
  unpin: { ...BASE, ...DB, copy: { type: 'string' } },
  'check-passphrase': { ...BASE },
};

const json = (x: unknown) => JSON.stringify(x, null, 2);
const oneLine = (s: string) => s.replace(/\s*\n\s*/g, ' ');

function int(name: string, v: unknown): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(String(v))) throw new UsageError(`--${name} must be a whole number (got "${String(v)}")`);
  return Number(v);
}

async function destinationsOf(values: Record<string, unknown>, io: OffsiteIo, needOne: boolean): Promise<Destination[]> {
  const file = resolve((values['offsite-config'] as string | undefined) ?? defaultConfigFile(io.env));
  const all = await loadOffsiteConfig(file);
  const names = (values.offsite as string[] | undefined) ?? [];
  if (names.length) return pickDestinations(all, names);
  if (needOne) throw new UsageError(`--offsite NAME is required (known: ${all.map((d) => d.name).join(', ') || 'none'})`);
  if (!all.length) throw new UsageError(`${file} has no destinations`);
  return all;
}

/** The passphrase: LIFEBOAT_PASSPHRASE, else a prompt without echo on a terminal (twice when setting one). */
function passphraseSource(io: OffsiteIo, confirm: boolean): () => Promise<string | null> {
  let cached: string | null | undefined;
  return async () => {
    if (cached !== undefined) return cached;
    if (io.env.LIFEBOAT_PASSPHRASE) return (cached = io.env.LIFEBOAT_PASSPHRASE);
    if (!io.isTty) return (cached = null);
    const ask = io.askSecret ?? io.ask;
    const p = await ask('Passphrase: ');
    if (confirm && (await ask('Passphrase again: ')) !== p) throw new UsageError('the two passphrases differ');
    return (cached = p || null);
  };
}

function contextFor(io: OffsiteIo, confirmPassphrase = false): OffsiteContext {
  return defaultContext({ passphrase: passphraseSource(io, confirmPassphrase) }, io.env);
}

/** The remote database folder: --remote-db, or derived from --db-path (the same path as when backed up). */
function dbKeyOf(values: Record<string, unknown>, io: OffsiteIo, required: boolean): string | undefined {
  if (values['remote-db']) return values['remote-db'] as string;
  const p = values['db-path'] as string | undefined;
  if (p || io.env.ConnectionStrings__DefaultConnection) return remoteDbKey({ source: { path: resolveDbPath(p, io.env) } as never });
  if (required) throw new UsageError('--db-path P or --remote-db <db>-<id> is required');
  return undefined;
}

/** Prints one line per outcome; returns 1 when any destination failed. */
export function reportUploads(outcomes: UploadOutcome[], io: OffsiteIo, asJson: boolean): number {
  if (!asJson) {
    for (const o of outcomes) {
      if (o.status === 'failed') io.err(`lifeboat: ${oneLine(describeError(o.error ?? new Error(o.reason ?? 'failed')))}`);
      else io.out(`${o.status === 'uploaded' ? 'uploaded' : 'skipped'} ${o.backup} to ${o.label}${o.reason ? `: ${o.reason}` : ''}${o.resumed ? ' (resumed)' : ''}${o.cleaned.length ? ` (cleaned ${o.cleaned.length} interrupted upload(s))` : ''}`);
    }
  }
  return outcomes.some((o) => o.status === 'failed') ? 1 : 0;
}

export const outcomesJson = (outcomes: UploadOutcome[]) => outcomes.map(({ error: _e, ...o }) => o);

/** `lifeboat backup --offsite NAME`: called after the local backup succeeded. */
export async function uploadAfterLocalBackup(r: BackupResult, values: Record<string, unknown>, io: OffsiteIo): Promise<{ code: number; outcomes: UploadOutcome[] }> {
  const dests = await destinationsOf(values, io, true);
  const outcomes = await uploadAfterBackup(contextFor(io), { file: r.file, manifest: r.manifest }, dests);
  return { code: reportUploads(outcomes, io, !!values.json), outcomes };
}

export async function offsiteCommand(argv: string[], io: OffsiteIo): Promise<number> {
  const [sub, ...rest] = argv;
  if (!sub || sub === '--help' || sub === '-h') {
    io.out(HELP.offsite);
    return sub ? 0 : 2;
  }
  const spec = SPEC[sub];
  if (!spec) throw new UsageError(`offsite: unknown subcommand "${sub}" (${Object.keys(SPEC).join(', ')})`);
  let values: Record<string, unknown>;
  try {
    ({ values } = parseArgs({ args: rest, options: spec, strict: true }));
  } catch (e) {
    throw new UsageError(`offsite ${sub}: ${(e as Error).message.split('\n')[0]}`);
  }
  if (values.help) {
    io.out(HELP.offsite);
    return 0;
  }
  const asJson = !!values.json;
  switch (sub) {
    case 'init': {
      const ctx = contextFor(io, true);
      const results = [];
      for (const d of await destinationsOf(values, io, true)) results.push(await initDestination(ctx, d, { createBucket: !!values['create-bucket'] }));
      if (asJson) io.out(json(results));
      else for (const r of results) io.out(`ready: ${r.destination}${r.recipient ? ` (age ${r.recipient}, identity ${r.identity})` : ' (unencrypted)'}`);
      return 0;
    }
    case 'upload': {
      const dests = await destinationsOf(values, io, true);
      let file = values['backup-file'] as string | undefined;
      if (!file) {
        const entries = await listBackups(resolveDbPath(values['db-path'] as string | undefined, io.env), values['output-dir'] as string | undefined);
        file = entries.find((e) => e.verified && e.manifest)?.file;
        if (!file) throw new LifeboatError('has no verified local backup to upload', resolveDbPath(values['db-path'] as string | undefined, io.env));
      }
      const manifest = await readManifest(resolve(file));
      if (!manifest) throw new LifeboatError('has no manifest: only Lifeboat backups are uploaded', resolve(file));
      const outcomes = await uploadAfterBackup(contextFor(io), { file: resolve(file), manifest }, dests, { force: !!values.force });
      if (asJson) io.out(json(outcomesJson(outcomes)));
      return reportUploads(outcomes, io, asJson);
    }
    case 'list': {
      const ctx = contextFor(io);
      const dbKey = dbKeyOf(values, io, false);
      const all: unknown[] = [];
      let failedAny = false;
      for (const d of await destinationsOf(values, io, false)) {
        const store = openStore(d, ctx.runtime);
        try {
          const catalog = await listRemote(store, dbKey);
          let identity: string | null = null;
          for (const [key, copies] of catalog) {
            for (const c of copies) {
              let details: unknown;
              if (values.details && c.committed) {
                identity ??= c.encrypted ? await identityFor(ctx, store) : null;
                const m = await fetchRemoteManifest(store, c, identity);
                details = { sha256: m.backup.sha256, sizeBytes: m.backup.sizeBytes, tables: m.backup.tables, uploadedAt: m.uploadedAt };
              }
              all.push({ destination: d.name, dbKey: key, name: c.name, createdAt: c.createdAt.toISOString(), storedBytes: c.storedBytes, codec: c.codec, encrypted: c.encrypted, committed: c.committed, pinned: c.pinned, ...(details ? { details } : {}) });
              if (!asJson) io.out(`${d.name}  ${key}  ${c.createdAt.toISOString()}  ${fmtBytes(c.storedBytes).padStart(9)}  ${c.committed ? 'committed' : 'incomplete'}${c.pinned ? '  pinned' : ''}  ${c.name}`);
            }
          }
        } catch (e) {
          failedAny = true;
          io.err(`lifeboat: ${oneLine(describeError(e))}`);
        } finally {
          store.close();
        }
      }
      if (asJson) io.out(json(all));
      else if (!all.length && !failedAny) io.err('no off-site copies found');
      return failedAny ? 1 : 0;
    }
    case 'verify': {
      const ctx = contextFor(io);
      const subset = parseSubset(values.subset as string | undefined);
      const dbKey = dbKeyOf(values, io, false);
      const results = [];
      let bad = 0;
      for (const d of await destinationsOf(values, io, false)) {
        try {
          const rs = await verifyRemote(ctx, d, { dbKey, names: values.copy ? [values.copy as string] : undefined, subset });
          results.push(...rs);
          for (const r of rs) {
            if (!r.ok) { bad++; io.err(`lifeboat: ${describeDestination(d)}: ${r.dbKey}/${r.name}: ${oneLine(r.reason ?? 'verification failed')}`); }
            else if (!asJson) io.out(`ok: ${d.name} ${r.dbKey}/${r.name} (${r.checked === 'data' ? 'downloaded, decrypted, integrity ok, checksum matches' : 'manifest and size only: not in the subset'})`);
          }
          if (!rs.length && !asJson) io.err(`lifeboat: ${describeDestination(d)}: no committed copies to verify`);
        } catch (e) {
          bad++;
          io.err(`lifeboat: ${oneLine(describeError(e))}`);
        }
      }
      if (asJson) io.out(json(results));
      return bad ? 1 : 0;
    }
    case 'restore': {
      const dbPath = resolveDbPath(values['db-path'] as string | undefined, io.env);
      const yes = !!values.yes;
      const r = await restoreFromOffsite(contextFor(io), {
        destinations: await destinationsOf(values, io, false),
        dbPath,
        dbKey: values['remote-db'] as string | undefined,
        copy: values.copy as string | undefined,
        outputDir: values['output-dir'] as string | undefined,
        requireTables: values['require-table'] as string[] | undefined,
        onProgress: asJson ? undefined : (p) => { if (p.phase === 'restore') io.err(p.message); },
        confirm: async (p: RestorePreflight) => {
          if (yes) return true;
          if (!io.isTty) throw new NotConfirmedError(p.dbPath, `refusing to restore without confirmation: stdin is not a terminal${p.inUse ? ' and the database looks in use' : ''}; pass --yes`);
          io.err(`About to restore ${p.dbPath} from an off-site copy; the current database is kept first under ${p.safetyDir}`);
          for (const w of p.inUseReasons) io.err(`  warning: the database looks in use: ${w}`);
          return /^y(es)?$/i.test((await io.ask('Restore now? [y/N] ')).trim());
        },
      });
      for (const f of r.failures) io.err(`lifeboat: warning: ${f.destination} failed, used the next destination: ${oneLine(f.reason)}`);
      if (asJson) io.out(json(r));
      else {
        io.out(`restored ${r.dbPath} from ${r.copy} (${r.destination})`);
        if (r.safetyCopy) io.out(`safety copy: ${r.safetyCopy}`);
      }
      return 0;
    }
    case 'download': {
      // the backup file itself, checked (SHA-256 against its manifest) but not restored anywhere
      const to = values.to as string | undefined;
      if (!to) throw new UsageError('offsite download: --to DIR is required');
      const dbKey = dbKeyOf(values, io, true)!;
      const [d] = await destinationsOf(values, io, true);
      const ctx = contextFor(io);
      const f = await withStore(ctx, d, async (store) => {
        const copies = await committedCopies(store, dbKey);
        const copy = values.copy ? copies.find((c) => c.name === values.copy) : copies[0];
        if (!copy) throw new LifeboatError(`no committed copy${values.copy ? ` named ${String(values.copy)}` : ''} of ${dbKey}`, store.label);
        // a new folder is private; an existing one is left as it is (the file itself is 0600)
        await mkdir(resolve(to), { recursive: true, mode: 0o700 });
        return fetchCopy(store, copy, copy.encrypted ? await identityFor(ctx, store) : null, resolve(to));
      });
      io.out(asJson ? json({ file: f.file, manifest: `${f.file}.json`, sha256: f.manifest.backup.sha256 }) : f.file);
      return 0;
    }
    case 'prune': {
      const p = {
        keepLast: int('retain', values.retain), keepDaily: int('keep-daily', values['keep-daily']),
        keepWeekly: int('keep-weekly', values['keep-weekly']), keepMonthly: int('keep-monthly', values['keep-monthly']),
      };
      const given = Object.fromEntries(Object.entries(p).filter(([, v]) => v !== undefined));
      const results = [];
      for (const d of await destinationsOf(values, io, false)) {
        const rs = await pruneRemote(contextFor(io), d, { dbKey: dbKeyOf(values, io, false), policy: Object.keys(given).length ? given : undefined, dryRun: !!values['dry-run'] });
        results.push(...rs);
        if (!asJson) {
          for (const r of rs) {
            for (const n of r.deleted) io.out(`${r.dryRun ? 'would delete' : 'deleted'} ${d.name} ${r.dbKey}/${n}`);
            for (const n of r.orphans) io.out(`${r.dryRun ? 'would remove' : 'removed'} incomplete upload ${d.name} ${r.dbKey}/${n}`);
            io.out(`${d.name} ${r.dbKey}: ${r.kept.length} kept, ${r.deleted.length} ${r.dryRun ? 'to delete' : 'deleted'}`);
          }
        }
      }
      if (asJson) io.out(json(results));
      return 0;
    }
    case 'pin':
    case 'unpin': {
      const name = values.copy as string | undefined;
      if (!name) throw new UsageError(`offsite ${sub}: --copy NAME is required`);
      const dbKey = dbKeyOf(values, io, true)!;
      for (const d of await destinationsOf(values, io, true)) {
        const c = await pinRemote(contextFor(io), d, dbKey, name, sub === 'pin');
        io.out(asJson ? json({ destination: d.name, dbKey, name: c.name, pinned: c.pinned }) : `${sub === 'pin' ? 'pinned' : 'unpinned'} ${d.name} ${dbKey}/${c.name}`);
      }
      return 0;
    }
    case 'check-passphrase': {
      const results = [];
      for (const d of await destinationsOf(values, io, false)) {
        const r = await checkPassphrase(contextFor(io), d);
        results.push(r);
        if (!asJson) io.out(`ok: the passphrase opens the identity of ${r.destination} (${r.recipient}${r.matchesLocal === null ? '' : r.matchesLocal ? ', the same as this machine\'s' : ', NOT this machine\'s'})`);
      }
      if (asJson) io.out(json(results));
      return 0;
    }
  }
  return 2;
}
