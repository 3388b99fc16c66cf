#!/usr/bin/env node
/* eslint-disable @typescript-eslint/no-require-imports */
// Keeps a WAL-mode connection whose -wal is reused after a restart: commits written over the
// previous generation's frames leave the file's size and its header as they were.
//
//   node test/support/wal-reuser.cjs <db>
//
// Opens <db> in WAL mode with wal_autocheckpoint=0, commits 50 transactions into t(id, v) (the
// -wal grows to hold them), checkpoints with RESTART (the next commit starts the -wal over from
// its first frame) and prints {"type":"ready"}. Each stdin line "insert <v>" commits one row and
// prints {"type":"done","walSize":…}; "exit" closes (SQLite checkpoints) and exits.
'use strict';
const Database = require('better-sqlite3');
const { statSync } = require('node:fs');
const readline = require('node:readline');

const [dbPath] = process.argv.slice(2);
const db = new Database(dbPath, { timeout: 5000 });
db.pragma('journal_mode = WAL');
db.pragma('wal_autocheckpoint = 0');
db.exec('CREATE TABLE IF NOT EXISTS t(id INTEGER PRIMARY KEY, v TEXT, pad BLOB)');
const ins = db.prepare('INSERT INTO t(v, pad) VALUES (?, randomblob(500))');
for (let i = 0; i < 50; i++) ins.run(`seed ${i}`);
const ck = db.pragma('wal_checkpoint(RESTART)')[0];
if (ck.busy) throw new Error('checkpoint busy');
const emit = (o) => process.stdout.write(JSON.stringify(o) + '\n');
const walSize = () => statSync(`${dbPath}-wal`).size;
emit({ type: 'ready', walSize: walSize() });
readline.createInterface({ input: process.stdin }).on('line', (line) => {
  const [cmd, ...rest] = line.trim().split(' ');
  if (cmd === 'insert') {
    ins.run(rest.join(' '));
    emit({ type: 'done', walSize: walSize() });
  } else if (cmd === 'exit') {
    db.close();
    process.exit(0);
  }
});
