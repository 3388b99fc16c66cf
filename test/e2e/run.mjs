#!/usr/bin/env node
// End-to-end tests in a real VS Code (code-server) driven by headless Debian chromium through
// playwright-core, fully offline. See /work/shared/notes/e2e.md and test/e2e/README.md.
//
//   node test/e2e/run.mjs [--vscode legacy|current|both] [--only host|ui] [--grep TEXT] [--keep]
//
// --vscode (or E2E_VSCODE) picks the harness: "legacy" (default) is code-server 4.100.3 = VS Code 1.100.3
// on this machine's Node 20 (test/e2e/harness: no node:sqlite, the extension's fallbacks); "current" is
// code-server 4.139.1 = VS Code 1.139.1 started by Node 24 from test/runtimes (test/e2e/harness-current:
// the extension host runs on that Node, with node:sqlite and SQLite's own locks); "both" runs legacy, then
// current, each in a child process, and sums them up.
//
// 1. packages the extension with vsce into a temp dir and installs the .vsix into a private extensions dir;
// 2. phase "host": a code-server + a workbench page opened with extensionDevelopmentPath (the installed
//    .vsix contents) and extensionTestsPath=suite/index.js: mocha runs suite/*.test.js inside the real
//    extension host; the exit code comes back through window.codeAutomationExit;
// 3. phase "ui": a fresh code-server + a normal workbench page with the installed extension; every
//    ui/*.test.mjs default export runs with { page, workspace, driver, assert, sqlite3 };
// 4. always stops code-server (whole process group) and the browser; prints "N passed, N failed" last and
//    exits non-zero if anything failed. Outputs go to test-output/e2e/<legacy|current>/.
// Environment: E2E_KEEP=1 keeps the temp dir; E2E_TIMEOUT_S (default 900) overall watchdog;
// E2E_HOST_TIMEOUT_S (300) for the in-host phase; E2E_UI_TEST_TIMEOUT_S (120) per UI test;
// E2E_SELFTEST_FAIL=1|host|ui|all adds failing tests to check the harness itself.
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, openSync, closeSync, readSync, fstatSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import assert from 'node:assert/strict';
import { REPO, buildWorkspace, mergeFixtures, sqlite3 } from './workspace.mjs';
import * as driver from './ui/driver.mjs';

const T0 = Date.now();
const E2E = join(REPO, 'test', 'e2e');
const CHROMIUM = process.env.E2E_CHROMIUM || '/usr/bin/chromium';
const EXT_ID = 'sqlite-lifeboat.sqlite-lifeboat';
const NODE24 = join(REPO, 'test', 'runtimes', 'node_modules', 'node24', 'bin', 'node');

/**
 * The two VS Codes: each has its own harness folder (installed by setup.sh), the Node that starts its
 * code-server (and so runs its extension host), extra user settings, and extra environment for the
 * in-host phase's server. See the note's last section for why 1.139 needs what it needs.
 */
const HARNESSES = {
  legacy: { folder: 'harness', vscode: '1.100.3', node: process.execPath, settings: {}, hostEnv: {} },
  current: {
    folder: 'harness-current',
    vscode: '1.139.1',
    node: NODE24,
    settings: {
      'chat.disableAIFeatures': true,
      'workbench.secondarySideBar.defaultVisibility': 'hidden',
      'workbench.editor.useModal': 'off', // an overlay editor hides "Running Extensions" from the tab bar
    },
    // 1.139 ignores the URL's test payload unless the smoke-test driver is on; with it on, no
    // notification toasts appear, so it is for the in-host phase only.
    hostEnv: { VSCODE_OPTIONS: 'enable-smoke-test-driver' },
  },
};

// ------------------------------------------------------------------------------------------ options
const argv = process.argv.slice(2);
const opt = (name) => { const i = argv.indexOf(name); return i >= 0 ? argv[i + 1] : undefined; };
const VSCODE = opt('--vscode') ?? process.env.E2E_VSCODE ?? 'legacy';
const ONLY = opt('--only');
const GREP = opt('--grep') ?? process.env.E2E_GREP;
const KEEP = argv.includes('--keep') || process.env.E2E_KEEP === '1';
const TOTAL_TIMEOUT_S = Number(process.env.E2E_TIMEOUT_S || 900);
const HOST_TIMEOUT_S = Number(process.env.E2E_HOST_TIMEOUT_S || 300);
const UI_TEST_TIMEOUT_S = Number(process.env.E2E_UI_TEST_TIMEOUT_S || 120);
if (ONLY && !['host', 'ui'].includes(ONLY)) { console.error('--only must be host or ui'); process.exit(2); }
if (VSCODE !== 'both' && !HARNESSES[VSCODE]) { console.error('--vscode must be legacy, current or both'); process.exit(2); }
const OUT_ROOT = join(REPO, 'test-output', 'e2e');
if (VSCODE === 'both') await runBoth();

const H = HARNESSES[VSCODE];
const HARNESS = join(E2E, H.folder);
const OUT = join(OUT_ROOT, VSCODE);
const CODE_SERVER = join(HARNESS, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
// What the tests are told about the harness that runs them (UI tests read process.env; run.mjs passes the
// same to code-server, so in-host tests see it too): its name, the VS Code version it must show, the Node
// version its extension host must run on, where screenshots go.
Object.assign(process.env, {
  LIFEBOAT_E2E_VSCODE: VSCODE,
  LIFEBOAT_E2E_VSCODE_VERSION: vscodeVersion(),
  LIFEBOAT_E2E_NODE_VERSION: nodeVersion(H.node),
  LIFEBOAT_E2E_SHOTS: OUT,
});

/** The VS Code version inside the harness's code-server (its lib/vscode/package.json). */
function vscodeVersion() {
  try {
    return JSON.parse(readFileSync(join(HARNESS, 'node_modules', 'code-server', 'lib', 'vscode', 'package.json'), 'utf8')).version;
  } catch {
    return ''; // not installed: main() says so
  }
}

function nodeVersion(bin) {
  const r = spawnSync(bin, ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : '';
}

/** --vscode both: legacy, then current, each in a child run.mjs; one summary line for both. */
async function runBoth() {
  const rest = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--vscode') i++;
    else rest.push(argv[i]);
  }
  let child;
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => { if (child) child.kill(sig); });
  const totals = { passed: 0, failed: 0 };
  const lines = [];
  for (const name of ['legacy', 'current']) {
    const summaryFile = join(OUT_ROOT, name, 'summary.json');
    rmSync(summaryFile, { force: true });
    console.log(`\n# e2e on the ${name} VS Code (node test/e2e/run.mjs --vscode ${name})`);
    child = spawn(process.execPath, [process.argv[1], '--vscode', name, ...rest], { stdio: 'inherit' });
    const code = await new Promise((resolve) => child.once('exit', (c, s) => resolve(c ?? (s ? 128 : 1))));
    child = undefined;
    let s;
    try { s = JSON.parse(readFileSync(summaryFile, 'utf8')); } catch { s = { passed: 0, failed: 1 }; }
    if (code !== 0 && s.failed === 0) s.failed = 1; // it died without counting its failure
    totals.passed += s.passed;
    totals.failed += s.failed;
    lines.push(`  ${name}: ${s.passed} passed, ${s.failed} failed${s.vscode ? ` (VS Code ${s.vscode}, Node ${s.node})` : ''}`);
  }
  console.log(`\n# e2e on both VS Codes\n${lines.join('\n')}`);
  console.log(`${totals.passed} passed, ${totals.failed} failed`);
  process.exit(totals.failed > 0 || totals.passed === 0 ? 1 : 0);
}

const secs = (ms) => `${(ms / 1000).toFixed(1)} s`;
const log = (msg) => console.log(`[e2e ${secs(Date.now() - T0).padStart(7)}] ${msg}`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Every test outcome: { phase, name, ok, error? }. */
const results = [];
const record = (phase, name, ok, error) => {
  results.push({ phase, name, ok, error });
  if (!ok) log(`FAIL [${phase}] ${name}${error ? `: ${String(error).split('\n')[0]}` : ''}`);
};

// ------------------------------------------------------------------------------- process tracking
const servers = new Set(); // running code-server children (each leads its own process group)
let browser;
let runDir;
let aborting = false; // a signal or the watchdog owns the shutdown: main() must not finish on its own

function killGroup(child, signal) {
  try { process.kill(-child.pid, signal); } catch { /* already gone */ }
}

async function stopServer(srv) {
  if (!servers.has(srv)) return;
  servers.delete(srv);
  killGroup(srv.child, 'SIGTERM');
  await Promise.race([srv.exited, sleep(5000)]);
  // The leader may be gone while the extension host or a watcher lingers: finish the group off.
  killGroup(srv.child, 'SIGKILL');
  if (srv.logStream !== undefined) closeSync(srv.logStream);
}

// Logs are written inside the run dir (concurrent runs do not mix them), then copied to test-output/e2e/<harness>.
const logsDir = () => join(runDir, 'logs');

function removeRunDir() {
  if (!runDir) return;
  try { cpSync(logsDir(), OUT, { recursive: true }); } catch { /* nothing logged yet */ }
  if (!KEEP) rmSync(runDir, { recursive: true, force: true });
}

async function cleanup() {
  if (browser) {
    const b = browser;
    browser = undefined;
    await Promise.race([b.close().catch(() => {}), sleep(10_000)]);
  }
  for (const s of [...servers]) await stopServer(s);
}

// Last resort if the process dies in a way that skips cleanup(): no lingering code-server groups.
process.on('exit', () => { for (const s of servers) killGroup(s.child, 'SIGKILL'); });
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, async () => {
    if (aborting) return;
    aborting = true;
    log(`${sig}: stopping code-server and the browser`);
    record('harness', `interrupted by ${sig}`, false);
    await cleanup();
    removeRunDir();
    finish(130);
  });
}

// ----------------------------------------------------------------------------------------- helpers
function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => { const { port } = srv.address(); srv.close(() => resolve(port)); });
  });
}

function run(cmd, args, { cwd = REPO, env = process.env, timeout = 300_000 } = {}) {
  const r = spawnSync(cmd, args, { cwd, env, timeout, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const output = `${r.stdout ?? ''}${r.stderr ?? ''}`;
  if (r.error || r.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} failed (${r.error?.message ?? `exit ${r.status}`}):\n${output.trim()}`);
  }
  return output;
}

const USER_SETTINGS = {
  'workbench.startupEditor': 'none',
  'telemetry.telemetryLevel': 'off',
  'extensions.autoUpdate': false,
  'extensions.autoCheckUpdates': false,
  'extensions.ignoreRecommendations': true,
  'update.mode': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'git.enabled': false,
  'security.workspace.trust.enabled': false,
  'chat.commandCenter.enabled': false,
  'files.hotExit': 'off',
  'window.restoreWindows': 'none',
  ...H.settings,
};

/**
 * Starts a private code-server on a free port (own process group) and waits for /healthz; `extraEnv`
 * goes into the server's environment only (e.g. the smoke-test driver for the in-host phase).
 */
async function startCodeServer(runDir, name, extDir, extraEnv = {}) {
  const base = join(runDir, name);
  const dirs = { home: join(base, 'home'), data: join(base, 'data'), tmp: join(base, 't'), xdgData: join(base, 'xdg-data'), xdgConfig: join(base, 'xdg-config'), xdgCache: join(base, 'xdg-cache') };
  for (const d of Object.values(dirs)) mkdirSync(d, { recursive: true });
  mkdirSync(join(dirs.data, 'User'), { recursive: true });
  writeFileSync(join(dirs.data, 'User', 'settings.json'), JSON.stringify(USER_SETTINGS, null, 2));
  const port = await freePort();
  const config = join(base, 'config.yaml');
  writeFileSync(config, `bind-addr: 127.0.0.1:${port}\nauth: none\ncert: false\n`);
  const env = {
    ...process.env,
    // A private HOME: whatever the extension or VS Code writes under ~ (backups, caches) stays in the run dir.
    HOME: dirs.home,
    LIFEBOAT_E2E_HOME: dirs.home,
    TMPDIR: dirs.tmp, // extension-host sockets live here: keep the path short (unix sockets: 107 bytes)
    XDG_DATA_HOME: dirs.xdgData,
    XDG_CONFIG_HOME: dirs.xdgConfig,
    XDG_CACHE_HOME: dirs.xdgCache,
    LIFEBOAT_E2E_OUT: logsDir(),
    LIFEBOAT_E2E_REPO: REPO,
    LIFEBOAT_E2E_HARNESS: HARNESS, // suite/index.js loads mocha from its node_modules
    // The Node that has better-sqlite3 built for it (test/support's writers): run.mjs's own.
    LIFEBOAT_WRITER_NODE: process.execPath,
    ...(GREP ? { E2E_GREP: GREP } : {}), // suite/index.js passes it to mocha
    ...extraEnv,
  };
  delete env.VSCODE_IPC_HOOK_CLI;
  const logFile = join(logsDir(), `code-server-${name}.log`);
  const logStream = openSync(logFile, 'w');
  const args = [CODE_SERVER, '--config', config, '--user-data-dir', dirs.data, '--extensions-dir', extDir,
    '--bind-addr', `127.0.0.1:${port}`, '--auth', 'none', '--disable-telemetry', '--disable-update-check',
    '--disable-workspace-trust', '--disable-getting-started-override'];
  // detached: setsid(), so the server, its extension hosts and watchers form one process group we can kill.
  // code-server runs its extension host on the Node that starts it: the harness's Node.
  const child = spawn(H.node, args, { env, detached: true, stdio: ['ignore', logStream, logStream] });
  const srv = { name, child, port, env, dirs, logFile, logStream, url: `http://127.0.0.1:${port}` };
  srv.exited = new Promise((resolve) => child.once('exit', (code, signal) => { srv.exitInfo = { code, signal }; resolve(); }));
  servers.add(srv);
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (srv.exitInfo) throw new Error(`code-server exited early (${JSON.stringify(srv.exitInfo)}); see ${logFile}:\n${readFileSync(logFile, 'utf8').slice(-3000)}`);
    try {
      const res = await fetch(`${srv.url}/healthz`, { signal: AbortSignal.timeout(2000) });
      if (res.ok) break;
    } catch { /* not yet */ }
    if (Date.now() > deadline) throw new Error(`code-server did not answer /healthz within 60 s; see ${logFile}`);
    await sleep(250);
  }
  log(`code-server "${name}" ready on port ${port} (pid ${child.pid})`);
  return srv;
}

async function launchBrowser() {
  const requireHarness = createRequire(join(HARNESS, 'package.json'));
  const { chromium } = requireHarness('playwright-core');
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
    timeout: 60_000,
    // Keep chromium's own files (crashpad database, caches) out of the real HOME.
    env: { ...process.env, HOME: join(runDir, 'browser-home'), XDG_CONFIG_HOME: join(runDir, 'browser-home', '.config'), XDG_CACHE_HOME: join(runDir, 'browser-home', '.cache') },
    // run.mjs handles signals itself (cleanup, then the summary line).
    handleSIGINT: false,
    handleSIGTERM: false,
    handleSIGHUP: false,
  });
}

async function newPage(tag) {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, deviceScaleFactor: 1 });
  const page = await context.newPage();
  const browserLog = join(logsDir(), `browser-${tag}.log`);
  writeFileSync(browserLog, '');
  page.on('console', (m) => appendFileSync(browserLog, `[${m.type()}] ${m.text()}\n`));
  page.on('pageerror', (e) => appendFileSync(browserLog, `[pageerror] ${e.stack || e}\n`));
  return { context, page };
}

/** Follows a growing text file and prints new lines, indented, until stopped. */
function tailFile(file, prefix = '    ') {
  let pos = 0;
  let buf = '';
  const pump = () => {
    if (!existsSync(file)) return;
    const fd = openSync(file, 'r');
    try {
      const size = fstatSync(fd).size;
      if (size < pos) pos = 0;
      if (size > pos) {
        const chunk = Buffer.alloc(size - pos);
        readSync(fd, chunk, 0, chunk.length, pos);
        pos = size;
        buf += chunk.toString('utf8');
        const lines = buf.split('\n');
        buf = lines.pop();
        for (const l of lines) console.log(prefix + l);
      }
    } finally {
      closeSync(fd);
    }
  };
  const timer = setInterval(pump, 300);
  return () => { clearInterval(timer); pump(); if (buf) console.log(prefix + buf); };
}

const withTimeout = (promise, ms, what) => {
  let t;
  return Promise.race([promise, new Promise((_, rej) => { t = setTimeout(() => rej(new Error(`${what} timed out after ${secs(ms)}`)), ms); })]).finally(() => clearTimeout(t));
};

// ------------------------------------------------------------------------------------------ phases
function packageExtension(runDir) {
  if (!existsSync(join(REPO, 'dist', 'extension.js')) || process.env.E2E_BUILD === '1') {
    log('building the extension (node scripts/build.mjs)');
    run(process.execPath, ['scripts/build.mjs']);
  }
  const vsix = join(runDir, 'ext.vsix');
  run('npx', ['--no', 'vsce', 'package', '--no-dependencies', '--allow-missing-repository', '--skip-license', '-o', vsix]);
  return vsix;
}

function installExtension(runDir, vsix) {
  const extDir = join(runDir, 'ext');
  const base = join(runDir, 'install');
  const env = { ...process.env, HOME: join(base, 'home'), TMPDIR: join(base, 't'), XDG_DATA_HOME: join(base, 'xdg-data'), XDG_CONFIG_HOME: join(base, 'xdg-config'), XDG_CACHE_HOME: join(base, 'xdg-cache') };
  for (const d of [extDir, env.HOME, env.TMPDIR, env.XDG_DATA_HOME, env.XDG_CONFIG_HOME, env.XDG_CACHE_HOME]) mkdirSync(d, { recursive: true });
  run(H.node, [CODE_SERVER, '--install-extension', vsix, '--extensions-dir', extDir, '--user-data-dir', join(base, 'data')], { env, timeout: 120_000 });
  const folder = readdirSync(extDir).find((d) => d.toLowerCase().startsWith(`${EXT_ID}-`));
  if (!folder) throw new Error(`the extension is not in ${extDir} after --install-extension: ${readdirSync(extDir)}`);
  return { extDir, extPath: join(extDir, folder) };
}

async function makeWorkspace(runDir, name, extra) {
  const ws = join(runDir, name);
  mkdirSync(ws, { recursive: true });
  const base = (await import(pathToFileURL(join(E2E, 'fixtures.mjs')).href)).default;
  await buildWorkspace(ws, mergeFixtures(base, ...extra));
  return ws;
}

async function hostPhase(runDir, extDir, extPath) {
  const suiteDir = join(E2E, 'suite');
  let extra = {};
  if (existsSync(join(suiteDir, 'fixtures.mjs'))) extra = (await import(pathToFileURL(join(suiteDir, 'fixtures.mjs')).href)).default;
  const ws = await makeWorkspace(runDir, 'ws-host', [extra]);
  const srv = await startCodeServer(runDir, 'host', extDir, H.hostEnv);
  const { page, context } = await newPage('host');
  const resultFile = join(logsDir(), 'host-tests.json');
  const logFile = join(logsDir(), 'host-tests.log');
  rmSync(resultFile, { force: true });
  writeFileSync(logFile, '');
  const workbenchLog = join(logsDir(), 'workbench-host.log');
  writeFileSync(workbenchLog, '');
  let resolveExit;
  const exited = new Promise((r) => { resolveExit = r; });
  await page.exposeFunction('codeAutomationExit', (code) => resolveExit(code));
  await page.exposeFunction('codeAutomationLog', (level, msg) => appendFileSync(workbenchLog, `[${level}] ${typeof msg === 'string' ? msg : JSON.stringify(msg)}\n`));
  const authority = `127.0.0.1:${srv.port}`;
  const payload = [
    ['extensionDevelopmentPath', `vscode-remote://${authority}${extPath}`],
    ['extensionTestsPath', `vscode-remote://${authority}${join(suiteDir, 'index.js')}`],
  ];
  const url = `${srv.url}/?folder=${encodeURIComponent(ws)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
  log(`phase host: mocha over test/e2e/suite/*.test.js inside the extension host`);
  const stopTail = tailFile(logFile);
  let code;
  try {
    await page.goto(url, { waitUntil: 'domcontentloaded', timeout: 60_000 });
    const serverDied = srv.exited.then(() => { throw new Error(`code-server exited during the in-host tests (${JSON.stringify(srv.exitInfo)})`); });
    code = await withTimeout(Promise.race([exited, serverDied]), HOST_TIMEOUT_S * 1000, 'the in-host tests');
  } catch (err) {
    if (aborting) return;
    await driver.screenshot(page, 'FAIL-host-phase').catch(() => {});
    record('host', 'in-host test run', false, `${err.message} (see ${OUT}/code-server-host.log, browser-host.log, workbench-host.log)`);
    return;
  } finally {
    stopTail();
    await context.close().catch(() => {});
    await stopServer(srv);
  }
  let summary;
  try { summary = JSON.parse(readFileSync(resultFile, 'utf8')); } catch { /* missing */ }
  if (!summary) {
    record('host', 'in-host test run', false, `extension host exited with ${code} without a result file (tests did not run?); see ${OUT}/workbench-host.log`);
    return;
  }
  // The extension host ran on the harness's VS Code and on the Node that started its code-server.
  const want = `VS Code ${H.vscode} on Node ${process.env.LIFEBOAT_E2E_NODE_VERSION}`;
  const ranOn = `VS Code ${summary.vscode} on Node ${summary.node}`;
  record('host', `the extension host ran ${want}`, ranOn === want, ranOn === want ? undefined : `it ran ${ranOn}`);
  for (let i = 0; i < summary.passes; i++) results.push({ phase: 'host', ok: true });
  for (let i = 0; i < summary.failures; i++) results.push({ phase: 'host', ok: false });
  if (summary.failures === 0 && code !== 0) record('host', 'in-host test run', false, `exit code ${code} although mocha reported no failure`);
  log(`phase host: exit code ${code}, ${summary.passes} passed, ${summary.failures} failed`);
}

async function uiPhase(runDir, extDir) {
  const uiDir = join(E2E, 'ui');
  const files = readdirSync(uiDir).filter((f) => f.endsWith('.test.mjs')).sort();
  const tests = [];
  for (const f of files) {
    let mod;
    try {
      mod = await import(pathToFileURL(join(uiDir, f)).href);
    } catch (err) {
      record('ui', f, false, `cannot load: ${err?.stack || err}`);
      continue;
    }
    if (typeof mod.default !== 'function') { record('ui', f, false, 'no default export function'); continue; }
    const name = `${f}${mod.title ? ` — ${mod.title}` : ''}`;
    if (GREP && !name.includes(GREP)) continue;
    tests.push({ file: f, name, mod });
  }
  if (!tests.length) { log('phase ui: no UI tests selected'); return; }
  const ws = await makeWorkspace(runDir, 'ws-ui', tests.map((t) => t.mod.fixtures ?? {}));
  const srv = await startCodeServer(runDir, 'ui', extDir);
  const url = `${srv.url}/?folder=${encodeURIComponent(ws)}`;
  let current;
  const openWorkbench = async () => {
    if (current) await current.context.close().catch(() => {});
    current = await newPage('ui');
    const t = Date.now();
    await current.page.goto(url, { waitUntil: 'domcontentloaded', timeout: 60_000 });
    await driver.waitForWorkbench(current.page, { timeout: 90_000 });
    log(`phase ui: workbench ready in ${secs(Date.now() - t)}`);
  };
  try {
    log(`phase ui: ${tests.length} test file(s)`);
    let needsFresh = true;
    for (const t of tests) {
      if (aborting) break;
      const started = Date.now();
      try {
        if (needsFresh || t.mod.freshPage) await openWorkbench();
        else await driver.resetUi(current.page);
        needsFresh = false;
        const timeout = (t.mod.timeout ?? UI_TEST_TIMEOUT_S) * 1000;
        await withTimeout(Promise.resolve().then(() => t.mod.default({ page: current.page, workspace: ws, home: srv.dirs.home, driver, assert, sqlite3, log })), timeout, t.name);
        record('ui', t.name, true);
        log(`  ok   ${t.name} (${secs(Date.now() - started)})`);
      } catch (err) {
        if (aborting) break; // the browser was closed under the test: not its failure
        const shot = current ? await driver.screenshot(current.page, `FAIL-${t.file}`).catch(() => '') : '';
        record('ui', t.name, false, err?.stack || String(err));
        console.log(`    ${String(err?.stack || err).split('\n').slice(0, 8).join('\n    ')}${shot ? `\n    screenshot: ${shot}` : ''}`);
        needsFresh = true; // do not let a broken page state leak into the next test
      }
    }
  } finally {
    if (current) await current.context.close().catch(() => {});
    await stopServer(srv);
  }
}

// -------------------------------------------------------------------------------------------- main
async function main() {
  if (!existsSync(CODE_SERVER) || !existsSync(join(HARNESS, 'node_modules', 'playwright-core')) || !process.env.LIFEBOAT_E2E_VSCODE_VERSION) {
    throw new Error(`the e2e harness test/e2e/${H.folder} is not installed: run test/e2e/setup.sh first`);
  }
  if (process.env.LIFEBOAT_E2E_VSCODE_VERSION !== H.vscode) throw new Error(`test/e2e/${H.folder} has VS Code ${process.env.LIFEBOAT_E2E_VSCODE_VERSION}, not ${H.vscode}: run test/e2e/setup.sh (or update HARNESSES in run.mjs with its lock file)`);
  if (!process.env.LIFEBOAT_E2E_NODE_VERSION) throw new Error(`${H.node} does not run: run test/e2e/setup.sh first (it installs test/runtimes)`);
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: run test/e2e/setup.sh first`);
  mkdirSync(OUT, { recursive: true });
  for (const f of readdirSync(OUT)) if (/^FAIL-.*\.png$/.test(f)) rmSync(join(OUT, f), { force: true }); // stale failure shots
  // A short private root: the extension-host sockets under <run>/<phase>/t must stay below 107 bytes.
  runDir = mkdtempSync('/tmp/lbe2e-');
  mkdirSync(logsDir());
  log(`VS Code ${process.env.LIFEBOAT_E2E_VSCODE_VERSION} (${VSCODE}: test/e2e/${H.folder}) on Node ${process.env.LIFEBOAT_E2E_NODE_VERSION}; run dir ${runDir}${KEEP ? ' (kept)' : ''}, output in ${OUT}`);
  if (process.env.E2E_UPDATE_DOCS === '1' && VSCODE !== 'current') log('E2E_UPDATE_DOCS=1 is ignored here: the docs\' screenshots come from --vscode current');
  try {
    let t = Date.now();
    const vsix = packageExtension(runDir);
    log(`packaged the extension in ${secs(Date.now() - t)}`);
    t = Date.now();
    const { extDir, extPath } = installExtension(runDir, vsix);
    log(`installed into the private extensions dir in ${secs(Date.now() - t)}`);
    browser = await launchBrowser();
    if (ONLY !== 'ui') {
      t = Date.now();
      await hostPhase(runDir, extDir, extPath);
      log(`phase host took ${secs(Date.now() - t)}`);
    }
    if (ONLY !== 'host') {
      t = Date.now();
      await uiPhase(runDir, extDir);
      log(`phase ui took ${secs(Date.now() - t)}`);
    }
  } finally {
    await cleanup();
    removeRunDir();
  }
}

const watchdog = setTimeout(async () => {
  if (aborting) return;
  aborting = true;
  log(`overall timeout (${TOTAL_TIMEOUT_S} s): aborting`);
  record('harness', 'overall timeout', false);
  await cleanup();
  removeRunDir();
  finish();
}, TOTAL_TIMEOUT_S * 1000);

function finish(exitCode) {
  clearTimeout(watchdog);
  const passed = results.filter((r) => r.ok).length;
  const failed = results.length - passed;
  console.log(`e2e total time ${secs(Date.now() - T0)} (${VSCODE}: VS Code ${process.env.LIFEBOAT_E2E_VSCODE_VERSION || '?'}, Node ${process.env.LIFEBOAT_E2E_NODE_VERSION || '?'})`);
  try {
    mkdirSync(OUT, { recursive: true });
    writeFileSync(join(OUT, 'summary.json'), JSON.stringify({ passed, failed, vscode: process.env.LIFEBOAT_E2E_VSCODE_VERSION, node: process.env.LIFEBOAT_E2E_NODE_VERSION }));
  } catch { /* --vscode both then counts this run as failed */ }
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(exitCode ?? (failed > 0 || passed === 0 ? 1 : 0));
}

main().catch((err) => {
  if (aborting) return;
  record('harness', 'setup', false, err?.message || String(err));
  console.error(err?.stack || err);
}).finally(() => { if (!aborting) finish(); });
