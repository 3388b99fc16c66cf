#!/usr/bin/env node
// Diff benchmark: `lifeboat diff` against `sqldiff` (Debian's sqlite3-tools) on two ~1 GiB
// databases that differ in 1% of their rows (a third deleted, a third changed, a third added).
//
//   node bench/diff.mjs [--runs 3] [--rows 1000000] [--recover]
//
// The databases are generated once by the native sqlite3 CLI under bench/data/diff/ (git-ignored)
// and reused. Every tool runs as its own process under GNU time (wall from a high-resolution clock
// around it, peak RSS from %M), tools alternate within each run, and each timed command follows an
// untimed `cat` of both files (warm cache) and a `sync`. sqldiff is installed with apt when missing
// (where apt can); without it only lifeboat is measured, and the report says so. --recover also
// times `lifeboat restore --table events --rows missing` on a scratch copy of the second file.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..');
const DATA = path.join(HERE, 'data', 'diff');
const CLI = path.join(ROOT, 'dist', 'cli.js');
const GNU_TIME = '/usr/bin/time';
const TIME_FILE = path.join(DATA, '.time');
const MiB = 1024 * 1024;

function parseOptions(argv) {
  const o = { runs: 3, rows: 1_000_000, recover: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--runs') o.runs = Number(argv[++i]);
    else if (a === '--rows') o.rows = Number(argv[++i]);
    else if (a === '--recover') o.recover = true;
    else if (a === '--help' || a === '-h') {
      console.log('usage: node bench/diff.mjs [--runs 3] [--rows 1000000] [--recover]');
      process.exit(0);
    } else throw new Error(`unknown option ${a}`);
  }
  if (!(o.runs >= 1) || !(o.rows >= 1000)) throw new Error('bad --runs or --rows');
  return o;
}

const log = (...a) => console.error('[bench diff]', ...a);

function run(argv, opts = {}) {
  const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', maxBuffer: 256 * MiB, ...opts });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${argv.join(' ')} exited ${r.status}: ${(r.stderr || r.stdout).trim().slice(0, 2000)}`);
  return r.stdout;
}

/** Runs under GNU time; `ok` lists the exit codes that are not failures (diff tools exit 1 on differences). */
function timed(argv, ok = [0]) {
  fs.rmSync(TIME_FILE, { force: true });
  const t0 = process.hrtime.bigint();
  const r = spawnSync(GNU_TIME, ['-f', '%e %M', '-o', TIME_FILE, ...argv], { encoding: 'utf8', maxBuffer: 256 * MiB, cwd: ROOT });
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.error) throw r.error;
  if (!ok.includes(r.status)) throw new Error(`${argv.join(' ')} exited ${r.status}: ${(r.stderr || r.stdout).trim().slice(0, 2000)}`);
  const last = fs.readFileSync(TIME_FILE, 'utf8').trim().split('\n').pop().trim().split(/\s+/);
  return { wall, rssKiB: Number(last[1]), stdout: r.stdout };
}

const warm = (...files) => { for (const f of files) run(['sh', '-c', 'cat "$1" > /dev/null', 'sh', f]); run(['sync']); };
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };

/** sqldiff on PATH, installing Debian's sqlite3-tools when it is missing and apt is there; null when not possible. */
function ensureSqldiff() {
  const which = () => spawnSync('sh', ['-c', 'command -v sqldiff'], { encoding: 'utf8' }).stdout.trim() || null;
  if (which()) return which();
  if (spawnSync('sh', ['-c', 'command -v apt-get'], { encoding: 'utf8' }).status !== 0) return null;
  log('sqldiff missing: apt-get install sqlite3-tools');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  let r = spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'sqlite3-tools'], { encoding: 'utf8', env });
  if (r.status !== 0) {
    spawnSync('apt-get', ['update', '-qq'], { encoding: 'utf8', env });
    r = spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'sqlite3-tools'], { encoding: 'utf8', env });
  }
  return which();
}

/** The pair of databases: `a` as generated, `b` with 1% of its rows deleted, changed or added. */
function ensureDbs(rows) {
  fs.mkdirSync(DATA, { recursive: true });
  const a = path.join(DATA, `a-${rows}.db`);
  const b = path.join(DATA, `b-${rows}.db`);
  if (fs.existsSync(a) && fs.existsSync(b)) return { a, b };
  for (const f of [a, b]) fs.rmSync(f, { force: true });
  log(`generating ${a} (${rows} rows of ~1 KiB)`);
  const tmp = `${a}.generating`;
  fs.rmSync(tmp, { force: true });
  run(['sqlite3', tmp], {
    input: `PRAGMA page_size = 4096; PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;
      CREATE TABLE events(id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL, kind TEXT NOT NULL, at INTEGER NOT NULL, body TEXT, data BLOB);
      CREATE INDEX events_user ON events(user_id, at);
      WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${rows})
        INSERT INTO events SELECT i, abs(random()) % 100000, 'kind ' || (i % 20), 1700000000 + i, hex(randomblob(200)), randomblob(500) FROM n;
      CREATE TABLE users(id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT);
      WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000) INSERT INTO users SELECT i, 'user ' || i, 'u' || i || '@example.com' FROM n;
      PRAGMA journal_mode = DELETE;`,
  });
  fs.renameSync(tmp, a);
  fs.copyFileSync(a, b);
  // 1% of the rows of events: a third deleted, a third changed, a third added
  const step = 300;
  run(['sqlite3', b], {
    input: `DELETE FROM events WHERE id % ${step} = 0;
      UPDATE events SET kind = 'changed', body = body || 'x' WHERE id % ${step} = 100;
      INSERT INTO events(user_id, kind, at, body, data) SELECT user_id, 'added', at, body, data FROM events WHERE id % ${step} = 200;`,
  });
  return { a, b };
}

/** sqldiff --summary prints "<table>: N changes, N inserts, N deletes, N unchanged" per table. */
function parseSqldiff(out) {
  const m = /^events: (\d+) changes, (\d+) inserts, (\d+) deletes/m.exec(out);
  if (!m) throw new Error(`unexpected sqldiff output: ${out.slice(0, 500)}`);
  return { changed: Number(m[1]), added: Number(m[2]), deleted: Number(m[3]) };
}

function parseLifeboat(out) {
  const t = JSON.parse(out).tables.find((x) => x.table === 'events');
  return { changed: t.counts.changed, added: t.counts.added, deleted: t.counts.deleted };
}

async function main() {
  const o = parseOptions(process.argv.slice(2));
  if (!fs.existsSync(CLI)) throw new Error('dist/cli.js is missing: run npm run build first');
  const sqldiff = ensureSqldiff();
  const { a, b } = ensureDbs(o.rows);
  const size = fs.statSync(a).size;
  const tools = {
    lifeboat: { label: 'lifeboat diff --backup-file A --backup-file B --limit 0 --json', argv: ['node', CLI, 'diff', '--backup-file', a, '--backup-file', b, '--limit', '0', '--json'], parse: parseLifeboat },
    lifeboatLive: { label: 'lifeboat diff --backup-file A --db-path B (B read through a snapshot)', argv: ['node', CLI, 'diff', '--backup-file', a, '--db-path', b, '--limit', '0', '--json'], parse: parseLifeboat },
    ...(sqldiff ? { sqldiff: { label: 'sqldiff --summary A B', argv: [sqldiff, '--summary', a, b], parse: parseSqldiff } } : {}),
  };
  const results = Object.fromEntries(Object.keys(tools).map((k) => [k, []]));
  const found = {};
  for (let i = 0; i < o.runs; i++) {
    for (const [name, t] of Object.entries(tools)) {
      warm(a, b);
      log(`run ${i + 1}/${o.runs}: ${name}`);
      const r = timed(t.argv, [0, 1]);
      results[name].push(r);
      found[name] = t.parse(r.stdout);
    }
  }
  const counts = Object.values(found).map((c) => JSON.stringify(c));
  if (new Set(counts).size !== 1) throw new Error(`the tools disagree: ${JSON.stringify(found)}`);
  let recover = null;
  if (o.recover) {
    const scratch = path.join(DATA, 'scratch');
    fs.rmSync(scratch, { recursive: true, force: true });
    fs.mkdirSync(scratch);
    const live = path.join(scratch, 'live.db');
    fs.copyFileSync(b, live);
    warm(a, live);
    log('lifeboat restore --table events --rows missing');
    recover = timed(['node', CLI, 'restore', '--backup-file', a, '--db-path', live, '--output-dir', path.join(scratch, 'out'), '--table', 'events', '--rows', 'missing', '--yes']);
    recover.line = recover.stdout.split('\n')[0];
    fs.rmSync(scratch, { recursive: true, force: true });
  }
  const L = [];
  L.push(`### Diff of two ${(size / MiB).toFixed(0)} MiB databases differing in 1% of the rows of one table`, '');
  L.push(`- date: ${new Date().toISOString()}; ${os.cpus().length} cores, node ${process.version}; load average at the end ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  L.push(`- files: ${path.basename(a)} and ${path.basename(b)}, ${o.rows} rows in events (+ 100,000 in users, identical); differences found by every tool: ${counts[0]}`);
  L.push(`- ${o.runs} run(s) per tool, alternating, warm cache; wall = median, peak RSS = max over runs`, '');
  L.push('| Tool | median wall (s) | peak RSS (MiB) | all runs (s) |', '|---|---:|---:|---|');
  for (const [name, t] of Object.entries(tools)) {
    const r = results[name];
    L.push(`| ${t.label} | ${median(r.map((x) => x.wall)).toFixed(2)} | ${(Math.max(...r.map((x) => x.rssKiB)) / 1024).toFixed(0)} | ${r.map((x) => x.wall.toFixed(2)).join(', ')} |`);
  }
  if (!sqldiff) L.push('', 'sqldiff was not installable here (no apt-get or no sqlite3-tools): only lifeboat was measured.');
  if (recover) L.push('', `Recover deleted rows (\`lifeboat restore --table events --rows missing\`, one run, with its verification, safety copy and install): ${recover.wall.toFixed(2)} s, peak RSS ${(recover.rssKiB / 1024).toFixed(0)} MiB — "${recover.line}"`);
  const text = L.join('\n') + '\n';
  process.stdout.write(text);
  fs.writeFileSync(path.join(DATA, `results-${new Date().toISOString().replace(/[:.]/g, '-')}.md`), text);
  log(`databases kept under ${DATA} for the next run (delete them to regenerate)`);
}

main().catch((e) => { console.error(e); process.exit(1); });
