// Extra workspace files for the in-host tests.
import { copy, sqlite, text } from '../workspace.mjs';

export default {
  'data/inventory.db': sqlite(`
    PRAGMA journal_mode=WAL;
    CREATE TABLE item(id INTEGER PRIMARY KEY, name TEXT NOT NULL, qty INTEGER NOT NULL);
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 500)
    INSERT INTO item(name, qty) SELECT 'item ' || i, i % 17 FROM n;
  `, { journal: 'wal' }),
  // companions and manifests never show up as databases
  'data/inventory.db-journal': text(''),
  'data/old.db.json': text('{}'),
  'node_modules/dep/cache.db': copy('test/fixtures/chinook.sqlite'),
  'restore-me.sqlite3': sqlite(`
    CREATE TABLE kv(k TEXT PRIMARY KEY, v TEXT) WITHOUT ROWID;
    INSERT INTO kv VALUES ('version', 'original'), ('a', '1'), ('b', '2');
  `),
};
