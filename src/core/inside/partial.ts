// Partial restores: put back one table, or only the rows a bad query deleted (and optionally the
// rows it changed), leaving everything else as it is now. Built on a private copy of the live
// database: snapshot → attach the backup → stage the keys the diff finds → run the plan in one
// transaction → check foreign keys → commit → install the copy with the verified restore path
// (restoreDatabase: safety copy, atomic replace, verification, put-back). The live database is
// not written before that last step, and not at all when any earlier step fails.
import { promises as fsp } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CancelledError, ForeignKeyError, ForeignKeyViolation, IncompatibleError, IntegrityError, LifeboatError, LiveChangedError, NotSqliteError, throwIfAborted } from '../errors';
import { assertFreeSpace, readHead, statOrNull } from '../fsutil';
import { makePrivateDir } from '../tempdir';
import { restoreDatabase, RestorePreflight, RestoreResult } from '../restore';
import { verifyBackup } from '../verify';
import { attach, openPrivateCopy, Opened, snapshotLive, sqliteCall } from './conn';
import { keysCompatible, mergePlan, mergeTable } from './merge';
import { BACKUP_SCHEMA, planRowRecovery, planTableRestore, rowRecoveryProblem, SqlStep, STAGE_SCHEMA, stageDdl, TablePlan } from './plan';
import { listTableKinds, Source, tableInfo, TableInfo } from './schema';
import { describeSchemaChanges, diffSchema, pairColumns } from './schemadiff';
import { bindExpr, ident, Raw } from './values';

export type PartialMode = 'table' | 'missing' | 'missing+changed';
/** The steps of a partial restore, in order; the `step` hook is called before each. */
export type PartialStep = 'verify' | 'snapshot' | 'open' | 'stage' | 'apply' | 'statement' | 'check' | 'commit' | 'install';

export interface PartialRestoreOptions {
  backupFile: string;
  dbPath: string;
  /** the tables to restore or recover rows of; all in one transaction */
  tables: string[];
  /** 'table': replace each table; 'missing': insert the backup's rows missing by key; 'missing+changed': also put back changed rows */
  mode: PartialMode;
  outputDir?: string;
  requireTables?: string[];
  signal?: AbortSignal;
  onProgress?: (p: { phase: string; message: string }) => void;
  /** asked once the private copy is ready and checked, before the live database is touched */
  confirm?: (p: PartialPreflight) => Promise<boolean>;
  /** install even when rows would point to missing parents (they are reported either way) */
  allowForeignKeyViolations?: boolean;
  /** build and check everything, then stop: the live database is not touched */
  dryRun?: boolean;
  /** where the private copy is built (default: the system temp folder) */
  workDir?: string;
  busyTimeoutMs?: number;
  now?: () => Date;
  /** failure-injection seam (tests): called before each step; whatever it throws stops the restore there */
  step?: (name: PartialStep, detail: string) => void | Promise<void>;
}

export interface TableOutcome {
  table: string;
  /** rows in the live table before, and in the restored copy after */
  rowsBefore: number | null;
  rowsAfter: number;
  inserted: number;
  replaced: number;
  /** for a table restore: how its definition goes back to the backup's */
  schemaChanges: string[];
}

export interface PartialPreflight {
  dbPath: string;
  backupFile: string;
  mode: PartialMode;
  tables: TableOutcome[];
  foreignKeyViolations: ForeignKeyViolation[];
  warnings: string[];
  /** the verified restore's own preflight (its backupFile is the private copy) */
  restore: RestorePreflight;
}

export interface PartialRestoreResult {
  dbPath: string;
  backupFile: string;
  mode: PartialMode;
  tables: TableOutcome[];
  /** every table whose rows or definition the restore wrote */
  tablesTouched: string[];
  foreignKeyViolations: ForeignKeyViolation[];
  warnings: string[];
  /** false for a dry run */
  installed: boolean;
  restore: RestoreResult | null;
  durationMs: number;
}

/** Size, time, inode and header of the live files: any commit changes one of them. */
async function fingerprint(dbPath: string): Promise<string> {
  const parts: unknown[] = [];
  for (const f of [dbPath, `${dbPath}-wal`, `${dbPath}-journal`]) {
    const st = await statOrNull(f);
    parts.push(st ? [st.size, st.mtimeMs, st.ino] : null);
  }
  parts.push((await readHead(dbPath, 100)).toString('hex'));
  return JSON.stringify(parts);
}

function count(src: Source, table: string): number {
  return Number((src.db.get(`SELECT count(*) AS n FROM ${ident(src.schema)}.${ident(table)}`) as { n: number }).n);
}

function seqOf(src: Source, table: string): number | null {
  try {
    const r = src.db.get(`SELECT seq FROM ${ident(src.schema)}.sqlite_sequence WHERE name = ?`, [table]) as { seq: number } | null;
    return r ? Number(r.seq) : null;
  } catch {
    return null; // no AUTOINCREMENT table in that database
  }
}

/** The tables whose foreign keys could break: the restored ones and every table that points to one. */
function fkScope(src: Source, tables: string[]): string[] {
  const names = new Set(tables.map((t) => t.toLowerCase()));
  const out = new Set(tables);
  for (const t of listTableKinds(src)) {
    if (t.kind !== 'rowid' && t.kind !== 'without-rowid') continue;
    const fks = src.db.all(`PRAGMA main.foreign_key_list(${ident(t.name)})`) as { table: string }[];
    if (fks.some((f) => names.has(f.table.toLowerCase()))) out.add(t.name);
  }
  return [...out];
}

/** Rows whose foreign key points nowhere, per (child table, parent, foreign key): their rowids (none for WITHOUT ROWID). */
type FkState = Map<string, { v: ForeignKeyViolation; rowids: Set<number | string>; keyless: number }>;

function fkCheck(src: Source, tables: string[], warnings: string[]): FkState {
  const out: FkState = new Map();
  for (const t of tables) {
    let stmt;
    try {
      stmt = src.db.prepare(`PRAGMA main.foreign_key_check(${ident(t)})`);
    } catch (e) {
      warnings.push(`foreign keys of ${t} could not be checked: ${(e as Error).message}`);
      continue;
    }
    try {
      for (const r of stmt.iterate() as Iterable<{ table: string; rowid: number | null; parent: string; fkid: number }>) {
        const k = `${r.table}\u0000${r.parent}\u0000${r.fkid}`;
        let g = out.get(k);
        if (!g) out.set(k, g = { v: { table: r.table, parent: r.parent, fk: r.fkid, count: 0, rowids: [] }, rowids: new Set(), keyless: 0 });
        if (r.rowid === null) g.keyless++;
        else g.rowids.add(r.rowid);
      }
    } finally {
      stmt.finalize();
    }
  }
  return out;
}

/** Rows that point nowhere after and did not before (by rowid; by count for WITHOUT ROWID tables). */
function newViolations(before: FkState, after: FkState): ForeignKeyViolation[] {
  const out: ForeignKeyViolation[] = [];
  for (const [k, g] of after) {
    const was = before.get(k);
    const fresh = [...g.rowids].filter((r) => !was?.rowids.has(r));
    const count = fresh.length + Math.max(0, g.keyless - (was?.keyless ?? 0));
    if (count > 0) out.push({ ...g.v, count, rowids: fresh.slice(0, 5) });
  }
  return out;
}

export function describeViolations(v: ForeignKeyViolation[]): string {
  return v.map((x) => `${x.count} row(s) of ${x.table} would point to missing rows of ${x.parent}${x.rowids.length ? ` (rowid ${x.rowids.join(', ')}${x.count > x.rowids.length ? ', …' : ''})` : ''}`).join('; ');
}

interface Built {
  outcomes: TableOutcome[];
  violations: ForeignKeyViolation[];
  warnings: string[];
}

/** Stages the keys the diff finds missing (and changed) in the staging tables of `plan`. */
async function stageKeys(w: Opened, bk: Source, from: TableInfo, to: TableInfo, plan: TablePlan, signal?: AbortSignal): Promise<{ missing: number; changed: number; rowsBefore: number }> {
  const { pairs } = pairColumns(from, to);
  const mp = mergePlan(from, to, pairs, 'key');
  const n = plan.stage.keyColumns;
  const db = w.src.db;
  db.exec(stageDdl(plan.stage.missing!, n));
  if (plan.stage.changed) db.exec(stageDdl(plan.stage.changed, n));
  const values = Array.from({ length: n }, (_, i) => bindExpr(2 * i + 1)).join(', ');
  const insMissing = db.prepare(`INSERT INTO ${ident(STAGE_SCHEMA)}.${ident(plan.stage.missing!)} VALUES (${values})`);
  const insChanged = plan.stage.changed ? db.prepare(`INSERT INTO ${ident(STAGE_SCHEMA)}.${ident(plan.stage.changed)} VALUES (${values})`) : null;
  const bind = (types: string, raws: Raw[]) => raws.flatMap((r, i) => [r, types[i]]);
  let missing = 0;
  let changed = 0;
  db.exec('BEGIN');
  let done = false;
  try {
    const r = await mergeTable(bk, w.src, from, to, mp, {
      signal,
      noAdded: true,
      emit: (c) => {
        if (c.kind === 'deleted') { insMissing.run(bind(c.a!.ot, c.a!.o)); missing++; }
        if (c.kind === 'changed' && insChanged) { insChanged.run(bind(c.b!.ot, c.b!.o)); changed++; }
      },
    });
    done = true;
    return { missing, changed, rowsBefore: r.rowsB };
  } finally {
    insMissing.finalize();
    insChanged?.finalize();
    if (done) db.exec('COMMIT');
    else { try { db.exec('ROLLBACK'); } catch { /* already over */ } }
  }
}

/**
 * Builds the partially restored database in `copy` (a private snapshot of the live database):
 * everything up to and including COMMIT, or a ROLLBACK for a dry run. Throws, with the copy's
 * transaction rolled back, on an incompatible schema, a constraint, or broken foreign keys.
 */
async function buildCopy(opts: PartialRestoreOptions, copy: string, backupFile: string, dir: string): Promise<Built> {
  const step = async (name: PartialStep, detail: string) => {
    throwIfAborted(opts.signal, opts.dbPath);
    opts.onProgress?.({ phase: name, message: detail });
    await opts.step?.(name, detail);
  };
  const dbPath = resolve(opts.dbPath);
  await step('open', `Opening a private copy of ${dbPath}`);
  const w = openPrivateCopy(copy, dbPath);
  const warnings: string[] = [];
  try {
    const bk = attach(w, backupFile, BACKUP_SCHEMA, dir, backupFile);
    // an empty file is an empty database; the connection (opened without "create") cannot make one
    await fsp.writeFile(join(dir, `${STAGE_SCHEMA}.db`), '', { mode: 0o600 });
    attach(w, join(dir, `${STAGE_SCHEMA}.db`), STAGE_SCHEMA, dir, dbPath);
    w.src.db.exec(`PRAGMA ${ident(STAGE_SCHEMA)}.journal_mode = OFF; PRAGMA ${ident(STAGE_SCHEMA)}.synchronous = OFF`);
    const plans: { plan: TablePlan; outcome: TableOutcome; staged: { missing: number; changed: number } }[] = [];
    for (const [i, wanted] of opts.tables.entries()) {
      const from = tableInfo(bk, wanted);
      if (!from) throw new IncompatibleError(backupFile, `has no table "${wanted}"`);
      const to = tableInfo(w.src, from.name);
      if (opts.mode === 'table') {
        const plan = planTableRestore(from, to, seqOf(bk, from.name), to ? seqOf(w.src, to.name) : null, { backup: backupFile, live: dbPath });
        const schema = to ? diffSchema(to, from) : null;
        const schemaChanges = !to ? ['the table is created (it is not in the live database)'] : schema!.same ? [] : describeSchemaChanges(schema!);
        plans.push({ plan, outcome: { table: from.name, rowsBefore: to ? count(w.src, to.name) : null, rowsAfter: 0, inserted: 0, replaced: 0, schemaChanges }, staged: { missing: 0, changed: 0 } });
        continue;
      }
      if (!to) throw new IncompatibleError(dbPath, `has no table "${from.name}" to recover rows into (restore the table instead)`);
      const problem = rowRecoveryProblem(from, to);
      if (problem) throw new IncompatibleError(dbPath, problem);
      const why = keysCompatible(from.key, to.key);
      if (why) throw new IncompatibleError(dbPath, `rows of ${to.name} cannot be matched by key: ${why}; restore the table instead`);
      const plan = planRowRecovery(from, to, i, opts.mode === 'missing+changed', { backup: backupFile, live: dbPath });
      await step('stage', `Finding the rows of ${to.name} to recover`);
      const staged = await stageKeys(w, bk, from, to, plan, opts.signal);
      plans.push({ plan, outcome: { table: to.name, rowsBefore: staged.rowsBefore, rowsAfter: 0, inserted: 0, replaced: 0, schemaChanges: [] }, staged });
    }
    for (const p of plans) warnings.push(...p.plan.warnings);
    const scope = fkScope(w.src, plans.map((p) => p.outcome.table));
    const fkBefore = fkCheck(w.src, scope, warnings);

    await step('apply', `Applying the plan to the private copy of ${dbPath}`);
    w.src.db.exec('BEGIN');
    let open = true;
    try {
      for (const p of plans) {
        for (const s of p.plan.steps) {
          await step('statement', s.label);
          const r = runStep(w, s, dbPath);
          if (s.counts) p.outcome[s.counts] = r;
          const want = s.expect ? p.staged[s.expect] : r;
          if (r !== want) throw new LifeboatError(`${s.label}: ${r} row(s) written, ${want} expected`, dbPath);
        }
        p.outcome.rowsAfter = count(w.src, p.outcome.table);
      }
      await step('check', 'Checking foreign keys');
      const violations = newViolations(fkBefore, fkCheck(w.src, fkScope(w.src, plans.map((p) => p.outcome.table)), warnings));
      if (opts.mode === 'table') warnings.push(...brokenViews(w.src));
      if (violations.length && !opts.allowForeignKeyViolations) {
        throw new ForeignKeyError(dbPath, `refusing to restore: ${describeViolations(violations)}; restore those tables too, or allow it explicitly`, violations);
      }
      if (violations.length) warnings.push(`foreign keys broken: ${describeViolations(violations)}`);
      await step('commit', opts.dryRun ? 'Dry run: rolling back' : 'Committing the private copy');
      w.src.db.exec(opts.dryRun ? 'ROLLBACK' : 'COMMIT');
      open = false;
      return { outcomes: plans.map((p) => p.outcome), violations, warnings };
    } finally {
      if (open) { try { w.src.db.exec('ROLLBACK'); } catch { /* the transaction is gone already */ } }
    }
  } finally {
    w.close();
  }
}

function runStep(w: Opened, s: SqlStep, label: string): number {
  try {
    return w.src.db.run(s.sql, s.params ?? []).changes;
  } catch (e) {
    const msg = (e as Error).message;
    if (/constraint/i.test(msg)) throw new IncompatibleError(label, `${s.label}: ${msg} (a row in the live database has the same unique value)`);
    return sqliteCall(label, () => { throw new Error(`${s.label}: ${msg}`); });
  }
}

function brokenViews(src: Source): string[] {
  const out: string[] = [];
  for (const v of listTableKinds(src).filter((t) => t.kind === 'view')) {
    try {
      src.db.prepare(`SELECT * FROM main.${ident(v.name)} LIMIT 0`).finalize();
    } catch (e) {
      out.push(`view ${v.name} no longer works after the restore: ${(e as Error).message}`);
    }
  }
  return out;
}

/**
 * Restores tables of a backup into the live database, or recovers the rows of tables that are
 * in the backup and missing (or changed) in the live database, leaving every other table and row
 * as it is. Checked first: the backup (integrity), each table (kind, key, columns), and foreign
 * keys after the change (rows pointing to missing parents refuse the restore unless allowed).
 * The change runs as one transaction on a private copy, which is then installed through
 * restoreDatabase (safety copy first, undo by restoring the safety copy). Refuses with
 * LiveChangedError when the live database was written while the copy was built.
 * On any failure the live database is left byte for byte as it was.
 */
export async function partialRestore(opts: PartialRestoreOptions): Promise<PartialRestoreResult> {
  const started = Date.now();
  const backupFile = resolve(opts.backupFile);
  const dbPath = resolve(opts.dbPath);
  if (backupFile === dbPath) throw new LifeboatError('the backup file is the live database itself', dbPath);
  if (!opts.tables.length) throw new LifeboatError('no table given to restore', dbPath);
  const step = async (name: PartialStep, detail: string) => {
    throwIfAborted(opts.signal, dbPath);
    opts.onProgress?.({ phase: name, message: detail });
    await opts.step?.(name, detail);
  };
  await step('verify', `Checking ${backupFile}`);
  const v = await verifyBackup(backupFile, { signal: opts.signal, record: false });
  if (!v.ok) {
    const reason = `refusing to restore from it: ${v.reason}`;
    throw v.integrity === null && v.sha256 === null ? new NotSqliteError(backupFile, reason) : new IntegrityError(backupFile, reason);
  }
  const live = await statOrNull(dbPath);
  if (!live) throw new NotSqliteError(dbPath, 'no such file: a partial restore needs the live database (restore the whole backup instead)');
  if (opts.workDir) await fsp.mkdir(opts.workDir, { recursive: true });
  const work = await makePrivateDir('partial', opts.workDir ?? tmpdir());
  const dir = work.dir;
  try {
    await assertFreeSpace(dir, live.size, 'the private copy of the database');
    await step('snapshot', `Taking a consistent copy of ${dbPath}`);
    const before = await fingerprint(dbPath);
    const snap = await snapshotLive(dbPath, { signal: opts.signal, dir });
    const built = await buildCopy(opts, snap.file, backupFile, dir);
    const touched = built.outcomes.map((o) => o.table);
    const result: PartialRestoreResult = {
      dbPath, backupFile, mode: opts.mode, tables: built.outcomes, tablesTouched: touched, foreignKeyViolations: built.violations,
      warnings: built.warnings, installed: false, restore: null, durationMs: 0,
    };
    if (opts.dryRun) return { ...result, durationMs: Date.now() - started };
    await step('install', `Installing the restored copy as ${dbPath}`);
    let restore: RestoreResult;
    try {
      restore = await restoreDatabase({
        backupFile: snap.file,
        dbPath,
        outputDir: opts.outputDir,
        requireTables: opts.requireTables,
        signal: opts.signal,
        onProgress: opts.onProgress,
        busyTimeoutMs: opts.busyTimeoutMs,
        now: opts.now,
        confirm: async (pre) => {
          const yes = opts.confirm ? await opts.confirm({ dbPath, backupFile, mode: opts.mode, tables: built.outcomes, foreignKeyViolations: built.violations, warnings: built.warnings, restore: pre }) : true;
          if (yes && (await fingerprint(dbPath)) !== before) {
            throw new LiveChangedError(dbPath, 'the database was written to while the partial restore was prepared; nothing was changed: stop the application and run it again');
          }
          return yes;
        },
      });
    } catch (e) {
      // restoreDatabase names the private copy as its "backup": say what it is instead
      if (e instanceof LifeboatError && e.file === snap.file) throw new IntegrityError(dbPath, `the partially restored copy did not pass its check: ${e.message}`);
      throw e;
    }
    return { ...result, installed: true, restore, durationMs: Date.now() - started };
  } catch (e) {
    if (e instanceof CancelledError) throw new CancelledError(dbPath);
    throw e;
  } finally {
    await work.remove();
  }
}
