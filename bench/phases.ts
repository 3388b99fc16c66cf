// Where the time of one backup and one verify goes, phase by phase, in one process (no worker,
// since the TypeScript sources have no bundled worker.js: the check runs in this thread).
// Usage: node --import tsx bench/phases.ts SRC OUTDIR [--engine memory|paged]
// Prints one JSON line. With --engine, the check phase uses that engine for an extra timing.
import { promises as fsp } from 'node:fs';
import { backupDatabase } from '../src/core/backup';
import { verifyBackup } from '../src/core/verify';
import { inspectInProcess } from '../src/core/sqlite';
import { sha256File } from '../src/core/manifest';

const args = process.argv.slice(2);
const [src, outDir] = args;
const engineIdx = args.indexOf('--engine');
const engine = engineIdx >= 0 ? (args[engineIdx + 1] as 'memory' | 'paged') : undefined;
if (!src || !outDir) {
  console.error('usage: node --import tsx bench/phases.ts SRC OUTDIR [--engine memory|paged]');
  process.exit(2);
}
async function main(): Promise<void> {
  const now = () => Number(process.hrtime.bigint()) / 1e6;
  const phases: Record<string, number> = {};
  let last = now();
  let current = 'setup';
  const t0 = last;
  const r = await backupDatabase({
    dbPath: src,
    outputDir: outDir,
    onProgress: (p) => {
      const t = now();
      phases[current] = (phases[current] ?? 0) + (t - last);
      current = p.phase;
      last = t;
    },
  });
  const tEnd = now();
  phases[current] = (phases[current] ?? 0) + (tEnd - last);
  const backupMs = tEnd - t0;

  const h0 = now();
  await sha256File(r.file);
  const hashMs = now() - h0;
  const v0 = now();
  const v = await verifyBackup(r.file, { record: false });
  const verifyMs = now() - v0;
  const c0 = now();
  await inspectInProcess(r.file, { counts: false });
  const checkNoCountsMs = now() - c0;

  const out: Record<string, unknown> = {
    backupMs, phases, verifyMs, sha256Ms: hashMs, checkNoCountsMs, verifyOk: v.ok, engine: v.engine,
    rssAfterMB: process.memoryUsage().rss / 1048576,
  };
  if (engine) {
    const e0 = now();
    const info = await inspectInProcess(r.file, { engine });
    out.forcedEngine = { engine: info.engine, ms: now() - e0, ok: info.ok, rssAfterMB: process.memoryUsage().rss / 1048576 };
  }
  await fsp.rm(outDir, { recursive: true, force: true });
  console.log(JSON.stringify(out));
}
main().catch((e) => {
  console.error(e);
  process.exit(1);
});
