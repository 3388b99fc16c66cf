// The lock helper: a small process that holds SQLite's own locks on a live database for the
// engine, through the runtime's built-in `node:sqlite` (Node ≥ 22.13, VS Code ≥ 1.101).
//
// It must be its own process and touch nothing else: POSIX drops every lock a process holds on
// a file as soon as that process closes *any* descriptor of the file, and the engine opens and
// closes the live file all the time while it copies. It speaks one JSON object per line on
// stdin/stdout, exits (its locks go with it) when stdin closes, i.e. when its parent dies, and
// gives a lock up by itself after `maxHoldMs`.
import { closeSync, openSync, readSync, statSync } from 'node:fs';

interface Sqlite {
  DatabaseSync: new (path: string, opts?: { readOnly?: boolean }) => Db;
  backup?: unknown;
}
interface Db { exec(sql: string): void; prepare(sql: string): { get(...p: unknown[]): Record<string, unknown> | undefined; all(...p: unknown[]): Record<string, unknown>[] }; close(): void }

type Cmd =
  | { op: 'probe' }
  | { op: 'open'; path: string; busyTimeoutMs?: number; maxHoldMs?: number }
  | { op: 'shared' }
  | { op: 'release' }
  | { op: 'inUse'; path: string }
  | { op: 'onlineOpen'; path: string; source: string; busyTimeoutMs?: number }
  | { op: 'onlineBegin' }
  | { op: 'onlineApply'; steps: { label: string; sql: string }[]; expect: Record<string, number> }
  | { op: 'onlineRollback' }
  | { op: 'close' };

const SRC = 'lifeboat_src';
const qi = (n: string) => `"${n.replace(/"/g, '""')}"`;

function loadSqlite(): Sqlite | null {
  try {
    const get = (process as unknown as { getBuiltinModule?: (id: string) => unknown }).getBuiltinModule;
    return (get?.('node:sqlite') as Sqlite | undefined) ?? null;
  } catch {
    return null;
  }
}

const out = (m: object) => process.stdout.write(JSON.stringify(m) + '\n');
const fail = (e: unknown) => {
  const err = e as { errcode?: number; code?: string; message?: string };
  return { ok: false, errcode: err.errcode ?? null, reason: err.message ?? String(e) };
};

let db: Db | null = null;
let online: Db | null = null;
let inTxn = false;

/** What the online restore's planner needs to know of one schema (onlinePlan.ts's SchemaDesc). */
function describe(d: Db, schema: string): object {
  const one = (sql: string) => Object.values(d.prepare(sql).get() ?? {})[0];
  const objects = d.prepare(`SELECT type, name, tbl_name, sql FROM ${schema}.sqlite_schema ORDER BY rowid`).all();
  const tables = d.prepare(`PRAGMA ${schema}.table_list`).all().filter((t) => t.schema === schema)
    .map((t) => {
      const name = String(t.name);
      const cols = t.type === 'table' || t.type === 'shadow' ? d.prepare(`PRAGMA ${schema}.table_xinfo(${qi(name)})`).all() : [];
      const wr = Number(t.wr) === 1 && t.type !== 'shadow';
      return { name, kind: t.type, withoutRowid: wr, columns: cols.map((c) => ({ name: String(c.name), type: String(c.type ?? ''), hidden: Number(c.hidden), pk: Number(c.pk) })) };
    });
  return {
    pageSize: Number(one(`PRAGMA ${schema}.page_size`)), autoVacuum: Number(one(`PRAGMA ${schema}.auto_vacuum`)),
    encoding: String(one('PRAGMA encoding')), // ATTACH refuses a database of another encoding
    userVersion: Number(one(`PRAGMA ${schema}.user_version`)), applicationId: Number(one(`PRAGMA ${schema}.application_id`)),
    objects, tables,
  };
}
let holdTimer: NodeJS.Timeout | undefined;
let maxHoldMs = 60_000;

function headerSaysWal(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const b = Buffer.alloc(20);
    readSync(fd, b, 0, 20, 0);
    return b[18] === 2 || b[19] === 2;
  } finally {
    closeSync(fd);
  }
}

function run(cmd: Cmd, sqlite: Sqlite): object {
  switch (cmd.op) {
    case 'probe': {
      // Electron builds have shipped without a working node:sqlite: use it once, in memory.
      const m = new sqlite.DatabaseSync(':memory:');
      const v = m.prepare('SELECT sqlite_version() AS v').get()?.v;
      m.close();
      return { ok: true, node: process.version, sqlite: String(v), backup: typeof sqlite.backup === 'function' };
    }
    case 'open': {
      db = new sqlite.DatabaseSync(cmd.path, { readOnly: true });
      db.exec(`PRAGMA busy_timeout = ${Math.max(0, Math.floor(cmd.busyTimeoutMs ?? 2000))}`); // the `timeout` option is ignored on 22.15
      maxHoldMs = cmd.maxHoldMs ?? maxHoldMs;
      return { ok: true };
    }
    case 'shared': {
      if (!db) return { ok: false, reason: 'not open' };
      db.exec('BEGIN');
      try {
        db.prepare('SELECT count(*) AS n FROM sqlite_schema').get(); // the first read takes SHARED
      } catch (e) {
        try { db.exec('ROLLBACK'); } catch { /* none open */ }
        throw e;
      }
      clearTimeout(holdTimer);
      holdTimer = setTimeout(() => { process.stderr.write(`lock helper: held SHARED for ${maxHoldMs} ms: giving it up\n`); process.exit(3); }, maxHoldMs);
      return { ok: true, at: Date.now() };
    }
    case 'release': {
      clearTimeout(holdTimer);
      if (db) db.exec('COMMIT');
      return { ok: true, at: Date.now() };
    }
    case 'inUse': {
      // Does any other connection have the database open? Try for an exclusive lock without
      // waiting. In WAL mode every open connection holds a lock on the database file for as long
      // as it is open; in exclusive locking mode SQLite asks for an exclusive one (and uses no
      // shared memory). In rollback mode only a connection inside a transaction holds a lock.
      // The parent kills this process right after the answer: closing the connection would
      // checkpoint a WAL; being killed changes nothing.
      const st = statSync(`${cmd.path}-journal`, { throwIfNoEntry: false });
      if (st && st.size > 0) return { ok: true, inUse: null, reason: 'a -journal exists (a transaction is in progress, or a crash left a hot journal)' };
      const wal = headerSaysWal(cmd.path);
      const probe = new sqlite.DatabaseSync(cmd.path);
      probe.exec('PRAGMA busy_timeout = 0');
      if (wal) probe.exec('PRAGMA locking_mode = EXCLUSIVE');
      try {
        probe.exec('BEGIN EXCLUSIVE');
        probe.prepare('SELECT count(*) AS n FROM sqlite_schema').get();
        return { ok: true, inUse: false, wal };
      } catch (e) {
        const err = e as { errcode?: number; message?: string };
        if ((err.errcode ?? 0) % 256 === 5) return { ok: true, inUse: true, wal, reason: wal ? 'another connection has it open' : 'another connection is inside a transaction' };
        throw e;
      }
    }
    case 'onlineOpen': {
      // A read-write connection to the live database, with the validated backup copy attached:
      // the online restore runs through SQLite, in one transaction (see onlinePlan.ts).
      // Not defensive (Node 24 makes it the default): the restore writes FTS5 and R*Tree shadow
      // tables as they are in the backup, which defensive mode forbids.
      online = new sqlite.DatabaseSync(cmd.path, { defensive: false } as object);
      (online as unknown as { enableDefensive?: (on: boolean) => void }).enableDefensive?.(false);
      online.exec(`PRAGMA busy_timeout = ${Math.max(0, Math.floor(cmd.busyTimeoutMs ?? 10_000))}`);
      online.exec('PRAGMA foreign_keys = OFF'); // dropping and refilling tables must not cascade
      online.prepare(`ATTACH DATABASE ? AS ${SRC}`).get(cmd.source);
      return { ok: true, live: describe(online, 'main'), source: describe(online, SRC) };
    }
    case 'onlineBegin': {
      if (!online) return { ok: false, reason: 'not open' };
      online.exec('BEGIN IMMEDIATE'); // the write lock: no other writer commits from here on
      inTxn = true;
      return { ok: true, at: Date.now() };
    }
    case 'onlineApply': {
      if (!online || !inTxn) return { ok: false, reason: 'no transaction' };
      let at = '';
      try {
        for (const st of cmd.steps) { at = st.label; online.exec(st.sql); }
        at = 'integrity_check';
        const integrity = online.prepare('PRAGMA main.integrity_check(20)').all().map((r) => String(Object.values(r)[0])).join('; ');
        const counts: Record<string, number> = {};
        for (const t of Object.keys(cmd.expect)) counts[t] = Number(Object.values(online.prepare(`SELECT count(*) FROM main.${qi(t)}`).get() ?? {})[0]);
        const differ = Object.keys(cmd.expect).filter((t) => counts[t] !== cmd.expect[t]);
        if (integrity !== 'ok' || differ.length) {
          online.exec('ROLLBACK');
          inTxn = false;
          return { ok: false, reason: integrity !== 'ok' ? `integrity_check of the restored database: ${integrity}` : `row counts differ from the backup in: ${differ.join(', ')}`, rolledBack: true };
        }
        online.exec('COMMIT');
        inTxn = false;
        return { ok: true, integrity, counts, at: Date.now() };
      } catch (e) {
        try { online.exec('ROLLBACK'); } catch { /* rolled back by SQLite already */ }
        inTxn = false;
        return { ok: false, reason: `${at}: ${(e as Error).message}`, rolledBack: true };
      }
    }
    case 'onlineRollback': {
      if (online && inTxn) online.exec('ROLLBACK');
      inTxn = false;
      return { ok: true };
    }
    case 'close': {
      clearTimeout(holdTimer);
      db?.close();
      if (online) { if (inTxn) online.exec('ROLLBACK'); online.exec(`DETACH DATABASE ${SRC}`); online.close(); }
      process.exit(0);
    }
  }
  return { ok: false, reason: 'unknown command' };
}

function main(): void {
  const sqlite = loadSqlite();
  let buf = '';
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (d: string) => {
    buf += d;
    for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      if (!line.trim()) continue;
      let cmd: Cmd;
      try {
        cmd = JSON.parse(line) as Cmd;
      } catch {
        out({ ok: false, reason: 'bad command' });
        continue;
      }
      if (!sqlite) {
        out({ ok: false, unavailable: true, reason: `node:sqlite is not available in ${process.version}` });
        continue;
      }
      try {
        out(run(cmd, sqlite));
      } catch (e) {
        out(fail(e));
      }
    }
  });
  // The parent is gone: leave at once, and the kernel drops our locks.
  process.stdin.on('end', () => process.exit(0));
}

main();
