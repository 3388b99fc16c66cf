// Inside a backup, in the extension host: Look Inside a live database and Compare with Live read
// it only in the engine process (strace of every host thread); a diff of a big table runs there
// while the host's event loop keeps turning; the destructive-query drill's rehearsal runs from the
// editor and fills its evidence row's extra columns. native sqlite3 makes and checks the files.
'use strict';
const assert = require('assert/strict');
const { execFileSync, spawn } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const vscode = require('vscode');

const EXTENSION_ID = 'sqlite-lifeboat.sqlite-lifeboat';
const CHINOOK = path.join(process.env.LIFEBOAT_E2E_REPO || path.resolve(__dirname, '..', '..', '..'), 'test', 'fixtures', 'chinook.sqlite');
const sqlite3 = (db, sql) => execFileSync('sqlite3', ['-batch', db, sql], { encoding: 'utf8', maxBuffer: 1 << 26 }).trim();
const poll = async (fn, what, timeout = 15_000) => {
  const end = Date.now() + timeout;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
};

/** Runs `fn` while strace records every file this process (all its threads) opens; returns the paths. */
async function openedWhile(fn) {
  const tids = fs.readdirSync(`/proc/${process.pid}/task`);
  const log = path.join(os.tmpdir(), `lifeboat-strace-inside-${process.pid}.txt`);
  const st = spawn('strace', ['-qq', '-e', 'trace=open,openat,openat2', '-o', log, ...tids.flatMap((t) => ['-p', t])], { stdio: 'ignore' });
  const traced = (t) => { try { return /TracerPid:\s+[1-9]/.test(fs.readFileSync(`/proc/${process.pid}/task/${t}/status`, 'utf8')); } catch { return true; } };
  await poll(() => tids.every(traced), 'strace to attach to every thread');
  try {
    await fn();
  } finally {
    st.kill('SIGINT');
    await new Promise((r) => st.once('close', r));
  }
  const lines = fs.readFileSync(log, 'utf8').split('\n');
  fs.rmSync(log, { force: true });
  assert.ok(lines.some((l) => /openat?\(/.test(l)), 'strace saw this process open files at all');
  return lines;
}

/** A line in the in-host test log (what run.mjs streams to the console). */
const note = (line) => { if (process.env.LIFEBOAT_E2E_OUT) fs.appendFileSync(path.join(process.env.LIFEBOAT_E2E_OUT, 'host-tests.log'), `        (${line})\n`); };

let api;
let dir;

describe('Inside a backup, in the extension host', function () {
  this.timeout(180_000);

  before(async () => {
    api = await vscode.extensions.getExtension(EXTENSION_ID).activate();
    await api.ready;
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-inside-host-'));
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('Look Inside a live database and Compare with Live never open the live file in the extension host', async () => {
    const db = path.join(dir, 'shop.db');
    fs.copyFileSync(CHINOOK, db);
    const backup = await vscode.commands.executeCommand('lifeboat.backupDatabase', vscode.Uri.file(db));
    assert.ok(backup && fs.existsSync(backup), `backup ${backup}`);
    sqlite3(db, 'DELETE FROM Track WHERE TrackId <= 100; UPDATE Album SET Title = \'x\' WHERE AlbumId = 1;');
    let panel;
    let summary;
    const lines = await openedWhile(async () => {
      panel = await vscode.commands.executeCommand('lifeboat.lookInside', { dbPath: db, live: true });
      summary = await vscode.commands.executeCommand('lifeboat.compareWithLive', { backupFile: backup, dbPath: db });
    });
    const esc = db.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    assert.deepEqual(lines.filter((l) => new RegExp(`"${esc}(-wal|-shm|-journal)?"`).test(l)), [], 'the extension host opened the live database');
    assert.ok(panel && panel.target && panel.target.kind === 'live', 'a look-inside panel of the live database');
    assert.match(summary, /^Backup vs live \(see the diff view\):$/m);
    assert.match(summary, /^Track: 100 deleted since the backup$/m);
    assert.match(summary, /^Album: 1 changed since the backup$/m);
    assert.doesNotMatch(summary, /Artist/, 'identical tables are not listed');
    // the live database is as the test left it
    assert.equal(sqlite3(db, 'SELECT count(*) FROM Track'), '3403');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('Compare from the restore modal: the diff runs in the engine while the restore waits there for its answer; No leaves the database alone', async () => {
    const db = path.join(dir, 'modal.db');
    fs.copyFileSync(CHINOOK, db);
    const backup = await vscode.commands.executeCommand('lifeboat.backupDatabase', vscode.Uri.file(db));
    sqlite3(db, 'DELETE FROM Invoice WHERE InvoiceId > 402; DELETE FROM InvoiceLine WHERE InvoiceId > 402;');
    const before = fs.readFileSync(db);
    let summary;
    // what the restore modal's Compare does (restore.ts calls showDiff with the preflight's paths)
    await assert.rejects(api.ctx.service.restore(backup, db, async (p) => {
      summary = await vscode.commands.executeCommand('lifeboat.compareWithLive', { backupFile: p.backupFile, dbPath: p.dbPath });
      return false;
    }), (e) => e.name === 'NotConfirmedError');
    assert.match(summary, /^Invoice: 10 deleted since the backup$/m);
    assert.match(summary, /^InvoiceLine: \d+ deleted since the backup$/m);
    assert.ok(fs.readFileSync(db).equals(before), 'the database changed');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('a diff of a big table runs in the engine process: the extension host\'s event loop keeps turning', async () => {
    const live = path.join(dir, 'big.db');
    // ~640,000 rows (about 60 MB); 1% deleted and 0.1% changed in the live copy after the "backup"
    sqlite3(live, `PRAGMA journal_mode = WAL;
      CREATE TABLE events(id INTEGER PRIMARY KEY, kind TEXT NOT NULL, payload TEXT, n INTEGER);
      WITH RECURSIVE i(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM i WHERE x < 640000)
      INSERT INTO events SELECT x, 'kind-' || (x % 17), hex(randomblob(32)), x * 7 FROM i;
      PRAGMA wal_checkpoint(TRUNCATE);`);
    const backup = path.join(dir, 'big-backup.db');
    fs.copyFileSync(live, backup);
    sqlite3(live, 'DELETE FROM events WHERE id % 100 = 0; UPDATE events SET n = -n WHERE id % 1000 = 1;');
    let worst = 0;
    let last = Date.now();
    const tick = setInterval(() => { const now = Date.now(); worst = Math.max(worst, now - last - 20); last = now; }, 20);
    const t0 = Date.now();
    let summary;
    try {
      summary = await vscode.commands.executeCommand('lifeboat.compareWithLive', { backupFile: backup, dbPath: live });
    } finally {
      clearInterval(tick);
    }
    const took = Date.now() - t0;
    note(`diff of 640,000 rows: ${took} ms; worst event-loop lag in the extension host meanwhile: ${worst} ms`);
    assert.match(summary, /^events: 6400 deleted, 640 changed since the backup$/m);
    assert.ok(took >= 1000, `the diff took only ${took} ms: too small to show anything`);
    assert.ok(worst < Math.min(250, took / 4), `the extension host was blocked for ${worst} ms during a ${took} ms diff`);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('with lifeboat.inside.preferViewer, Look Inside hands a private read-only copy to that viewer (never the backup or the live file); the copy goes with its tab', async () => {
    const cfg = () => vscode.workspace.getConfiguration('lifeboat');
    // a custom editor every VS Code has (the built-in image preview) stands in for a SQLite viewer extension
    await cfg().update('inside.preferViewer', 'imagePreview.previewEditor', vscode.ConfigurationTarget.Workspace);
    try {
      const db = path.join(dir, 'viewer.db');
      fs.copyFileSync(CHINOOK, db);
      const backup = await vscode.commands.executeCommand('lifeboat.backupDatabase', vscode.Uri.file(db));
      const copy = await vscode.commands.executeCommand('lifeboat.lookInside', { backupFile: backup, dbPath: db });
      assert.ok(copy instanceof vscode.Uri, `Look Inside returned ${copy}`);
      const privateCopy = (uri, what) => {
        assert.notEqual(uri.fsPath, backup, `${what}: the backup itself`);
        assert.notEqual(uri.fsPath, db, `${what}: the live file`);
        assert.equal(fs.statSync(uri.fsPath).mode & 0o777, 0o400, `${what} is read-only`);
        assert.equal(fs.statSync(path.dirname(uri.fsPath)).mode & 0o777, 0o700, `${what} is in a private folder`);
        assert.match(path.basename(path.dirname(uri.fsPath)), /^lifeboat-viewer-/);
      };
      privateCopy(copy, 'the backup\'s copy');
      assert.ok(fs.readFileSync(copy.fsPath).equals(fs.readFileSync(backup)), 'the copy is the backup, byte for byte');
      const tabOf = (uri) => vscode.window.tabGroups.all.flatMap((g) => g.tabs).find((t) => t.input instanceof vscode.TabInputCustom && t.input.uri.fsPath === uri.fsPath);
      const tab = await poll(() => tabOf(copy), 'a tab of the viewer');
      assert.equal(tab.input.viewType, 'imagePreview.previewEditor');

      let live;
      const lines = await openedWhile(async () => { live = await vscode.commands.executeCommand('lifeboat.lookInside', { dbPath: db, live: true }); });
      const esc = db.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      assert.deepEqual(lines.filter((l) => new RegExp(`"${esc}(-wal|-shm|-journal)?"`).test(l)), [], 'the extension host opened the live database');
      privateCopy(live, 'the live database\'s snapshot');
      assert.equal(sqlite3(live.fsPath, 'SELECT count(*) FROM Track'), '3503');
      await poll(() => tabOf(live), 'a tab of the viewer for the snapshot');

      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
      await poll(() => !fs.existsSync(path.dirname(copy.fsPath)) && !fs.existsSync(path.dirname(live.fsPath)), 'the private copies to go with their tabs');
    } finally {
      await cfg().update('inside.preferViewer', undefined, vscode.ConfigurationTarget.Workspace);
    }
  });

  it('the destructive-query drill: Run Rehearsal deletes from a scratch copy, recovers the rows and fills Rows Lost, Rows Recovered and Other Tables Untouched', async () => {
    const db = path.join(dir, 'drill.db');
    fs.copyFileSync(CHINOOK, db);
    const backup = await vscode.commands.executeCommand('lifeboat.backupDatabase', vscode.Uri.file(db));
    const shipped = path.join(vscode.extensions.getExtension(EXTENSION_ID).extensionPath, 'docs', 'ops', 'drills');
    const scenario = (await api.drills.listScenarios([shipped])).find((s) => s.id === 'destructive-query');
    assert.ok(scenario, 'the editor offers the destructive-query scenario');
    const drillsDir = path.join(dir, 'drills');
    const file = await api.drills.startDrill(scenario, drillsDir, { operator: 'Tester', database: db });
    const before = sqlite3(db, '.dump');
    const r = await vscode.commands.executeCommand('lifeboat.runRehearsal', vscode.Uri.file(file), { dbPath: db, backupFile: backup, table: 'Track' });
    assert.deepEqual(r, { pass: true });
    const text = fs.readFileSync(file, 'utf8');
    const lines = text.split(/\r?\n/);
    const header = lines.findIndex((l) => /^\|\s*Date\s*\|/.test(l));
    const cells = (l) => l.trim().replace(/^\||\|$/g, '').split('|').map((c) => c.trim());
    const names = cells(lines[header]);
    const rows = lines.slice(header + 2).filter((l) => l.startsWith('|'));
    assert.equal(rows.length, 1, `one evidence row: ${rows}`);
    const row = Object.fromEntries(cells(rows[0]).map((c, i) => [names[i], c]));
    assert.equal(row['Pass/Fail'], 'Pass');
    assert.equal(row['Backup File'], path.basename(backup));
    assert.equal(row['Rows Lost'], '3503');
    assert.equal(row['Rows Recovered'], '3503');
    assert.equal(row['Other Tables Untouched'], 'yes (10)');
    assert.equal(row.integrity_check, 'ok');
    for (const step of ['verify', 'inject', 'recover', 'integrity', 'untouched', 'evidence']) {
      assert.match(text, new RegExp(`- \\[x\\] .*lifeboat:auto=${step}\\b`), `auto item ${step} ticked`);
    }
    assert.equal(sqlite3(db, '.dump'), before, 'the rehearsal wrote to the live database');
  });
});
