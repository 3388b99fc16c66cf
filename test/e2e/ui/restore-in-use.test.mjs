// A database that another process uses, and another Lifeboat operation that holds the database's
// folder: the restore modal refuses (naming why and how to stop the app) and changes nothing;
// a backup waits for the other operation, says so in its progress, and completes once it ends.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync, copyFileSync, mkdtempSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO, sqlite } from '../workspace.mjs';

export const title = 'in use: the restore modal refuses a database an app has open; a backup waits for another Lifeboat operation';
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
    await driver.treeContextMenu(page, 'lifeboat', rows[0].label, 'Restore Database from Backup…', DB);
    const text = await driver.dialogText(page);
    log(`    modal:\n      ${text.split('\n').join('\n      ')}`);
    assert.match(text, /busy\.db is in use by another process/);
    assert.match(text, /busy\.db-shm exists/);
    assert.match(text, /Stop the application that uses it/);
    const buttons = (await page.locator('.monaco-dialog-box .dialog-buttons .monaco-button').allTextContents()).map((s) => s.trim()).sort();
    assert.deepEqual(buttons, ['Cancel', 'Restore Anyway', 'Try Again']);
    await driver.screenshot(page, 'restore-in-use');
    await driver.clickDialogButton(page, 'Cancel');
    await driver.poll(async () => !(await driver.notifications(page)).some((n) => /^Restoring busy\.db/.test(n)), { what: 'the restore to end' });
    assert.equal(seen(), '100', 'the app\'s rows are all there');
    assert.ok(readFileSync(`${db}-wal`).equals(before), 'its -wal was not touched');
    assert.ok(!existsSync(join(folder, 'pre-restore')), 'no safety copy was made: nothing was restored');
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
