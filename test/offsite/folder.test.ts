// Off-site rules that need no S3 server, on a folder destination (the same layout and code paths
// above the store): a manifest that does not match its data fails verification; incomplete
// uploads are removed by prune only when old; a missing folder is refused rather than created.
import './support/bundle';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  backupDatabase, initDestination, normalizeDestination, OffsiteBucketError, pruneRemote, remoteDbKey, uploadAfterBackup, verifyRemote,
} from '../../src/core';
import { decryptBytes, encryptBytes, recipientOf } from '../../src/core/offsite/age';
import { CHINOOK } from '../helpers';
import { contextOf, newMachine } from './support/machine';

async function setUp() {
  const m = newMachine(null);
  const nas = join(m.root, 'nas');
  mkdirSync(nas);
  const ctx = contextOf(m);
  const d = normalizeDestination({ name: 'nas', type: 'folder', path: nas });
  await initDestination(ctx, d);
  const db = join(m.root, 'chinook.sqlite');
  copyFileSync(CHINOOK, db);
  const b = await backupDatabase({ dbPath: db, outputDir: join(m.backupRoot, 'c') });
  const [o] = await uploadAfterBackup(ctx, b, [d]);
  assert.equal(o.status, 'uploaded', o.reason ?? '');
  return { m, nas, ctx, d, b, dir: join(nas, 'lifeboat', 'dbs', remoteDbKey(b.manifest)) };
}

test('a manifest whose SHA-256 is not that of its data fails verification, naming the copy', async () => {
  const { ctx, d, b, dir } = await setUp();
  const identity = (await ctx.identityStore.load())!;
  const mf = join(dir, `${b.manifest.file}.manifest.json.age`);
  const m = JSON.parse(Buffer.from(await decryptBytes(readFileSync(mf), identity)).toString());
  m.backup.sha256 = '0'.repeat(64);
  writeFileSync(mf, await encryptBytes(JSON.stringify(m), await recipientOf(identity)));
  const [r] = await verifyRemote(ctx, d);
  assert.equal(r.ok, false);
  assert.equal(r.name, b.manifest.file);
  assert.match(r.reason!, /the restored file's SHA-256 is [0-9a-f]{12}…, the backup's manifest says 000000000000…/);
});

test('prune removes an incomplete upload (data without manifest) only when it is older than 7 days', async () => {
  const { ctx, d, b, dir } = await setUp();
  const old = 'chinook-backup-2026-11-01-000000.sqlite';
  const recent = 'chinook-backup-2026-11-29-000000.sqlite';
  writeFileSync(join(dir, `${old}.gz.age`), 'left by a crash');
  writeFileSync(join(dir, `${recent}.gz.age`), 'being uploaded, maybe');
  const [dry] = await pruneRemote(ctx, d, { now: new Date('2026-12-01T12:00:00Z'), dryRun: true });
  assert.deepEqual(dry.orphans, [old]);
  assert.ok(existsSync(join(dir, `${old}.gz.age`)), 'dry run');
  const [r] = await pruneRemote(ctx, d, { now: new Date('2026-12-01T12:00:00Z') });
  assert.deepEqual(r.orphans, [old]);
  assert.deepEqual(r.deleted, []);
  assert.ok(!existsSync(join(dir, `${old}.gz.age`)));
  assert.ok(existsSync(join(dir, `${recent}.gz.age`)));
  assert.ok(existsSync(join(dir, `${b.manifest.file}.gz.age`)), 'the committed copy stays');
});

test('a folder destination whose folder is missing (an unmounted disk) is refused, not created', async () => {
  const m = newMachine(null);
  const d = normalizeDestination({ name: 'usb', type: 'folder', path: join(m.root, 'not-mounted') });
  await assert.rejects(initDestination(contextOf(m), d), (e: unknown) => e instanceof OffsiteBucketError && /is the disk mounted/.test(e.message));
  assert.ok(!existsSync(join(m.root, 'not-mounted')));
});
