// The extension inside a real VS Code extension host: activation, commands, the databases
// tree, backup/restore/verify through the extension's own code paths with the native sqlite3
// CLI checking the files, settings, and drills.
'use strict';
const assert = require('assert/strict');
const { execFileSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const vscode = require('vscode');

const EXTENSION_ID = 'sqlite-lifeboat.sqlite-lifeboat';
const root = () => vscode.workspace.workspaceFolders[0].uri.fsPath;
const ws = (...p) => path.join(root(), ...p);
const sqlite3 = (db, sql) => execFileSync('sqlite3', ['-batch', db, sql], { encoding: 'utf8' }).trim();
const poll = async (fn, what, timeout = 15_000) => {
  const end = Date.now() + timeout;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
};
const config = () => vscode.workspace.getConfiguration('lifeboat');

let api;

describe('SQLite Lifeboat in the extension host', function () {
  this.timeout(120_000);

  before(async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext, 'extension installed');
    api = await ext.activate();
    await api.ready;
  });

  after(async () => {
    for (const k of ['retain', 'databases', 'backupDirectory']) await config().update(k, undefined, vscode.ConfigurationTarget.Workspace);
  });

  it('activates on start-up finished (so that a schedule runs without the view) and registers every contributed command', async () => {
    const pkg = vscode.extensions.getExtension(EXTENSION_ID).packageJSON;
    assert.deepEqual(pkg.activationEvents, ['onStartupFinished']);
    const all = new Set(await vscode.commands.getCommands(true));
    const contributed = pkg.contributes.commands.map((c) => c.command);
    assert.ok(contributed.length >= 20);
    for (const c of contributed) assert.ok(all.has(c), `${c} is not registered`);
    for (const c of pkg.contributes.commands) assert.equal(c.category, 'Lifeboat', `${c.command} has no category`);
  });

  it('lists the workspace databases confirmed by their header, never companions, manifests, fakes or node_modules', async () => {
    await api.ctx.registry.refresh();
    const names = api.ctx.registry.list().map((d) => path.relative(root(), d.path)).sort();
    assert.deepEqual(names, ['app.db', path.join('data', 'inventory.db'), 'notes.sqlite', 'restore-me.sqlite3']);
    const top = await api.ctx.tree.getChildren();
    assert.deepEqual(top.map((n) => n.db.name).sort(), ['app.db', 'inventory.db', 'notes.sqlite', 'restore-me.sqlite3']);
  });

  it('a database with no backup shows that in the tree', async () => {
    const node = (await api.ctx.tree.getChildren()).find((n) => n.db.name === 'notes.sqlite');
    const item = await api.ctx.tree.getTreeItem(node);
    // what matters first, then the live file's size
    assert.equal(item.description, `no backup yet · live ${(fs.statSync(node.db.path).size / 1024).toFixed(1)} KB`);
    assert.match(item.contextValue, /^database\+none/);
    assert.equal(item.collapsibleState, vscode.TreeItemCollapsibleState.None);
  });

  it('Back Up Database (explorer Uri) writes a backup that native sqlite3 accepts, and the tree shows it', async () => {
    const db = ws('data', 'inventory.db');
    // an uncheckpointed commit in the -wal must be in the backup
    const writer = require('child_process').spawn('sqlite3', [db], { stdio: ['pipe', 'pipe', 'pipe'] });
    writer.stdin.write("PRAGMA wal_autocheckpoint=0; INSERT INTO item(name, qty) VALUES ('from-wal', 99); SELECT 'done';\n");
    await poll(() => fs.existsSync(`${db}-wal`) && fs.statSync(`${db}-wal`).size > 0, 'the -wal');
    const file = await vscode.commands.executeCommand('lifeboat.backupDatabase', vscode.Uri.file(db));
    writer.stdin.end();
    assert.ok(file && fs.existsSync(file), `backup file ${file}`);
    assert.equal(sqlite3(file, 'PRAGMA integrity_check;'), 'ok');
    assert.equal(sqlite3(file, 'SELECT count(*) FROM item;'), '501');
    assert.equal(sqlite3(file, "SELECT qty FROM item WHERE name = 'from-wal';"), '99');
    assert.equal(sqlite3(file, 'PRAGMA journal_mode;'), 'delete');
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    assert.equal(fs.statSync(path.dirname(file)).mode & 0o777, 0o700);
    assert.ok(file.startsWith(path.join(os.homedir(), '.sqlite-lifeboat', 'backups')), file);

    const node = (await api.ctx.tree.getChildren()).find((n) => n.db.path === db);
    const item = await api.ctx.tree.getTreeItem(node);
    assert.match(item.description, /^✓ just now · live \d+(\.\d)? KB$/);
    assert.match(item.contextValue, /^database\+fresh\+hasBackups/);
    const kids = await api.ctx.tree.getChildren(node);
    assert.equal(kids.length, 1);
    const kid = await api.ctx.tree.getTreeItem(kids[0]);
    // "✓ just now · 24.0 KB" first, the local time after it
    assert.equal(kid.label, `✓ just now · ${(fs.statSync(file).size / 1024).toFixed(1)} KB`);
    assert.match(kid.description, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d\d:\d\d$/);
    assert.match(kid.contextValue, /^backup\+unpinned\+verified/);
    assert.match(kid.tooltip.value, /SHA-256/);
    assert.match(kid.tooltip.value, /\| item \| 501 \|/);
  });

  it('Verify and Pin work on a backup node', async () => {
    const db = ws('data', 'inventory.db');
    const node = (await api.ctx.tree.getChildren()).find((n) => n.db.path === db);
    const [backup] = await api.ctx.tree.getChildren(node);
    assert.equal(await vscode.commands.executeCommand('lifeboat.verifyBackup', backup), true);
    await vscode.commands.executeCommand('lifeboat.pin', backup);
    const manifest = JSON.parse(fs.readFileSync(`${backup.entry.file}.json`, 'utf8'));
    assert.equal(manifest.pinned, true);
    assert.equal(manifest.lastVerified.ok, true);
    const [again] = await api.ctx.tree.getChildren(node);
    assert.match((await api.ctx.tree.getTreeItem(again)).contextValue, /\+pinned/);
  });

  it('restores through the extension: safety copy first, companions moved aside, native sqlite3 sees the backup', async () => {
    const db = ws('restore-me.sqlite3');
    const file = await vscode.commands.executeCommand('lifeboat.backupDatabase', db);
    sqlite3(db, "UPDATE kv SET v = 'changed' WHERE k = 'version'; DELETE FROM kv WHERE k = 'a';");
    fs.writeFileSync(`${db}-journal`, ''); // a stale (empty) companion must be moved aside, not kept
    let asked;
    const r = await api.ctx.service.restore(file, db, async (p) => { asked = p; return true; });
    assert.equal(asked.dbPath, db);
    assert.equal(asked.backup.tables.kv, 3);
    assert.equal(sqlite3(db, "SELECT v FROM kv WHERE k = 'version';"), 'original');
    assert.equal(sqlite3(db, 'SELECT count(*) FROM kv;'), '3');
    assert.equal(sqlite3(db, 'PRAGMA integrity_check;'), 'ok');
    assert.equal(fs.existsSync(`${db}-journal`), false);
    assert.ok(r.safetyCopy && fs.existsSync(r.safetyCopy));
    assert.equal(sqlite3(r.safetyCopy, "SELECT v FROM kv WHERE k = 'version';"), 'changed');
    // one copy suffices: the safety copy (with its manifest) holds what the companion held, so the
    // moved -journal is not kept beside it
    assert.deepEqual(r.movedCompanions, []);
    assert.deepEqual(fs.readdirSync(r.safetyDir).sort(), [path.basename(r.safetyCopy), `${path.basename(r.safetyCopy)}.json`]);
  });

  it('refuses a restore that is not confirmed and leaves the live file byte-for-byte', async () => {
    const db = ws('restore-me.sqlite3');
    const before = fs.readFileSync(db);
    const [entry] = await api.ctx.service.list(db);
    await assert.rejects(api.ctx.service.restore(entry.file, db, async () => false), /not confirmed/);
    assert.ok(fs.readFileSync(db).equals(before));
  });

  it('safety copies: a row under their database ("Before restore, HH:MM — Undo") that undoes the restore, and only the newest lifeboat.safetyCopies sets are kept', async () => {
    const db = ws('restore-me.sqlite3');
    const [entry] = await api.ctx.service.list(db);
    await config().update('safetyCopies', 2, vscode.ConfigurationTarget.Workspace);
    try {
      const sets = [];
      for (let i = 1; i <= 3; i++) {
        sqlite3(db, `UPDATE kv SET v = 'state ${i}' WHERE k = 'version';`);
        const r = await api.ctx.service.restore(entry.file, db, async () => true);
        sets.push(r);
        assert.equal(sqlite3(db, "SELECT v FROM kv WHERE k = 'version';"), 'original');
      }
      assert.deepEqual(sets[2].prunedSafetySets, [sets[0].safetyDir], 'the oldest set beyond 2 is not pruned');
      assert.equal(fs.existsSync(sets[0].safetyDir), false);
      const copies = await api.ctx.service.safetyCopies(db);
      assert.deepEqual(copies.map((c) => c.file), [sets[2].safetyCopy, sets[1].safetyCopy]);
      // the tree: backups first, then the safety copies, newest first
      const node = (await api.ctx.tree.getChildren()).find((n) => n.db.path === db);
      const kids = await api.ctx.tree.getChildren(node);
      const safety = kids.filter((k) => k.kind === 'safetyCopy');
      assert.equal(safety.length, 2);
      assert.ok(kids.slice(-2).every((k) => k.kind === 'safetyCopy'), 'the safety copies are not after the backups');
      const item = await api.ctx.tree.getTreeItem(safety[0]);
      const hhmm = new Date(copies[0].createdAt).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
      assert.equal(item.label, `Before restore, ${hhmm} — Undo`);
      assert.equal(item.contextValue, 'safetyCopy');
      assert.equal(item.command.command, 'lifeboat.undoRestore');
      // what the row's click runs, through the restore (its confirmation answered here): the state before the last restore
      const undo = await api.ctx.service.restore(safety[0].copy.file, db, async (p) => p.backupFile === sets[2].safetyCopy);
      assert.ok(undo.safetyCopy);
      assert.equal(sqlite3(db, "SELECT v FROM kv WHERE k = 'version';"), 'state 3');
      assert.equal(sqlite3(db, 'PRAGMA integrity_check;'), 'ok');
    } finally {
      await config().update('safetyCopies', undefined, vscode.ConfigurationTarget.Workspace);
    }
  });

  it('honours lifeboat.retain, lifeboat.backupDirectory and lifeboat.databases', async () => {
    const external = fs.mkdtempSync(path.join(os.tmpdir(), 'lb-ext-'));
    const extDb = path.join(external, 'outside.db');
    sqlite3(extDb, 'CREATE TABLE t(x); INSERT INTO t VALUES (1), (2);');
    const dir = path.join(os.homedir(), 'custom-backups');
    await config().update('backupDirectory', dir, vscode.ConfigurationTarget.Workspace);
    await config().update('retain', 2, vscode.ConfigurationTarget.Workspace);
    await config().update('databases', [extDb], vscode.ConfigurationTarget.Workspace);
    await poll(() => api.ctx.registry.find(extDb), 'the external database in the list');
    // a change before each backup: a backup of an unchanged database writes no second copy
    for (let i = 0; i < 4; i++) {
      sqlite3(extDb, `INSERT INTO t VALUES (${10 + i});`);
      await vscode.commands.executeCommand('lifeboat.backupDatabase', extDb);
    }
    const entries = await api.ctx.service.list(extDb);
    assert.equal(entries.length, 2, entries.map((e) => e.name).join(', '));
    for (const e of entries) assert.ok(e.file.startsWith(dir + path.sep), e.file);
    assert.equal(sqlite3(entries[0].file, 'SELECT count(*) FROM t;'), '6');
    assert.equal(sqlite3(entries[1].file, 'SELECT count(*) FROM t;'), '5');
    // unchanged since: the same newest backup, its manifest records the check
    const again = await vscode.commands.executeCommand('lifeboat.backupDatabase', extDb);
    assert.equal(again, entries[0].file);
    assert.equal((await api.ctx.service.list(extDb)).length, 2);
    assert.ok(JSON.parse(fs.readFileSync(`${again}.json`, 'utf8')).unchangedAt, 'the check is not recorded in the manifest');
  });

  it('1,000 backups list from their manifests without blocking the extension host', async () => {
    const db = ws('notes.sqlite');
    const first = await vscode.commands.executeCommand('lifeboat.backupDatabase', db);
    const dir = path.dirname(first);
    const manifest = JSON.parse(fs.readFileSync(`${first}.json`, 'utf8'));
    const t0 = Date.UTC(2026, 0, 1);
    for (let i = 0; i < 1000; i++) {
      const at = new Date(t0 + i * 60_000);
      const stamp = at.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
      const name = `notes-backup-${stamp.slice(0, 4)}-${stamp.slice(4, 6)}-${stamp.slice(6, 8)}-${stamp.slice(9, 15)}.sqlite`;
      fs.copyFileSync(first, path.join(dir, name));
      fs.writeFileSync(path.join(dir, `${name}.json`), JSON.stringify({ ...manifest, file: name, createdAt: at.toISOString() }));
    }
    const { monitorEventLoopDelay } = require('perf_hooks');
    const h = monitorEventLoopDelay({ resolution: 10 });
    h.enable();
    api.ctx.service.invalidate(db);
    const node = (await api.ctx.tree.getChildren()).find((n) => n.db.path === db);
    const kids = await api.ctx.tree.getChildren(node);
    const items = await Promise.all(kids.map((k) => api.ctx.tree.getTreeItem(k)));
    h.disable();
    assert.equal(kids.length, 1001);
    assert.equal(kids[0].entry.file, first, 'newest first');
    assert.ok(items.every((i) => /^✓ /.test(i.label)), items.find((i) => !/^✓ /.test(i.label))?.label);
    // generous bound for a shared 2-core machine: listing must never freeze the host for long
    assert.ok(h.max / 1e6 < 500, `event loop blocked for ${(h.max / 1e6).toFixed(0)} ms`);
  });

  it('the status bar says how many databases are protected, and the scheduler backs up what is due', async () => {
    const done = await api.scheduler.runDue(0);
    assert.ok(done >= 4, `scheduler backed up ${done}`);
    for (const d of api.ctx.registry.list()) assert.ok((await api.ctx.service.list(d.path)).length > 0, `${d.name} has a backup`);
    await api.status.update();
    const total = api.ctx.registry.list().length;
    assert.equal(api.status.text, `$(pass) Lifeboat: ${total}/${total} protected`);
    assert.equal(api.status.badge, undefined, 'a badge although every database is protected');
  });

  it('drills: start a drill, edit the markdown and see the tree change, run the rehearsal and see the evidence row', async () => {
    const drillsDir = ws('.lifeboat', 'drills');
    const { startDrill, listScenarios } = api.drills;
    const scenarios = await listScenarios([path.join(vscode.extensions.getExtension(EXTENSION_ID).extensionPath, 'docs', 'ops', 'drills')]);
    assert.deepEqual(scenarios.map((s) => s.id).sort(), ['backup-restore', 'bad-migration', 'corrupt-backups', 'destructive-query']);
    const file = await startDrill(scenarios.find((s) => s.id === 'backup-restore'), drillsDir, { operator: 'Tester' });
    await api.drills.files.refresh();
    const uri = vscode.Uri.file(file);
    const fileNode = () => api.drills.tree.getChildren().find((n) => n.uri && n.uri.fsPath === file);
    const before = api.drills.tree.getTreeItem(fileNode()).description;
    assert.match(before, /^0\/\d+ · not started$/);

    const doc = await vscode.workspace.openTextDocument(uri);
    const line = doc.getText().split(/\r?\n/).findIndex((l) => /^\s*- \[ \]/.test(l) && !l.includes('lifeboat:auto'));
    const col = doc.lineAt(line).text.indexOf('[ ]') + 1;
    const edit = new vscode.WorkspaceEdit();
    edit.replace(uri, new vscode.Range(line, col, line, col + 1), 'x');
    await vscode.workspace.applyEdit(edit);
    await poll(() => /^1\/\d+ · in progress$/.test(api.drills.tree.getTreeItem(fileNode()).description), 'the tree to show 1 done');
    await doc.save();

    const db = ws('app.db');
    const backup = await vscode.commands.executeCommand('lifeboat.backupDatabase', db);
    const r = await vscode.commands.executeCommand('lifeboat.runRehearsal', uri, { dbPath: db, backupFile: backup });
    assert.deepEqual(r, { pass: true });
    const text = fs.readFileSync(file, 'utf8');
    const row = text.split(/\r?\n/).find((l) => l.includes(path.basename(backup)) && l.startsWith('|'));
    assert.ok(row, 'evidence row written');
    assert.match(row, /\| Pass \|/);
    assert.match(row, /\| \d+(\.\d+)? (ms|s) \|/);
    assert.match(row, /\| ok \| yes \|/);
    assert.match(text, /- \[x\] .*lifeboat:auto=restore/);
    // the rehearsal passed, the manual steps are open: in progress until every box is ticked
    assert.match(api.drills.tree.getTreeItem(fileNode()).description, /· in progress$/);
    const doc2 = await vscode.workspace.openTextDocument(uri);
    const all = new vscode.WorkspaceEdit();
    doc2.getText().split(/\r?\n/).forEach((l, i) => {
      const m = /^(\s*(?:[-*+]|\d+[.)])\s+\[) \]/.exec(l);
      if (m) all.replace(uri, new vscode.Range(i, m[1].length, i, m[1].length + 1), 'x');
    });
    await vscode.workspace.applyEdit(all);
    await poll(() => /· passed$/.test(api.drills.tree.getTreeItem(fileNode()).description), 'the drill to pass');
    const cadence = api.drills.tree.getChildren()[0];
    assert.match(api.drills.tree.getTreeItem(cadence).label, /^Last passed \d{4}-\d\d-\d\d · next due/);
    await doc2.save();
  });

  it('writes to a database re-render the tree only when the list or a size changes', async () => {
    const db = ws('churn.db');
    sqlite3(db, 'CREATE TABLE t(x); INSERT INTO t VALUES (1);');
    let changes = 0;
    const sub = api.ctx.registry.onDidChange(() => changes++);
    try {
      await poll(() => api.ctx.registry.find(db), 'churn.db in the list');
      await api.ctx.registry.refresh();
      changes = 0;
      const size = fs.statSync(db).size;
      for (let i = 1; i <= 5; i++) sqlite3(db, `UPDATE t SET x = ${i}; PRAGMA user_version = ${i};`);
      assert.equal(fs.statSync(db).size, size, 'the updates kept the file size');
      await new Promise((r) => setTimeout(r, 1500)); // the watcher's events and the debounced rescan
      await api.ctx.registry.refresh();
      assert.equal(changes, 0, 'same databases, same sizes: no change event');
      sqlite3(db, 'CREATE TABLE big(b); INSERT INTO big VALUES (randomblob(50000));');
      assert.ok(fs.statSync(db).size > size);
      await api.ctx.registry.refresh();
      assert.equal(changes, 1, 'a size change is one change event');
    } finally {
      sub.dispose();
      fs.rmSync(db, { force: true });
      await poll(async () => { await api.ctx.registry.refresh(); return !api.ctx.registry.find(db); }, 'churn.db to leave the list');
    }
  });

  it('the extension host never opens a live database: scans, backups, Compare and rehearsals read it in the engine process', async () => {
    // POSIX drops every SQLite lock a process holds on a file when it closes any descriptor of it:
    // another extension's connection in this host would lose its locks. strace every thread of this
    // process (the libuv pool does the file I/O) while the extension works on app.db.
    const db = ws('app.db');
    const tids = fs.readdirSync(`/proc/${process.pid}/task`);
    const log = path.join(os.tmpdir(), `lifeboat-strace-${process.pid}.txt`);
    const st = require('child_process').spawn('strace', ['-qq', '-e', 'trace=open,openat,openat2', '-o', log, ...tids.flatMap((t) => ['-p', t])], { stdio: 'ignore' });
    const traced = (t) => { try { return /TracerPid:\s+[1-9]/.test(fs.readFileSync(`/proc/${process.pid}/task/${t}/status`, 'utf8')); } catch { return true; } };
    await poll(() => tids.every(traced), 'strace to attach to every thread');
    try {
      await api.ctx.registry.refresh(); // reads every candidate's header
      const file = await vscode.commands.executeCommand('lifeboat.backupDatabase', vscode.Uri.file(db));
      assert.ok(file && fs.existsSync(file));
      const live = await api.ctx.service.inspectLive(db); // what Compare shows
      assert.equal(live.tables.Track, 3503);
    } finally {
      st.kill('SIGINT');
      await new Promise((r) => st.once('close', r));
    }
    const lines = fs.readFileSync(log, 'utf8').split('\n');
    assert.ok(lines.some((l) => /openat?\(/.test(l)), 'strace saw this process open files at all');
    const esc = db.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const opened = lines.filter((l) => new RegExp(`"${esc}(-wal|-shm|-journal)?"`).test(l));
    assert.deepEqual(opened, [], 'the extension host opened the live database');
    assert.notEqual(await api.engine.pid(), process.pid, 'the engine runs in its own process');
  });

  it('Reveal and Open Backup Folder in a browser window: inside the workspace the Explorer reveals it; outside, its path goes to the clipboard', async () => {
    // run.mjs's code-server is a browser window; test/electron's desktop VS Code has the system's file manager
    const web = vscode.env.uiKind === vscode.UIKind.Web;
    assert.equal(web, Boolean(process.env.LIFEBOAT_E2E_VSCODE), `uiKind ${vscode.env.uiKind} in ${process.env.LIFEBOAT_E2E_VSCODE ? 'code-server' : 'a desktop VS Code'}`);
    const db = ws('app.db');
    // inside the workspace: revealed in the Explorer; the command ends without a message or the clipboard
    await vscode.env.clipboard.writeText('untouched');
    const node = (await api.ctx.tree.getChildren()).find((n) => n.db.path === db);
    await vscode.commands.executeCommand('lifeboat.reveal', node);
    assert.equal(await vscode.env.clipboard.readText(), 'untouched', 'a file inside the workspace was copied instead of revealed');
    const dir = api.ctx.service.backupDir(db);
    assert.ok(!dir.startsWith(root() + path.sep), dir);
    if (!web) {
      // the system's file manager shows it: nothing asked, nothing copied
      await vscode.commands.executeCommand('lifeboat.openBackupFolder', db);
      assert.equal(await vscode.env.clipboard.readText(), 'untouched');
      return;
    }
    // the backup folder is under ~: its path on the clipboard (the message that says so waits for an answer)
    void vscode.commands.executeCommand('lifeboat.openBackupFolder', db);
    let held = '';
    await poll(async () => (held = await vscode.env.clipboard.readText()) === dir, `the clipboard to hold ${dir} (it holds "${held}")`).catch((e) => { throw new Error(`${e.message}; it holds "${held}"`); });
    assert.ok(fs.statSync(dir).isDirectory());
  });

  it('two databases with the same name: each row has a folder hint before its state', async () => {
    const twin = ws('twin', 'notes.sqlite');
    fs.mkdirSync(path.dirname(twin), { recursive: true });
    sqlite3(twin, 'CREATE TABLE n(x); INSERT INTO n VALUES (1);');
    try {
      await poll(async () => { await api.ctx.registry.refresh(); return api.ctx.registry.find(twin); }, 'twin/notes.sqlite in the list');
      const rows = await Promise.all((await api.ctx.tree.getChildren()).filter((n) => n.db.name === 'notes.sqlite').map(async (n) => [path.relative(root(), n.db.path), (await api.ctx.tree.getTreeItem(n)).description]));
      const hints = Object.fromEntries(rows);
      assert.match(hints['notes.sqlite'], new RegExp(`^\\.\\${path.sep} · `), JSON.stringify(hints));
      assert.match(hints[path.join('twin', 'notes.sqlite')], new RegExp(`^twin\\${path.sep} · no backup yet · live `), JSON.stringify(hints));
      const other = (await api.ctx.tree.getChildren()).find((n) => n.db.name === 'app.db');
      assert.doesNotMatch((await api.ctx.tree.getTreeItem(other)).description, /\//, 'a folder hint on a database whose name is unique');
    } finally {
      fs.rmSync(path.dirname(twin), { recursive: true, force: true });
      await poll(async () => { await api.ctx.registry.refresh(); return !api.ctx.registry.find(twin); }, 'twin/notes.sqlite to leave the list');
    }
  });

  it('a backup of another database: the restore modal is told (otherSource, the source path), and Cancel changes nothing', async () => {
    const other = ws('other-app.db');
    sqlite3(other, 'CREATE TABLE x(v); INSERT INTO x VALUES (42);');
    const file = await vscode.commands.executeCommand('lifeboat.backupDatabase', vscode.Uri.file(other));
    assert.ok(file && fs.existsSync(file));
    const target = ws('notes.sqlite');
    const before = fs.readFileSync(target);
    let seen;
    await assert.rejects(api.ctx.service.restore(file, target, async (p) => { seen = p; return false; }), (e) => e.name === 'NotConfirmedError');
    assert.equal(seen.otherSource, true);
    assert.equal(seen.sourcePath, fs.realpathSync(other));
    assert.ok(fs.readFileSync(target).equals(before), 'notes.sqlite unchanged');
    fs.rmSync(other, { force: true });
  });
});
