// Reveal and Open Backup Folder where the editor is a browser page (code-server): no system file
// manager to open ("command 'revealFileInOS' not found" before). A database inside the workspace
// is revealed in VS Code's Explorer; the backup folder (under ~, outside the workspace) has its
// path copied (the in-host test reads the clipboard) and the message offers Open Folder in New
// Window, which opens a window on that folder.
import { statSync } from 'node:fs';
import { join } from 'node:path';

export const title = 'reveal in a browser window: a database in the Explorer; Open Backup Folder copies the path and offers Open Folder in New Window, which opens it';

const DB = { pane: 'Databases' };

export default async function reveal({ page, home, driver, assert, log }) {
  const toasts = await driver.watchToasts(page);
  await driver.openView(page, 'Lifeboat');
  await driver.waitForTreeRow(page, 'lifeboat', 'app.db', DB);

  // Inside the workspace: the Explorer shows it, selected.
  await driver.treeContextMenu(page, 'lifeboat', 'app.db', 'Reveal in File Explorer', DB);
  await page.locator('.explorer-folders-view').waitFor({ state: 'visible' });
  const row = driver.explorerRow(page, 'app.db');
  await driver.poll(async () => (await row.getAttribute('aria-selected')) === 'true', { what: 'app.db selected in the Explorer' });

  // Outside: the path, and a way to open it.
  await driver.openView(page, 'Lifeboat');
  await driver.treeContextMenu(page, 'lifeboat', 'app.db', 'Open Backup Folder', DB);
  const message = await driver.waitForNotification(page, /^This editor cannot open the system's file manager: copied the path /);
  log(`    ${message}`);
  const dir = /copied the path (.+)$/.exec(message)[1];
  assert.match(dir, new RegExp(`^${join(home, '.sqlite-lifeboat', 'backups').replace(/[/.]/g, '\\$&')}/app-[0-9a-f]+$`));
  assert.ok(statSync(dir).isDirectory());
  const popup = page.context().waitForEvent('page', { timeout: 30_000 });
  await driver.clickNotificationButton(page, /copied the path/, 'Open Folder in New Window');
  const win = await popup;
  try {
    await driver.poll(() => new URL(win.url()).searchParams.get('folder'), { what: 'the new window\'s folder' });
    assert.equal(new URL(win.url()).searchParams.get('folder'), dir, `the new window is not on the backup folder: ${win.url()}`);
  } finally {
    await win.close();
  }
  assert.deepEqual((await toasts()).filter((t) => /not found|revealFileInOS/.test(t)), [], 'an error about the missing file manager');
}
