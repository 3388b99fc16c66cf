// Restore only what was lost, from a backup row's menu: Restore Table… picks the table from the
// diff's counts, says in its modal how the table's definition goes back (Show Diff is the default
// button), replaces that table and leaves every other one as it is now; Restore as Copy… writes
// the verified backup beside the database without touching it; Look Inside on the explorer's
// file opens a snapshot of the live database. native sqlite3 checks every file.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { copy } from '../workspace.mjs';
import { until, webviewFrame } from './webview.mjs';

export const title = 'inside: Restore Table… and Restore as Copy… from a backup row, Look Inside from the explorer';
export const timeout = 240;
export const fixtures = { 'depot.db': copy('test/fixtures/chinook.sqlite') };

const DB = { pane: 'Databases' };
const sha256 = (file) => createHash('sha256').update(readFileSync(file)).digest('hex');

export default async function insideRestore({ page, workspace, driver, assert, sqlite3, log }) {
  const depot = join(workspace, 'depot.db');
  const q = (sql) => sqlite3(depot, sql);
  const albumDump = q('.dump Album');

  // A backup, then a bad migration of Album (a new column, every title changed) and a good write elsewhere.
  await driver.openView(page, 'Lifeboat');
  await driver.waitForTreeRow(page, 'lifeboat', 'depot.db', DB);
  await driver.clickTreeInlineAction(page, 'lifeboat', 'depot.db', 'Back Up Database…', DB);
  await driver.waitForNotification(page, /Backed up depot\.db → /, { timeout: 30_000 });
  await driver.runCommand(page, 'Notifications: Clear All Notifications');
  q("ALTER TABLE Album ADD COLUMN Rating INTEGER; UPDATE Album SET Title = Title || ' (remastered)', Rating = 1; INSERT INTO Artist(Name) VALUES ('written after the backup');");
  const artists = q('.dump Artist');

  // Restore Table… from the backup row's menu: the pick shows what changed in each table.
  await driver.expandTreeRow(page, 'lifeboat', 'depot.db', DB);
  const row = await driver.poll(async () => (await driver.treeChildren(page, 'lifeboat', 'depot.db', DB))[0], { what: 'a backup row under depot.db' });
  await driver.treeContextMenu(page, 'lifeboat', row.label, 'Restore Table…', { ...DB, under: 'depot.db' });
  await driver.poll(async () => /^Table of the backup to put back in depot\.db/.test(await driver.quickInputPlaceholder(page)), { what: 'the table pick', timeout: 30_000 });
  const items = await page.locator('.quick-input-widget .quick-input-list .monaco-list-row').allInnerTexts();
  log(`    pick: ${items.map((t) => t.replace(/\s+/g, ' ')).join(' | ')}`);
  assert.ok(items.some((t) => /^Album\s*347 changed since the backup; definition changed/.test(t)), `the pick does not say what changed in Album: ${items}`);
  assert.ok(items.some((t) => /^Artist\s*1 added since the backup/.test(t)), `the pick does not say what changed in Artist: ${items}`);
  assert.ok(items.some((t) => /^Genre\s*same rows/.test(t)));
  await driver.pickQuickItem(page, 'Album');
  const modal = await driver.dialogText(page, { timeout: 60_000 });
  log(`    modal:\n      ${modal.split('\n').join('\n      ')}`);
  assert.match(modal, /Restore table Album of depot\.db from the backup\?/);
  assert.match(modal, /Album: to be replaced by the backup's 347 rows \(the live table has 347\)/);
  assert.match(modal, /Album: column removed: Rating/);
  assert.match(modal, /Every other table stays as it is now\./);
  assert.equal(await page.evaluate(() => document.activeElement?.textContent?.trim()), 'Show Diff', 'the default button is Show Diff');
  await driver.screenshot(page, 'restore-table-modal');
  await driver.clickDialogButton(page, 'Restore Table');
  const done = await driver.waitForNotification(page, /^Restored in depot\.db: /, { timeout: 60_000 });
  assert.match(done, /Album: replaced by the backup's 347 rows \(the live table had 347\)/);
  assert.equal(q('.dump Album'), albumDump, 'Album is not the backup\'s');
  assert.equal(q('.dump Artist'), artists, 'Artist changed');
  assert.equal(q('PRAGMA integrity_check'), 'ok');
  await driver.runCommand(page, 'Notifications: Clear All Notifications');

  // Restore as Copy…: a new verified file beside depot.db, which is not touched.
  const before = sha256(depot);
  await driver.treeContextMenu(page, 'lifeboat', row.label, 'Restore as Copy…', { ...DB, under: 'depot.db' });
  const copyModal = await driver.dialogText(page);
  const file = /New file: (\S+\.db)/.exec(copyModal)?.[1];
  assert.ok(file && file.startsWith(join(workspace, 'depot.restored-')), `the modal does not name the new file beside depot.db: ${copyModal}`);
  await driver.clickDialogButton(page, 'Write Copy');
  await driver.waitForNotification(page, /^Wrote depot\.restored-[\d-]+\.db from the backup \(verified; depot\.db was not touched\)\./, { timeout: 60_000 });
  assert.ok(existsSync(file), `${file} was not written`);
  assert.equal(sqlite3(file, 'PRAGMA integrity_check'), 'ok');
  assert.equal(sqlite3(file, '.dump Album'), albumDump);
  assert.equal(sqlite3(file, "SELECT count(*) FROM Artist WHERE Name = 'written after the backup'"), '0', 'the copy is the backup');
  assert.equal(sha256(depot), before, 'Restore as Copy changed depot.db');
  assert.deepEqual(readdirSync(workspace).filter((f) => f.startsWith('depot.restored-')), [file.slice(workspace.length + 1)], 'exactly one new file');

  // Look Inside from the explorer: the live database, through a snapshot.
  await driver.explorerContextMenu(page, 'depot.db', 'Look Inside');
  await driver.waitForActiveEditor(page, 'Inside depot.db (snapshot)', { timeout: 30_000 });
  const view = await webviewFrame(page, 'Inside depot.db (snapshot)');
  await view.locator('h1', { hasText: 'depot.db' }).waitFor();
  assert.match(await view.locator('header .muted').innerText(), /^A consistent snapshot of .*depot\.db, taken .*; read-only \(the live file is never opened\)$/);
  const artist = view.locator('[role="option"][data-name="Artist"]');
  await until(async () => /Artist\s+table\s+276/.test(await artist.innerText()), 'Artist with the row written after the backup');
  assert.equal(await view.locator('button[data-action="restoreTable"]').count(), 0, 'a live snapshot offers no restore');
  rmSync(file, { force: true });
}
