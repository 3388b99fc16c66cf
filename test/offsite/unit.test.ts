// Off-site pieces that need no S3 server: destination validation and presets, the remote layout,
// the catalog built from a listing, subsets, codecs, the passphrase-wrapped identity, error
// mapping, the separate vendor bundle, and the manual recovery path with Debian's tools alone.
import './support/bundle';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import {
  backupDatabase, backupDirFor, buildCatalog, codecAvailable, initDestination, loadOffsiteConfig, mapS3Error, normalizeDestination,
  normalizeDestinations, OffsiteAuthError, OffsiteBucketError, OffsiteConfigError, OffsiteNetworkError, OffsiteQuotaError, parseRemoteKey,
  parseSubset, PassphraseError, remoteDbKey, selectSubset, uploadAfterBackup, UsageError,
} from '../../src/core';
import { unwrapIdentity, wrapIdentity, generateIdentity, recipientOf } from '../../src/core/offsite/age';
import { compressor } from '../../src/core/offsite/codec';
import { CHINOOK, cli, nativeIntegrity, ROOT, sha256File, tmpDir } from '../helpers';
import { contextOf, newMachine, PASSPHRASE } from './support/machine';
import { ensureTools } from './support/tools';

ensureTools({ age: 'age', script: 'bsdutils' });

test('destinations: defaults, presets, and one clear error per mistake; no secrets in a config file', () => {
  const d = normalizeDestination({ name: 'a', type: 's3', bucket: 'b' });
  assert.equal(d.type, 's3');
  assert.deepEqual([d.prefix, d.encryption, d.compression, d.uploadEveryHours, d.retention], ['lifeboat', 'age', 'gzip', 0, undefined]);
  if (d.type === 's3') assert.deepEqual([d.preset, d.region, d.endpoint, d.forcePathStyle, d.partSizeBytes], ['aws', 'us-east-1', undefined, false, 8 << 20]);
  const r2 = normalizeDestination({ name: 'r2', type: 's3', preset: 'r2', accountId: 'abc123', bucket: 'b', prefix: '/x//y/' });
  assert.ok(r2.type === 's3' && r2.endpoint === 'https://abc123.r2.cloudflarestorage.com' && r2.region === 'auto' && r2.forcePathStyle && !r2.verifyEtag);
  assert.equal(r2.prefix, 'x/y');
  const b2 = normalizeDestination({ name: 'b2', type: 's3', preset: 'b2', region: 'eu-central-003', bucket: 'b' });
  assert.ok(b2.type === 's3' && b2.endpoint === 'https://s3.eu-central-003.backblazeb2.com');
  const wasabi = normalizeDestination({ name: 'w', type: 's3', preset: 'wasabi', region: 'eu-central-1', bucket: 'b' });
  assert.ok(wasabi.type === 's3' && wasabi.endpoint === 'https://s3.eu-central-1.wasabisys.com');
  const minio = normalizeDestination({ name: 'm', type: 's3', preset: 'minio', endpoint: 'http://127.0.0.1:9000', bucket: 'b' });
  assert.ok(minio.type === 's3' && minio.forcePathStyle);
  const folder = normalizeDestination({ name: 'nas', type: 'folder', path: '/mnt/nas', retention: { keepDaily: 7 } });
  assert.deepEqual(folder.retention, { keepDaily: 7 });

  const refuse = (raw: unknown, re: RegExp) => assert.throws(() => normalizeDestination(raw), (e: unknown) => e instanceof OffsiteConfigError && re.test(`${e.file}: ${e.message}`), JSON.stringify(raw));
  refuse({ name: 'x', type: 's3', bucket: 'b', secretAccessKey: 'abc' }, /destination "x": "secretAccessKey" does not belong in a config file/);
  refuse({ name: 'x', type: 's3', bucket: 'b', passphrase: 'abc' }, /"passphrase" does not belong/);
  refuse({ name: 'x', type: 's3', bucket: 'b', encryption: 'off' }, /"encryption" must be "age" or "none"/);
  refuse({ name: 'x', type: 's3', bucket: 'b', compression: 'xz' }, /"compression" must be/);
  refuse({ name: 'x', type: 's3', preset: 'minio', bucket: 'b' }, /needs an "endpoint"/);
  refuse({ name: 'x', type: 's3', preset: 'r2', bucket: 'b' }, /"accountId" or "endpoint"/);
  refuse({ name: 'x', type: 's3' }, /needs a "bucket"/);
  refuse({ name: 'x', type: 'ftp' }, /"type" must be "s3" or "folder"/);
  refuse({ name: 'x', type: 'folder' }, /needs a "path"/);
  refuse({ name: 'bad name!', type: 'folder', path: '/x' }, /needs a "name"/);
  refuse({ name: 'x', type: 's3', bucket: 'b', partSizeMiB: 1 }, /at least 5/);
  refuse({ name: 'x', type: 's3', bucket: 'b', retention: { keepLast: -1 } }, /retention: keepLast must be a non-negative integer/);
  assert.throws(() => normalizeDestinations([{ name: 'a', type: 'folder', path: '/a' }, { name: 'a', type: 'folder', path: '/b' }]), /two destinations are named "a"/);
});

test('the config file: a missing or broken file is one error naming the file', async () => {
  const dir = tmpDir();
  await assert.rejects(loadOffsiteConfig(join(dir, 'nope.json')), (e: unknown) => e instanceof OffsiteConfigError && e.file === join(dir, 'nope.json') && /no such offsite config file/.test(e.message));
  writeFileSync(join(dir, 'bad.json'), '{ "destinations": [ { "name": "x", "type": "s3" } ] }');
  await assert.rejects(loadOffsiteConfig(join(dir, 'bad.json')), (e: unknown) => e instanceof OffsiteConfigError && /destination "x": an s3 destination needs a "bucket"/.test(e.message));
});

test('remoteDbKey is the local backup folder name of the same database', () => {
  for (const p of ['/srv/app/data/app.db', '/home/ü ser/My Data (1).sqlite3', '/x/.hidden', '/x/noext']) {
    assert.equal(remoteDbKey({ source: { path: p } } as never), basename(backupDirFor(p, '/anywhere')));
  }
});

test('remote keys: only our layout is ours', () => {
  const n = 'app-backup-2026-12-01-101500.db';
  assert.deepEqual(parseRemoteKey('p', `p/dbs/app-1234abcd/${n}.gz.age`), { kind: 'data', dbKey: 'app-1234abcd', backupName: n, codec: 'gzip', encrypted: true });
  assert.deepEqual(parseRemoteKey('p', `p/dbs/app-1234abcd/${n}.zst`), { kind: 'data', dbKey: 'app-1234abcd', backupName: n, codec: 'zstd', encrypted: false });
  assert.deepEqual(parseRemoteKey('p', `p/dbs/app-1234abcd/${n}.manifest.json.age`), { kind: 'manifest', dbKey: 'app-1234abcd', backupName: n, encrypted: true });
  assert.deepEqual(parseRemoteKey('', `dbs/app-1234abcd/${n}.pin`), { kind: 'pin', dbKey: 'app-1234abcd', backupName: n });
  for (const k of [`p/dbs/app-1234abcd/notes.txt`, `p/dbs/app-1234abcd/${n}`, `p/dbs/x/y/${n}.gz.age`, `q/dbs/a/${n}.gz.age`, `p/LIFEBOAT-REMOTE.json`, `p/dbs/a/app-backup-2026-13-01-101500.db.gz.age`]) {
    assert.equal(parseRemoteKey('p', k), null, k);
  }
});

test('the catalog from one listing: committed needs data and manifest; pins; newest first', () => {
  const k = (name: string, ext: string) => ({ key: `p/dbs/a-1/${name}${ext}`, size: 10, lastModified: new Date() });
  const older = 'a-backup-2026-11-30-101500.db';
  const newer = 'a-backup-2026-12-01-101500.db';
  const half = 'a-backup-2026-12-02-101500.db';
  const cat = buildCatalog('p', [k(older, '.gz.age'), k(older, '.manifest.json.age'), k(older, '.pin'), k(newer, '.gz.age'), k(newer, '.manifest.json.age'), k(half, '.gz.age'), k('junk', '.gz.age')]);
  const copies = cat.get('a-1')!;
  assert.deepEqual(copies.map((c) => [c.name, c.committed, c.pinned]), [[half, false, false], [newer, true, false], [older, true, true]]);
});

test('--subset: n/t slices, p% samples at least one, anything else is a usage error', () => {
  const items = [0, 1, 2, 3, 4, 5, 6];
  assert.deepEqual([...selectSubset(items, parseSubset('2/3'))], [1, 4]);
  assert.equal(selectSubset(items, parseSubset('10%')).size, 1);
  assert.equal(selectSubset(items, parseSubset('50%')).size, 4);
  assert.equal(selectSubset(items, parseSubset(undefined)).size, 7);
  for (const bad of ['0/3', '4/3', '0%', '101%', 'some']) assert.throws(() => parseSubset(bad), UsageError, bad);
});

test('codecs: gzip round trip; zstd exactly where the runtime zlib has it, with a clear error elsewhere', async () => {
  const data = Buffer.from('SQLite format 3\0'.repeat(4096));
  const gz = compressor('gzip');
  const chunks: Buffer[] = [];
  gz.on('data', (c: Buffer) => chunks.push(c));
  gz.end(data);
  await new Promise((r) => gz.on('end', r));
  assert.ok(gunzipSync(Buffer.concat(chunks)).equals(data));
  const has = typeof (await import('node:zlib') as Record<string, unknown>).createZstdCompress === 'function';
  assert.equal(codecAvailable('zstd'), has);
  if (!has) assert.throws(() => compressor('zstd'), /no zstd.*Node >= 22\.15/);
});

test('the wrapped identity opens with the passphrase and with nothing else', async () => {
  const id = await generateIdentity();
  const wrapped = await wrapIdentity(id, PASSPHRASE);
  assert.equal(await unwrapIdentity(wrapped, PASSPHRASE, 'here'), id);
  await assert.rejects(unwrapIdentity(wrapped, 'wrong', 'destination "x"'), (e: unknown) => e instanceof PassphraseError && e.file === 'destination "x"' && /does not open/.test(e.message));
  assert.match(await recipientOf(id), /^age1[0-9a-z]{58}$/);
});

test('S3 errors map to one line of a known kind', () => {
  const err = (name: string, status?: number, extra: Record<string, unknown> = {}) => Object.assign(new Error('boom'), { name, $metadata: { httpStatusCode: status, attempts: 5 }, ...extra });
  const L = 'destination "d" (s3://b/p)';
  assert.ok(mapS3Error(err('NoSuchBucket', 404), L, 'listing') instanceof OffsiteBucketError);
  assert.ok(mapS3Error(err('SignatureDoesNotMatch', 403), L, 'x') instanceof OffsiteAuthError);
  assert.ok(mapS3Error(err('CredentialsProviderError'), L, 'x') instanceof OffsiteAuthError);
  assert.ok(mapS3Error(err('QuotaExceeded', 403), L, 'x') instanceof OffsiteQuotaError);
  assert.ok(mapS3Error(err('InsufficientStorage', 507), L, 'x') instanceof OffsiteQuotaError);
  assert.ok(mapS3Error(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }), L, 'x') instanceof OffsiteNetworkError);
  const e503 = mapS3Error(err('ServiceUnavailable', 503, { $fault: 'server' }), L, 'uploading k');
  assert.ok(e503 instanceof OffsiteNetworkError);
  assert.equal(e503.message, 'uploading k: the server failed (503 ServiceUnavailable, after 5 attempts)');
});

test('the SDK and age are in dist/offsite.js only; local-only use never loads it', () => {
  for (const f of ['cli.js', 'extension.js']) {
    const text = readFileSync(join(ROOT, 'dist', f), 'utf8');
    assert.ok(!text.includes('S3ServiceException') && !text.includes('age-encryption.org/v1/scrypt'), `${f} does not bundle the SDK or age`);
  }
  assert.ok(readFileSync(join(ROOT, 'dist', 'cli.js'), 'utf8').includes('require("./offsite.js")'), 'the CLI requires ./offsite.js lazily');
  const trace = join(tmpDir(), 'loads.txt');
  const hook = join(tmpDir(), 'trace.cjs');
  writeFileSync(hook, `const M = require('node:module'); const load = M._load; M._load = function (r, ...a) { if (/offsite\\.js$/.test(r)) require('node:fs').appendFileSync(${JSON.stringify(trace)}, r + '\\n'); return load.call(this, r, ...a); };`);
  writeFileSync(trace, '');
  const dir = tmpDir();
  const db = join(dir, 'c.sqlite');
  copyFileSync(CHINOOK, db);
  const local = cli(['backup', '--db-path', db, '--output-dir', join(dir, 'out')], { env: { NODE_OPTIONS: `--require ${hook}` } });
  assert.equal(local.status, 0, local.stderr);
  assert.equal(readFileSync(trace, 'utf8'), '', 'a local backup does not load the off-site bundle');
  // an S3 destination nobody answers for (port 9, refused at once): the bundle loads, the error is one line
  writeFileSync(join(dir, 'o.json'), JSON.stringify({ destinations: [{ name: 'down', type: 's3', bucket: 'b', endpoint: 'http://127.0.0.1:9' }] }));
  const remote = cli(['offsite', 'list', '--offsite-config', join(dir, 'o.json')], { env: { NODE_OPTIONS: `--require ${hook}`, AWS_ACCESS_KEY_ID: 'k', AWS_SECRET_ACCESS_KEY: 's' } });
  assert.equal(remote.status, 1, remote.stderr);
  assert.match(remote.stderr, /^lifeboat: destination "down" \(s3:\/\/b\/lifeboat\): listing: network error \(ECONNREFUSED[^\n]*\n$/);
  assert.match(readFileSync(trace, 'utf8'), /offsite\.js/, 'off-site use loads it');
});

test("the manual recovery path: Debian's age opens the wrapped identity with the passphrase, then the copy; gzip -d gives the exact backup", async () => {
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
  // a new machine: only the folder and the passphrase. age asks on the terminal, so give it one.
  const work = tmpDir();
  const identity = join(work, 'identity.txt');
  execFileSync('script', ['-qec', `age -d -o ${identity} ${join(nas, 'lifeboat', 'identity.age')}`, '/dev/null'], { input: `${PASSPHRASE}\n`, timeout: 60_000 });
  const out = join(work, 'restored.sqlite');
  execFileSync('sh', ['-c', 'age -d -i "$1" "$2" | gzip -d > "$3"', 'sh', identity, join(nas, ...o.key!.split('/')), out]);
  assert.equal(sha256File(out), b.sha256);
  assert.equal(nativeIntegrity(out), 'ok');
});
