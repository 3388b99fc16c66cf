// The Databases tree's other actions. Show Details on a backup row: its manifest, rendered in a
// markdown preview (state, SHA-256 as the manifest on disk has it, row counts). Remove Database:
// a modal asks ("Stop managing notes.sqlite?", saying the file and its backups stay); Cancel keeps
// it; Stop Managing takes it out of the tree (the file stays), and the toast's Undo brings it back.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { markdownPreview } from './webview.mjs';

export const title = 'tree: Show Details (the manifest rendered, its SHA-256), Remove Database (a modal, Cancel, Stop Managing, Undo)';
export const timeout = 180;

const DB = { pane: 'Databases' };

export default async function treeActions({ page, workspace, home, driver, assert, sqlite3, log }) {
  const notes = join(workspace, 'notes.sqlite');
  const labels = async () => (await driver.treeRows(page, 'lifeboat', DB)).filter((r) => r.level === 1).map((r) => r.label);

  // 1. A backup of notes.sqlite (changed first, so that it is a new one), then its Show Details.
  await driver.openView(page, 'Lifeboat');
  await driver.waitForTreeRow(page, 'lifeboat', 'notes.sqlite', DB);
  sqlite3(notes, "INSERT INTO notes(title, body) VALUES ('details', 'shown');");
  const count = sqlite3(notes, 'SELECT count(*) FROM notes;');
  await driver.clickTreeInlineAction(page, 'lifeboat', 'notes.sqlite', 'Back Up Database…', DB);
  const message = await driver.waitForNotification(page, /Backed up notes\.sqlite → /, { timeout: 30_000 });
  const name = /→ (notes-backup-[\w-]+\.sqlite)\s*$/.exec(message)?.[1];
  assert.ok(name, message);
  const root = join(home, '.sqlite-lifeboat', 'backups');
  const dir = readdirSync(root).find((d) => /^notes-[0-9a-f]+$/.test(d) && existsSync(join(root, d, name)));
  const manifest = JSON.parse(readFileSync(join(root, dir, `${name}.json`), 'utf8'));
  await driver.runCommand(page, 'Notifications: Clear All Notifications');
  await driver.expandTreeRow(page, 'lifeboat', 'notes.sqlite', DB);
  const row = await driver.poll(async () => (await driver.treeChildren(page, 'lifeboat', 'notes.sqlite', DB)).find((r) => /^✓ just now · /.test(r.label)), { what: 'the new backup row' });
  await driver.treeContextMenu(page, 'lifeboat', row.label, 'Show Details', { ...DB, under: 'notes.sqlite' });
  await driver.waitForActiveEditor(page, `Preview ${name} details.md`);
  const details = await markdownPreview(page, new RegExp(`SHA-256\\s+${manifest.sha256}`), { timeout: 30_000 });
  log(`    details:\n      ${details.text.split('\n').filter(Boolean).slice(0, 6).join('\n      ')}`);
  assert.match(details.text, new RegExp(`^${name.replace(/[.]/g, '\\.')}$`, 'm'));
  assert.match(details.text, /✓ verified when made \(integrity ok\)/);
  assert.match(details.text, new RegExp(`\\bnotes\\s+${count}\\b`), 'the row counts are not there');
  assert.ok(await details.frame.locator('table').count() > 0, 'the details are not rendered (no table)');
  assert.ok(await details.frame.locator('code', { hasText: manifest.sha256 }).count() > 0, 'the SHA-256 is not rendered as code');
  await page.mouse.move(5, 5);
  await driver.screenshot(page, 'backup-details', { also: 'docs/images/backup-details.png' });
  await driver.runCommand(page, 'View: Close All Editors');

  // 2. Remove Database: it asks first; Cancel keeps it.
  await driver.treeContextMenu(page, 'lifeboat', 'notes.sqlite', 'Remove Database', DB);
  const text = await driver.dialogText(page);
  log(`    modal:\n      ${text.split('\n').join('\n      ')}`);
  assert.match(text, /^Stop managing notes\.sqlite\?/);
  assert.match(text, /Lifeboat will no longer list or back it up\. The database file and its backups stay where they are; you can add it again at any time\./);
  const buttons = await driver.dialogButtons(page);
  assert.deepEqual(buttons.buttons.slice().sort(), ['Cancel', 'Stop Managing']);
  await page.mouse.move(5, 5);
  await driver.screenshot(page, 'remove-modal', { also: 'docs/images/remove-modal.png' });
  await driver.clickDialogButton(page, 'Cancel');
  assert.ok((await labels()).includes('notes.sqlite'), 'Cancel removed notes.sqlite');

  // Stop Managing: out of the tree, the file and its backups stay; Undo brings it back.
  await driver.treeContextMenu(page, 'lifeboat', 'notes.sqlite', 'Remove Database', DB);
  await driver.clickDialogButton(page, 'Stop Managing');
  await driver.poll(async () => !(await labels()).includes('notes.sqlite'), { what: 'notes.sqlite to leave the tree' });
  assert.equal(sqlite3(notes, 'SELECT count(*) FROM notes;'), count, 'the database file was touched');
  assert.ok(existsSync(join(root, dir, name)), 'its backup was deleted');
  const removed = await driver.waitForNotification(page, /^Lifeboat no longer manages notes\.sqlite\.$/);
  assert.equal(removed, 'Lifeboat no longer manages notes.sqlite.');
  await driver.clickNotificationButton(page, /Lifeboat no longer manages notes\.sqlite/, 'Undo');
  const back = await driver.waitForTreeRow(page, 'lifeboat', 'notes.sqlite', { ...DB, timeout: 30_000 });
  assert.match(back.description, /^✓ just now · live /, `notes.sqlite came back without its backups: ${back.description}`);
}
