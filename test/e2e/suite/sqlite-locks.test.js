// SQLite's own locks inside the real extension host. VS Code 1.101 and later run extensions on Node 22/24,
// whose node:sqlite gives the extension SQLite's locks (backups of rollback-journal databases confirmed
// under SHARED, in-use detection by the lock, online restores); VS Code 1.100 runs them on Node 20, which
// has none: the extension falls back (lock-free copies, in-use signs from the companions, no online
// restore). run.mjs runs this suite on both; each test asserts what the runtime it runs on must do.
'use strict';
const assert = require('assert/strict');
const { execFileSync, spawn } = require('child_process');
const fs = require('fs');
const path = require('path');
const vscode = require('vscode');

const EXTENSION_ID = 'sqlite-lifeboat.sqlite-lifeboat';
const REPO = path.resolve(__dirname, '..', '..', '..');
const root = () => vscode.workspace.workspaceFolders[0].uri.fsPath;
const ws = (...p) => path.join(root(), ...p);
const sqlite3 = (db, sql) => execFileSync('sqlite3', ['-batch', db, sql], { encoding: 'utf8' }).trim();
const config = () => vscode.workspace.getConfiguration('lifeboat');

// node:sqlite needs no flag from Node 22.13 (and 23.4): the rule of src/core/sqliteLocks.ts.
const [major, minor] = process.versions.node.split('.').map(Number);
const NODE_SQLITE = major > 23 || (major === 23 && minor >= 4) || (major === 22 && minor >= 13);

/** The SQLite inside this runtime's node:sqlite, as the lock helper reports it. */
function runtimeSqliteVersion() {
  const { DatabaseSync } = require('node:sqlite');
  const db = new DatabaseSync(':memory:');
  try { return db.prepare('SELECT sqlite_version() AS v').get().v; } finally { db.close(); }
}

/**
 * Another application with the database open: test/support/txn-holder.cjs (better-sqlite3) in `state`,
 * run by the Node that better-sqlite3 was built for (run.mjs's, LIFEBOAT_WRITER_NODE). `send('write')`
 * makes it insert a row (v = 99) through its open connection and resolves with its answer.
 */
async function startApp(db, state) {
  const child = spawn(process.env.LIFEBOAT_WRITER_NODE || 'node', [path.join(REPO, 'test', 'support', 'txn-holder.cjs'), db, state], { stdio: ['pipe', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d) => { err += d; });
  const lines = [];
  let wake = () => {};
  let buf = '';
  child.stdout.setEncoding('utf8').on('data', (d) => {
    buf += d;
    for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) { lines.push(JSON.parse(buf.slice(0, i))); buf = buf.slice(i + 1); wake(); }
  });
  const exited = new Promise((r) => child.once('exit', r));
  const next = (type) => new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`the app said no "${type}" within 15 s; stderr: ${err}`)), 15_000);
    const check = () => {
      const at = lines.findIndex((l) => l.type === type);
      if (at >= 0) { clearTimeout(t); resolve(lines.splice(at, 1)[0]); }
    };
    wake = check;
    check();
    exited.then(() => { clearTimeout(t); reject(new Error(`the app exited; stderr: ${err}`)); });
  });
  await next('ready');
  return {
    child,
    send: (cmd) => { child.stdin.write(`${cmd}\n`); return next('done'); },
    stop: async () => { child.kill('SIGKILL'); await exited; },
  };
}

let api;

describe('SQLite\'s own locks in the extension host (node:sqlite where the runtime has it)', function () {
  this.timeout(120_000);

  before(async () => {
    api = await vscode.extensions.getExtension(EXTENSION_ID).activate();
    await api.ready;
  });

  after(async () => {
    await config().update('useSqliteLocks', undefined, vscode.ConfigurationTarget.Workspace);
  });

  it('VS Code ≥ 1.101 runs the extension on a Node with node:sqlite (22.13+), 1.100 on Node 20 without it', () => {
    const vscodeMinor = Number(vscode.version.split('.')[1]);
    assert.equal(NODE_SQLITE, vscodeMinor >= 101, `VS Code ${vscode.version} runs extensions on Node ${process.version}`);
    if (NODE_SQLITE) assert.match(runtimeSqliteVersion(), /^3\.\d+\.\d+$/);
    else assert.throws(() => require('node:sqlite'), (e) => e.code === 'ERR_UNKNOWN_BUILTIN_MODULE');
  });

  it('a rollback-journal backup through lifeboat.backupDatabase: confirmed under SQLite\'s lock where available, lock-free otherwise (manifest)', async () => {
    const db = ws('locks', 'journal.db');
    fs.mkdirSync(path.dirname(db), { recursive: true });
    sqlite3(db, 'PRAGMA journal_mode=DELETE; CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT); INSERT INTO t(v) VALUES (\'a\'), (\'b\'), (\'c\');');
    try {
      const file = await vscode.commands.executeCommand('lifeboat.backupDatabase', vscode.Uri.file(db));
      assert.ok(file && fs.existsSync(file), `backup file ${file}`);
      assert.equal(sqlite3(file, 'PRAGMA integrity_check; SELECT count(*) FROM t;'), 'ok\n3');
      const { snapshot, source } = JSON.parse(fs.readFileSync(`${file}.json`, 'utf8'));
      assert.equal(source.journalMode, 'rollback');
      if (NODE_SQLITE) {
        assert.equal(snapshot.method, 'lock-free, confirmed under lock');
        assert.equal(snapshot.sqliteLocks, `available (Node ${process.version}, SQLite ${runtimeSqliteVersion()})`);
        assert.equal(typeof snapshot.lockHeldMs, 'number');
        assert.ok(snapshot.lockHeldMs >= 0 && snapshot.lockHeldMs < 10_000, `SHARED held ${snapshot.lockHeldMs} ms`);
      } else {
        assert.deepEqual(snapshot, { method: 'lock-free', lockHeldMs: null, sqliteLocks: `not available: node:sqlite needs Node 22.13 or later; this is ${process.version}` });
      }

      // lifeboat.useSqliteLocks = false: never asked, on any runtime.
      await config().update('useSqliteLocks', false, vscode.ConfigurationTarget.Workspace);
      sqlite3(db, "INSERT INTO t(v) VALUES ('d');"); // changed: a new copy (an unchanged database gets none)
      const off = await vscode.commands.executeCommand('lifeboat.backupDatabase', vscode.Uri.file(db));
      assert.notEqual(off, file, 'no new backup of the changed database');
      assert.equal(sqlite3(off, 'SELECT count(*) FROM t;'), '4');
      assert.deepEqual(JSON.parse(fs.readFileSync(`${off}.json`, 'utf8')).snapshot, { method: 'lock-free', lockHeldMs: null, sqliteLocks: 'off' });
    } finally {
      await config().update('useSqliteLocks', undefined, vscode.ConfigurationTarget.Workspace);
      fs.rmSync(path.dirname(db), { recursive: true, force: true });
    }
  });

  it('a database an app keeps open in WAL mode: the lock (or its companions) says in use; restored online through SQLite where available, its later writes landing in the restored data', async () => {
    const db = ws('locks', 'online.db');
    fs.mkdirSync(path.dirname(db), { recursive: true });
    sqlite3(db, 'PRAGMA journal_mode=WAL; CREATE TABLE t(id INTEGER PRIMARY KEY, v INTEGER, pad BLOB); INSERT INTO t(v) VALUES (1), (2), (3);');
    const backup = await vscode.commands.executeCommand('lifeboat.backupDatabase', vscode.Uri.file(db));
    assert.ok(backup && fs.existsSync(backup), `backup file ${backup}`);
    const app = await startApp(db, 'idle-wal');
    try {
      assert.deepEqual(await app.send('write'), { type: 'done', write: 'ok' }); // a commit after the backup
      const rows = () => sqlite3(db, 'SELECT group_concat(v) FROM (SELECT v FROM t ORDER BY id);');
      assert.equal(rows(), '1,2,3,99');
      const walBefore = fs.readFileSync(`${db}-wal`);

      // A plain restore (a file swap) is refused: the app's later writes would be lost.
      let asked = false;
      const refused = await api.ctx.service.restore(backup, db, async () => { asked = true; return true; }).then(() => null, (e) => e);
      assert.ok(refused, 'the restore went through');
      assert.equal(refused.name, 'InUseError', refused.message);
      assert.equal(asked, false, 'the confirmation was asked although the database is in use');
      if (NODE_SQLITE) {
        assert.deepEqual(refused.reasons, ['SQLite says another connection has it open']);
        assert.equal(refused.online, true, 'an online restore is offered');
      } else {
        assert.equal(refused.reasons.length, 2, refused.reasons.join('; '));
        assert.match(refused.reasons[0], /^online\.db-wal holds \d+ bytes of recent changes$/);
        assert.equal(refused.reasons[1], 'online.db-shm exists (an application has it open in WAL mode, or did not close it)');
        assert.equal(refused.online, false, 'no online restore without SQLite\'s locks');
      }
      assert.equal(rows(), '1,2,3,99');
      assert.ok(fs.readFileSync(`${db}-wal`).equals(walBefore), 'the refused restore touched the -wal');

      // The online restore.
      let seen;
      const online = api.ctx.service.restore(backup, db, async (p) => { seen = p; return true; }, { method: 'online' });
      if (NODE_SQLITE) {
        const r = await online;
        assert.equal(r.method, 'online');
        assert.equal(r.integrity, 'ok');
        assert.deepEqual(r.tables, { t: 3 });
        assert.deepEqual(r.movedCompanions, [], 'an online restore moves no companion: the app keeps its -wal and -shm');
        assert.equal(seen.method, 'online');
        assert.equal(seen.inUse, true);
        assert.equal(seen.inUseBy, 'sqlite-lock');
        assert.equal(seen.onlineAvailable, true);
        assert.equal(rows(), '1,2,3', 'the live database holds the backup: the app\'s row 99 is gone');
        assert.equal(sqlite3(r.safetyCopy, 'SELECT group_concat(v) FROM (SELECT v FROM t ORDER BY id);'), '1,2,3,99', 'the safety copy holds the state before the restore');
        // The app never reconnected: its connection writes into the restored database.
        assert.deepEqual(await app.send('write'), { type: 'done', write: 'ok' });
        assert.equal(rows(), '1,2,3,99');
        assert.equal(sqlite3(db, 'PRAGMA integrity_check;'), 'ok');
        assert.equal(app.child.exitCode, null, 'the app is still running');
      } else {
        await assert.rejects(online, /cannot restore online: SQLite's locks are not available here \(node:sqlite needs Node 22\.13 or later\)/);
        assert.equal(seen, undefined, 'the confirmation was asked for an online restore that cannot run');
        assert.equal(rows(), '1,2,3,99');
        assert.ok(fs.readFileSync(`${db}-wal`).equals(walBefore), 'the refused online restore touched the -wal');
      }
    } finally {
      await app.stop();
      fs.rmSync(path.dirname(db), { recursive: true, force: true });
    }
  });
});
