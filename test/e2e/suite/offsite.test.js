// Off-site copies in a real VS Code extension host, with folder destinations (no S3 server here):
// set up with a passphrase, copies made after each backup in an engine process of their own (the
// extension host never loads the SDK or age), the tree's and status bar's off-site state, the
// upload policy, cancelling, a restore that falls back to the next destination when a copy is
// damaged (on a "new machine" without the local age key), verification, and S3 credentials kept
// in the secret storage (a fake endpoint shows they sign the requests; they never reach a file).
'use strict';
const assert = require('assert/strict');
const { execFileSync } = require('child_process');
const fs = require('fs');
const http = require('http');
const os = require('os');
const path = require('path');
const vscode = require('vscode');

const EXTENSION_ID = 'sqlite-lifeboat.sqlite-lifeboat';
const PASS = 'correct horse battery staple 42';
const root = () => vscode.workspace.workspaceFolders[0].uri.fsPath;
const ws = (...p) => path.join(root(), ...p);
const sqlite3 = (db, sql) => execFileSync('sqlite3', ['-batch', db, sql], { encoding: 'utf8' }).trim();
const config = () => vscode.workspace.getConfiguration('lifeboat');
const poll = async (fn, what, timeout = 30_000) => {
  const end = Date.now() + timeout;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${typeof what === 'function' ? await what() : what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
};
const identityFile = () => path.join(process.env.XDG_CONFIG_HOME || path.join(os.homedir(), '.config'), 'sqlite-lifeboat', 'age-identity.txt');

let api;
let off;
let forced; // app.db's backup copied by Copy to Off-site Now
const nas = path.join(os.homedir(), 'offsite-nas');
const usb = path.join(os.homedir(), 'offsite-usb');
const folder = (name, dir, extra = {}) => ({ name, type: 'folder', path: dir, ...extra });

async function setDestinations(list) {
  await config().update('offsite.destinations', list, vscode.ConfigurationTarget.Workspace);
  await poll(() => JSON.stringify(off.destinations().map((d) => d.name)) === JSON.stringify(list.map((d) => d.name)), 'the destinations to be read');
}
const dest = (name) => off.destinations().find((d) => d.name === name);
const idle = () => poll(() => !off.busy && !off.current, 'the off-site uploads to finish', 60_000);

async function backupRow(dbPath, file) {
  const node = (await api.ctx.tree.getChildren()).find((n) => n.db.path === dbPath);
  const kid = (await api.ctx.tree.getChildren(node)).find((k) => k.entry.file === file);
  assert.ok(kid, `no row for ${file}`);
  return { node: kid, item: await api.ctx.tree.getTreeItem(kid) };
}
const rowText = async (dbPath, file) => (await backupRow(dbPath, file)).item.description;
const remoteDir = (base, dbPath) => path.join(base, 'lifeboat', 'dbs', fs.readdirSync(path.join(base, 'lifeboat', 'dbs')).find((d) => d.startsWith(`${path.basename(dbPath).replace(/\.[^.]+$/, '')}-`)));

describe('Off-site copies in the extension host (folder destinations)', function () {
  this.timeout(180_000);

  before(async () => {
    api = await vscode.extensions.getExtension(EXTENSION_ID).activate();
    await api.ready;
    off = api.offsite.service;
    fs.mkdirSync(nas, { recursive: true });
    fs.mkdirSync(usb, { recursive: true });
  });

  after(async () => {
    await config().update('offsite.destinations', undefined, vscode.ConfigurationTarget.Workspace);
    await config().update('offsite.rpoHours', undefined, vscode.ConfigurationTarget.Workspace);
  });

  it('sets a folder destination up: the passphrase asked for as a new one, the age key 0600 in the CLI\'s file, the wrapped key and LIFEBOAT-REMOTE.json there', async () => {
    await setDestinations([folder('nas', nas)]);
    const asked = [];
    const r = await off.init(dest('nas'), async (q) => { asked.push(q); return PASS; });
    assert.deepEqual(asked, [{ what: 'passphrase', destination: 'nas', purpose: 'new' }]);
    assert.equal(r.identity, 'created');
    assert.match(r.recipient, /^age1[0-9a-z]+$/);
    assert.equal(fs.statSync(identityFile()).mode & 0o777, 0o600);
    assert.match(fs.readFileSync(identityFile(), 'utf8'), /^AGE-SECRET-KEY-1/m);
    const info = JSON.parse(fs.readFileSync(path.join(nas, 'lifeboat', 'LIFEBOAT-REMOTE.json'), 'utf8'));
    assert.equal(info.recipient, r.recipient);
    assert.equal(fs.readFileSync(path.join(nas, 'lifeboat', 'identity.age')).subarray(0, 22).toString('latin1'), 'age-encryption.org/v1\n');
    // idempotent: the same identity, nothing asked
    const again = await off.init(dest('nas'), async (q) => { asked.push(q); return PASS; });
    assert.equal(again.identity, 'local');
    assert.equal(asked.length, 1);
  });

  it('copies each new backup in its own engine process: the tree row says "copied to nas", the copy is age-encrypted, the SDK and age never load here', async () => {
    const db = ws('app.db');
    const file = await vscode.commands.executeCommand('lifeboat.backupDatabase', db);
    assert.ok(file && fs.existsSync(file));
    await idle();
    const { item } = await poll(async () => {
      const row = await backupRow(db, file);
      return /☁ copied to nas just now/.test(row.item.description) ? row : null;
    }, 'the row to say "copied to nas"');
    assert.match(item.contextValue, /^backup\+unpinned\+verified\+offsite$/);
    assert.match(item.tooltip.value, /\*\*Off-site:\*\*[\s\S]*destination "nas" .*: copied just now \(\d+(\.\d)? [KM]B stored, gzip, age-encrypted\)/);
    const dir = remoteDir(nas, db);
    const name = path.basename(file);
    for (const f of [`${name}.gz.age`, `${name}.manifest.json.age`]) {
      assert.equal(fs.readFileSync(path.join(dir, f)).subarray(0, 22).toString('latin1'), 'age-encryption.org/v1\n', `${f} is not age-encrypted`);
    }
    const loaded = Object.keys(require.cache).filter((k) => /[\\/]dist[\\/]offsite\.js$/.test(k) || /[\\/]@aws-sdk[\\/]|[\\/]age-encryption[\\/]/.test(k));
    assert.deepEqual(loaded, [], 'the extension host loaded the SDK or age');
    const child = await off.engine.pid();
    assert.notEqual(child, process.pid);
    assert.notEqual(child, await api.engine.pid(), 'off-site work has an engine process of its own');
  });

  it('honours uploadEveryHours (a backup within the interval waits, the row says so), and Copy to Off-site Now sends it anyway', async () => {
    await setDestinations([folder('nas', nas, { uploadEveryHours: 24 })]);
    const db = ws('app.db');
    // a change first: a backup of an unchanged database is the same backup (already copied)
    sqlite3(db, 'PRAGMA user_version = 7;');
    const file = await vscode.commands.executeCommand('lifeboat.backupDatabase', db);
    const [previous] = (await api.ctx.service.list(db)).slice(1);
    assert.ok(previous && previous.file !== file, 'no new backup of the changed app.db');
    await idle();
    assert.match(await rowText(db, file), /☁ not yet copied to nas$/);
    const { node, item } = await backupRow(db, file);
    assert.match(item.tooltip.value, /not copied \(policy: the newest copy there \(app-backup-[\w-]+\.db\) is younger than 24 h\)/);
    assert.doesNotMatch(item.contextValue, /\+offsite/);
    assert.equal(await vscode.commands.executeCommand('lifeboat.uploadOffsite', node), true);
    await idle();
    await poll(async () => /☁ copied to nas just now/.test(await rowText(db, file)), 'the forced copy in the tree');
    forced = file;
    assert.ok(fs.existsSync(path.join(remoteDir(nas, db), `${path.basename(file)}.manifest.json.age`)));
  });

  it('the status bar counts a database as protected off-site only when its newest backup is there, and warns past lifeboat.offsite.rpoHours', async () => {
    await setDestinations([folder('nas', nas)]);
    const total = api.ctx.registry.list().length;
    const shows = (text) => poll(async () => { await api.offsite.status.update(); return api.offsite.status.text === text; }, `"${text}" (shown: "${api.offsite.status.text}")`);
    // app.db's newest backup is there; the others have none there (no verdict until the changed destination is listed)
    await shows(`$(warning) 1/${total} off-site`);
    await vscode.commands.executeCommand('lifeboat.backupAll');
    await idle();
    await shows(`$(cloud) ${total}/${total} off-site`);
    // app.db did not change since its forced copy: Back Up All made no second local copy of it,
    // and that backup (copied) stays its newest
    const [newestApp] = await api.ctx.service.list(ws('app.db'));
    assert.equal(newestApp.file, forced, 'Back Up All made a new backup of the unchanged app.db');
    assert.ok(newestApp.freshAt > newestApp.createdAt, 'the unchanged check is not recorded');
    assert.match(await rowText(ws('app.db'), newestApp.file), /☁ copied to nas just now$/);
    await config().update('offsite.rpoHours', 0, vscode.ConfigurationTarget.Workspace);
    await shows(`$(warning) ${total}/${total} off-site`);
    await config().update('offsite.rpoHours', undefined, vscode.ConfigurationTarget.Workspace);
  });

  it('cancelling an upload leaves nothing committed and the row "not yet copied"', async () => {
    const db = ws('big.db');
    sqlite3(db, 'CREATE TABLE b(x BLOB); WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200) INSERT INTO b SELECT randomblob(100000) FROM n;');
    await poll(async () => { await api.ctx.registry.refresh(); return api.ctx.registry.find(db); }, 'big.db in the list');
    const r = await api.ctx.service.backup(db, 'window');
    // the backup's own upload starts at once: cancel it as soon as it shows progress
    await poll(() => off.current, 'the upload to start');
    assert.equal(off.cancelUploads(), true);
    await idle();
    await poll(async () => /☁ not yet copied to nas$/.test(await rowText(db, r.file)), 'the row after the cancel');
    const dbs = path.join(nas, 'lifeboat', 'dbs');
    const mine = fs.readdirSync(dbs).filter((d) => d.startsWith('big-'));
    for (const d of mine) assert.ok(!fs.readdirSync(path.join(dbs, d)).some((f) => f.endsWith('.manifest.json.age')), 'a cancelled copy was committed');
    fs.rmSync(db, { force: true });
  });

  it('Restore from off-site on a machine without the age key: the damaged copy of the first destination is skipped, the next one\'s is restored (native sqlite3 checks)', async () => {
    await setDestinations([folder('nas', nas), folder('usb', usb)]);
    await off.init(dest('usb'), async () => PASS);
    const db = ws('restore-me.sqlite3');
    // new content: a backup with the same content as a copy already there is not sent again
    sqlite3(db, "INSERT OR REPLACE INTO kv VALUES ('offsite', 'yes');");
    const original = sqlite3(db, 'SELECT group_concat(k || \'=\' || v) FROM kv;');
    const file = await vscode.commands.executeCommand('lifeboat.backupDatabase', db);
    await idle();
    await poll(async () => /copied to nas just now · copied to usb just now/.test(await rowText(db, file)), async () => `copies on both destinations: ${await rowText(db, file)}`);
    const name = path.basename(file);
    const data = path.join(remoteDir(nas, db), `${name}.gz.age`);
    const bytes = fs.readFileSync(data);
    bytes[Math.floor(bytes.length / 2)] ^= 0xff; // damaged on the NAS: age's authentication must catch it
    fs.writeFileSync(data, bytes);
    sqlite3(db, "UPDATE kv SET v = 'damaged' WHERE k = 'version'; DELETE FROM kv WHERE k = 'b';");
    const key = `${identityFile()}.away`;
    fs.renameSync(identityFile(), key); // a new machine: only the passphrase opens the copies
    const asked = [];
    const confirmed = [];
    try {
      const r = await off.restore(db, [dest('nas'), dest('usb')], { dbKey: path.basename(remoteDir(nas, db)), copy: name },
        async (p) => { confirmed.push(p); return true; }, async (q) => { asked.push(q); return PASS; });
      assert.equal(r.destination, 'usb');
      assert.equal(r.copy, name);
      assert.deepEqual(r.failures.map((f) => f.destination), ['nas']);
      assert.match(r.failures[0].reason, /damaged|authentication|does not decrypt/);
    } finally {
      fs.renameSync(key, identityFile());
    }
    assert.deepEqual(asked, [{ what: 'passphrase', destination: '', purpose: 'open' }], 'the passphrase is asked once');
    assert.equal(confirmed.length, 1, 'the restore modal is asked once, for the copy that passed');
    assert.equal(path.basename(confirmed[0].backupFile), name);
    assert.equal(sqlite3(db, 'SELECT group_concat(k || \'=\' || v) FROM kv;'), original);
    assert.equal(sqlite3(db, 'PRAGMA integrity_check;'), 'ok');
  });

  it('Verify Off-site Copy: the good copy passes, the damaged one says why', async () => {
    const db = ws('restore-me.sqlite3');
    const [entry] = (await api.ctx.service.list(db)).filter((b) => !/pre-restore/.test(b.file));
    const dbKey = path.basename(remoteDir(nas, db));
    const good = await off.verify(dest('usb'), dbKey, entry.manifest.file, async () => PASS);
    assert.deepEqual(good.map((r) => [r.name, r.ok, r.checksumMatch, r.integrity]), [[entry.manifest.file, true, true, 'ok']]);
    const bad = await off.verify(dest('nas'), dbKey, entry.manifest.file, async () => PASS);
    assert.equal(bad[0].ok, false);
    assert.match(bad[0].reason, /damaged|authentication|does not decrypt/);
    // the command on the backup row verifies it on both destinations: false, since one is damaged
    const node = (await api.ctx.tree.getChildren()).find((n) => n.db.path === db);
    const row = (await api.ctx.tree.getChildren(node)).find((k) => k.entry.file === entry.file);
    assert.equal(await vscode.commands.executeCommand('lifeboat.verifyOffsite', row), false);
  });

  it('S3 credentials from the secret storage sign the requests (a fake endpoint sees the key id), never reach settings or the log, and can be cleared', async () => {
    const seen = [];
    const server = http.createServer((req, res) => {
      seen.push(req.headers.authorization || '');
      res.writeHead(403, { 'content-type': 'application/xml' });
      res.end(req.method === 'HEAD' ? undefined : '<?xml version="1.0"?><Error><Code>InvalidAccessKeyId</Code><Message>unknown key</Message></Error>');
    });
    await new Promise((r) => server.listen(0, '127.0.0.1', r));
    const SECRET = 'wJalrXUtnFEMI-never-in-a-file-42';
    try {
      await setDestinations([{ name: 'fake', type: 's3', endpoint: `http://127.0.0.1:${server.address().port}`, bucket: 'b', requestTimeoutSeconds: 5 }]);
      await off.setCredentials('fake', { accessKeyId: 'AKIALIFEBOATE2E', secretAccessKey: SECRET });
      assert.equal(await off.hasCredentials('fake'), true);
      let err;
      await off.init(dest('fake'), async () => PASS).catch((e) => { err = e; });
      assert.ok(err, 'init against a refusing server failed');
      assert.equal(err.kind, 'auth');
      assert.match(`${err.file}: ${err.message}`, /^destination "fake" \(s3:\/\/b\/lifeboat\): checking the bucket: access denied/);
      assert.ok(seen.length > 0 && seen.every((a) => a.includes('Credential=AKIALIFEBOATE2E/')), `Authorization headers: ${seen}`);
      const settings = path.join(root(), '.vscode', 'settings.json');
      assert.ok(!fs.readFileSync(settings, 'utf8').includes(SECRET), 'the secret is in settings.json');
      let logs = [];
      const walk = (d) => { for (const f of fs.readdirSync(d)) { const p = path.join(d, f); if (fs.statSync(p).isDirectory()) walk(p); else if (/\.log$/.test(f)) logs.push(p); } };
      // the log is written asynchronously
      await poll(() => {
        logs = [];
        walk(path.dirname(api.ctx.extension.logUri.fsPath));
        return logs.some((f) => /Setting up off-site destination "fake" failed/.test(fs.readFileSync(f, 'utf8')));
      }, `the failure in the log files under ${path.dirname(api.ctx.extension.logUri.fsPath)}`);
      for (const f of logs) assert.ok(!fs.readFileSync(f, 'utf8').includes(SECRET), `the secret is in ${f}`);
      await off.clearCredentials('fake');
      assert.equal(await off.hasCredentials('fake'), false);
      seen.length = 0;
      await off.init(dest('fake'), async () => PASS).catch((e) => { err = e; });
      assert.ok(seen.every((a) => !a.includes('AKIALIFEBOATE2E')), 'the cleared key was still used');
    } finally {
      server.close();
    }
  });
});
