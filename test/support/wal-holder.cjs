#!/usr/bin/env node
/* eslint-disable @typescript-eslint/no-require-imports */
// Leaves committed but un-checkpointed transactions in a database's -wal file.
//
//   node test/support/wal-holder.cjs <db> <rows> [marker]
//
// Opens <db> in WAL mode with wal_autocheckpoint=0, commits <rows> rows into t(id, v) in
// transactions of 100 rows (and, if given, sets marker.v = <marker> in the last one), prints
// {"type":"ready", ...} and then holds the connection open until it is killed. The parent
// SIGKILLs it, so nothing is checkpointed: the commits live only in <db>-wal.
'use strict';

const Database = require('better-sqlite3');
const { randomBytes } = require('node:crypto');

const [dbPath, rowsArg = '500', marker] = process.argv.slice(2);
if (!dbPath) {
  process.stderr.write('usage: wal-holder.cjs <db> <rows> [marker]\n');
  process.exit(2);
}
const rows = Number(rowsArg);
const db = new Database(dbPath, { timeout: 5000 });
const journal = db.pragma('journal_mode = WAL', { simple: true });
db.pragma('wal_autocheckpoint = 0');
db.pragma('synchronous = NORMAL');
db.exec('CREATE TABLE IF NOT EXISTS t(id INTEGER PRIMARY KEY, v BLOB)');
const ins = db.prepare('INSERT INTO t(v) VALUES (?)');
let done = 0;
let commits = 0;
while (done < rows) {
  const n = Math.min(100, rows - done);
  db.transaction(() => {
    for (let i = 0; i < n; i++) ins.run(randomBytes(200));
    if (marker && done + n >= rows) db.prepare('UPDATE marker SET v = ?').run(marker);
  })();
  done += n;
  commits++;
}
process.stdout.write(JSON.stringify({ type: 'ready', pid: process.pid, journalMode: journal, rowsAdded: done, commits }) + '\n');
// Hold the connection (and so the -wal) open until killed.
setInterval(() => {}, 60_000);
