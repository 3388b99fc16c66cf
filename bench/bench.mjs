#!/usr/bin/env node
// SQLite Lifeboat benchmark: `lifeboat backup` / `lifeboat verify` against what the original
// shell scripts did (sqlite3 .backup + PRAGMA integrity_check) and against plain `cp`.
//
//   node bench/bench.mjs [--sizes 10,100,1000] [--runs 3] [--no-wal] [--no-phases]
//                        [--large] [--large-only] [--large-gib 4.5] [--keep-large] [--no-locks] [--no-offsite]
//
// Then bench/locks.mjs (rollback-mode backups under a fast writer, with and without SQLite's locks,
// and sqlite3 .backup) runs, unless --no-locks, and bench/offsite.mjs (upload/download to a local
// radosgw vs rclone), unless --no-offsite.
//
// Sizes are in MiB. Databases are generated once under bench/data/ (git-ignored) and reused.
// Every tool runs as its own process under GNU time (/usr/bin/time -f '%e %M'): wall time is
// taken around that process with a high-resolution clock (GNU time's %e has 10 ms steps),
// peak RSS is GNU time's %M. Tools alternate within each run (A, B, C, A, B, C, ...) and every
// timed command is preceded by an untimed `cat SRC > /dev/null` so that all see a warm cache.
// The report (markdown) goes to stdout and to bench/data/results-<timestamp>.md; progress to stderr.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..');
const DATA = path.join(HERE, 'data');
const RUNS_DIR = path.join(DATA, 'runs');
const CLI = path.join(ROOT, 'dist', 'cli.js');
const SQLITE3 = '/usr/bin/sqlite3';
const GNU_TIME = '/usr/bin/time';
const MiB = 1024 * 1024;

// ---------------------------------------------------------------------------------- options
function parseOptions(argv) {
  const o = { sizes: [10, 100, 1000], runs: 3, wal: true, phases: true, large: false, largeOnly: false, largeGiB: 4.5, keepLarge: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--sizes') o.sizes = val().split(',').filter(Boolean).map((s) => Number(s));
    else if (a === '--runs') o.runs = Number(val());
    else if (a === '--no-wal') o.wal = false;
    else if (a === '--no-phases') o.phases = false;
    else if (a === '--large') o.large = true;
    else if (a === '--large-only') { o.large = true; o.largeOnly = true; }
    else if (a === '--large-gib') o.largeGiB = Number(val());
    else if (a === '--keep-large') o.keepLarge = true;
    else if (a === '--no-offsite' || a === '--no-locks') { /* read by the caller of main() */ }
    else if (a === '--help' || a === '-h') {
      console.log('usage: node bench/bench.mjs [--sizes 10,100,1000] [--runs 3] [--no-wal] [--no-phases] [--large] [--large-only] [--large-gib 4.5] [--keep-large]');
      process.exit(0);
    } else throw new Error(`unknown option ${a}`);
  }
  if (o.sizes.some((s) => !(s > 0)) || !(o.runs >= 1) || !(o.largeGiB > 0)) throw new Error('bad --sizes, --runs or --large-gib');
  if (o.largeOnly) o.sizes = [];
  return o;
}

const log = (...a) => console.error('[bench]', ...a);

// ------------------------------------------------------------------------------- generation
// A small deterministic PRNG (xorshift32) for the text columns; blobs are slices of a random pool.
function prng(seed) {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    return x / 4294967296;
  };
}
const WORDS = ('lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore et dolore magna ' +
  'aliqua enim ad minim veniam quis nostrud exercitation ullamco laboris nisi aliquip ex ea commodo consequat duis aute irure ' +
  'in reprehenderit voluptate velit esse cillum fugiat nulla pariatur excepteur sint occaecat cupidatat non proident sunt culpa ' +
  'qui officia deserunt mollit anim id est laborum parcel invoice refund shipped pending delivered warehouse customer order ' +
  'priority express standard returned backorder gift wrap fragile signature required').split(' ');
const FIRST = ['Ada', 'Alan', 'Grace', 'Linus', 'Barbara', 'Ken', 'Dennis', 'Margaret', 'Edsger', 'Frances', 'Donald', 'Radia', 'Tim', 'Sophie', 'Niklaus', 'Anita'];
const LAST = ['Lovelace', 'Turing', 'Hopper', 'Torvalds', 'Liskov', 'Thompson', 'Ritchie', 'Hamilton', 'Dijkstra', 'Allen', 'Knuth', 'Perlman', 'Berners-Lee', 'Wilson', 'Wirth', 'Borg'];
const COUNTRIES = ['DE', 'FR', 'US', 'GB', 'NL', 'SE', 'JP', 'BR', 'IN', 'CA', 'ES', 'IT'];
const STATUSES = ['pending', 'paid', 'shipped', 'delivered', 'refunded', 'cancelled'];
const MIMES = ['image/png', 'image/jpeg', 'application/pdf', 'application/octet-stream'];

const SCHEMA = `
CREATE TABLE customers (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  email TEXT NOT NULL,
  country TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE TABLE orders (
  id INTEGER PRIMARY KEY,
  customer_id INTEGER NOT NULL REFERENCES customers(id),
  status TEXT NOT NULL,
  total_cents INTEGER NOT NULL,
  note TEXT,
  created_at INTEGER NOT NULL
);
CREATE TABLE attachments (
  id INTEGER PRIMARY KEY,
  order_id INTEGER NOT NULL REFERENCES orders(id),
  mime TEXT NOT NULL,
  data BLOB NOT NULL
);
CREATE INDEX idx_customers_email ON customers(email);
CREATE INDEX idx_orders_customer ON orders(customer_id, created_at);
`;

/**
 * Generates `file` of about `targetBytes`: customers, orders (text) and attachments (blobs of
 * 0.5–8 KiB) with two secondary indexes maintained while inserting (so index pages are as
 * fragmented as in a real database). Beyond `shapeBytes`, only big attachments (64–256 KiB,
 * overflow-page chains) are added, which is how the multi-GB database is made quickly.
 * Ends in rollback-journal mode (journal_mode=DELETE).
 */
function generate(file, targetBytes, shapeBytes = targetBytes) {
  const Database = require('better-sqlite3');
  const tmp = `${file}.generating`;
  for (const f of [tmp, `${tmp}-journal`, `${tmp}-wal`, `${tmp}-shm`]) fs.rmSync(f, { force: true });
  const t0 = Date.now();
  const db = new Database(tmp);
  db.pragma('page_size = 4096');
  db.pragma('journal_mode = OFF');
  db.pragma('synchronous = OFF');
  db.pragma('cache_size = -131072');
  db.exec(SCHEMA);
  const rnd = prng(0xC0FFEE ^ Math.floor(targetBytes / MiB));
  const pool = randomBytes(32 * MiB);
  const blob = (min, max) => {
    const len = min + Math.floor(rnd() * (max - min));
    const off = Math.floor(rnd() * (pool.length - len));
    return pool.subarray(off, off + len);
  };
  const words = (n) => { const w = []; for (let i = 0; i < n; i++) w.push(WORDS[Math.floor(rnd() * WORDS.length)]); return w.join(' '); };
  const pick = (a) => a[Math.floor(rnd() * a.length)];
  const insCustomer = db.prepare('INSERT INTO customers (id, name, email, country, created_at) VALUES (?, ?, ?, ?, ?)');
  const insOrder = db.prepare('INSERT INTO orders (id, customer_id, status, total_cents, note, created_at) VALUES (?, ?, ?, ?, ?, ?)');
  const insAttachment = db.prepare('INSERT INTO attachments (order_id, mime, data) VALUES (?, ?, ?)');
  const pageSize = db.pragma('page_size', { simple: true });
  const size = () => db.pragma('page_count', { simple: true }) * pageSize;
  let customers = 0;
  let orders = 0;
  let ts = 1_600_000_000;
  const shapeBatch = db.transaction((n) => {
    for (let i = 0; i < n; i++) {
      if (orders % 10 === 0) {
        customers++;
        const f = pick(FIRST);
        const l = pick(LAST);
        // emails in random order, so that the email index is filled at random positions
        insCustomer.run(customers, `${f} ${l}`, `${f}.${l}.${Math.floor(rnd() * 1e9).toString(36)}@example.com`.toLowerCase(), pick(COUNTRIES), ts);
      }
      orders++;
      ts += 1 + Math.floor(rnd() * 30);
      const customer = 1 + Math.floor(rnd() * customers);
      insOrder.run(orders, customer, pick(STATUSES), Math.floor(rnd() * 500_000), words(8 + Math.floor(rnd() * 50)), ts);
      if (orders % 10 === 3) insAttachment.run(orders, pick(MIMES), blob(512, 8192));
    }
  });
  const bigBatch = db.transaction((n) => {
    for (let i = 0; i < n; i++) insAttachment.run(1 + Math.floor(rnd() * orders), pick(MIMES), blob(64 * 1024, 256 * 1024));
  });
  let lastLog = Date.now();
  while (size() < Math.min(shapeBytes, targetBytes)) {
    shapeBatch(1000);
    if (Date.now() - lastLog > 10_000) { log(`  ${path.basename(file)}: ${(size() / MiB).toFixed(0)} MiB`); lastLog = Date.now(); }
  }
  while (size() < targetBytes) {
    bigBatch(50);
    if (Date.now() - lastLog > 10_000) { log(`  ${path.basename(file)}: ${(size() / MiB).toFixed(0)} MiB`); lastLog = Date.now(); }
  }
  db.pragma('journal_mode = DELETE');
  db.close();
  fs.renameSync(tmp, file);
  log(`generated ${path.basename(file)}: ${(fs.statSync(file).size / MiB).toFixed(1)} MiB, ${customers} customers, ${orders} orders, in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

export function ensureDb(sizeMiB, shapeMiB = sizeMiB) {
  fs.mkdirSync(DATA, { recursive: true });
  const file = path.join(DATA, `db-${sizeMiB}mib.db`);
  if (fs.existsSync(file)) { log(`reusing ${path.basename(file)}`); return file; }
  log(`generating ${path.basename(file)} (${sizeMiB} MiB)…`);
  generate(file, sizeMiB * MiB, shapeMiB * MiB);
  return file;
}

/**
 * A WAL-mode database with un-checkpointed frames, kept pristine as `<name>.pristine.db` +
 * `-wal`: native sqlite3 checkpoints on close, so the working copy is reset before every tool.
 */
function ensureWalDb(srcFile) {
  const pristine = srcFile.replace(/\.db$/, '-wal.pristine.db');
  if (!fs.existsSync(pristine) || !fs.existsSync(`${pristine}-wal`)) {
    log(`making the WAL-mode variant of ${path.basename(srcFile)}…`);
    for (const f of [pristine, `${pristine}-wal`, `${pristine}-shm`]) fs.rmSync(f, { force: true });
    fs.copyFileSync(srcFile, pristine);
    run([SQLITE3, pristine, '.dbconfig no_ckpt_on_close on', 'PRAGMA journal_mode=WAL', 'PRAGMA wal_autocheckpoint=0',
      "UPDATE orders SET status = 'refunded' WHERE id % 20 = 0",
      "INSERT INTO attachments (order_id, mime, data) SELECT id, 'application/octet-stream', randomblob(4096) FROM orders WHERE id % 60 = 0"]);
    fs.rmSync(`${pristine}-shm`, { force: true });
  }
  const work = srcFile.replace(/\.db$/, '-wal.db');
  return {
    file: work,
    pristine,
    reset() {
      for (const f of [work, `${work}-wal`, `${work}-shm`, `${work}-journal`]) fs.rmSync(f, { force: true });
      fs.copyFileSync(pristine, work);
      fs.copyFileSync(`${pristine}-wal`, `${work}-wal`);
    },
  };
}

// ----------------------------------------------------------------------------- measurement
export function run(argv, opts = {}) {
  const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', maxBuffer: 256 * MiB, cwd: ROOT, ...opts });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${argv.join(' ')} exited ${r.status}: ${(r.stderr || r.stdout).trim().slice(0, 2000)}`);
  return r.stdout;
}

const TIME_FILE = path.join(DATA, '.gnu-time');
/** Runs one command under GNU time. Returns wall seconds (hrtime) and peak RSS KiB (%M). */
function timed(argv) {
  fs.rmSync(TIME_FILE, { force: true });
  const t0 = process.hrtime.bigint();
  const r = spawnSync(GNU_TIME, ['-f', '%e %M', '-o', TIME_FILE, ...argv], { encoding: 'utf8', maxBuffer: 256 * MiB, cwd: ROOT });
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${argv.join(' ')} exited ${r.status}: ${(r.stderr || r.stdout).trim().slice(0, 2000)}`);
  const last = fs.readFileSync(TIME_FILE, 'utf8').trim().split('\n').pop().trim().split(/\s+/);
  return { wall, gnuWall: Number(last[0]), rssKiB: Number(last[1]), stdout: r.stdout };
}

function warm(...files) {
  for (const f of files) if (fs.existsSync(f)) run(['sh', '-c', 'cat "$1" > /dev/null', 'sh', f]);
}

/** Untimed `sync`: no command pays for the writeback of the files that the previous one left dirty. */
function settle() {
  run(['sync']);
}

function freshDir(name) {
  const d = path.join(RUNS_DIR, name);
  fs.rmSync(d, { recursive: true, force: true });
  fs.mkdirSync(d, { recursive: true });
  return d;
}

/** Combines sequential processes: wall times add up, peak RSS is the max. */
function combine(parts) {
  return { wall: parts.reduce((s, p) => s + p.wall, 0), rssKiB: Math.max(...parts.map((p) => p.rssKiB)), parts };
}

// The tools. Each takes the source (and for checks, a backup file) and returns {wall, rssKiB, extra?}.
const TOOLS = {
  backup: {
    label: 'lifeboat backup (copy + integrity_check + row counts + sha256 + manifest)',
    run(src) {
      const out = freshDir('lifeboat-backup');
      const r = timed(['node', CLI, 'backup', '--force', '--db-path', src, '--output-dir', out, '--json']);
      const j = JSON.parse(r.stdout);
      if (!j.verified || j.integrity !== 'ok') throw new Error(`lifeboat backup did not verify: ${r.stdout.slice(0, 500)}`);
      fs.rmSync(out, { recursive: true, force: true });
      return { ...r, extra: { durationMs: j.durationMs } };
    },
  },
  shell: {
    label: 'shell scripts: sqlite3 .backup + sqlite3 integrity_check (2 processes)',
    run(src) {
      const out = path.join(freshDir('shell'), 'copy.db');
      const a = timed([SQLITE3, src, `.backup '${out}'`]);
      warm(out);
      const b = timed([SQLITE3, out, 'PRAGMA integrity_check']);
      if (b.stdout.trim() !== 'ok') throw new Error(`native integrity_check of the .backup copy: ${b.stdout.slice(0, 300)}`);
      fs.rmSync(path.dirname(out), { recursive: true, force: true });
      return combine([a, b]);
    },
  },
  cp: {
    label: 'cp SRC OUT',
    run(src, ctx) {
      const dir = freshDir('cp');
      const r = timed(['cp', src, ...(ctx.wal ? [`${src}-wal`] : []), dir]);
      fs.rmSync(dir, { recursive: true, force: true });
      return r;
    },
  },
  cpSync: {
    label: 'cp SRC OUT + sync OUT (fsync, as the copy phase does)',
    run(src, ctx) {
      const dir = freshDir('cp-sync');
      const files = [src, ...(ctx.wal ? [`${src}-wal`] : [])];
      const a = timed(['cp', ...files, dir]);
      const b = timed(['sync', ...files.map((f) => path.join(dir, path.basename(f)))]);
      fs.rmSync(dir, { recursive: true, force: true });
      return combine([a, b]);
    },
  },
  copyPhase: {
    label: 'copy phase alone (takeSnapshot via tsx; process wall incl. node+tsx start-up)',
    run(src) {
      const dir = freshDir('copy-phase');
      const r = timed(['node', '--import', 'tsx', path.join(HERE, 'copy-phase.ts'), src, path.join(dir, 'snapshot.db')]);
      const j = JSON.parse(r.stdout.trim().split('\n').pop());
      fs.rmSync(dir, { recursive: true, force: true });
      return { ...r, extra: { inProcessMs: j.ms } };
    },
  },
  verify: {
    label: 'lifeboat verify (sha256 + integrity_check + row counts)',
    run(_src, ctx) {
      const r = timed(['node', CLI, 'verify', '--backup-file', ctx.backupFile, '--json']);
      const j = JSON.parse(r.stdout);
      if (!j.ok) throw new Error(`lifeboat verify failed: ${r.stdout.slice(0, 500)}`);
      return { ...r, extra: { engine: j.engine } };
    },
  },
  native: {
    label: 'native sqlite3 PRAGMA integrity_check (same backup)',
    run(_src, ctx) {
      const r = timed([SQLITE3, ctx.backupFile, 'PRAGMA integrity_check']);
      if (r.stdout.trim() !== 'ok') throw new Error(`native integrity_check: ${r.stdout.slice(0, 300)}`);
      return r;
    },
  },
  startup: {
    label: 'lifeboat --version (start-up floor: node + bundle load, no work)',
    run() { return timed(['node', CLI, '--version']); },
  },
  sha256sum: {
    label: 'sha256sum (same backup; for reference)',
    run(_src, ctx) { return timed(['sha256sum', ctx.backupFile]); },
  },
};

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** Runs `names` round-robin `runs` times; every command sees a warm cache of what it reads. */
function measure(names, runs, src, ctx) {
  const res = Object.fromEntries(names.map((n) => [n, []]));
  for (let i = 0; i < runs; i++) {
    for (const n of names) {
      ctx.reset?.();
      const reads = ['verify', 'native', 'sha256sum'].includes(n) ? [ctx.backupFile] : [src, `${src}-wal`];
      warm(...reads);
      settle();
      const r = TOOLS[n].run(src, ctx);
      res[n].push(r);
      log(`  run ${i + 1}/${runs} ${n.padEnd(10)} ${r.wall.toFixed(3)} s  ${(r.rssKiB / 1024).toFixed(0)} MiB${r.extra ? `  ${JSON.stringify(r.extra)}` : ''}`);
    }
  }
  return res;
}

// ------------------------------------------------------------------------------- reporting
const s3 = (x) => x.toFixed(3);
const mb = (kib) => (kib / 1024).toFixed(0);
const mark = (ok) => (ok ? '✓' : '✗');

function summarize(name, results) {
  const r = results[name];
  if (!r) return null;
  return {
    wall: median(r.map((x) => x.wall)),
    rssKiB: Math.max(...r.map((x) => x.rssKiB)),
    all: r.map((x) => x.wall),
    inProcess: r[0].extra?.inProcessMs !== undefined ? median(r.map((x) => x.extra.inProcessMs)) / 1000 : undefined,
  };
}

function table(title, sizeBytes, results, runs, notes = []) {
  const L = [];
  L.push(`### ${title}`, '');
  L.push(runs > 1
    ? `File: ${(sizeBytes / MiB).toFixed(1)} MiB; ${runs} runs per tool, alternating; wall = median, peak RSS = max over runs.`
    : `File: ${(sizeBytes / MiB).toFixed(1)} MiB; 1 run per tool.`, '');
  L.push('| Tool | median wall (s) | peak RSS (MiB) | all runs (s) |', '|---|---:|---:|---|');
  const S = {};
  for (const name of Object.keys(results)) {
    const s = summarize(name, results);
    S[name] = s;
    L.push(`| ${TOOLS[name].label} | ${s3(s.wall)} | ${mb(s.rssKiB)} | ${s.all.map(s3).join(', ')} |`);
    if (s.inProcess !== undefined) L.push(`| ↳ copy phase, time inside takeSnapshot only | ${s3(s.inProcess)} | – | |`);
  }
  L.push('', '| Ratio | value | target | |', '|---|---:|---:|:-:|');
  const dbMiB = sizeBytes / MiB;
  const ratio = (label, a, b, target) => {
    if (!a || !b) return;
    const v = a / b;
    L.push(`| ${label} | ${v.toFixed(2)} | ≤ ${target} | ${mark(v <= target)} |`);
  };
  if (S.copyPhase && S.cp) {
    ratio('copy phase (in-process) / cp', S.copyPhase.inProcess, S.cp.wall, 1.5);
    ratio('copy phase (whole process) / cp', S.copyPhase.wall, S.cp.wall, 1.5);
    if (S.cpSync) L.push(`| copy phase (in-process) / (cp + fsync) — for reference | ${(S.copyPhase.inProcess / S.cpSync.wall).toFixed(2)} | – | |`);
  }
  if (S.backup && S.shell) ratio('lifeboat backup / shell scripts', S.backup.wall, S.shell.wall, 1.0);
  if (S.verify && S.native) ratio('lifeboat verify / native integrity_check', S.verify.wall, S.native.wall, 1.0);
  if (S.verify && S.native && S.sha256sum) L.push(`| lifeboat verify / (native integrity_check + sha256sum) — like for like, for reference | ${(S.verify.wall / (S.native.wall + S.sha256sum.wall)).toFixed(2)} | – | |`);
  const bound = 1.2 * dbMiB + 100;
  if (S.verify) {
    const v = S.verify.rssKiB / 1024;
    L.push(`| lifeboat verify peak RSS (MiB) vs 1.2 × db + 100 MiB | ${v.toFixed(0)} | ≤ ${bound.toFixed(0)} | ${mark(v <= bound)} |`);
  }
  if (S.backup) {
    const v = S.backup.rssKiB / 1024;
    L.push(`| lifeboat backup peak RSS (MiB) vs 1.2 × db + 100 MiB (same bound, for reference) | ${v.toFixed(0)} | ≤ ${bound.toFixed(0)} | ${mark(v <= bound)} |`);
  }
  for (const n of notes) L.push('', n);
  L.push('');
  return { text: L.join('\n'), summary: S };
}

function phasesLine(title, j) {
  const p = j.phases;
  const f = (x) => (x / 1000).toFixed(3);
  const parts = Object.entries(p).map(([k, v]) => `${k} ${f(v)}`).join(', ');
  let s = `- ${title}: backup ${f(j.backupMs)} s (${parts}); verify ${f(j.verifyMs)} s [${j.engine}], of which sha256 ≈ ${f(j.sha256Ms)} s; integrity_check without row counts ${f(j.checkNoCountsMs)} s`;
  if (j.forcedEngine) s += `; same check+counts with ${j.forcedEngine.engine} ${f(j.forcedEngine.ms)} s`;
  return s;
}

// ------------------------------------------------------------------------------------ main
function machine() {
  const sqliteVersion = run([SQLITE3, '--version']).trim().split(' ').slice(0, 2).join(' ');
  let rev = '';
  try { rev = run(['git', 'rev-parse', '--short', 'HEAD']).trim(); } catch { /* not a checkout */ }
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  return [
    `- date: ${new Date().toISOString()}`,
    `- machine: ${run(['nproc']).trim()} cores (${cpu}), ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB RAM, ${os.type()} ${os.release()}`,
    `- node ${process.version}, sqlite3 ${sqliteVersion} (/usr/bin/sqlite3), dist/cli.js built ${fs.statSync(CLI).mtime.toISOString()}${rev ? ` (HEAD ${rev})` : ''}`,
    `- load average at start: ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`,
  ].join('\n');
}

async function main() {
  const o = parseOptions(process.argv.slice(2));
  if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);
  fs.mkdirSync(RUNS_DIR, { recursive: true });
  const out = [];
  const emit = (s) => { out.push(s); console.log(s); };
  emit(`## Results\n\n${machine()}\n`);

  // The page cache is never dropped (that would also slow down whatever else runs on the machine):
  // all tools are measured with a warm cache, warmed by an untimed `cat` before each command.

  const sections = [];
  for (const sizeMiB of o.sizes) {
    const src = ensureDb(sizeMiB);
    const bytes = fs.statSync(src).size;
    const vdir = freshDir(`verify-target-${sizeMiB}`);
    const vb = JSON.parse(run(['node', CLI, 'backup', '--force', '--db-path', src, '--output-dir', vdir, '--json']));
    const ctx = { backupFile: vb.file, wal: false };
    log(`size ${sizeMiB} MiB: ${o.runs} runs…`);
    const res = measure(['backup', 'shell', 'cp', 'cpSync', 'copyPhase', 'verify', 'native', 'sha256sum', 'startup'], o.runs, src, ctx);
    const notes = [];
    if (o.phases) {
      const forced = sizeMiB * MiB > 512 * MiB ? 'memory' : 'paged';
      const pdir = path.join(RUNS_DIR, `phases-${sizeMiB}`);
      warm(src);
      const j = JSON.parse(run(['node', '--import', 'tsx', path.join(HERE, 'phases.ts'), src, pdir, '--engine', forced]).trim().split('\n').pop());
      notes.push(`Phases (one in-process run via tsx, check in the main thread):\n\n${phasesLine(`${sizeMiB} MiB`, j)}`);
    }
    fs.rmSync(vdir, { recursive: true, force: true });
    const t = table(`${sizeMiB} MiB database (rollback journal)`, bytes, res, o.runs, notes);
    emit(t.text);
    sections.push(t);

    if (sizeMiB === 100 && o.wal) {
      const w = ensureWalDb(src);
      const walBytes = fs.statSync(w.pristine).size + fs.statSync(`${w.pristine}-wal`).size;
      log(`size ${sizeMiB} MiB WAL: ${o.runs} runs…`);
      const resW = measure(['backup', 'shell', 'cp', 'cpSync', 'copyPhase'], o.runs, w.file, { wal: true, reset: w.reset });
      for (const f of [w.file, `${w.file}-wal`, `${w.file}-shm`]) fs.rmSync(f, { force: true });
      const tw = table(`${sizeMiB} MiB database in WAL mode (main file + ${(fs.statSync(`${w.pristine}-wal`).size / MiB).toFixed(1)} MiB un-checkpointed WAL)`, walBytes, resW, o.runs,
        ['cp copies the main file and the -wal. The working copy is reset from a pristine copy before every command (native sqlite3 checkpoints on close).']);
      emit(tw.text);
    }
  }

  if (o.large) {
    const gib = o.largeGiB;
    const name = Math.round(gib * 1024);
    log(`large database: ${gib} GiB`);
    const src = ensureDb(name, 1024);
    const bytes = fs.statSync(src).size;
    // Order chosen so that at most one copy exists next to the source at any time.
    const res = {};
    const one = (n, ctx) => {
      warm(...(['verify', 'native', 'sha256sum'].includes(n) ? [ctx.backupFile] : [src]));
      settle();
      const r = TOOLS[n].run(src, ctx);
      log(`  large ${n.padEnd(10)} ${r.wall.toFixed(3)} s  ${(r.rssKiB / 1024).toFixed(0)} MiB${r.extra ? `  ${JSON.stringify(r.extra)}` : ''}`);
      (res[n] ??= []).push(r);
    };
    one('shell', {});
    one('cp', {});
    one('copyPhase', {});
    // The timed lifeboat backup is kept as the file that verify and native check then read.
    const keepDir = freshDir('large-backup');
    warm(src);
    settle();
    const rb = timed(['node', CLI, 'backup', '--force', '--db-path', src, '--output-dir', keepDir, '--json']);
    const jb = JSON.parse(rb.stdout);
    if (!jb.verified) throw new Error('large backup not verified');
    res.backup = [{ ...rb, extra: { durationMs: jb.durationMs } }];
    log(`  large backup     ${rb.wall.toFixed(3)} s  ${(rb.rssKiB / 1024).toFixed(0)} MiB`);
    const ctx = { backupFile: jb.file };
    one('verify', ctx);
    one('native', ctx);
    one('sha256sum', ctx);
    fs.rmSync(keepDir, { recursive: true, force: true });
    const notes = ['One run each, in this order: shell scripts, cp, copy phase, lifeboat backup (kept as the file for verify, native check and sha256sum), so that at most one copy exists next to the source at any time. The first 1 GiB has the usual shape; the rest is 64–256 KiB attachments (overflow-page chains).'];
    if (o.phases) {
      warm(src);
      const j = JSON.parse(run(['node', '--import', 'tsx', path.join(HERE, 'phases.ts'), src, path.join(RUNS_DIR, 'phases-large')]).trim().split('\n').pop());
      notes.push(`Phases (one in-process run via tsx, check in the main thread):\n\n${phasesLine(`${(bytes / 2 ** 30).toFixed(2)} GiB`, j)}`);
    }
    const ordered = Object.fromEntries(['backup', 'shell', 'cp', 'copyPhase', 'verify', 'native', 'sha256sum'].filter((n) => res[n]).map((n) => [n, res[n]]));
    const t = table(`Large database: ${(bytes / 2 ** 30).toFixed(2)} GiB (beyond sql.js's 4 GiB limit; checked by node-sqlite3-wasm)`, bytes, ordered, 1, notes);
    emit(t.text);
    if (!o.keepLarge) { fs.rmSync(src, { force: true }); log(`deleted ${src} (use --keep-large to keep it)`); }
  }

  emit(`- load average at end: ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}\n`);
  fs.rmSync(RUNS_DIR, { recursive: true, force: true });
  fs.rmSync(TIME_FILE, { force: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const file = path.join(DATA, `results-${stamp}.md`);
  fs.writeFileSync(file, out.join('\n'));
  log(`report written to ${path.relative(ROOT, file)}`);
}

// bench/offsite.mjs imports ensureDb; run as a script, this benchmark runs and then the off-site one
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().then(() => {
    // then rollback-mode backups under a fast writer, with and without SQLite's locks
    if (!process.argv.includes('--no-locks')) {
      const l = spawnSync(process.execPath, [path.join(HERE, 'locks.mjs')], { stdio: 'inherit' });
      if (l.status !== 0) process.exit(l.status ?? 1);
    }
    if (process.argv.includes('--no-offsite')) return;
    const r = spawnSync(process.execPath, [path.join(HERE, 'offsite.mjs')], { stdio: 'inherit' });
    if (r.status !== 0) process.exit(r.status ?? 1);
  }).catch((e) => {
    console.error(`[bench] failed: ${e.stack ?? e}`);
    process.exit(1);
  });
}
