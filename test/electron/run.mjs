// The same extension-host tests as test/e2e/suite, launched the @vscode/test-electron way: it
// downloads a VS Code build, so it needs internet access (this project's CI machines have none
// and use test/e2e/run.mjs with code-server instead). Needs `bash test/e2e/setup.sh` (mocha).
import { runTests } from '@vscode/test-electron';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { buildWorkspace, mergeFixtures } from '../e2e/workspace.mjs';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const run = mkdtempSync(join(tmpdir(), 'lbelectron-'));
const home = join(run, 'home');
const ws = join(run, 'ws');
const out = join(REPO, 'test-output', 'electron');
mkdirSync(home, { recursive: true });
mkdirSync(ws, { recursive: true });
mkdirSync(out, { recursive: true });
const base = (await import(pathToFileURL(join(REPO, 'test/e2e/fixtures.mjs')).href)).default;
const extra = (await import(pathToFileURL(join(REPO, 'test/e2e/suite/fixtures.mjs')).href)).default;
await buildWorkspace(ws, mergeFixtures(base, extra));

let code = 1;
try {
  code = await runTests({
    version: process.env.VSCODE_VERSION ?? 'stable',
    extensionDevelopmentPath: REPO,
    extensionTestsPath: join(REPO, 'test/e2e/suite/index.js'),
    launchArgs: [ws, '--disable-extensions', '--disable-workspace-trust', `--user-data-dir=${join(run, 'data')}`],
    extensionTestsEnv: { HOME: home, LIFEBOAT_E2E_HOME: home, LIFEBOAT_E2E_OUT: out },
  });
} catch (e) {
  console.error(`test-electron failed: ${e?.message ?? e}`);
} finally {
  rmSync(run, { recursive: true, force: true });
}
process.exit(code);
