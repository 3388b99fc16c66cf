// Bundles the extension, the CLI and the off-site vendor bundle with esbuild and copies the WASM binaries next to them.
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

// The AWS SDK and age live in their own bundle, dist/offsite.js, loaded on first use: the lazy
// `require('./vendor')` of src/core/offsite/lazy.ts becomes a runtime require of ./offsite.js
// (beside cli.js and extension.js) instead of pulling the SDK into the main bundles.
const lazyVendor = {
  name: 'lazy-offsite-vendor',
  setup(b) {
    b.onResolve({ filter: /^\.\/vendor$/ }, (args) => (/[\\/]offsite[\\/]lazy\.ts$/.test(args.importer) ? { path: './offsite.js', external: true } : undefined));
  },
};

const builds = [
  { ...common, entryPoints: ['src/extension.ts'], outfile: 'dist/extension.js', plugins: [lazyVendor] },
  { ...common, entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli.js', banner: { js: '#!/usr/bin/env node' }, plugins: [lazyVendor] },
  { ...common, entryPoints: ['src/core/worker.ts'], outfile: 'dist/worker.js' },
  // the child process that does all live-file work for the extension (src/core/engineHost.ts)
  // (off-site uploads and restores run there too: the SDK and age load from dist/offsite.js)
  { ...common, entryPoints: ['src/core/engineMain.ts'], outfile: 'dist/engine.js', plugins: [lazyVendor] },
  // the process that holds SQLite's locks for the engine (src/core/sqliteLocks.ts); it must stay tiny
  { ...common, entryPoints: ['src/core/lockHelperMain.ts'], outfile: 'dist/lock-helper.js' },
  // ESM-first packages (age-encryption, @noble/*, the SDK's dist-es) tree-shake better than their CJS builds
  { ...common, entryPoints: ['src/core/offsite/vendor.ts'], outfile: 'dist/offsite.js', mainFields: ['module', 'main'], minify: true },
];

if (watch) {
  for (const b of builds) await (await esbuild.context(b)).watch();
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
  chmodSync('dist/cli.js', 0o755);
}
