// A database that another process uses, and another Lifeboat operation that holds the database's
// folder: the restore modal refuses (naming why and how to stop the app) and changes nothing;
// a backup waits for the other operation, says so in its progress, and completes once it ends.
// How the use is found differs with the editor's runtime: on VS Code 1.100 (Node 20, no node:sqlite)
// from the -wal and -shm the app leaves; on 1.139 (Node 24) SQLite's own lock says so, and the modal
// also offers Restore Online, which restores through SQLite while the app stays connected.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync, copyFileSync, mkdtempSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO, sqlite } from '../workspace.mjs';

export const title = 'in use: the restore modal refuses a database an app has open (1.139: Restore Online); a backup waits for another Lifeboat operation';
const LOCKS = process.env.LIFEBOAT_E2E_VSCODE === 'current'; // run.mjs: the extension host has node:sqlite
export const timeout = 180;
export const fixtures = {
  'busy.db': sqlite('CREATE TABLE t(id INTEGER PRIMARY KEY, v BLOB); CREATE TABLE marker(v TEXT); INSERT INTO marker VALUES (\'start\');', { journal: 'wal' }),
};

/** A stand-in for another Lifeboat process: a live process whose stamp we write into a lock file. */
function liveStamp(op) {
  const child = spawn('sleep', ['600'], { stdio: 'ignore' });
  const stat = readFileSync(`/proc/${child.pid}/stat`, 'utf8');
  const procStart = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  const bootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  return { child, stamp: JSON.stringify({ pid: child.pid, host: hostname(), bootId, procStart, since: new Date().toISOString(), op }) };
}

/**
 * Checks the in-use modal for busy.db as the runtime shows it. With SQLite's locks the lock tells
 * (exactly) and Restore Online is offered; without, the companions the app leaves are the signs.
 */
async function inUseModal(page, driver, assert, log) {
  const text = await driver.dialogText(page);
  log(`    modal:\n      ${text.split('\n').join('\n      ')}`);
  const lines = text.split('\n');
  assert.equal(lines[0], 'busy.db is in use by another process');
  if (LOCKS) {
    assert.deepEqual(lines.slice(1, 3), ['SQLite says another connection has it open', ''], `the lock, not the files, says so: ${text}`);
    assert.match(lines[3], /^Restore Online restores through SQLite while the application stays connected: it sees the restored data, and its later writes land in it\./);
  } else {
    assert.match(lines[1], /^busy\.db-wal holds \d+ bytes of recent changes$/);
    assert.equal(lines[2], 'busy.db-shm exists (an application has it open in WAL mode, or did not close it)');
    assert.match(lines[4], /^Stop the application that uses it/);
  }
  const buttons = (await page.locator('.monaco-dialog-box .dialog-buttons .monaco-button').allTextContents()).map((s) => s.trim()).sort();
  assert.deepEqual(buttons, LOCKS ? ['Cancel', 'Restore Anyway', 'Restore Online', 'Try Again'] : ['Cancel', 'Restore Anyway', 'Try Again']);
}

export default async function inUse({ page, workspace, home, driver, assert, sqlite3, log }) {
  const db = join(workspace, 'busy.db');
  const DB = { pane: 'Databases' };
  await driver.openView(page, 'Lifeboat');
  await driver.waitForTreeRow(page, 'lifeboat', 'busy.db', DB);
  await driver.clickTreeInlineAction(page, 'lifeboat', 'busy.db', 'Back Up Database…', DB);
  await driver.waitForNotification(page, /Backed up busy\.db → /, { timeout: 30_000 });
  await driver.runCommand(page, 'Notifications: Clear All Notifications');
  const root = join(home, '.sqlite-lifeboat', 'backups');
  const folder = join(root, readdirSync(root).find((d) => d.startsWith('busy-')));

  // An application connects in WAL mode and keeps its connection.
  const app = spawn(process.execPath, [join(REPO, 'test', 'support', 'wal-holder.cjs'), db, '100'], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    await new Promise((resolve, reject) => {
      let out = '';
      app.stdout.on('data', (d) => { out += d; if (out.includes('"ready"')) resolve(); });
      app.on('close', (c) => reject(new Error(`app exited ${c}`)));
    });
    const seen = () => {
      const dir = mkdtempSync(join(tmpdir(), 'seen-'));
      for (const s of ['', '-wal', '-shm']) if (existsSync(db + s)) copyFileSync(db + s, join(dir, `x.db${s}`));
      return sqlite3(join(dir, 'x.db'), 'SELECT count(*) FROM t;');
    };
    assert.equal(seen(), '100');
    const before = readFileSync(`${db}-wal`);

    await driver.expandTreeRow(page, 'lifeboat', 'busy.db', DB);
    const rows = await driver.poll(async () => {
      const c = await driver.treeChildren(page, 'lifeboat', 'busy.db', DB);
      return c.length ? c : null;
    }, { what: 'the backup row under busy.db' });
    await driver.treeContextMenu(page, 'lifeboat', rows[0].label, 'Restore Database from Backup…', { ...DB, under: 'busy.db' });
    await inUseModal(page, driver, assert, log);
    await driver.screenshot(page, 'restore-in-use');
    await driver.clickDialogButton(page, 'Cancel');
    await driver.poll(async () => !(await driver.notifications(page)).some((n) => /^Restoring busy\.db/.test(n)), { what: 'the restore to end' });
    assert.equal(seen(), '100', 'the app\'s rows are all there');
    assert.ok(readFileSync(`${db}-wal`).equals(before), 'its -wal was not touched');
    assert.ok(!existsSync(join(folder, 'pre-restore')), 'no safety copy was made: nothing was restored');

    if (LOCKS) {
      // Restore Online: the confirmation modal, then the backup's content is live while the app stays connected.
      await driver.treeContextMenu(page, 'lifeboat', rows[0].label, 'Restore Database from Backup…', { ...DB, under: 'busy.db' });
      await inUseModal(page, driver, assert, log);
      await driver.clickDialogButton(page, 'Restore Online', { closes: false }); // the restore's own modal follows
      const confirm = await driver.poll(async () => {
        const t = await driver.dialogText(page);
        return /^Restore busy\.db from a backup\?/.test(t) ? t : null;
      }, { what: 'the restore confirmation' });
      log(`    online restore modal:\n      ${confirm.split('\n').join('\n      ')}`);
      const lines = confirm.split('\n');
      assert.ok(lines.some((l) => /^Target: (.+) \(\d+(\.\d)? KB now\)$/.exec(l)?.[1] === db), `the modal does not name the target and its size: ${confirm}`);
      assert.ok(lines.includes('Rows in the backup: marker 1, t 0 (live 100)'), `the modal does not show the backup's rows next to the live ones: ${confirm}`);
      assert.match(confirm, /^Backup: busy-backup-\S+ — .*, integrity ok, checksum matches$/m);
      // It is in use, and the restore keeps the app: no "later writes will be lost", no note of a missing manifest.
      assert.equal(lines.at(-1), 'In use (SQLite says another connection has it open): the restore goes through SQLite and the application stays connected; its later writes land in the restored data.');
      assert.doesNotMatch(confirm, /Warning|Note:/);
      await driver.clickDialogButton(page, 'Restore');
      const done = await driver.waitForNotification(page, /^Restored busy\.db/, { timeout: 30_000 });
      assert.equal(done, 'Restored busy.db online, through SQLite. The previous version is kept as a safety copy.');
      assert.equal(app.exitCode, null, 'the app is still running');
      assert.equal(seen(), '0', 'the backup (no rows in t) is what the database holds now');
      const sets = readdirSync(join(folder, 'pre-restore'));
      assert.equal(sets.length, 1, `one safety set: ${sets}`);
      const copy = readdirSync(join(folder, 'pre-restore', sets[0])).find((f) => /^busy-pre-restore-.*\.db$/.test(f));
      assert.equal(sqlite3(join(folder, 'pre-restore', sets[0], copy), 'SELECT count(*) FROM t;'), '100', 'the safety copy holds the app\'s rows');

      // Undo Restore (from the notification center, as once the toast is gone): the app still has the
      // database open, so the in-use modal comes first again; Cancel keeps the restored state.
      await driver.clickNotificationButton(page, /^Restored busy\.db online/, 'Undo Restore', { where: 'center' });
      await inUseModal(page, driver, assert, log);
      await driver.clickDialogButton(page, 'Cancel');
      await driver.poll(async () => !(await driver.notifications(page)).some((n) => /^Restoring busy\.db/.test(n)), { what: 'the undo to end' });
      assert.equal(seen(), '0', 'a cancelled undo changed the database');
      await driver.runCommand(page, 'Notifications: Clear All Notifications');
    }
  } finally {
    app.kill('SIGKILL');
  }

  // Another Lifeboat operation holds the folder: the backup waits, says so, and completes after it.
  const other = liveStamp('scheduled backup');
  writeFileSync(join(folder, '.lifeboat-lock'), other.stamp);
  try {
    await driver.clickTreeInlineAction(page, 'lifeboat', 'busy.db', 'Back Up Database…', DB);
    const waiting = await driver.waitForNotification(page, /Waiting for another Lifeboat operation: scheduled backup \(process \d+ on /, { timeout: 30_000 });
    log(`    progress: ${waiting}`);
    await driver.screenshot(page, 'backup-waiting');
  } finally {
    other.child.kill('SIGKILL'); // its lock is now a dead process's: broken, and the backup goes on
  }
  await driver.waitForNotification(page, /Backed up busy\.db → /, { timeout: 30_000 });
  assert.ok(!existsSync(join(folder, '.lifeboat-lock')), 'the lock is gone');
}
