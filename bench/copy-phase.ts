// Runs only the copy phase of a backup (the engine's takeSnapshot) once, so that bench.mjs can
// time it against `cp`. Usage: node --import tsx bench/copy-phase.ts SRC DEST
// Prints one JSON line: the time spent inside takeSnapshot and its result.
import { takeSnapshot } from '../src/core/snapshot';

const [src, dest] = process.argv.slice(2);
if (!src || !dest) {
  console.error('usage: node --import tsx bench/copy-phase.ts SRC DEST');
  process.exit(2);
}
async function main(): Promise<void> {
  const t0 = process.hrtime.bigint();
  const r = await takeSnapshot(src, dest, { fsync: false }); // as backup does: its fsync overlaps the integrity check
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  console.log(JSON.stringify({ ms, journalMode: r.journalMode, pageCount: r.pageCount, walFramesApplied: r.walFramesApplied, attempts: r.attempts }));
}
main().catch((e) => {
  console.error(e);
  process.exit(1);
});
