// Off-site failures against the real radosgw behind a fault-injecting proxy: refused credentials,
// a missing bucket, 500/503 and connection resets mid-upload, SIGKILL during an upload, clock
// skew of ±1 h, plaintext refusals, a full disk, and restore falling back to the next destination.
// Every refusal names the destination and leaves the local backup as it was.
import './support/bundle';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import {
  CancelledError, backupDatabase, BackupResult, committedCopies, Destination, initDestination, normalizeDestination,
  OffsiteConfigError, OffsiteContext, OffsiteNetworkError, OffsiteQuotaError, OffsiteRefusedError, openStore, remoteDbKey, resumePending,
  restoreFromOffsite, S3Store, uploadAfterBackup,
} from '../../src/core';
import { CHINOOK, nativeCounts, printedBackup, sha256File, sqlite3 } from '../helpers';
import { runCli, spawnCli, sleep } from '../support/proc';
import { FaultProxy } from '../support/s3/fault-proxy';
import { S3Server, startS3 } from '../support/s3/server';
import { contextOf, createBucket, Machine, newMachine, s3Dest } from './support/machine';

let server: S3Server;
let proxy: FaultProxy;
const BUCKET = 'lifeboat-faults';
let big: string; // ~24 MB of random blobs: compressed it is still 5 parts of 5 MiB

before(async () => {
  server = await startS3();
  proxy = await new FaultProxy(server.port).start();
  await createBucket(server, BUCKET);
  const dir = join(newMachine(null).root, 'big');
  mkdirSync(dir);
  big = join(dir, 'big.db');
  sqlite3(big, 'CREATE TABLE blobs (id INTEGER PRIMARY KEY, data BLOB); WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 24) INSERT INTO blobs (data) SELECT randomblob(1000000) FROM c;');
}, { timeout: 700_000 });

after(async () => {
  await proxy?.stop();
  await server?.stop();
});

const dest = (name: string, prefix: string, extra: Record<string, unknown> = {}): Destination =>
  normalizeDestination(s3Dest(name, proxy.endpoint, BUCKET, { prefix, partSizeMiB: 5, queueSize: 2, ...extra }));

/** A machine whose destination `prefix` is set up, and a local backup of `db` to send. */
async function prepared(prefix: string, db = big, extra: Record<string, unknown> = {}): Promise<{ m: Machine; ctx: OffsiteContext; d: Destination; b: BackupResult }> {
  const m = newMachine(server);
  const ctx = contextOf(m);
  const d = dest('ceph', prefix, extra);
  await initDestination(ctx, d);
  const local = join(m.root, 'app', db === big ? 'big.db' : 'chinook.sqlite');
  mkdirSync(join(m.root, 'app'), { recursive: true });
  copyFileSync(db, local);
  const b = await backupDatabase({ dbPath: local, outputDir: join(m.backupRoot, 'app') });
  return { m, ctx, d, b };
}

async function committed(d: Destination, b: BackupResult): Promise<string[]> {
  const s = openStore(d, { credentials: () => ({ accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey }) });
  try {
    return (await committedCopies(s, remoteDbKey(b.manifest))).map((c) => c.name);
  } finally {
    s.close();
  }
}

/** Every object of this backup's database folder. */
async function objects(d: Destination, b: BackupResult): Promise<string[]> {
  const s = openStore(d, { credentials: () => ({ accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey }) });
  try {
    return (await s.list(`${d.prefix}/dbs/${remoteDbKey(b.manifest)}/`)).map((o) => o.key);
  } finally {
    s.close();
  }
}

async function interrupted(d: Destination): Promise<string[]> {
  const s = openStore(d, { credentials: () => ({ accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey }) });
  try {
    return (await s.listInterrupted(`${d.prefix}/`)).map((u) => u.key);
  } finally {
    s.close();
  }
}

function untouched(b: BackupResult): void {
  assert.equal(sha256File(b.file), b.sha256, 'the local backup is as it was');
  assert.ok(existsSync(b.manifestFile));
}

test('CLI: a wrong secret, an unknown key and a missing bucket fail in one line naming the destination; the local backup stays', async () => {
  const m = newMachine(server);
  writeFileSync(m.configFile, JSON.stringify({ destinations: [s3Dest('ceph', proxy.endpoint, BUCKET, { prefix: 'auth' }), s3Dest('gone', proxy.endpoint, 'no-such-bucket')] }));
  const init = await runCli(['offsite', 'init', '--offsite', 'ceph'], m.env);
  assert.equal(init.status, 0, init.stderr);
  const db = join(m.root, 'chinook.sqlite');
  copyFileSync(CHINOOK, db);
  const cases: [string, NodeJS.ProcessEnv, string[], RegExp][] = [
    ['wrong secret', { AWS_SECRET_ACCESS_KEY: 'x'.repeat(40) }, ['--offsite', 'ceph'], /^lifeboat: destination "ceph" \(s3:\/\/lifeboat-faults\/auth\): .*the secret key is wrong \(SignatureDoesNotMatch\)$/],
    ['unknown key', { AWS_ACCESS_KEY_ID: 'AKIANOSUCHKEY0000000' }, ['--offsite', 'ceph'], /^lifeboat: destination "ceph" \(s3:\/\/lifeboat-faults\/auth\): .*the access key is unknown to the server \(InvalidAccessKeyId\)$/],
    ['missing bucket', {}, ['--offsite', 'gone'], /^lifeboat: destination "gone" \(s3:\/\/no-such-bucket\/lifeboat\): .*the bucket does not exist/],
  ];
  for (const [what, env, args, re] of cases) {
    const r = await runCli(['backup', '--db-path', db, ...args], { ...m.env, ...env });
    assert.equal(r.status, 1, `${what}: ${r.stderr}`);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, `${what}: one line on stderr: ${r.stderr}`);
    assert.match(lines[0], re, what);
    const file = printedBackup(r.stdout);
    assert.ok(existsSync(file) && existsSync(`${file}.json`), `${what}: the local backup was made and kept`);
    assert.ok(!r.stderr.includes(m.env.AWS_SECRET_ACCESS_KEY!) && !r.stderr.includes('x'.repeat(40)), 'no secret in the message');
  }
});

test('503 twice on a part and a connection reset mid-part are retried: the copy commits', async () => {
  const { ctx, d, b } = await prepared('transient');
  proxy.clear();
  const r503 = proxy.add({ match: (r) => r.op === 'UploadPart' && r.query.get('partNumber') === '2', action: { kind: 'status', status: 503, code: 'SlowDown' }, times: 2 });
  const reset = proxy.add({ match: (r) => r.op === 'UploadPart' && r.query.get('partNumber') === '3', action: { kind: 'reset', afterBytes: 1 << 20 }, times: 1 });
  const [o] = await uploadAfterBackup(ctx, b, [d]);
  proxy.clear();
  assert.equal(o.status, 'uploaded', o.reason ?? '');
  assert.equal(r503.hits, 2);
  assert.equal(reset.hits, 1);
  assert.deepEqual(await committed(d, b), [b.manifest.file]);
  assert.deepEqual(await interrupted(d), []);
});

test('a part failing with 500 on every attempt: the multipart upload is aborted, nothing commits, the next run resumes from the outbox', async () => {
  const { ctx, d, b } = await prepared('persistent');
  proxy.clear();
  proxy.add({ match: (r) => r.op === 'UploadPart' && r.query.get('partNumber') === '2', action: { kind: 'status', status: 500 } });
  const [o] = await uploadAfterBackup(ctx, b, [d]);
  const aborts = proxy.count('AbortMultipartUpload');
  proxy.clear();
  assert.equal(o.status, 'failed');
  assert.ok(o.error instanceof OffsiteNetworkError, String(o.error));
  assert.match(o.reason!, /server failed \(500/);
  assert.equal(aborts, 1, 'we aborted the multipart upload');
  assert.deepEqual(await interrupted(d), [], 'no orphaned parts');
  assert.deepEqual(await committed(d, b), []);
  assert.deepEqual(await objects(d, b), [], 'neither data nor manifest: the manifest goes only after the data');
  untouched(b);
  const staged = readdirSync(join(ctx.outbox, remoteDbKey(b.manifest)));
  const stagedCopy = staged.find((n) => n.endsWith('.gz.age'));
  assert.ok(stagedCopy, `the staged copy waits in the outbox: ${staged}`);
  assert.equal(statSync(join(ctx.outbox, remoteDbKey(b.manifest), stagedCopy)).mode & 0o777, 0o600, 'the staged copy is private');
  assert.equal(statSync(join(ctx.outbox, remoteDbKey(b.manifest))).mode & 0o777, 0o700);

  const [again] = await resumePending(ctx, [d]);
  assert.equal(again.status, 'uploaded', again.reason ?? '');
  assert.equal(again.resumed, true);
  assert.deepEqual(await committed(d, b), [b.manifest.file]);
  assert.deepEqual(readdirSync(join(ctx.outbox, remoteDbKey(b.manifest))), [], 'outbox emptied');
});

test('cancelling an upload (AbortSignal, as the editor will): the multipart upload is aborted, nothing commits, progress was reported', async () => {
  const { ctx, d, b } = await prepared('cancel');
  proxy.clear();
  proxy.add({ match: (r) => r.op === 'UploadPart', action: { kind: 'throttle', bytesPerSecond: 1024 * 1024 } });
  const ac = new AbortController();
  const phases = new Set<string>();
  let bytes = 0;
  const [o] = await uploadAfterBackup(ctx, b, [d], {
    signal: ac.signal,
    onProgress: (p) => {
      phases.add(p.phase);
      if (p.phase === 'upload' && (p.bytes ?? 0) > 0) { bytes = p.bytes!; ac.abort(); }
    },
  });
  proxy.clear();
  assert.equal(o.status, 'failed');
  assert.ok(o.error instanceof CancelledError, String(o.error));
  assert.ok(bytes > 0 && phases.has('stage') && phases.has('upload'), [...phases].join(','));
  for (let i = 0; i < 50 && (await interrupted(d)).length; i++) await sleep(100);
  assert.deepEqual(await interrupted(d), [], 'the cancelled multipart upload was aborted');
  assert.deepEqual(await objects(d, b), []);
  untouched(b);
});

test('SIGKILL during an upload: nothing lists as committed; the next run aborts the orphaned multipart upload and commits', async () => {
  const { m, d, b } = await prepared('killed');
  writeFileSync(m.configFile, JSON.stringify({ destinations: [s3Dest('ceph', proxy.endpoint, BUCKET, { prefix: 'killed', partSizeMiB: 5, queueSize: 2 })] }));
  proxy.clear();
  proxy.add({ match: (r) => r.op === 'UploadPart', action: { kind: 'throttle', bytesPerSecond: 512 * 1024 } });
  const child = spawnCli(['offsite', 'upload', '--offsite', 'ceph', '--backup-file', b.file], m.env);
  for (let i = 0; i < 600 && proxy.count('UploadPart') < 1; i++) await sleep(50);
  assert.ok(proxy.count('UploadPart') >= 1, 'the upload was under way');
  await sleep(300);
  child.child.kill('SIGKILL');
  const killed = await child.done;
  assert.equal(killed.signal, 'SIGKILL');
  proxy.clear();
  const dataKey = `killed/dbs/${remoteDbKey(b.manifest)}/${b.manifest.file}.gz.age`;
  assert.deepEqual(await committed(d, b), [], 'nothing committed');
  assert.deepEqual(await objects(d, b), [], 'no manifest either: it is written only after the data');
  for (let i = 0; i < 100 && (await interrupted(d)).length === 0; i++) await sleep(100);
  assert.deepEqual(await interrupted(d), [dataKey], 'the killed upload left an orphan');
  untouched(b);

  const next = await runCli(['offsite', 'upload', '--offsite', 'ceph', '--backup-file', b.file, '--json'], m.env);
  assert.equal(next.status, 0, next.stderr);
  const outcomes = JSON.parse(next.stdout) as { status: string; resumed: boolean; cleaned: string[] }[];
  assert.equal(outcomes[0].status, 'uploaded');
  assert.equal(outcomes[0].resumed, true);
  assert.deepEqual(outcomes[0].cleaned, [dataKey]);
  assert.equal(outcomes[1].status, 'skipped', 'the same backup is then already there');
  assert.deepEqual(await interrupted(d), []);
  assert.deepEqual(await committed(d, b), [b.manifest.file]);
});

test('a server that reports other bytes than were sent (ETag): the upload fails, the object is removed, nothing commits', async () => {
  const { ctx, d, b } = await prepared('etag');
  proxy.clear();
  const lie = proxy.add({ match: (r) => r.op === 'HeadObject' && r.path.endsWith('.gz.age'), action: { kind: 'etag', etag: '"0123456789abcdef0123456789abcdef-5"' } });
  const [o] = await uploadAfterBackup(ctx, b, [d]);
  proxy.clear();
  assert.equal(o.status, 'failed');
  assert.ok(lie.hits! >= 1);
  assert.match(o.reason!, /was stored with ETag 0123456789abcdef0123456789abcdef-5, but what was sent has [0-9a-f]{32}-5/);
  assert.deepEqual(await objects(d, b), [], 'the mismatching object was deleted and no manifest written');
  untouched(b);
});

for (const skewH of [+1, -1]) {
  test(`clock skew of ${skewH > 0 ? '+' : '-'}1 h (the SDK's systemClockOffset): refused once by the server, corrected, then committed`, async () => {
    const { m, d, b } = await prepared(`skew${skewH > 0 ? 'plus' : 'minus'}`, CHINOOK);
    proxy.clear();
    const ctx = contextOf(m, { systemClockOffsetMs: skewH * 3_600_000 });
    const [o] = await uploadAfterBackup(ctx, b, [d]);
    const refused = proxy.seen.filter((r) => r.status === 403).length;
    proxy.clear();
    assert.equal(o.status, 'uploaded', o.reason ?? '');
    assert.ok(refused >= 1, 'the server did refuse the skewed clock');
    assert.deepEqual(await committed(d, b), [b.manifest.file]);
  });
}

test('refusing plaintext: an encryptor that does not encrypt is caught by the age-header check; "off" is not a setting; "none" must be said', async () => {
  const { ctx, d, b } = await prepared('plain', CHINOOK);
  proxy.clear();
  await assert.rejects(
    uploadAfterBackup(ctx, b, [d], { encrypt: async (src) => src.pipe(new PassThrough()) }),
    (e: unknown) => e instanceof OffsiteRefusedError && /not age-encrypted/.test(e.message) && e.file!.includes(b.manifest.file),
  );
  assert.equal(proxy.count('PutObject') + proxy.count('UploadPart'), 0, 'nothing was sent');
  assert.deepEqual(readdirSync(join(ctx.outbox, remoteDbKey(b.manifest))), [], 'no plaintext left in the outbox');
  untouched(b);

  assert.throws(() => dest('ceph', 'plain', { encryption: 'off' }), (e: unknown) => e instanceof OffsiteConfigError && /"encryption" must be "age" or "none"/.test(e.message));
  // a destination set up for encrypted copies refuses a config that says "none"
  const [mixed] = await uploadAfterBackup(ctx, b, [dest('ceph', 'plain', { encryption: 'none' })]);
  assert.equal(mixed.status, 'failed');
  assert.ok(mixed.error instanceof OffsiteRefusedError && /refusing to upload plaintext/.test(mixed.reason!));

  // explicitly unencrypted, on its own prefix: uploaded as plain gzip
  const none = dest('ceph', 'plain-none', { encryption: 'none' });
  await initDestination(ctx, none);
  const [ok] = await uploadAfterBackup(ctx, b, [none]);
  assert.equal(ok.status, 'uploaded', ok.reason ?? '');
  assert.match(ok.key!, /\.sqlite\.gz$/);
  const s = new S3Store(none as never, { credentials: () => ({ accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey }) });
  try {
    assert.deepEqual([...(await s.getHead(ok.key!, 2))], [0x1f, 0x8b]);
    assert.equal(JSON.parse((await s.getBytes('plain-none/LIFEBOAT-REMOTE.json'))!.toString()).encryption, 'none');
  } finally {
    s.close();
  }
});

test('a destination set up with another identity is refused, by init and by upload: its passphrase could not open our copies', async () => {
  const { d } = await prepared('owned', CHINOOK);
  const other = newMachine(server);
  const ctx2 = contextOf(other);
  await assert.rejects(initDestination(ctx2, normalizeDestination(s3Dest('ceph', proxy.endpoint, BUCKET, { prefix: 'other-prefix' }))).then(async () => {
    // ctx2 now has an identity of its own: the destination "owned" belongs to another
    await initDestination(ctx2, d);
  }), (e: unknown) => e instanceof OffsiteRefusedError && /another age identity/.test(e.message));
  const db = join(other.root, 'c.sqlite');
  copyFileSync(CHINOOK, db);
  const b2 = await backupDatabase({ dbPath: db, outputDir: join(other.backupRoot, 'c') });
  const [o] = await uploadAfterBackup(ctx2, b2, [d]);
  assert.equal(o.status, 'failed');
  assert.ok(o.error instanceof OffsiteRefusedError && /encrypted to age1.*this machine's identity is age1/.test(o.reason!), o.reason!);
  assert.deepEqual(await committed(d, b2), []);
});

test('a destination that was never set up is refused with the command that sets it up', async () => {
  const { ctx, b } = await prepared('ready', CHINOOK);
  const [o] = await uploadAfterBackup(ctx, b, [dest('ceph', 'never-initialized')]);
  assert.equal(o.status, 'failed');
  assert.ok(o.error instanceof OffsiteRefusedError);
  assert.match(o.reason!, /run "lifeboat offsite init"/);
  assert.match(o.label, /^destination "ceph" \(s3:\/\/lifeboat-faults\/never-initialized\)$/);
});

test('a folder destination on a full disk fails as "full", leaves no partial object and nothing committed', async () => {
  const m = newMachine(server);
  const mnt = join(m.root, 'small-disk');
  mkdirSync(mnt);
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=200k', 'tmpfs', mnt]);
  try {
    const ctx = contextOf(m);
    const d = normalizeDestination({ name: 'usb', type: 'folder', path: mnt });
    await initDestination(ctx, d);
    const db = join(m.root, 'chinook.sqlite');
    copyFileSync(CHINOOK, db);
    const b = await backupDatabase({ dbPath: db, outputDir: join(m.backupRoot, 'c') });
    const [o] = await uploadAfterBackup(ctx, b, [d]);
    assert.equal(o.status, 'failed');
    assert.ok(o.error instanceof OffsiteQuotaError, String(o.error));
    assert.match(o.reason!, /disk is full \(ENOSPC\)/);
    assert.match(o.label, new RegExp(`^destination "usb" \\(${mnt}/lifeboat\\)$`));
    const files = execFileSync('find', [mnt, '-type', 'f'], { encoding: 'utf8' }).trim().split('\n').sort();
    assert.deepEqual(files, [join(mnt, 'lifeboat', 'LIFEBOAT-REMOTE.json'), join(mnt, 'lifeboat', 'identity.age')]);
    untouched(b);
  } finally {
    execFileSync('umount', [mnt]);
  }
});

test('restore falls back to the next destination when the first holds a damaged copy', async () => {
  const m = newMachine(server);
  const ctx = contextOf(m);
  mkdirSync(join(m.root, 'a'));
  mkdirSync(join(m.root, 'b'));
  const a = normalizeDestination({ name: 'first', type: 'folder', path: join(m.root, 'a') });
  const bDest = normalizeDestination({ name: 'second', type: 'folder', path: join(m.root, 'b') });
  await initDestination(ctx, a);
  await initDestination(ctx, bDest);
  const db = join(m.root, 'app', 'chinook.sqlite');
  mkdirSync(join(m.root, 'app'));
  copyFileSync(CHINOOK, db);
  const outputDir = join(m.backupRoot, 'app');
  const b = await backupDatabase({ dbPath: db, outputDir });
  const outs = await uploadAfterBackup(ctx, b, [a, bDest]);
  assert.deepEqual(outs.map((o) => o.status), ['uploaded', 'uploaded']);
  const obj = join(m.root, 'a', ...outs[0].key!.split('/'));
  const bytes = readFileSync(obj);
  bytes[bytes.length - 100] ^= 0x01;
  writeFileSync(obj, bytes);
  sqlite3(db, "DELETE FROM Track WHERE TrackId > 100"); // the "disaster"
  const r = await restoreFromOffsite(ctx, { destinations: [a, bDest], dbPath: db, outputDir, confirm: async () => true });
  assert.equal(r.destination, 'second');
  assert.equal(r.failures.length, 1);
  assert.equal(r.failures[0].destination, 'first');
  assert.match(r.failures[0].reason, /damaged|does not decrypt/);
  assert.deepEqual(nativeCounts(db), nativeCounts(CHINOOK));
});
