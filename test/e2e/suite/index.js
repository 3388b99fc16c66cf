// Entry point of the extension-host tests: VS Code loads this module inside the real (Node) extension host
// because run.mjs opens the workbench with `extensionTestsPath` pointing here, and calls run().
// It runs mocha (from the harness's own node_modules) over suite/*.test.js; those files can
// `require('vscode')` and use the full API. Output goes to a log file that run.mjs streams to the console,
// and a JSON summary that run.mjs counts. A rejected promise makes VS Code report exit code 1.
'use strict';
const fs = require('fs');
const path = require('path');
const util = require('util');

// run.mjs names the harness that runs these tests (harness/ or harness-current/); test/electron uses harness/.
const HARNESS_MODULES = path.join(process.env.LIFEBOAT_E2E_HARNESS || path.resolve(__dirname, '..', 'harness'), 'node_modules');

exports.run = async function run() {
  const outDir = process.env.LIFEBOAT_E2E_OUT || path.resolve(__dirname, '..', '..', '..', 'test-output', 'e2e');
  fs.mkdirSync(outDir, { recursive: true });
  const logFile = path.join(outDir, 'host-tests.log');
  const resultFile = path.join(outDir, 'host-tests.json');
  fs.writeFileSync(logFile, '');
  fs.rmSync(resultFile, { force: true });
  const write = (s) => fs.appendFileSync(logFile, s);

  const Mocha = require(path.join(HARNESS_MODULES, 'mocha'));
  // The spec reporter prints through Base.consoleLog: send it to the log file.
  Mocha.reporters.Base.consoleLog = (...args) => write(util.format(...args) + '\n');
  const mocha = new Mocha({
    ui: 'bdd',
    reporter: 'spec',
    color: false,
    timeout: Number(process.env.E2E_TEST_TIMEOUT_MS || 60_000),
    slow: 5_000,
  });
  if (process.env.E2E_GREP) mocha.grep(process.env.E2E_GREP);
  const files = fs.readdirSync(__dirname).filter((f) => f.endsWith('.test.js')).sort();
  for (const f of files) mocha.addFile(path.join(__dirname, f));
  write(`in-host tests: ${files.join(', ')} (VS Code ${require('vscode').version}, Node ${process.version})\n`);

  const stats = await new Promise((resolve) => {
    let runner;
    try {
      runner = mocha.run(() => resolve(runner.stats));
    } catch (err) {
      // Loading a test file failed (syntax error, bad require...).
      write(`failed to load the tests: ${err && err.stack || err}\n`);
      resolve({ passes: 0, failures: 1, pending: 0, loadError: String(err) });
    }
  });
  // What ran them: run.mjs checks it against the harness it started (VS Code version, Node of the host).
  const summary = { passes: stats.passes, failures: stats.failures, pending: stats.pending, loadError: stats.loadError, vscode: require('vscode').version, node: process.version };
  fs.writeFileSync(resultFile, JSON.stringify(summary));
  if (summary.failures > 0) throw new Error(`${summary.failures} in-host test(s) failed`);
};
