// Bundles the extension and the CLI with esbuild and copies the WASM binaries next to them.
import * as esbuild from 'esbuild';
import { copyFileSync, mkdirSync, chmodSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

mkdirSync('dist', { recursive: true });
copyFileSync(require.resolve('sql.js/dist/sql-wasm.wasm'), 'dist/sql-wasm.wasm');
copyFileSync(join(dirname(require.resolve('node-sqlite3-wasm')), 'node-sqlite3-wasm.wasm'), 'dist/node-sqlite3-wasm.wasm');

const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: !production,
  minify: production,
  logLevel: 'warning',
  // sql.js probes for browser globals; the Node paths are the ones we run.
  external: ['vscode'],
};

const builds = [
  { ...common, entryPoints: ['src/extension.ts'], outfile: 'dist/extension.js' },
  { ...common, entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli.js', banner: { js: '#!/usr/bin/env node' } },
  { ...common, entryPoints: ['src/core/worker.ts'], outfile: 'dist/worker.js' },
  // the child process that does all live-file work for the extension (src/core/engineHost.ts)
  { ...common, entryPoints: ['src/core/engineMain.ts'], outfile: 'dist/engine.js' },
  // the process that holds SQLite's locks for the engine (src/core/sqliteLocks.ts); it must stay tiny
  { ...common, entryPoints: ['src/core/lockHelperMain.ts'], outfile: 'dist/lock-helper.js' },
];

if (watch) {
  for (const b of builds) await (await esbuild.context(b)).watch();
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
  chmodSync('dist/cli.js', 0o755);
}
