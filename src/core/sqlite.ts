// Reading a database with SQLite compiled to WebAssembly, for checks only (never for copying).
// Two engines: sql.js holds the whole file in memory (fast, ~1.1× the file in RAM); for large
// files node-sqlite3-wasm reads pages from disk through its Node fs VFS, in bounded memory.
// Both only ever open private files (backups, .partial copies), never a live database.
import { copyFileSync, existsSync, linkSync, promises as fsp, rmSync, symlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { Worker } from 'node:worker_threads';
import { CancelledError, IntegrityError, NotSqliteError, summarizeProblems } from './errors';
import type { UncheckedIndex } from './manifest';
import { makePrivateDirSync, sweepTempOnce } from './tempdir';

/** Files above this size are checked by the page-reading engine instead of in memory. */
export const IN_MEMORY_LIMIT = 512 * 1024 * 1024;

/** Page cache of the page-reading engine: 16-64 MiB ran integrity_check on 1 GiB as fast as 256 MiB did. */
const PAGED_CACHE_KIB = 65536;

/** Whether a file of `size` bytes is checked in memory (sql.js) rather than from disk. */
export function usesMemoryEngine(size: number, engine?: InspectOptions['engine']): boolean {
  const forced = engine ?? (process.env.LIFEBOAT_ENGINE as InspectOptions['engine'] | undefined);
  return forced === 'memory' || (forced !== 'paged' && size <= IN_MEMORY_LIMIT);
}

let tuneWasm = false;
let wasmTuned = false;

/**
 * For a short-lived process that owns its V8 (the CLI, never the editor's extension host): pick
 * how V8 compiles SQLite's WASM for the check this process is about to run. V8's default tiers
 * hot functions up to optimized code in the background; measured on this project's benchmark:
 * - sql.js in memory (files up to IN_MEMORY_LIMIT): baseline code only (`--liftoff-only`) checked
 *   10 and 100 MiB faster than tiering up (0.24 vs 0.32 s on 100 MiB) and peaked 20-40 MiB lower,
 *   because optimizing SQLite's largest functions costs more than it saves on a check that short;
 * - node-sqlite3-wasm from disk (larger files): optimizing everything up front in the background
 *   (`--no-wasm-dynamic-tiering`) made integrity_check of 1 GiB about 15% faster; baseline-only
 *   code was 6x slower there.
 * The flags are process-wide, so the first check of the process decides (docs/benchmarks.md).
 */
export function enableWasmTuning(): void {
  tuneWasm = true;
}

function applyWasmTuning(size: number, engine?: InspectOptions['engine']): void {
  if (!tuneWasm || wasmTuned) return;
  setFlagsFromString(usesMemoryEngine(size, engine) ? '--liftoff-only' : '--no-wasm-dynamic-tiering');
  wasmTuned = true;
}

export interface InspectOptions {
  /** what to run: integrity_check, row counts, or both (default) */
  parts?: 'all' | 'integrity' | 'counts';
  /** page cache of the paged engine, KiB */
  cacheKiB?: number;
  /** the tables that must exist */
  requireTables?: string[];
  signal?: AbortSignal;
  /** force an engine (tests and benchmarks) */
  engine?: 'memory' | 'paged';
  /** private folder for the paged engine's link; the caller removes it (a terminated worker cannot) */
  aliasDir?: string;
}

export interface InspectResult {
  engine: 'sql.js' | 'node-sqlite3-wasm';
  integrity: string; // 'ok', or integrity_check's first message and how many more
  /** every message integrity_check gave (up to its limit), for the log */
  problems: string[];
  ok: boolean;
  tables: Record<string, number>;
  skippedTables: { name: string; reason: string }[];
  missingTables: string[];
  /** indexes whose entries integrity_check could not compare with their tables (application-defined collations) */
  uncheckedIndexes: UncheckedIndex[];
  pageSize: number;
  pageCount: number;
  userVersion: number;
  applicationId: number;
  autoVacuum: number;
  journalMode: string;
}

type Row = Record<string, unknown>;
/** `writable`: changes stay private (sql.js's in-memory copy, or a private copy on disk) */
interface Conn { all(sql: string): Row[]; close(): void; writable: boolean }

const q = (name: string) => `"${name.replace(/"/g, '""')}"`;

const BUILTIN_COLLATIONS = new Set(['binary', 'nocase', 'rtrim']);
const MAX_MESSAGES = 20;

/** A check that needs to change the private copy's schema, on a connection that may not. */
class NeedsWritableCopy extends Error {}

/**
 * integrity_check, also for databases whose indexes use a collation that only the application
 * defines (SQLite refuses to check them at all): on a private copy, each unknown collation is
 * replaced by BINARY in the schema, the whole check runs, and only the messages about those
 * indexes' entries (which a different order would produce) are set aside and reported as such.
 */
function integrityCheck(db: Conn): { messages: string[]; unchecked: UncheckedIndex[] } {
  const unchecked: UncheckedIndex[] = [];
  const replaced = new Set<string>();
  for (;;) {
    try {
      const limit = replaced.size ? 10_000 : MAX_MESSAGES;
      // A row may hold several problems, one per line, under a "*** in database main ***" heading:
      // one message per problem, so that the summary can say how many more there are.
      const all = db.all(`PRAGMA integrity_check(${limit})`)
        .flatMap((r) => String(Object.values(r)[0]).split(/\r?\n/))
        .map((m) => m.trim())
        .filter((m) => m && !/^\*\*\* in database \S+ \*\*\*$/.test(m));
      if (!all.length) all.push('ok');
      if (!replaced.size) return { messages: all, unchecked };
      const names = unchecked.map((u) => u.index.toLowerCase());
      const about = (m: string) => names.some((n) => m.toLowerCase().includes(` index ${n}`));
      const kept = all.filter((m) => m !== 'ok' && !about(m)).slice(0, MAX_MESSAGES);
      return { messages: kept.length ? kept : ['ok'], unchecked };
    } catch (e) {
      const m = /no such collation sequence: (\S+)/i.exec((e as Error).message);
      if (!m || BUILTIN_COLLATIONS.has(m[1].toLowerCase()) || replaced.has(m[1].toLowerCase())) throw e;
      if (!db.writable) throw new NeedsWritableCopy();
      replaced.add(m[1].toLowerCase());
      standInCollation(db, m[1], unchecked);
    }
  }
}

function standInCollation(db: Conn, name: string, unchecked: UncheckedIndex[]): void {
  const reason = `uses the collation ${name}, which the application defines: its entries were not compared with the table`;
  const indexes = db.all("SELECT name, tbl_name FROM sqlite_schema WHERE type = 'index'") as { name: string; tbl_name: string }[];
  for (const ix of indexes) {
    const cols = db.all(`PRAGMA index_xinfo(${q(ix.name)})`) as { coll: string | null }[];
    if (cols.some((c) => c.coll?.toLowerCase() === name.toLowerCase())) unchecked.push({ index: ix.name, table: ix.tbl_name, reason });
  }
  const esc = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const re = new RegExp(`collate\\s+(?:"${esc}"|'${esc}'|\\[${esc}\\]|\`${esc}\`|${esc}\\b)`, 'gi');
  const rows = db.all('SELECT rowid AS id, sql FROM sqlite_schema WHERE sql IS NOT NULL') as { id: number; sql: string }[];
  db.all('PRAGMA writable_schema = ON');
  for (const r of rows) {
    const sql = r.sql.replace(re, 'COLLATE BINARY');
    if (sql !== r.sql) db.all(`UPDATE sqlite_schema SET sql = '${sql.replace(/'/g, "''")}' WHERE rowid = ${Number(r.id)}`);
  }
  db.all('PRAGMA writable_schema = RESET');
}

function inspectConn(db: Conn, engine: InspectResult['engine'], opts: InspectOptions): InspectResult {
  const one = (sql: string): unknown => Object.values(db.all(sql)[0] ?? {})[0];
  const parts = opts.parts ?? 'all';
  const checked = parts === 'counts' ? { messages: ['not checked'], unchecked: [] } : integrityCheck(db);
  const messages = checked.messages;
  const integrity = messages.length === 1 && messages[0] === 'ok' ? 'ok' : parts === 'counts' ? messages.join('; ') : summarizeProblems(messages);
  const ok = parts === 'counts' || (messages.length === 1 && messages[0] === 'ok');
  const tableRows = db.all("SELECT name, sql FROM sqlite_schema WHERE type = 'table' ORDER BY name") as { name: string; sql: string | null }[];
  const tables: Record<string, number> = {};
  const skippedTables: { name: string; reason: string }[] = [];
  if (parts !== 'integrity' && ok) {
    for (const t of tableRows) {
      if (t.name.startsWith('sqlite_')) continue;
      try {
        tables[t.name] = Number(one(`SELECT count(*) FROM ${q(t.name)}`));
      } catch (e) {
        skippedTables.push({ name: t.name, reason: (e as Error).message });
      }
    }
  }
  const names = new Set(tableRows.map((t) => t.name.toLowerCase()));
  const missingTables = (opts.requireTables ?? []).filter((t) => !names.has(t.toLowerCase()));
  return {
    engine,
    integrity,
    ok,
    tables,
    skippedTables,
    missingTables,
    uncheckedIndexes: checked.unchecked,
    problems: ok ? [] : messages,
    pageSize: Number(one('PRAGMA page_size')),
    pageCount: Number(one('PRAGMA page_count')),
    userVersion: Number(one('PRAGMA user_version')),
    applicationId: Number(one('PRAGMA application_id')),
    autoVacuum: Number(one('PRAGMA auto_vacuum')),
    journalMode: String(one('PRAGMA journal_mode')),
  };
}

function wasmPath(file: string, pkg: string): string {
  const local = join(__dirname, file);
  if (existsSync(local)) return local;
  return require.resolve(pkg);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
let sqlJs: Promise<any> | undefined;

async function openInMemory(file: string): Promise<Conn> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  sqlJs ??= require('sql.js')({ locateFile: (f: string) => wasmPath(f, `sql.js/dist/${f}`) });
  const SQL = await sqlJs;
  // A Node Buffer is handed to sql.js's MEMFS without a second copy (Buffer.slice is a view).
  const data = await fsp.readFile(file);
  const db = new SQL.Database(data);
  return {
    all(sql: string): Row[] {
      const res = db.exec(sql) as { columns: string[]; values: unknown[][] }[];
      if (!res.length) return [];
      const { columns, values } = res[0];
      return values.map((v) => Object.fromEntries(columns.map((c, i) => [c, v[i]])));
    },
    close: () => db.close(),
    writable: true, // its own copy in WASM memory
  };
}

/** A node-sqlite3-wasm connection opened by {@link openNodeSqlite}; `close()` also removes its private folder. */
export interface NodeSqliteHandle {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  db: any;
  close(): void;
}

/**
 * Opens `file` with node-sqlite3-wasm, which reads pages from disk through its Node fs VFS. Its
 * "locks" are a `<path>.lock` directory that a killed process leaves behind and that makes a
 * second reader fail; read-only, the file is opened through a link in a private temp folder, so
 * that those folders (and any journal) stay there. `writable` is for private copies only: the
 * file is opened where it is, and its journal and lock folder sit beside it.
 */
export function openNodeSqlite(file: string, opts: { cacheKiB?: number; aliasDir?: string; writable?: boolean } = {}): NodeSqliteHandle {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Database } = require('node-sqlite3-wasm');
  const cacheKiB = opts.cacheKiB ?? PAGED_CACHE_KIB;
  const open = (path: string, readOnly: boolean, cleanup: () => void): NodeSqliteHandle => {
    let db;
    try {
      db = new Database(path, { readOnly, fileMustExist: true });
      db.exec(`PRAGMA cache_size = -${Math.floor(cacheKiB)}`); // bounded whatever the file's size
    } catch (e) {
      try { db?.close(); } catch { /* not open */ }
      cleanup();
      throw e;
    }
    return { db, close: () => { try { db.close(); } finally { cleanup(); } } };
  };
  if (opts.writable) return open(file, false, () => undefined);
  const own = opts.aliasDir ? null : makePrivateDirSync('paged');
  const dir = opts.aliasDir ?? own!.dir;
  let alias = join(dir, 'db');
  try {
    symlinkSync(resolve(file), alias);
  } catch {
    try { linkSync(file, alias); } catch { alias = file; }
  }
  return open(alias, true, () => { if (own) rmSync(dir, { recursive: true, force: true }); });
}

function openPaged(file: string, cacheKiB = PAGED_CACHE_KIB, aliasDir?: string, writableCopy = false): Conn {
  if (!writableCopy) {
    const h = openNodeSqlite(file, { cacheKiB, aliasDir });
    return { all: (sql: string) => h.db.all(sql) as Row[], close: h.close, writable: false };
  }
  // a private copy whose schema the check may change (see integrityCheck); reflinked where possible
  const own = aliasDir ? null : makePrivateDirSync('paged');
  const copy = join(aliasDir ?? own!.dir, 'copy');
  copyFileSync(file, copy, 2 /* COPYFILE_FICLONE */);
  const remove = () => rmSync(own ? own.dir : copy, { recursive: true, force: true });
  let h: NodeSqliteHandle;
  try {
    h = openNodeSqlite(copy, { cacheKiB, writable: true });
  } catch (e) {
    remove();
    throw e;
  }
  return { all: (sql: string) => h.db.all(sql) as Row[], close: () => { try { h.close(); } finally { remove(); } }, writable: true };
}

/** An error of SQLite (or of opening a file with it) as the typed error that names `file`. */
export function translate(file: string, e: unknown): Error {
  const msg = (e as Error)?.message ?? String(e);
  if (/not a database|file is encrypted/i.test(msg)) return new NotSqliteError(file, 'not a SQLite database (file is encrypted or not a database)');
  if (/malformed|corrupt/i.test(msg)) return new IntegrityError(file, /^database disk image is malformed$/i.test(msg.trim()) ? 'database disk image is malformed' : `database disk image is malformed (${msg})`);
  return new IntegrityError(file, `cannot be read by SQLite: ${msg}`);
}

/** Runs the checks in this thread (blocking it for the duration). */
export async function inspectInProcess(file: string, opts: InspectOptions = {}): Promise<InspectResult> {
  const st = await fsp.stat(file);
  const paged = !usesMemoryEngine(st.size, opts.engine);
  for (const writableCopy of [false, true]) {
    let conn: Conn;
    try {
      conn = paged ? openPaged(file, opts.cacheKiB, opts.aliasDir, writableCopy) : await openInMemory(file);
    } catch (e) {
      throw translate(file, e);
    }
    try {
      return inspectConn(conn, paged ? 'node-sqlite3-wasm' : 'sql.js', opts);
    } catch (e) {
      if (e instanceof NeedsWritableCopy && !writableCopy) continue;
      throw translate(file, e);
    } finally {
      conn.close();
    }
  }
  throw new IntegrityError(file, 'cannot be checked');
}

function workerScript(): string | null {
  const p = join(__dirname, 'worker.js');
  return existsSync(p) ? p : null;
}

/**
 * integrity_check, row counts and pragmas of a private database file. Runs in a worker thread
 * when the bundle has one, so that the caller's event loop stays free and an abort can stop
 * a long check at once (by terminating the worker).
 */
export async function inspectDatabase(file: string, opts: InspectOptions = {}): Promise<InspectResult> {
  if (opts.signal?.aborted) throw new CancelledError(file);
  const script = workerScript();
  if (!script) return inspectInProcess(file, opts);
  const { signal, ...rest } = opts;
  applyWasmTuning((await fsp.stat(file)).size, opts.engine);
  await sweepTempOnce();
  // The parent owns the paged engine's temp folder: a worker terminated on abort runs no cleanup.
  const aliasDir = makePrivateDirSync('paged').dir;
  return new Promise<InspectResult>((resolve, reject) => {
    // A small young generation: the checks make little JavaScript garbage, and it trims ~10 MiB of RSS.
    const worker = new Worker(script, { workerData: { file, opts: { ...rest, aliasDir } }, resourceLimits: { maxYoungGenerationSizeMb: 4 } });
    worker.once('exit', () => rmSync(aliasDir, { recursive: true, force: true }));
    let settled = false;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      fn();
    };
    const onAbort = () => finish(() => { void worker.terminate(); reject(new CancelledError(file)); });
    signal?.addEventListener('abort', onAbort, { once: true });
    worker.once('message', (m: { ok: true; result: InspectResult } | { ok: false; error: { name: string; message: string; file?: string } }) => {
      finish(() => {
        void worker.terminate();
        if (m.ok) resolve(m.result);
        else {
          const E = m.error.name === 'NotSqliteError' ? NotSqliteError : IntegrityError;
          reject(new E(m.error.file ?? file, m.error.message));
        }
      });
    });
    worker.once('error', (e) => finish(() => reject(translate(file, e))));
    worker.once('exit', (code) => finish(() => reject(new IntegrityError(file, `checker stopped unexpectedly (exit ${code})`))));
  });
}

/**
 * integrity_check and row counts. In memory (sql.js) both run in one worker: once the file is
 * loaded a count takes milliseconds. From disk they run in two workers: the check with a page
 * cache, the counts (one sequential scan each) with a small one; on two cores the counts hide
 * behind the check.
 */
export async function checkDatabase(file: string, opts: InspectOptions = {}): Promise<InspectResult> {
  if (!workerScript()) return inspectInProcess(file, opts);
  const size = (await fsp.stat(file)).size;
  if (usesMemoryEngine(size, opts.engine)) return inspectDatabase(file, { ...opts, parts: 'all' });
  const counting = inspectDatabase(file, { ...opts, parts: 'counts', engine: 'paged', cacheKiB: 16384 });
  counting.catch(() => undefined);
  const checked = await inspectDatabase(file, { ...opts, parts: 'integrity' });
  if (!checked.ok) return checked;
  const counted = await counting;
  return { ...checked, tables: counted.tables, skippedTables: counted.skippedTables };
}
