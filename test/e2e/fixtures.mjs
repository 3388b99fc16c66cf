// The workspace every end-to-end phase starts from. Each phase gets its own fresh copy.
// Extra files: in-host tests declare them in suite/fixtures.mjs, UI tests with `export const fixtures`.
import { copy, sqlite, text } from './workspace.mjs';

export default {
  // A real, WAL-free database with data (Chinook, see test/fixtures/chinook.LICENSE.md).
  'app.db': copy('test/fixtures/chinook.sqlite'),
  // A small rollback-journal database made by the native sqlite3 CLI.
  'notes.sqlite': sqlite(`
    CREATE TABLE notes(id INTEGER PRIMARY KEY, title TEXT NOT NULL, body TEXT, created_at TEXT NOT NULL DEFAULT (datetime('now')));
    CREATE INDEX notes_title ON notes(title);
    INSERT INTO notes(title, body) VALUES ('first', 'hello'), ('second', 'lifeboat'), ('third', 'drill');
  `, { journal: 'delete' }),
  // Has a database extension but is plain text: the extension must not treat it as SQLite.
  'fake.db': text('This is not a SQLite database, just text with a .db extension.\n'),
};
