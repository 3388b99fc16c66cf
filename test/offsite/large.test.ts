// A database over 1 GB through the whole off-site path, against the real radosgw: backup →
// gzip → age → multipart upload → download → decrypt → decompress → integrity_check and SHA-256,
// each in a CLI process whose peak RSS is recorded: memory stays bounded, far below the file's size.
// The database is made by the sqlite3 CLI in seconds: 1 MiB blobs, one in 16 random, the rest
// zeros (so the upload is ~70 MB in 9 parts while the file is 1.09 GB).
import './support/bundle';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sqlite3, tmpDir } from '../helpers';
import { runCli } from '../support/proc';
import { S3Server, startS3 } from '../support/s3/server';
import { createBucket, newMachine, s3Dest } from './support/machine';

let server: S3Server;
const BUCKET = 'lifeboat-large';

before(async () => {
  server = await startS3();
  await createBucket(server, BUCKET);
}, { timeout: 700_000 });

after(async () => {
  await server?.stop();
});

/** Runs the CLI with a preload that records its peak RSS (MiB) when it exits. */
async function measured(args: string[], env: NodeJS.ProcessEnv) {
  const dir = tmpDir();
  const out = join(dir, 'rss');
  const hook = join(dir, 'rss.cjs');
  writeFileSync(hook, `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(out)}, String(process.resourceUsage().maxRSS)));`);
  const r = await runCli(args, { ...env, NODE_OPTIONS: `--require ${hook}` });
  return { ...r, rssMiB: Number(readFileSync(out, 'utf8')) / 1024 };
}

test('a 1.09 GB database: backup --offsite, then verify from the bucket, each in bounded memory', { timeout: 900_000 }, async (t) => {
  const m = newMachine(server, [s3Dest('ceph', server.endpoint, BUCKET)]);
  const db = join(m.root, 'app', 'big.db');
  mkdirSync(join(m.root, 'app'));
  sqlite3(db, 'PRAGMA page_size = 65536; CREATE TABLE blobs (id INTEGER PRIMARY KEY, data BLOB); '
    + 'WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 1040) '
    + 'INSERT INTO blobs (data) SELECT CASE WHEN i % 16 = 0 THEN randomblob(1048576) ELSE zeroblob(1048576) END FROM c;');
  const size = statSync(db).size;
  assert.ok(size >= 1_000_000_000, `the database is over 1 GB (${size})`);

  const init = await runCli(['offsite', 'init', '--offsite', 'ceph'], m.env);
  assert.equal(init.status, 0, init.stderr);
  const up = await measured(['backup', '--db-path', db, '--offsite', 'ceph', '--json'], m.env);
  assert.equal(up.status, 0, up.stderr);
  const j = JSON.parse(up.stdout) as { offsite: { status: string; storedBytes: number }[] };
  assert.equal(j.offsite[0].status, 'uploaded');
  assert.ok(j.offsite[0].storedBytes > 8 << 20, 'a multipart upload');

  const v = await measured(['offsite', 'verify', '--offsite', 'ceph', '--json'], m.env);
  assert.equal(v.status, 0, v.stderr);
  const results = JSON.parse(v.stdout) as { ok: boolean; checked: string; integrity: string; checksumMatch: boolean; tables: Record<string, number> }[];
  assert.equal(results.length, 1);
  assert.ok(results[0].ok && results[0].checked === 'data' && results[0].integrity === 'ok' && results[0].checksumMatch, v.stdout);
  assert.deepEqual(results[0].tables, { blobs: 1040 });

  t.diagnostic(`database ${(size / 2 ** 20).toFixed(0)} MiB, stored ${(j.offsite[0].storedBytes / 2 ** 20).toFixed(1)} MiB; peak RSS: backup + upload ${up.rssMiB.toFixed(0)} MiB, verify (download + check) ${v.rssMiB.toFixed(0)} MiB`);
  // bounded: a fraction of the file, whatever its size (the parts in flight, the page cache of the check)
  assert.ok(up.rssMiB < 400, `backup + upload peak RSS ${up.rssMiB.toFixed(0)} MiB`);
  assert.ok(v.rssMiB < 400, `verify peak RSS ${v.rssMiB.toFixed(0)} MiB`);
});
