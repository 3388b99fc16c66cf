#!/usr/bin/env node
/* eslint-disable @typescript-eslint/no-require-imports */
// Holds a connection to a database in a chosen state, for the SQLite-locks tests:
//
//   node test/support/txn-holder.cjs <db> <what>
//     spill-memory | spill-off   journal_mode MEMORY or OFF, cache_size 10, BEGIN and an UPDATE of
//                                every row of t(v): its pages spill into the file, uncommitted
//     grow-memory                journal_mode MEMORY, cache_size 10, BEGIN and 5000 more rows: pages
//                                past the committed end of the file, uncommitted
//     read                       BEGIN and a SELECT: a read transaction (SHARED) left open
//     idle-wal                   journal_mode WAL and one read, then an idle open connection
//     idle                       one read, then an idle open connection (rollback mode)
//
// Prints {"type":"ready"} once in that state; then on stdin "rollback" or "commit" ends the
// transaction and prints {"type":"done"}; "write" inserts a row and prints {"type":"done",
// "write": "ok" or the error's code}; "exit" closes and exits. t(v) gets 5000 rows of v = 10
// (sum 50000) when the db is new; the UPDATE adds 1 to each (sum 55000 if it were committed).
'use strict';
const Database = require('better-sqlite3');

const [dbPath, what] = process.argv.slice(2);
const db = new Database(dbPath, { timeout: 5000 });
const emit = (o) => process.stdout.write(JSON.stringify(o) + '\n');
const n = db.prepare("SELECT count(*) AS n FROM sqlite_schema WHERE name = 't'").get().n;
if (!n) {
  db.exec('CREATE TABLE t(id INTEGER PRIMARY KEY, v INTEGER, pad BLOB)');
  const ins = db.prepare('INSERT INTO t(v, pad) VALUES (10, randomblob(200))');
  db.transaction(() => { for (let i = 0; i < 5000; i++) ins.run(); })();
}
if (what === 'spill-memory' || what === 'spill-off') {
  if (what === 'spill-off') db.unsafeMode(true); // better-sqlite3's defensive mode refuses journal_mode OFF
  const jm = db.pragma(`journal_mode = ${what === 'spill-memory' ? 'MEMORY' : 'OFF'}`, { simple: true });
  if (jm !== what.slice(6)) throw new Error(`journal_mode is ${jm}`);
  db.pragma('cache_size = 10');
  db.exec('BEGIN');
  db.exec('UPDATE t SET v = v + 1');
} else if (what === 'grow-memory') {
  db.pragma('journal_mode = MEMORY');
  db.pragma('cache_size = 10');
  db.exec('BEGIN');
  const ins = db.prepare('INSERT INTO t(v, pad) VALUES (10, randomblob(200))');
  for (let i = 0; i < 5000; i++) ins.run();
} else if (what === 'read') {
  db.exec('BEGIN');
  db.prepare('SELECT count(*) FROM t').get();
} else if (what === 'idle-wal') {
  db.pragma('journal_mode = WAL');
  db.prepare('SELECT count(*) FROM t').get();
} else if (what === 'idle') {
  db.prepare('SELECT count(*) FROM t').get();
} else {
  process.stderr.write(`unknown state ${what}\n`);
  process.exit(2);
}
emit({ type: 'ready', pid: process.pid });
process.stdin.setEncoding('utf8').on('data', (d) => {
  if (d.includes('write')) {
    try { db.exec('INSERT INTO t(v) VALUES (99)'); emit({ type: 'done', write: 'ok' }); } catch (e) { emit({ type: 'done', write: e.code }); }
  }
  if (d.includes('rollback')) { db.exec('ROLLBACK'); emit({ type: 'done' }); }
  if (d.includes('commit')) { db.exec('COMMIT'); emit({ type: 'done' }); }
  if (d.includes('exit')) { db.close(); process.exit(0); }
});
