// Makes the engine's lazy `vendor()` load the shipped dist/offsite.js (built by scripts/build.mjs
// before the tests) instead of src/core/offsite/vendor.ts through tsx: the CLI uses the bundle,
// and tsx's on-the-fly transform of the ESM packages made age's scrypt 12x slower (34 s vs 2.8 s).
// Import it before anything from src/core.
import Module from 'node:module';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../../helpers';

const bundle = join(ROOT, 'dist', 'offsite.js');
if (!existsSync(bundle)) throw new Error(`${bundle} is missing: run node scripts/build.mjs first`);
const id = require.resolve('../../../src/core/offsite/vendor');
const m = new Module(id) as Module & { filename: string; loaded: boolean };
m.filename = id;
m.loaded = true;
// eslint-disable-next-line @typescript-eslint/no-require-imports -- the point: the shipped bundle, loaded as the CLI loads it
m.exports = require(bundle);
require.cache[id] = m;
