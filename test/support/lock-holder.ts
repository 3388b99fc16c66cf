// Takes a Lifeboat lock in its own process, for the lock tests: prints "held <file>" once it holds
// it, records the temp files named on the command line in it, then waits for "release" on stdin
// (or to be killed).
import { writeFileSync } from 'node:fs';
import { acquireLock } from '../../src/core/lock';

const [file, op = 'test', ...temps] = process.argv.slice(2);
(async () => {
  const lock = await acquireLock(file, { op, timeoutMs: 60_000, onWait: (h) => process.stdout.write(`waiting ${h}\n`) });
  for (const t of temps) {
    writeFileSync(t, 'temporary');
    await lock.record(t);
  }
  process.stdout.write(`held ${file}\n`);
  process.stdin.setEncoding('utf8').on('data', async (d: string) => {
    if (d.includes('release')) {
      await lock.release();
      process.stdout.write('released\n');
      process.exit(0);
    }
  });
})().catch((e) => { process.stderr.write(`${(e as Error).message}\n`); process.exit(3); });
