// Workspace fixtures for the end-to-end tests: small declarative helpers that describe which files to put
// into the throw-away workspace folder, and the code that builds it. Used by run.mjs; test files only
// import the helpers (copy, sqlite, text) to declare extra fixtures.
//
//   export const fixtures = {
//     'app.db': copy('test/fixtures/chinook.sqlite'),          // path relative to the repo root
//     'notes.sqlite': sqlite('CREATE TABLE t(x);', { journal: 'delete' }),
//     'sub/wal.db': sqlite('CREATE TABLE t(x);', { journal: 'wal' }),
//     'fake.db': text('not a database'),
//     'custom.db': (absPath, { sqlite3, repo }) => { ... },     // anything else
//     'app.db': null,                                            // remove an entry declared earlier
//   };
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export const copy = (from) => ({ kind: 'copy', from });
export const sqlite = (sql, { journal = 'delete' } = {}) => ({ kind: 'sqlite', sql, journal });
export const text = (content) => ({ kind: 'text', content });

/** Runs the native sqlite3 CLI on `db` with `sql` on stdin; returns trimmed stdout, throws on error. */
export function sqlite3(db, sql, { args = [] } = {}) {
  const r = spawnSync('sqlite3', ['-batch', '-bail', ...args, db], { input: sql, encoding: 'utf8', timeout: 30_000 });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`sqlite3 ${db} failed (${r.status}): ${r.stderr.trim()}\nSQL: ${sql}`);
  return r.stdout.trim();
}

/** Merges fixture maps left to right; a null value removes an entry. */
export function mergeFixtures(...maps) {
  const out = {};
  for (const m of maps) {
    for (const [k, v] of Object.entries(m ?? {})) {
      if (v === null) delete out[k];
      else out[k] = v;
    }
  }
  return out;
}

/** Creates every fixture under `dir` (which must exist). */
export async function buildWorkspace(dir, fixtures) {
  for (const [rel, spec] of Object.entries(fixtures)) {
    if (isAbsolute(rel) || rel.split(/[\\/]/).includes('..')) throw new Error(`fixture path must stay inside the workspace: ${rel}`);
    const target = join(dir, rel);
    mkdirSync(dirname(target), { recursive: true });
    if (typeof spec === 'function') {
      await spec(target, { sqlite3, repo: REPO, workspace: dir });
    } else if (spec?.kind === 'copy') {
      const from = isAbsolute(spec.from) ? spec.from : join(REPO, spec.from);
      if (!existsSync(from)) throw new Error(`fixture ${rel}: ${from} does not exist`);
      copyFileSync(from, target);
    } else if (spec?.kind === 'sqlite') {
      const mode = String(spec.journal).toLowerCase();
      if (!['delete', 'wal', 'truncate', 'persist'].includes(mode)) throw new Error(`fixture ${rel}: journal ${spec.journal}?`);
      const got = sqlite3(target, `PRAGMA journal_mode=${mode};\n${spec.sql}\n`).split('\n')[0];
      if (got !== mode) throw new Error(`fixture ${rel}: journal_mode is ${got}, wanted ${mode}`);
    } else if (spec?.kind === 'text') {
      writeFileSync(target, spec.content);
    } else {
      throw new Error(`fixture ${rel}: unknown spec ${JSON.stringify(spec)}`);
    }
  }
}
