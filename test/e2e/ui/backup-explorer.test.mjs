// Backing up from the explorer's context menu, then finding the backup in the Lifeboat side bar:
// the database shows the age of its newest backup, and the backup itself is listed as verified.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

export const title = 'explorer: Back Up Database on notes.sqlite, then the Databases tree shows the verified backup';

export default async function backupFromExplorer({ page, home, driver, assert, sqlite3, log }) {
  // Contributed menus are registered together with the extension's view container: right after the
  // workbench loads, the explorer menu may not have Lifeboat's entries yet (a user would see the same).
  await page.locator('.activitybar .action-item [aria-label^="Lifeboat"]').first().waitFor({ state: 'visible', timeout: 30_000 });
  await driver.explorerContextMenu(page, 'notes.sqlite', 'Back Up Database');
  const message = await driver.waitForNotification(page, /Backed up notes\.sqlite → /, { timeout: 30_000 });
  const m = /→ (notes-backup-\d{4}-\d\d-\d\d-\d{6}(?:-\d+)?\.sqlite)\s*$/.exec(message);
  assert.ok(m, `unexpected notification text: ${message}`);
  log(`    notification: ${message}`);

  const root = join(home, '.sqlite-lifeboat', 'backups');
  const dir = readdirSync(root).find((d) => /^notes-[0-9a-f]+$/.test(d) && existsSync(join(root, d, m[1])));
  assert.ok(dir, `${m[1]} is not in ${root}/notes-*/`);
  assert.equal(sqlite3(join(root, dir, m[1]), 'PRAGMA integrity_check; SELECT count(*) FROM notes;'), 'ok\n3');
  const onDisk = readdirSync(join(root, dir)).filter((f) => /^notes-backup-.*\.sqlite$/.test(f));

  // The Lifeboat view: notes.sqlite with the age of its newest backup ("just now").
  await driver.openView(page, 'Lifeboat');
  const db = await driver.waitForTreeRow(page, 'lifeboat', 'notes.sqlite', { pane: 'Databases', description: / ago|just now/ });
  assert.match(db.description, /^✓ (just now|\d+ min ago) · live \d+(\.\d)? KB$/, `description of notes.sqlite: ${db.description}`);

  // Expanded: one child per backup on disk (one, in a fresh run), newest first, verified.
  await driver.expandTreeRow(page, 'lifeboat', 'notes.sqlite', { pane: 'Databases' });
  const children = await driver.poll(async () => {
    const c = await driver.treeChildren(page, 'lifeboat', 'notes.sqlite', { pane: 'Databases' });
    return c.length === onDisk.length ? c : null;
  }, { what: `${onDisk.length} backup row(s) under notes.sqlite` });
  log(`    backup rows: ${JSON.stringify(children.map((c) => `${c.label} — ${c.description}`))}`);
  assert.ok(children.length >= 1);
  // what matters first: "✓ just now · 12.0 KB", then the local time
  assert.match(children[0].label, /^✓ (just now|\d+ min ago) · \d+(\.\d)? KB$/);
  assert.match(children[0].description, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d\d:\d\d$/);

  // Screenshot of the side bar (wide enough for the descriptions), also kept for the docs, once the
  // Drills view has rendered: its rows, or (no drill yet) its welcome content with "Start Drill…".
  const drills = page.locator('[id="workbench.view.extension.lifeboat"] .pane').filter({ has: page.locator('.pane-header[aria-label^="Drills"]') });
  await driver.poll(async () => (await drills.locator('.monaco-list-row:visible, .welcome-view .monaco-button:visible').count()) > 0, { what: 'the Drills view to render' });
  await driver.setSidebarWidth(page, 480);
  await page.mouse.move(1000, 600);
  await driver.poll(async () => (await page.locator('.monaco-hover:visible, .workbench-hover-container:visible').count()) === 0, { what: 'no hover' }).catch(() => {});
  await driver.screenshot(page, 'sidebar');
  const bar = await page.locator('.part.sidebar').boundingBox();
  const vp = page.viewportSize();
  await driver.screenshot(page, 'sidebar-clip', {
    clip: { x: 0, y: 0, width: Math.min(vp.width, Math.ceil(bar.x + bar.width + 40)), height: vp.height },
    also: 'docs/images/sidebar.png',
  });
}
