// Runs every test with Node's own runner: unit and engine tests in TypeScript through tsx,
// after a fresh build so that CLI tests exercise the shipped bundle.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function find(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (name === 'node_modules' || name === 'fixtures') continue;
    if (statSync(p).isDirectory()) find(p, out);
    else if (/\.test\.(ts|mjs)$/.test(name)) out.push(p);
  }
  return out;
}

const run = (cmd, args) => {
  const r = spawnSync(cmd, args, { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
};

const suites = process.argv.slice(2);
const all = suites.length === 0;
// test/locks needs node:sqlite: it runs on Node 22 and 24 only (below)
const roots = all ? ['test/unit', 'test/engine', 'test/concurrency', 'test/crash', 'test/offsite'] : suites.filter((s) => s !== 'e2e' && s !== 'locks').map((s) => join('test', s));
// setup.sh installs what the tests need and is missing (apt: sqlite3, the oracle; chromium and
// headers for code-server; npm ci in test/e2e/harness and, on Node 24 from test/runtimes, in
// test/e2e/harness-current). It is a no-op once everything is there.
if (all || suites.includes('e2e')) run('bash', ['test/e2e/setup.sh']);
if (!process.env.LIFEBOAT_SKIP_CHECK) {
  run(process.execPath, ['node_modules/typescript/bin/tsc', '--noEmit']);
  run(process.execPath, ['node_modules/eslint/bin/eslint.js', '.']);
}
run(process.execPath, ['scripts/build.mjs']);
const files = roots.flatMap((r) => { try { return find(r); } catch { return []; } }).sort();
if (files.length) run(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', ...files]);
else if (!suites.includes('e2e') && !suites.includes('locks')) { console.error('no test files found'); process.exit(1); }

// The same engine and concurrency tests on Node 22 and 24 (from npm, test/runtimes), where
// node:sqlite gives the engine SQLite's own locks. better-sqlite3 (the tests' writers) is built
// for this Node, so its children keep running on it (LIFEBOAT_WRITER_NODE).
const runtimes = join('test', 'runtimes');
const onRuntimes = ['engine', 'locks', 'concurrency'].filter((s) => all || suites.includes(s));
if (onRuntimes.length && !process.env.LIFEBOAT_SKIP_RUNTIMES) {
  const ready = ['node22', 'node24'].every((n) => existsSync(join(runtimes, 'node_modules', n, 'bin', 'node')));
  if (!ready) run('npm', ['ci', '--prefix', runtimes, '--no-audit', '--no-fund']);
  const rtFiles = onRuntimes.flatMap((s) => find(join('test', s))).sort();
  for (const n of ['node22', 'node24']) {
    const bin = join(runtimes, 'node_modules', n, 'bin', 'node');
    console.log(`\n# ${onRuntimes.join(' + ')} tests on ${n} (${spawnSync(bin, ['--version'], { encoding: 'utf8' }).stdout.trim()})`);
    const r = spawnSync(bin, ['--no-warnings', '--import', 'tsx', '--test', '--test-reporter=spec', ...rtFiles], {
      stdio: 'inherit', env: { ...process.env, LIFEBOAT_WRITER_NODE: process.execPath },
    });
    if (r.status !== 0) process.exit(r.status ?? 1);
  }
}

// The extension in a real VS Code (code-server + headless chromium), offline: VS Code 1.100 on Node 20
// (no node:sqlite: the fallbacks), then VS Code 1.139 on Node 24 (SQLite's own locks).
if (all || suites.includes('e2e')) run(process.execPath, ['test/e2e/run.mjs', '--vscode', 'both']);
