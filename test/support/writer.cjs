#!/usr/bin/env node
/* eslint-disable @typescript-eslint/no-require-imports */
// A live writer for the concurrency and crash tests, run as its own process (never in the
// test process: better-sqlite3 is synchronous and must not block the test's event loop).
//
//   node test/support/writer.cjs <db> <wal|rollback> [durationMs|0=until killed] [targetRate tx/s|0=unpaced]
//
// Schema (created if missing):
//   a(id INTEGER PRIMARY KEY, tx INTEGER, pad BLOB)
//   b(id INTEGER PRIMARY KEY, tx INTEGER, pad BLOB)
//   acct(id INTEGER PRIMARY KEY, bal INTEGER)   -- 100 accounts, sum(bal) = 100000 always
// Each transaction (BEGIN IMMEDIATE … COMMIT) inserts one row into a and one into b with the
// same tx number and a random ~200-byte pad, and moves a random amount between two accounts.
// Invariants that hold in every committed state:
//   count(a) = count(b), the set of tx in a = the set of tx in b, sum(acct.bal) = 100000.
//
// stdout, one JSON object per line:
//   {"type":"ready", ...}      schema and seed are in place, the paced loop starts
//   {"type":"progress", ...}   every WRITER_PROGRESS_MS ms (default 250; 0 = never)
//   {"type":"stats", ...}      at the end (duration elapsed) and on SIGTERM / SIGINT
// Environment knobs:
//   WRITER_SEED_ROWS  rows seeded into each of a and b when the db is new (default 5000)
//   WRITER_SEED_PAD   pad bytes of seeded rows (default 400, so a new db is ~5 MB)
//   WRITER_SYNC       PRAGMA synchronous (default NORMAL in wal mode, OFF in rollback mode: with
//                    NORMAL a rollback-journal commit fsyncs, and under concurrent disk load the
//                    writer then fell to ~95 tx/s; with OFF it keeps its pace)
//   WRITER_PROGRESS_MS
//   WRITER_GAP_MS     instead of pacing at a rate: commit, sleep this many ms, commit again (the
//                    "fast writer" of the SQLite-locks tests: a gap shorter than a copy of the file)
//   WRITER_BUSY_MS    the writer's busy timeout (default 5000; 0: SQLITE_BUSY at once, counted)
'use strict';

const Database = require('better-sqlite3');
const { randomBytes, randomInt } = require('node:crypto');

const [dbPath, mode = 'wal', durationArg = '0', rateArg = '200'] = process.argv.slice(2);
if (!dbPath || (mode !== 'wal' && mode !== 'rollback')) {
  process.stderr.write('usage: writer.cjs <db> <wal|rollback> [durationMs|0] [targetRate|0]\n');
  process.exit(2);
}
const durationMs = Number(durationArg) || 0;
const targetRate = Number(rateArg) || 0;
const seedRows = Number(process.env.WRITER_SEED_ROWS ?? 5000);
const seedPad = Number(process.env.WRITER_SEED_PAD ?? 400);
const sync = process.env.WRITER_SYNC || (mode === 'wal' ? 'NORMAL' : 'OFF');
const progressMs = Number(process.env.WRITER_PROGRESS_MS ?? 250);
const ACCOUNTS = 100;
const BALANCE = 1000;

const emit = (obj) => process.stdout.write(JSON.stringify(obj) + '\n');
const now = () => Number(process.hrtime.bigint() / 1000n) / 1000; // ms, monotonic

const gapMs = process.env.WRITER_GAP_MS === undefined ? null : Number(process.env.WRITER_GAP_MS);
const busyMs = Number(process.env.WRITER_BUSY_MS ?? 5000);
const db = new Database(dbPath, { timeout: busyMs });
db.pragma(`busy_timeout = ${busyMs}`);
const journal = db.pragma(`journal_mode = ${mode === 'wal' ? 'WAL' : 'DELETE'}`, { simple: true });
db.pragma(`synchronous = ${sync}`);

function isBusy(err) {
  return err && typeof err.code === 'string' && (err.code.startsWith('SQLITE_BUSY') || err.code.startsWith('SQLITE_LOCKED'));
}

/** Runs fn with retries on SQLITE_BUSY (busy_timeout already waited 5 s each time). */
function retryBusy(fn) {
  for (;;) {
    try {
      return fn();
    } catch (err) {
      if (!isBusy(err)) throw err;
      stats.busyErrors++;
    }
  }
}

const stats = { busyErrors: 0, maxTxMs: 0 };

// Schema + seed, idempotent.
retryBusy(() => db.exec('BEGIN IMMEDIATE'));
try {
  db.exec(`
    CREATE TABLE IF NOT EXISTS a(id INTEGER PRIMARY KEY, tx INTEGER, pad BLOB);
    CREATE TABLE IF NOT EXISTS b(id INTEGER PRIMARY KEY, tx INTEGER, pad BLOB);
    CREATE TABLE IF NOT EXISTS acct(id INTEGER PRIMARY KEY, bal INTEGER);
  `);
  const n = db.prepare('SELECT count(*) AS n FROM acct').get().n;
  if (n === 0) {
    const ins = db.prepare('INSERT INTO acct(id, bal) VALUES (?, ?)');
    for (let i = 1; i <= ACCOUNTS; i++) ins.run(i, BALANCE);
  }
  const rows = db.prepare('SELECT count(*) AS n FROM a').get().n;
  if (rows === 0 && seedRows > 0) {
    const ia = db.prepare('INSERT INTO a(tx, pad) VALUES (?, ?)');
    const ib = db.prepare('INSERT INTO b(tx, pad) VALUES (?, ?)');
    // Interleaved so that the pages of a and b alternate through the file.
    for (let t = 1; t <= seedRows; t++) {
      ia.run(t, randomBytes(seedPad));
      ib.run(t, randomBytes(seedPad));
    }
  }
  retryBusy(() => db.exec('COMMIT'));
} catch (err) {
  try { db.exec('ROLLBACK'); } catch { /* ignore */ }
  throw err;
}

let lastTx = db.prepare('SELECT coalesce(max(tx), 0) AS m FROM a').get().m;
const firstTx = lastTx;
const insA = db.prepare('INSERT INTO a(tx, pad) VALUES (?, ?)');
const insB = db.prepare('INSERT INTO b(tx, pad) VALUES (?, ?)');
const move = db.prepare('UPDATE acct SET bal = bal + ? WHERE id = ?');

let committed = 0;
const t0 = now();

function oneTransaction() {
  const started = now();
  retryBusy(() => db.exec('BEGIN IMMEDIATE'));
  const tx = lastTx + 1;
  try {
    insA.run(tx, randomBytes(180 + randomInt(41)));
    insB.run(tx, randomBytes(180 + randomInt(41)));
    const from = 1 + randomInt(ACCOUNTS);
    let to = 1 + randomInt(ACCOUNTS - 1);
    if (to >= from) to++;
    const amount = 1 + randomInt(50);
    move.run(-amount, from);
    move.run(amount, to);
  } catch (err) {
    try { db.exec('ROLLBACK'); } catch { /* ignore */ }
    throw err;
  }
  // A COMMIT that fails with SQLITE_BUSY leaves the transaction open: retry the COMMIT.
  retryBusy(() => db.exec('COMMIT'));
  lastTx = tx;
  committed++;
  const ms = now() - started;
  if (ms > stats.maxTxMs) stats.maxTxMs = ms;
}

function summary(reason) {
  const elapsedMs = now() - t0;
  return {
    type: 'stats',
    reason,
    mode,
    journalMode: journal,
    synchronous: sync,
    targetRate,
    tx: committed,
    firstTx,
    lastTx,
    elapsedMs: Math.round(elapsedMs),
    txPerSec: Math.round((committed / (elapsedMs / 1000)) * 10) / 10,
    busyErrors: stats.busyErrors,
    maxTxMs: Math.round(stats.maxTxMs),
  };
}

let stopping = false;
function stop(reason, code = 0) {
  if (stopping) return;
  stopping = true;
  emit(summary(reason));
  try { db.close(); } catch { /* ignore */ }
  process.exit(code);
}
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));

emit({ type: 'ready', pid: process.pid, mode, journalMode: journal, synchronous: sync, lastTx, targetRate });

let lastProgress = t0;
// Paced loop. Transaction i is due at t0 + i / rate. A writer that fell behind (e.g. blocked by a
// reader in rollback mode) catches up, but with at most 1 s of backlog: `forgiven` counts the
// transactions it gave up on, so that it does not burst for seconds afterwards.
let forgiven = 0;
function tick() {
  if (stopping) return;
  const t = now();
  if (durationMs && t - t0 >= durationMs) return stop('duration');
  if (gapMs !== null) {
    oneTransaction();
    if (progressMs > 0 && now() - lastProgress >= progressMs) {
      lastProgress = now();
      emit({ type: 'progress', tx: committed, lastTx, elapsedMs: Math.round(lastProgress - t0) });
    }
    setTimeout(tick, gapMs);
    return;
  }
  const budgetEnd = t + 20; // give the event loop (signals, timers) a turn at least every 20 ms
  let wait = 0;
  if (targetRate > 0) {
    const intervalMs = 1000 / targetRate;
    const due = Math.floor((t - t0) / intervalMs) + 1;
    if (due - (committed + forgiven) > targetRate) forgiven = due - targetRate - committed;
    while (committed + forgiven < due && now() < budgetEnd) oneTransaction();
    wait = Math.max(0, t0 + (committed + forgiven) * intervalMs - now());
  } else {
    while (now() < budgetEnd) oneTransaction();
  }
  if (progressMs > 0 && now() - lastProgress >= progressMs) {
    lastProgress = now();
    emit({ type: 'progress', tx: committed, lastTx, elapsedMs: Math.round(lastProgress - t0) });
  }
  setTimeout(tick, Math.min(wait, 50));
}

tick();
