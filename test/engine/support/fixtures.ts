// Fixture generators for the engine tests. Every fixture is built in a temp folder by the native
// sqlite3 CLI or by better-sqlite3 running in a child process (a writer that we SIGKILL), and every
// generator checks that the fixture really has the property the tests rely on.
import { spawn, execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, statSync, writeFileSync, openSync, writeSync, closeSync, mkdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { ROOT, sqlite3, sha256File, WRITER_NODE } from '../../helpers';

// tmpDir() adds one exit listener per folder
process.setMaxListeners(Math.max(process.getMaxListeners(), 500));

export const COMPANIONS = ['-wal', '-shm', '-journal'] as const;

/** Runs native sqlite3 without throwing: returns ok=false and the error text on failure. */
export function nativeTry(db: string, sql: string, args: string[] = []): { ok: boolean; out: string } {
  try {
    return { ok: true, out: execFileSync('sqlite3', [...args, db, sql], { encoding: 'utf8', maxBuffer: 1 << 28, stdio: ['ignore', 'pipe', 'pipe'] }).trim() };
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; message: string };
    return { ok: false, out: `${err.stdout ?? ''}${err.stderr ?? ''}`.trim() || err.message };
  }
}

/** Native integrity_check as a string; any error opening/reading the file is returned as its message. */
export function integrityOf(db: string): string {
  const r = nativeTry(db, 'PRAGMA integrity_check;');
  return r.ok ? r.out : `ERROR: ${r.out}`;
}

/** Native `.dump` of a database. */
export function dumpOf(db: string): string {
  return sqlite3(db, '.dump');
}

/** The schema as the oracle sees it. */
export function schemaOf(db: string): string {
  return sqlite3(db, 'SELECT type, name, tbl_name, sql FROM sqlite_schema ORDER BY name, type;');
}

export interface Pragmas { page_size: number; user_version: number; application_id: number; auto_vacuum: number }

export function pragmasOf(db: string): Pragmas {
  const one = (p: string) => Number(sqlite3(db, `PRAGMA ${p};`));
  return { page_size: one('page_size'), user_version: one('user_version'), application_id: one('application_id'), auto_vacuum: one('auto_vacuum') };
}

/** Header facts read straight from the file, without opening it with SQLite. */
export function headerOf(file: string): { magic: boolean; pageSize: number; writeVersion: number; readVersion: number } {
  const b = readFileSync(file).subarray(0, 100);
  const ps = b.length >= 18 ? b.readUInt16BE(16) : 0;
  return {
    magic: b.subarray(0, 16).toString('latin1') === 'SQLite format 3\u0000',
    pageSize: ps === 1 ? 65536 : ps,
    writeVersion: b[18] ?? -1,
    readVersion: b[19] ?? -1,
  };
}

/** Copies a database and whichever of its -wal/-shm/-journal exist into destDir (same base name). */
export function copySet(srcMain: string, destDir: string, name = basename(srcMain)): string {
  mkdirSync(destDir, { recursive: true });
  const dest = join(destDir, name);
  copyFileSync(srcMain, dest);
  for (const s of COMPANIONS) if (existsSync(srcMain + s)) copyFileSync(srcMain + s, dest + s);
  return dest;
}

/** sha256 of the main file and of each companion (null when absent). */
export function hashSet(main: string): Record<string, string | null> {
  const out: Record<string, string | null> = { main: existsSync(main) ? sha256File(main) : null };
  for (const s of COMPANIONS) out[s] = existsSync(main + s) ? sha256File(main + s) : null;
  return out;
}

/** Creates a database with the native CLI from a SQL script. */
export function nativeCreate(db: string, script: string): string {
  execFileSync('sqlite3', [db], { input: script, encoding: 'utf8', maxBuffer: 1 << 28 });
  return db;
}

/** A small rollback-journal database with a few tables, an index, a view and a trigger. */
export function makeRollbackDb(db: string): string {
  return nativeCreate(db, `
    PRAGMA user_version = 42;
    PRAGMA application_id = 1818845549;
    CREATE TABLE customers(id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT UNIQUE, balance REAL, photo BLOB);
    CREATE TABLE orders(id INTEGER PRIMARY KEY AUTOINCREMENT, customer_id INTEGER REFERENCES customers(id), total REAL, note TEXT);
    CREATE INDEX orders_by_customer ON orders(customer_id);
    CREATE VIEW big_orders AS SELECT * FROM orders WHERE total > 100;
    CREATE TRIGGER orders_touch AFTER INSERT ON orders BEGIN UPDATE customers SET balance = coalesce(balance,0) + NEW.total WHERE id = NEW.customer_id; END;
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 300)
      INSERT INTO customers(id, name, email, balance, photo) SELECT i, 'Customer ' || i || ' ''quoted'' ü', 'c' || i || '@example.com', i * 1.5, randomblob(i % 50) FROM n;
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 900)
      INSERT INTO orders(customer_id, total, note) SELECT (i % 300) + 1, (i * 7) % 250, printf('order %d %s', i, hex(randomblob(8))) FROM n;
    INSERT INTO customers(id, name) VALUES (1000, char(0x65e5, 0x672c)), (1001, 'NULL-ish'), (1002, '');
  `);
}

/** Native-only database with features the engine must carry over page-complete. */
export function makeSchemaZooDb(db: string): string {
  return nativeCreate(db, `
    PRAGMA user_version = 7;
    CREATE TABLE kv(k TEXT PRIMARY KEY, v BLOB) WITHOUT ROWID;
    CREATE TABLE strict_t(id INTEGER PRIMARY KEY, n INTEGER NOT NULL, r REAL, t TEXT, b BLOB, a ANY) STRICT;
    CREATE TABLE strict_wr(a TEXT, b INT, PRIMARY KEY(a, b)) STRICT, WITHOUT ROWID;
    CREATE TABLE log(id INTEGER PRIMARY KEY, msg TEXT, at TEXT DEFAULT (datetime('now')));
    CREATE INDEX strict_t_n ON strict_t(n DESC, t COLLATE NOCASE);
    CREATE UNIQUE INDEX strict_t_partial ON strict_t(t) WHERE t IS NOT NULL;
    CREATE INDEX kv_expr ON kv(length(v));
    CREATE VIEW v_strict AS SELECT id, n * 2 AS dbl FROM strict_t;
    CREATE VIEW v_join AS SELECT k, msg FROM kv JOIN log ON log.msg = kv.k;
    CREATE TRIGGER strict_ins AFTER INSERT ON strict_t BEGIN INSERT INTO log(msg) VALUES ('ins ' || NEW.id); END;
    CREATE TRIGGER kv_del BEFORE DELETE ON kv BEGIN INSERT INTO log(msg) VALUES ('del ' || OLD.k); END;
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 500)
      INSERT INTO kv SELECT printf('key-%05d', i), randomblob(i % 200) FROM n;
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 400)
      INSERT INTO strict_t(id, n, r, t, b, a) SELECT i, i * 3, i / 7.0, CASE WHEN i % 5 = 0 THEN NULL ELSE 'text ' || i END, zeroblob(i % 9), CASE i % 3 WHEN 0 THEN i WHEN 1 THEN 'any' ELSE x'00ff' END FROM n;
    INSERT INTO strict_wr VALUES ('a', 1), ('a', 2), ('b', 1);
    DELETE FROM kv WHERE k < 'key-00010';
  `);
}

/** A database with an FTS5 table (native build has FTS5; the WASM build may not). */
export function makeFts5Db(db: string): string {
  return nativeCreate(db, `
    CREATE TABLE notes(id INTEGER PRIMARY KEY, title TEXT, body TEXT);
    CREATE VIRTUAL TABLE docs USING fts5(title, body);
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 400)
      INSERT INTO notes SELECT i, 'note ' || i, CASE WHEN i % 7 = 0 THEN 'lifeboat rescue drill number ' || i ELSE 'ordinary body text ' || hex(randomblob(20)) END FROM n;
    INSERT INTO docs(title, body) SELECT title, body FROM notes;
    INSERT INTO docs(title, body) VALUES ('unicode', 'données ü 日本 lifeboat');
  `);
}

/** A database with a given page size and auto_vacuum mode, with enough data to span many pages. */
export function makePagedDb(db: string, pageSize: number, autoVacuum: 'NONE' | 'FULL' | 'INCREMENTAL' = 'NONE'): string {
  nativeCreate(db, `
    PRAGMA page_size = ${pageSize};
    PRAGMA auto_vacuum = ${autoVacuum};
    PRAGMA user_version = ${pageSize};
    CREATE TABLE t(id INTEGER PRIMARY KEY, a TEXT, b BLOB);
    CREATE INDEX t_a ON t(a);
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 1500)
      INSERT INTO t SELECT i, printf('row-%06d-%s', i, hex(randomblob(6))), randomblob(50 + (i % 400)) FROM n;
    CREATE TABLE big(id INTEGER PRIMARY KEY, payload BLOB);
    INSERT INTO big VALUES (1, randomblob(200000)), (2, randomblob(70000));
    DELETE FROM t WHERE id % 4 = 0;
  `);
  const p = pragmasOf(db);
  const wantAv = { NONE: 0, FULL: 1, INCREMENTAL: 2 }[autoVacuum];
  if (p.page_size !== pageSize || p.auto_vacuum !== wantAv) throw new Error(`fixture ${db}: got ${JSON.stringify(p)}`);
  return db;
}

/** Runs `script` (CommonJS, has `Database` = better-sqlite3 and `dbPath`) in a child; SIGKILLs it when it prints READY. Resolves with its stdout. */
export function runAndKill(dbPath: string, script: string, timeoutMs = 60_000): Promise<string> {
  const code = `const Database = require('better-sqlite3'); const dbPath = process.argv[1];\n${script}\nprocess.stdout.write('READY\\n'); setInterval(() => {}, 1000);`;
  return new Promise<string>((resolveP, rejectP) => {
    const child = spawn(WRITER_NODE, ['-e', code, dbPath], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let killed = false;
    const timer = setTimeout(() => { child.kill('SIGKILL'); rejectP(new Error(`crash writer timed out: ${err}`)); }, timeoutMs);
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (!killed && out.includes('READY')) { killed = true; child.kill('SIGKILL'); }
    });
    child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    child.on('exit', (codeN, signal) => {
      clearTimeout(timer);
      if (killed && signal === 'SIGKILL') resolveP(out);
      else rejectP(new Error(`crash writer exited ${codeN}/${signal} before READY: ${err}`));
    });
  });
}

export const WAL_BASE_ROWS = 200;
export const WAL_EXTRA_ROWS = 5 * 120;

/**
 * A WAL-mode database whose newest commits live only in the -wal: a better-sqlite3 writer commits
 * 200 rows, switches to WAL with auto-checkpoint off, commits 5 more transactions (120 rows each,
 * an UPDATE, a DELETE and a new table `wal_only`), then is SIGKILLed with the connection open.
 */
export async function makeWalCrashDb(db: string, pageSize = 4096): Promise<void> {
  await runAndKill(db, `
    const d = new Database(dbPath);
    d.pragma('page_size = ${pageSize}');
    d.pragma('journal_mode = DELETE');
    d.pragma('user_version = 5');
    d.exec("CREATE TABLE items(id INTEGER PRIMARY KEY, label TEXT NOT NULL, payload BLOB)");
    const ins = d.prepare('INSERT INTO items(label, payload) VALUES (?, randomblob(64))');
    d.transaction(() => { for (let i = 0; i < ${WAL_BASE_ROWS}; i++) ins.run('base ' + i); })();
    const jm = d.pragma('journal_mode = WAL', { simple: true });
    if (jm !== 'wal') throw new Error('not wal: ' + jm);
    d.pragma('wal_autocheckpoint = 0');
    for (let t = 0; t < 5; t++) d.transaction(() => { for (let i = 0; i < 120; i++) ins.run('wal tx ' + t + ' row ' + i); })();
    d.exec("UPDATE items SET label = 'updated in wal' WHERE id <= 10");
    d.exec("DELETE FROM items WHERE id BETWEEN 11 AND 15");
    d.exec("CREATE TABLE wal_only(x TEXT); INSERT INTO wal_only VALUES ('only in the wal'), ('second')");
  `);
  const walSize = existsSync(db + '-wal') ? statSync(db + '-wal').size : 0;
  if (walSize <= 32) throw new Error(`WAL fixture: -wal missing or empty (${walSize})`);
  if (headerOf(db).pageSize !== pageSize) throw new Error(`WAL fixture: page size ${headerOf(db).pageSize}`);
}

/** Committed item count for the WAL crash fixture, as native sqlite3 must see it. */
export const WAL_COMMITTED_ITEMS = WAL_BASE_ROWS + WAL_EXTRA_ROWS - 5;

export const HOT_ROWS = 3000;

/**
 * A rollback-mode database with a HOT journal: a better-sqlite3 writer commits 3000 rows, then with
 * cache_size=10 runs a large UPDATE + INSERT inside BEGIN (the cache spills changed pages into the
 * main file) and is SIGKILLed before COMMIT. The committed state has 3000 rows labelled 'orig ...'.
 * With synchronous=OFF the journal is a no-sync journal (nRec = 0xffffffff in its header).
 */
export async function makeHotJournalDb(db: string, synchronous: 'FULL' | 'OFF' = 'FULL'): Promise<void> {
  await runAndKill(db, `
    const d = new Database(dbPath);
    d.pragma('journal_mode = DELETE');
    d.pragma('synchronous = ${synchronous}');
    d.pragma('user_version = 9');
    d.exec("CREATE TABLE acct(id INTEGER PRIMARY KEY, label TEXT NOT NULL, pad BLOB); CREATE INDEX acct_label ON acct(label)");
    const ins = d.prepare("INSERT INTO acct(id, label, pad) VALUES (?, ?, randomblob(150))");
    d.transaction(() => { for (let i = 1; i <= ${HOT_ROWS}; i++) ins.run(i, 'orig ' + i); })();
    d.pragma('cache_size = 10');
    d.exec('BEGIN');
    d.exec("UPDATE acct SET label = 'changed ' || id, pad = randomblob(300)");
    d.exec("INSERT INTO acct(label, pad) SELECT 'new ' || id, randomblob(200) FROM acct WHERE id <= 1000");
    d.exec("DELETE FROM acct WHERE id % 3 = 0");
  `);
  const jSize = existsSync(db + '-journal') ? statSync(db + '-journal').size : 0;
  if (jSize <= 512) throw new Error(`hot journal fixture: -journal missing or empty (${jSize})`);
  // FULL: the header was rewritten with the record count when the journal was synced before the
  // spill; OFF: a no-sync journal whose header says 0xffffffff ("count the records from the size")
  const head = readFileSync(db + '-journal').subarray(0, 12);
  if (head.readUInt32BE(0) !== 0xd9d505f9) throw new Error('hot journal fixture: no journal magic');
  const nRec = head.readUInt32BE(8);
  if (synchronous === 'OFF' ? nRec !== 0xffffffff : (nRec === 0 || nRec === 0xffffffff)) throw new Error(`hot journal fixture: nRec ${nRec}`);
}

/** The committed state of the hot-journal fixture, checked on a database the oracle already rolled back. */
export function hotJournalCommittedOk(db: string): boolean {
  const r = nativeTry(db, "SELECT count(*), sum(label = 'orig ' || id) FROM acct;");
  return r.ok && r.out === `${HOT_ROWS}|${HOT_ROWS}`;
}

// ---- bad inputs -------------------------------------------------------------------------------

/** A real database of ~100 pages used as the base of several corrupt files. */
export function makeRealDb(db: string): string {
  return nativeCreate(db, `
    CREATE TABLE t(id INTEGER PRIMARY KEY, label TEXT, pad BLOB);
    CREATE TABLE u(id INTEGER PRIMARY KEY, tag TEXT);
    CREATE INDEX u_tag ON u(tag);
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 2000)
      INSERT INTO t SELECT i, 'label ' || i, randomblob(150) FROM n;
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 50)
      INSERT INTO u SELECT i, printf('tag-%08d', i) FROM n;
  `);
}

/** Cuts a copy of a real database in the middle of a page, past its first half. */
export function makeTruncated(src: string, dest: string): string {
  const buf = readFileSync(src);
  const ps = headerOf(src).pageSize;
  const cut = Math.floor(buf.length / ps / 2) * ps + Math.floor(ps / 2) + 3;
  writeFileSync(dest, buf.subarray(0, cut));
  if (integrityOf(dest) === 'ok') throw new Error('truncated fixture still passes integrity_check');
  return dest;
}

/** Overwrites the cell-pointer array of a leaf page of table t: native integrity_check fails. */
export function makeCorruptPage(src: string, dest: string): string {
  copyFileSync(src, dest);
  const ps = headerOf(dest).pageSize;
  const page = Number(sqlite3(dest, "SELECT pageno FROM dbstat WHERE name = 't' AND pagetype = 'leaf' ORDER BY pageno LIMIT 1 OFFSET 10;"));
  if (!(page > 1)) throw new Error('no leaf page found');
  const fd = openSync(dest, 'r+');
  writeSync(fd, Buffer.alloc(48, 0xee), 0, 48, (page - 1) * ps + 8);
  closeSync(fd);
  if (integrityOf(dest) === 'ok') throw new Error('corrupt-page fixture still passes integrity_check');
  return dest;
}

/**
 * Changes one character of a value inside table u's leaf page, leaving index u_tag stale: the b-tree
 * structure is fine (quick_check = ok) but full integrity_check reports a missing index entry.
 */
export function makeIndexMismatch(src: string, dest: string): string {
  copyFileSync(src, dest);
  const ps = headerOf(dest).pageSize;
  const root = Number(sqlite3(dest, "SELECT rootpage FROM sqlite_schema WHERE name = 'u';"));
  const buf = readFileSync(dest);
  const pageStart = (root - 1) * ps;
  const at = buf.subarray(pageStart, pageStart + ps).indexOf('tag-00000042');
  if (at < 0) throw new Error('value not found in table page');
  buf[pageStart + at + 11] = '7'.charCodeAt(0);
  writeFileSync(dest, buf);
  if (sqlite3(dest, 'PRAGMA quick_check;') !== 'ok') throw new Error('index-mismatch fixture fails quick_check too');
  if (integrityOf(dest) === 'ok') throw new Error('index-mismatch fixture passes integrity_check');
  return dest;
}

/** Deterministic pseudo-random bytes (no magic, like an SQLCipher file). */
export function pseudoRandom(n: number, seed = 12345): Buffer {
  const b = Buffer.alloc(n);
  let x = seed >>> 0;
  for (let i = 0; i < n; i++) { x = (x * 1103515245 + 12345) >>> 0; b[i] = x >>> 24; }
  if (b.subarray(0, 6).toString('latin1') === 'SQLite') b[0] ^= 0xff;
  return b;
}

/**
 * Replaces the -shm of a crashed WAL database with the -shm of another, older crashed writer (one
 * small transaction), so the wal-index no longer describes the -wal beside it.
 */
export async function makeShmStale(db: string, scratchDir: string): Promise<void> {
  const other = join(scratchDir, 'older.db');
  await runAndKill(other, `
    const d = new Database(dbPath);
    d.pragma('journal_mode = WAL');
    d.pragma('wal_autocheckpoint = 0');
    d.exec("CREATE TABLE items(id INTEGER PRIMARY KEY, label TEXT); INSERT INTO items(label) VALUES ('older')");
  `);
  if (!existsSync(other + '-shm')) throw new Error('no -shm from the older writer');
  const before = sha256File(db + '-shm');
  copyFileSync(other + '-shm', db + '-shm');
  if (sha256File(db + '-shm') === before) throw new Error('-shm unchanged');
}

export const RESTART_ROWS = 1000;

/**
 * A WAL whose tail holds frames of an OLDER WAL generation: 5 big transactions, a RESTART checkpoint,
 * then small transactions that rewrite the start of the -wal with new salts. The stale frames after
 * them must be ignored (a reader that replays them reverts pages to older content).
 */
export async function makeWalStaleTailDb(db: string): Promise<void> {
  const out = await runAndKill(db, `
    const fs = require('node:fs');
    const d = new Database(dbPath);
    d.pragma('journal_mode = WAL');
    d.pragma('wal_autocheckpoint = 0');
    d.exec("CREATE TABLE items(id INTEGER PRIMARY KEY, label TEXT NOT NULL, payload BLOB)");
    const ins = d.prepare('INSERT INTO items(label, payload) VALUES (?, randomblob(300))');
    for (let t = 0; t < 5; t++) d.transaction(() => { for (let i = 0; i < ${RESTART_ROWS / 5}; i++) ins.run('gen1 tx ' + t + ' row ' + i); })();
    d.exec("UPDATE items SET label = 'gen1 updated' WHERE id <= 100");
    const r = d.pragma('wal_checkpoint(RESTART)')[0];
    if (r.busy !== 0 || r.log !== r.checkpointed) throw new Error('restart checkpoint incomplete ' + JSON.stringify(r));
    const big = fs.statSync(dbPath + '-wal').size;
    d.exec("UPDATE items SET label = 'gen2 after restart' WHERE id <= 50");
    d.exec("INSERT INTO items(label) VALUES ('gen2 new row')");
    console.log('WALSIZE ' + big + ' ' + fs.statSync(dbPath + '-wal').size);
  `);
  const m = /WALSIZE (\d+) (\d+)/.exec(out);
  if (!m || Number(m[2]) !== Number(m[1]) || Number(m[1]) < 100_000) throw new Error(`stale-tail fixture: WAL not reused in place (${m?.[0]})`);
}

/**
 * A WAL whose last frames belong to a transaction that never committed: 500 rows committed in WAL
 * mode, then with cache_size=10 a big UPDATE inside BEGIN spills uncommitted frames into the -wal
 * and the writer is SIGKILLed before COMMIT.
 */
export async function makeWalUncommittedTailDb(db: string): Promise<void> {
  const out = await runAndKill(db, `
    const fs = require('node:fs');
    const d = new Database(dbPath);
    d.pragma('journal_mode = WAL');
    d.pragma('wal_autocheckpoint = 0');
    d.exec("CREATE TABLE items(id INTEGER PRIMARY KEY, label TEXT NOT NULL, payload BLOB)");
    const ins = d.prepare('INSERT INTO items(label, payload) VALUES (?, randomblob(200))');
    for (let t = 0; t < 5; t++) d.transaction(() => { for (let i = 0; i < 100; i++) ins.run('committed ' + t + '/' + i); })();
    const committed = fs.statSync(dbPath + '-wal').size;
    d.pragma('cache_size = 10');
    d.exec('BEGIN');
    d.exec("UPDATE items SET label = 'uncommitted', payload = randomblob(500)");
    d.exec("INSERT INTO items(label) SELECT 'uncommitted new' FROM items");
    console.log('WALSIZE ' + committed + ' ' + fs.statSync(dbPath + '-wal').size);
  `);
  const m = /WALSIZE (\d+) (\d+)/.exec(out);
  if (!m || !(Number(m[2]) > Number(m[1]))) throw new Error(`uncommitted-tail fixture: no spilled frames (${m?.[0]})`);
}

/** A PERSIST-mode database: a leftover -journal with a zeroed header that is NOT hot. */
export function makePersistJournalDb(db: string): string {
  nativeCreate(db, `
    PRAGMA journal_mode = PERSIST;
    CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT);
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 500) INSERT INTO t SELECT i, 'first ' || i FROM n;
    UPDATE t SET v = 'second ' || id;
    DELETE FROM t WHERE id > 400;
  `);
  if (!existsSync(db + '-journal') || statSync(db + '-journal').size === 0) throw new Error('no persisted journal');
  const head = readFileSync(db + '-journal').subarray(0, 28);
  if (head.some((x) => x !== 0)) throw new Error('persisted journal header is not zeroed');
  return db;
}
