#!/usr/bin/env node
// Rollback-journal backups under a fast writer: lock-free (Node 20: no node:sqlite) against
// SQLite's own locks (Node 22 and 24 from npm, test/runtimes) and against `sqlite3 .backup`.
//
//   node bench/locks.mjs [--seconds 30] [--rounds 2] [--mib 20] [--gap-ms 2] [--sync FULL|NORMAL|OFF]
//
// Each round gives each tool a fresh copy of one generated database and a writer of its own
// (test/support/writer.cjs: BEGIN IMMEDIATE, two inserts and two updates spread over the file,
// COMMIT, sleep gap-ms; synchronous FULL by default), runs backups one after another for --seconds, and
// records backups/minute, failures ("too busy", "database is locked"), attempts per backup, the
// time each backup held SHARED, and the writer's rate and longest transaction (its stall). Tools
// alternate within a round. The report (markdown) goes to stdout.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..');
const DATA = path.join(HERE, 'data', 'locks');
const CLI = path.join(ROOT, 'dist', 'cli.js');
const WRITER = path.join(ROOT, 'test', 'support', 'writer.cjs');
const RUNTIMES = path.join(ROOT, 'test', 'runtimes', 'node_modules');

const o = { seconds: 30, rounds: 2, mib: 20, gapMs: 2, sync: 'FULL' };
for (let i = 2; i < process.argv.length; i++) {
  const a = process.argv[i];
  const v = () => Number(process.argv[++i]);
  if (a === '--seconds') o.seconds = v();
  else if (a === '--rounds') o.rounds = v();
  else if (a === '--mib') o.mib = v();
  else if (a === '--gap-ms') o.gapMs = v();
  else if (a === '--sync') o.sync = process.argv[++i];
  else throw new Error(`unknown option ${a}`);
}

const log = (m) => process.stderr.write(`[bench:locks] ${m}\n`);
if (!fs.existsSync(path.join(RUNTIMES, 'node22', 'bin', 'node'))) {
  log('installing Node 22 and 24 (test/runtimes)');
  spawnSync('npm', ['ci', '--prefix', path.join(ROOT, 'test', 'runtimes'), '--no-audit', '--no-fund'], { stdio: 'inherit' });
}
const node = (n) => path.join(RUNTIMES, n, 'bin', 'node');
const version = (bin) => spawnSync(bin, ['--version'], { encoding: 'utf8' }).stdout.trim();

fs.rmSync(DATA, { recursive: true, force: true });
fs.mkdirSync(DATA, { recursive: true });
const seed = path.join(DATA, 'seed.db');
// the writer seeds its schema (a, b, acct) on a new file: ~2 × rows × pad bytes
{
  const rows = Math.round((o.mib * 1024 * 1024) / 800);
  const w = spawnSync(process.execPath, [WRITER, seed, 'rollback', '1', '0'], { env: { ...process.env, WRITER_SEED_ROWS: String(rows), WRITER_SEED_PAD: '400', WRITER_PROGRESS_MS: '0' }, encoding: 'utf8' });
  if (w.status !== 0) throw new Error(`seeding failed: ${w.stderr}`);
  log(`seed: ${(fs.statSync(seed).size / 1048576).toFixed(1)} MiB`);
}

const tools = [
  { name: `lifeboat, lock-free (Node ${version(process.execPath)})`, argv: (db, out) => [process.execPath, CLI, 'backup', '--db-path', db, '--output-dir', out, '--json', '--busy-timeout', '30'] },
  { name: `lifeboat, SQLite locks (Node ${version(node('node22'))})`, argv: (db, out) => [node('node22'), CLI, 'backup', '--db-path', db, '--output-dir', out, '--json', '--busy-timeout', '30'] },
  { name: `lifeboat, SQLite locks (Node ${version(node('node24'))})`, argv: (db, out) => [node('node24'), CLI, 'backup', '--db-path', db, '--output-dir', out, '--json', '--busy-timeout', '30'] },
  { name: 'sqlite3 .backup (.timeout 20000)', argv: (db, out) => ['sqlite3', db, '.timeout 20000', `.backup '${path.join(out, `b-${Date.now()}.db`)}'`] },
];

const runOnce = (argv) => new Promise((resolve) => {
  const t0 = performance.now();
  const c = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  c.stdout.on('data', (d) => (out += d));
  c.stderr.on('data', (d) => (err += d));
  c.on('close', (code) => resolve({ code, out, err, ms: performance.now() - t0 }));
});

async function session(tool, round) {
  const dir = path.join(DATA, `r${round}-${tools.indexOf(tool)}`);
  fs.mkdirSync(dir);
  const db = path.join(dir, 'live.db');
  fs.copyFileSync(seed, db);
  const out = path.join(dir, 'out');
  fs.mkdirSync(out);
  const writer = spawn(process.execPath, [WRITER, db, 'rollback', '0', '0'], { env: { ...process.env, WRITER_SYNC: o.sync, WRITER_GAP_MS: String(o.gapMs), WRITER_PROGRESS_MS: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let wout = '';
  writer.stdout.on('data', (d) => (wout += d));
  await new Promise((r) => { const t = setInterval(() => { if (wout.includes('"ready"')) { clearInterval(t); r(); } }, 20); });
  await new Promise((r) => setTimeout(r, 500));
  const res = { ok: 0, failed: 0, reasons: {}, attempts: [], held: [], ms: [] };
  const end = performance.now() + o.seconds * 1000;
  while (performance.now() < end) {
    const r = await runOnce(tool.argv(db, out));
    res.ms.push(r.ms);
    if (r.code === 0) {
      res.ok++;
      if (r.out.trim().startsWith('{')) {
        const j = JSON.parse(r.out);
        res.attempts.push(j.attempts);
        if (j.snapshot?.lockHeldMs != null) res.held.push(j.snapshot.lockHeldMs);
      }
    } else {
      res.failed++;
      const why = /too busy/.test(r.err) ? 'too busy' : /locked/.test(r.err) ? 'database is locked' : r.err.trim().slice(0, 60);
      res.reasons[why] = (res.reasons[why] ?? 0) + 1;
    }
  }
  writer.kill('SIGTERM');
  await new Promise((r) => writer.on('close', r));
  const stats = JSON.parse(wout.trim().split('\n').filter((l) => l.includes('"stats"')).pop() ?? '{}');
  fs.rmSync(dir, { recursive: true, force: true });
  return { ...res, writer: stats };
}

const med = (xs) => { const s = [...xs].sort((a, b) => a - b); return s.length ? s[s.length >> 1] : null; };
const all = new Map(tools.map((t) => [t, []]));
for (let round = 1; round <= o.rounds; round++) {
  for (const t of tools) {
    log(`round ${round}: ${t.name}`);
    all.get(t).push(await session(t, round));
  }
}

const lines = [
  `## Rollback-journal backups under a fast writer (${o.mib} MiB, commit + ${o.gapMs} ms sleep, synchronous ${o.sync})`,
  '',
  `${o.rounds} rounds × ${o.seconds} s per tool, tools alternating; ${os.cpus().length} cores, load average at start ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}.`,
  '',
  '| tool | backups/min | failed | attempts (median / max) | SHARED held (median / max ms) | backup wall time (median s) | writer tx/s | writer worst stall (ms) |',
  '|---|---:|---:|---:|---:|---:|---:|---:|',
];
for (const [t, rs] of all) {
  const ok = rs.reduce((a, r) => a + r.ok, 0);
  const failed = rs.reduce((a, r) => a + r.failed, 0);
  const reasons = {};
  for (const r of rs) for (const [k, v] of Object.entries(r.reasons)) reasons[k] = (reasons[k] ?? 0) + v;
  const attempts = rs.flatMap((r) => r.attempts);
  const held = rs.flatMap((r) => r.held);
  const ms = rs.flatMap((r) => r.ms);
  const rate = rs.map((r) => r.writer.txPerSec ?? 0);
  const stall = Math.max(...rs.map((r) => r.writer.maxTxMs ?? 0));
  const perMin = (ok / (o.rounds * o.seconds)) * 60;
  lines.push(`| ${t.name} | ${perMin.toFixed(1)} | ${failed}${failed ? ` (${Object.entries(reasons).map(([k, v]) => `${v} ${k}`).join(', ')})` : ''} | ${attempts.length ? `${med(attempts)} / ${Math.max(...attempts)}` : '–'} | ${held.length ? `${med(held)} / ${Math.max(...held)}` : '–'} | ${ms.length ? (med(ms) / 1000).toFixed(2) : '–'} | ${rate.map((x) => x.toFixed(0)).join(', ')} | ${stall} |`);
}
lines.push('', `- load average at end: ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`, '');
const report = lines.join('\n');
console.log(report);
fs.writeFileSync(path.join(DATA, '..', `locks-${new Date().toISOString().replace(/[:.]/g, '-')}.md`), report);
fs.rmSync(DATA, { recursive: true, force: true });
