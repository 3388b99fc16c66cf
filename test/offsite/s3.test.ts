// Off-site copies against a real S3 server (Ceph radosgw, SigV4) and a folder, through the CLI:
// init, backup --offsite, listing from one ListObjectsV2, skip-unchanged, verify, restore on a
// fresh machine with only credentials and passphrase, interop with Debian's age and gzip, pins
// and retention. A fault proxy sits in front of radosgw only to count the requests sent.
import './support/bundle';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { remoteDbKey, S3Store, normalizeDestination, readManifest, AGE_HEADER } from '../../src/core';
import { runCli } from '../support/proc';
import { CHINOOK, nativeCounts, nativeIntegrity, sha256File, sqlite3 } from '../helpers';
import { FaultProxy } from '../support/s3/fault-proxy';
import { S3Server, startS3 } from '../support/s3/server';
import { createBucket, Machine, newMachine, PASSPHRASE, s3Dest, writeConfig } from './support/machine';
import { ensureTools } from './support/tools';

let server: S3Server;
let proxy: FaultProxy;
const BUCKET = 'lifeboat-main';

before(async () => {
  ensureTools({ age: 'age' });
  server = await startS3();
  proxy = await new FaultProxy(server.port).start();
  await createBucket(server, BUCKET);
}, { timeout: 700_000 });

after(async () => {
  await proxy?.stop();
  await server?.stop();
});

/** The CLI as a child process, asynchronously: the proxy lives in this process and must keep serving. */
async function run(m: Machine, args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = await runCli(args, { ...m.env, ...env });
  return { ...r, text: `exit ${r.status}\nstdout: ${r.stdout}\nstderr: ${r.stderr}` };
}

function store(prefix = 'lifeboat'): S3Store {
  return new S3Store(normalizeDestination(s3Dest('check', server.endpoint, BUCKET, { prefix })) as never, {
    credentials: () => ({ accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey }),
  });
}

/** A machine with a bucket destination (through the counting proxy) and a folder destination. */
async function setup(prefix: string, extra: Record<string, unknown> = {}): Promise<{ m: Machine; db: string; nas: string }> {
  const m = newMachine(server);
  const nas = join(m.root, 'nas');
  execFileSync('mkdir', ['-p', nas]);
  writeConfig(m, [s3Dest('ceph', proxy.endpoint, BUCKET, { prefix, ...extra }), { name: 'nas', type: 'folder', path: nas, prefix, ...extra }]);
  const db = join(m.root, 'app', 'chinook.sqlite');
  execFileSync('mkdir', ['-p', join(m.root, 'app')]);
  copyFileSync(CHINOOK, db);
  const init = await run(m, ['offsite', 'init', '--offsite', 'ceph', '--offsite', 'nas']);
  assert.equal(init.status, 0, init.text);
  return { m, db, nas };
}

async function backupJson(m: Machine, db: string, dests = ['ceph', 'nas'], extra: string[] = []) {
  const r = await run(m, ['backup', '--db-path', db, ...dests.flatMap((d) => ['--offsite', d]), '--json', ...extra]);
  assert.equal(r.status, 0, r.text);
  return JSON.parse(r.stdout) as { file: string; unchanged?: unknown; offsite: { destination: string; status: string; reason: string | null; key: string | null }[] };
}

test('init writes the identity 0600 and, in the destination, LIFEBOAT-REMOTE.json and the wrapped identity', async () => {
  const { m, nas } = await setup('t-init');
  const idFile = join(m.configDir, 'age-identity.txt');
  assert.equal(statSync(idFile).mode & 0o777, 0o600);
  assert.match(readFileSync(idFile, 'utf8'), /^# public key: age1[0-9a-z]+$/m);
  const s = store('t-init');
  try {
    const info = JSON.parse((await s.getBytes('t-init/LIFEBOAT-REMOTE.json'))!.toString());
    assert.equal(info.format, 'sqlite-lifeboat-remote');
    assert.equal(info.encryption, 'age');
    assert.match(info.recipient, /^age1/);
    assert.ok((await s.getBytes('t-init/identity.age'))!.subarray(0, AGE_HEADER.length).toString() === AGE_HEADER);
    assert.deepEqual(JSON.parse(readFileSync(join(nas, 't-init', 'LIFEBOAT-REMOTE.json'), 'utf8')).recipient, info.recipient);
  } finally {
    s.close();
  }
  // idempotent: a second init changes nothing
  const again = await run(m, ['offsite', 'init', '--offsite', 'ceph', '--json']);
  assert.equal(again.status, 0, again.text);
  assert.equal(JSON.parse(again.stdout)[0].wroteWrappedIdentity, false);
});

test('backup --offsite: bucket and folder get byte-identical age objects; list is one ListObjectsV2; unchanged backups are skipped', async () => {
  const { m, db, nas } = await setup('t-main');
  proxy.seen.length = 0;
  const first = await backupJson(m, db);
  assert.deepEqual(first.offsite.map((o) => o.status), ['uploaded', 'uploaded'], JSON.stringify(first.offsite));
  const manifest = (await readManifest(first.file))!;
  const dbKey = remoteDbKey(manifest);
  const key = `t-main/dbs/${dbKey}/${manifest.file}.gz.age`;
  assert.equal(first.offsite[0].key, key);
  const s = store('t-main');
  try {
    const fromBucket = (await s.getBytes(key))!;
    const fromFolder = readFileSync(join(nas, ...key.split('/')));
    assert.ok(fromBucket.equals(fromFolder), 'the bucket and the folder hold the same bytes');
    assert.equal(fromBucket.subarray(0, AGE_HEADER.length).toString(), AGE_HEADER);
    assert.ok(!fromBucket.includes(Buffer.from('SQLite format 3')), 'no plaintext SQLite header inside the object');
  } finally {
    s.close();
  }
  // no flexible checksums or aws-chunked bodies (R2 501, B2 400, framing stored in the object): WHEN_REQUIRED
  const sent = proxy.seen.filter((r) => r.op === 'PutObject' || r.op === 'UploadPart');
  assert.ok(sent.length >= 2);
  for (const r of sent) {
    assert.ok(!Object.keys(r.headers).some((h) => h.startsWith('x-amz-checksum') || h === 'x-amz-sdk-checksum-algorithm' || h === 'x-amz-trailer'), JSON.stringify(r.headers));
    assert.ok(!String(r.headers['content-encoding'] ?? '').includes('aws-chunked') && r.headers['content-length'] !== undefined, JSON.stringify(r.headers));
  }
  // the outbox is private and empty once every destination has the copy
  const outbox = join(m.backupRoot, '.outbox');
  assert.equal(statSync(outbox).mode & 0o777, 0o700);
  assert.deepEqual(readdirSync(join(outbox, dbKey)), []);

  proxy.seen.length = 0;
  const list = await run(m, ['offsite', 'list', '--offsite', 'ceph', '--json']);
  assert.equal(list.status, 0, list.text);
  assert.deepEqual(proxy.seen.map((r) => r.op), ['ListObjectsV2'], 'listing costs exactly one request');
  const rows = JSON.parse(list.stdout);
  assert.equal(rows.length, 1);
  assert.equal(rows[0].committed, true);
  assert.equal(rows[0].pinned, false);
  assert.equal(rows[0].name, manifest.file);

  proxy.seen.length = 0;
  // unchanged since that backup: no new file, and it is already there
  const second = await backupJson(m, db);
  assert.ok(second.unchanged, 'the backup found the database unchanged');
  assert.equal(second.file, first.file);
  assert.deepEqual(second.offsite.map((o) => o.status), ['skipped', 'skipped']);
  assert.equal(second.offsite[0].reason, 'already committed there');
  // --force makes a second file of the same bytes: the destinations keep their copy of them
  const forced = await backupJson(m, db, ['ceph', 'nas'], ['--force']);
  assert.notEqual(forced.file, first.file);
  assert.deepEqual(forced.offsite.map((o) => o.status), ['skipped', 'skipped']);
  assert.match(forced.offsite[0].reason!, /^unchanged: /);
  assert.equal(proxy.count('PutObject') + proxy.count('UploadPart') + proxy.count('CreateMultipartUpload'), 0, 'nothing uploaded for an unchanged database');

  sqlite3(db, "INSERT INTO Genre (Name) VALUES ('Lifeboat')");
  const third = await backupJson(m, db);
  assert.deepEqual(third.offsite.map((o) => o.status), ['uploaded', 'uploaded']);
  const list2 = JSON.parse((await run(m, ['offsite', 'list', '--json'])).stdout) as { destination: string; committed: boolean }[];
  assert.equal(list2.filter((r) => r.destination === 'ceph' && r.committed).length, 2);
  assert.equal(list2.filter((r) => r.destination === 'nas' && r.committed).length, 2);
});

test('verify downloads, decrypts, decompresses and checks each copy; a damaged copy fails naming its destination; --subset samples', async () => {
  const { m, db, nas } = await setup('t-verify');
  await backupJson(m, db);
  sqlite3(db, "INSERT INTO Genre (Name) VALUES ('second')");
  await backupJson(m, db);
  const ok = await run(m, ['offsite', 'verify', '--json']);
  assert.equal(ok.status, 0, ok.text);
  const results = JSON.parse(ok.stdout) as { destination: string; ok: boolean; checked: string; integrity: string; checksumMatch: boolean }[];
  assert.equal(results.length, 4);
  assert.ok(results.every((r) => r.ok && r.checked === 'data' && r.integrity === 'ok' && r.checksumMatch), ok.stdout);

  const sub = JSON.parse((await run(m, ['offsite', 'verify', '--offsite', 'ceph', '--subset', '1/2', '--json'])).stdout) as { checked: string; ok: boolean }[];
  assert.deepEqual(sub.map((r) => r.checked).sort(), ['data', 'manifest']);
  assert.ok(sub.every((r) => r.ok));

  // flip one byte in the middle of the folder's newest object
  const dir = join(nas, 't-verify', 'dbs');
  const dbDir = join(dir, readdirSync(dir)[0]);
  const obj = join(dbDir, readdirSync(dbDir).filter((n) => n.endsWith('.gz.age')).sort().pop()!);
  const bytes = readFileSync(obj);
  bytes[Math.floor(bytes.length / 2)] ^= 0xff;
  writeFileSync(obj, bytes);
  const bad = await run(m, ['offsite', 'verify']);
  assert.equal(bad.status, 1, bad.text);
  assert.match(bad.stderr, /destination "nas" \([^)]*\): chinook-[0-9a-f]{8}\/chinook-backup-.*(damaged|does not decrypt|SHA-256)/);
  assert.equal(bad.stderr.trim().split('\n').length, 1, 'one line for the one bad copy');
  assert.match(bad.stdout, /ok: ceph/);
});

test('a fresh machine restores with only the credentials and the passphrase; without them it refuses and touches nothing', async () => {
  const { m, db } = await setup('t-fresh');
  const b = await backupJson(m, db);
  const manifest = (await readManifest(b.file))!;
  const dbKey = remoteDbKey(manifest);

  const fresh = newMachine(server);
  writeFileSync(fresh.configFile, readFileSync(m.configFile));
  const target = join(fresh.root, 'restored', 'chinook.sqlite');
  assert.ok(!existsSync(join(fresh.configDir, 'age-identity.txt')));

  const noPass = await run(fresh, ['offsite', 'restore', '--db-path', target, '--remote-db', dbKey, '--yes'], { LIFEBOAT_PASSPHRASE: '' });
  assert.equal(noPass.status, 1, noPass.text);
  assert.match(noPass.stderr, /destination "(ceph|nas)".*passphrase/);
  assert.ok(!existsSync(target), 'nothing restored without the passphrase');

  const wrong = await run(fresh, ['offsite', 'check-passphrase', '--offsite', 'ceph'], { LIFEBOAT_PASSPHRASE: 'not it' });
  assert.equal(wrong.status, 1, wrong.text);
  assert.match(wrong.stderr, /^lifeboat: destination "ceph" \(s3:\/\/lifeboat-main\/t-fresh\): the passphrase does not open the wrapped identity\n$/);
  const right = await run(fresh, ['offsite', 'check-passphrase']);
  assert.equal(right.status, 0, right.text);
  assert.equal(right.stdout.trim().split('\n').length, 2);

  const r = await run(fresh, ['offsite', 'restore', '--db-path', target, '--remote-db', dbKey, '--yes', '--json']);
  assert.equal(r.status, 0, r.text);
  const out = JSON.parse(r.stdout);
  assert.equal(out.destination, 'ceph');
  assert.equal(out.copy, manifest.file);
  assert.equal(nativeIntegrity(target), 'ok');
  assert.deepEqual(nativeCounts(target), nativeCounts(CHINOOK));
  assert.equal(sha256File(target), manifest.sha256);
  // the download was a private temp folder, removed afterwards
  const backups = readdirSync(join(fresh.backupRoot, readdirSync(fresh.backupRoot)[0]));
  assert.ok(!backups.some((n) => n.startsWith('.offsite-download-')), backups.join(','));
  // the fresh machine has still no identity of its own: restore needs none
  assert.ok(!existsSync(join(fresh.configDir, 'age-identity.txt')));
});

test("Debian's age and gzip turn a downloaded object into the exact backup, and native sqlite3 agrees", async () => {
  const { m, db } = await setup('t-interop');
  const b = await backupJson(m, db);
  const manifest = (await readManifest(b.file))!;
  const s = store('t-interop');
  const obj = join(m.root, 'downloaded.gz.age');
  try {
    writeFileSync(obj, (await s.getBytes(`t-interop/dbs/${remoteDbKey(manifest)}/${manifest.file}.gz.age`))!);
  } finally {
    s.close();
  }
  const plain = join(m.root, 'by-hand.sqlite');
  execFileSync('sh', ['-c', 'age -d -i "$1" "$2" | gzip -d > "$3"', 'sh', join(m.configDir, 'age-identity.txt'), obj, plain]);
  assert.equal(sha256File(plain), manifest.sha256);
  assert.ok(readFileSync(plain).equals(readFileSync(b.file)), 'byte-identical to the local backup');
  assert.equal(nativeIntegrity(plain), 'ok');
  assert.deepEqual(nativeCounts(plain), nativeCounts(db));
  // and `offsite download` gives the same file, with its manifest beside it
  const dl = await run(m, ['offsite', 'download', '--offsite', 'ceph', '--remote-db', remoteDbKey(manifest), '--to', join(m.root, 'dl'), '--json']);
  assert.equal(dl.status, 0, dl.text);
  const got = JSON.parse(dl.stdout) as { file: string; manifest: string };
  assert.ok(readFileSync(got.file).equals(readFileSync(b.file)));
  assert.equal(JSON.parse(readFileSync(got.manifest, 'utf8')).sha256, manifest.sha256);
});

test('pins and retention: prune keeps the newest, the pinned and foreign objects; --dry-run deletes nothing; single DeleteObject calls', async () => {
  const { m, db } = await setup('t-prune');
  const names: string[] = [];
  for (let i = 0; i < 4; i++) {
    sqlite3(db, `INSERT INTO Genre (Name) VALUES ('v${i}')`);
    const b = await backupJson(m, db, ['ceph']);
    names.push((await readManifest(b.file))!.file);
    // distinct names: backups are named by the second
    execFileSync('sleep', ['1.05']);
  }
  const dbKey = remoteDbKey((await readManifest(join(m.backupRoot, readdirSync(m.backupRoot).find((n) => !n.startsWith('.'))!, names[0])))!);
  const s = store('t-prune');
  try {
    await s.putBytes(`t-prune/dbs/${dbKey}/notes.txt`, Buffer.from('not ours'));
    await s.putBytes('t-prune/other.bin', Buffer.from('not ours either'));
    const pin = await run(m, ['offsite', 'pin', '--offsite', 'ceph', '--remote-db', dbKey, '--copy', names[0]]);
    assert.equal(pin.status, 0, pin.text);
    const listed = JSON.parse((await run(m, ['offsite', 'list', '--offsite', 'ceph', '--json'])).stdout) as { name: string; pinned: boolean }[];
    assert.deepEqual(listed.filter((r) => r.pinned).map((r) => r.name), [names[0]]);

    const dry = await run(m, ['offsite', 'prune', '--offsite', 'ceph', '--retain', '2', '--dry-run', '--json']);
    assert.equal(dry.status, 0, dry.text);
    assert.deepEqual(JSON.parse(dry.stdout)[0].deleted, [names[1]]);
    // 4 copies (data + manifest), a pin, 2 foreign objects, LIFEBOAT-REMOTE.json and identity.age
    assert.equal((await s.list('t-prune/')).length, 4 * 2 + 1 + 2 + 2, 'dry run deleted nothing');

    proxy.seen.length = 0;
    const real = await run(m, ['offsite', 'prune', '--offsite', 'ceph', '--retain', '2', '--json']);
    assert.equal(real.status, 0, real.text);
    assert.deepEqual(JSON.parse(real.stdout)[0].deleted, [names[1]]);
    assert.equal(proxy.count('DeleteObjects'), 0);
    assert.equal(proxy.count('DeleteObject'), 2, 'manifest and data, one call each');
    const left = (await s.list('t-prune/')).map((o) => o.key);
    assert.ok(left.includes(`t-prune/dbs/${dbKey}/notes.txt`) && left.includes('t-prune/other.bin'), 'foreign objects stay');
    assert.ok(!left.some((k) => k.includes(names[1])), 'the pruned copy is gone, data and manifest');
    for (const n of [names[0], names[2], names[3]]) assert.ok(left.includes(`t-prune/dbs/${dbKey}/${n}.manifest.json.age`), `${n} kept`);

    // retain 0 still keeps the newest committed copy and the pinned one
    const zero = JSON.parse((await run(m, ['offsite', 'prune', '--offsite', 'ceph', '--retain', '0', '--json'])).stdout)[0];
    assert.deepEqual(zero.deleted, [names[2]]);
    const after0 = JSON.parse((await run(m, ['offsite', 'list', '--offsite', 'ceph', '--json'])).stdout) as { name: string }[];
    assert.deepEqual(after0.map((r) => r.name).sort(), [names[0], names[3]].sort());
  } finally {
    s.close();
  }
});

test('uploadEveryHours: a changed backup within the interval is not uploaded; the local backup is made all the same', async () => {
  const { m, db } = await setup('t-policy', { uploadEveryHours: 24 });
  assert.equal((await backupJson(m, db, ['ceph'])).offsite[0].status, 'uploaded');
  sqlite3(db, "INSERT INTO Genre (Name) VALUES ('changed')");
  const second = await backupJson(m, db, ['ceph']);
  assert.equal(second.offsite[0].status, 'skipped');
  assert.match(second.offsite[0].reason!, /^policy: /);
  assert.ok(existsSync(second.file));
  const forced = await run(m, ['offsite', 'upload', '--offsite', 'ceph', '--db-path', db, '--force', '--json']);
  assert.equal(forced.status, 0, forced.text);
  assert.equal(JSON.parse(forced.stdout).at(-1).status, 'uploaded');
  void PASSPHRASE;
});
