// Inside a backup, in the real workbench: clicking a backup row opens it read-only (tables with
// kinds and row counts, rows in keyset pages, sortable, paged by button and by keyboard, the
// schema); after a DELETE in the live database, Compare with Live shows the deleted-rows count
// and the rows; Recover Deleted Rows asks in a modal (Show Diff is the default button), brings
// exactly those rows back and leaves every other table as it was (native sqlite3 checks); Undo
// puts the safety copy back.
import { join } from 'node:path';
import { copy } from '../workspace.mjs';
import { gridTexts, until, webviewFrame } from './webview.mjs';

export const title = 'inside: click a backup (tables, rows, page, sort, schema), Compare with Live, Recover Deleted Rows, Undo';
export const timeout = 240;
export const fixtures = { 'shop.db': copy('test/fixtures/chinook.sqlite') };

const DB = { pane: 'Databases' };

export default async function inside({ page, workspace, driver, assert, sqlite3, log }) {
  const shop = join(workspace, 'shop.db');
  const q = (sql) => sqlite3(shop, sql);
  const dumpOthers = () => q("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT IN ('Track') AND name NOT LIKE 'sqlite_%' ORDER BY name").split('\n')
    .map((t) => sqlite3(shop, `.dump "${t}"`)).join('\n');

  // 1. A backup of shop.db, from the inline action of its row.
  await driver.openView(page, 'Lifeboat');
  await driver.waitForTreeRow(page, 'lifeboat', 'shop.db', DB);
  await driver.clickTreeInlineAction(page, 'lifeboat', 'shop.db', 'Back Up Database…', DB);
  const message = await driver.waitForNotification(page, /Backed up shop\.db → /, { timeout: 30_000 });
  const backupName = /→ (shop-backup-[\w-]+\.db)\s*$/.exec(message)?.[1];
  assert.ok(backupName, `unexpected notification: ${message}`);
  await driver.runCommand(page, 'Notifications: Clear All Notifications');

  // 2. Click the backup row: its tables, read-only.
  await driver.expandTreeRow(page, 'lifeboat', 'shop.db', DB);
  const child = await driver.poll(async () => (await driver.treeChildren(page, 'lifeboat', 'shop.db', DB))[0], { what: 'a backup row under shop.db' });
  await (await driver.findTreeRow(page, 'lifeboat', child.label, { ...DB, under: 'shop.db' })).click();
  await driver.waitForActiveEditor(page, `Inside ${backupName}`);
  const view = await webviewFrame(page, `Inside ${backupName}`);
  await view.locator('h1', { hasText: backupName }).waitFor();
  assert.match(await view.locator('h1').innerText(), /read-only/);
  const options = view.locator('[role="listbox"] [role="option"]');
  await until(async () => (await options.count()) === 11, 'the 11 tables of chinook');
  const counted = await until(async () => {
    const texts = await options.allInnerTexts();
    return texts.every((t) => /\d/.test(t)) ? texts : null;
  }, 'the row counts');
  const row = (name) => counted.find((t) => t.split(/\s+/)[0] === name)?.replace(/\s+/g, ' ');
  assert.equal(row('Track'), 'Track table 3,503');
  assert.equal(row('Album'), 'Album table 347');

  // 3. Track's rows: page 1 in key order, as native sqlite3 has them.
  await view.locator('[role="option"][data-name="Track"]').click();
  const pageText = view.locator('.page-text');
  await until(async () => /^Rows 1–100 of 3,503, in key order$/.test(await pageText.innerText()), 'page 1 of Track');
  const ids = async () => (await gridTexts(view)).slice(1).map((r) => r[0]);
  assert.deepEqual(await ids(), q('SELECT TrackId FROM Track ORDER BY TrackId LIMIT 100').split('\n'));
  assert.deepEqual((await gridTexts(view))[1].slice(0, 2), ['1', q('SELECT Name FROM Track WHERE TrackId = 1')]);

  // Next page by its button, then by the keyboard (PageDown / PageUp in the grid).
  await view.locator('button[aria-label="Next page"]').click();
  await until(async () => /^Rows 101–200 of 3,503/.test(await pageText.innerText()), 'page 2');
  assert.equal((await ids())[0], '101');
  await view.locator('table[role="grid"] td[tabindex="0"]').focus();
  await page.keyboard.press('PageDown');
  await until(async () => /^Rows 201–300 of 3,503/.test(await pageText.innerText()), 'page 3 by PageDown');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowRight');
  assert.equal(await view.evaluate(() => document.activeElement?.getAttribute('data-r') + ',' + document.activeElement?.getAttribute('data-c')), '2,1', 'the arrows move the focused cell');
  await page.keyboard.press('PageUp');
  await until(async () => /^Rows 101–200 of 3,503/.test(await pageText.innerText()), 'page 2 by PageUp');

  // Sort by Name: ascending, then descending; keyset pages follow the sort.
  await view.locator('th[role="columnheader"]', { hasText: /^Name/ }).click();
  await until(async () => /^Rows 1–100 of 3,503, sorted by Name ascending$/.test(await pageText.innerText()), 'sorted by Name');
  assert.equal(await view.locator('th[role="columnheader"][aria-sort="ascending"]').innerText().then((t) => t.replace(/\s*▲$/, '')), 'Name');
  assert.deepEqual(await ids(), q('SELECT TrackId FROM Track ORDER BY Name, TrackId LIMIT 100').split('\n'));
  await view.locator('th[role="columnheader"]', { hasText: /^Name/ }).press('Enter');
  await until(async () => /sorted by Name descending$/.test(await pageText.innerText()), 'sorted by Name descending');
  await view.locator('button[aria-label="Next page"]').click();
  await until(async () => /^Rows 101–200 of 3,503, sorted by Name descending$/.test(await pageText.innerText()), 'page 2 sorted descending');
  assert.deepEqual(await ids(), q('SELECT TrackId FROM Track ORDER BY Name DESC, TrackId DESC LIMIT 100 OFFSET 100').split('\n'));
  await page.mouse.move(5, 5);
  await driver.screenshot(page, 'inside', { also: 'docs/images/inside.png' });

  // The page follows the theme: its background is the editor's, in a light and in a dark theme.
  const editorBg = () => page.locator('.part.editor .editor-container').first().evaluate((e) => getComputedStyle(e).backgroundColor);
  const pageBg = () => view.evaluate(() => getComputedStyle(document.body).backgroundColor);
  const light = await pageBg();
  assert.equal(light, await editorBg(), 'the page does not have the editor\'s background');
  const pickTheme = async (name) => {
    await driver.runCommand(page, 'Preferences: Color Theme');
    await driver.pickQuickItem(page, name);
  };
  await pickTheme('Dark Modern');
  try {
    await until(async () => (await pageBg()) !== light, 'the page to follow the dark theme');
    assert.equal(await pageBg(), await editorBg());
    await driver.screenshot(page, 'inside-dark');
  } finally {
    await pickTheme('Light Modern');
  }
  await until(async () => (await pageBg()) === light, 'the page to follow the light theme again');

  // The schema: columns, indexes, foreign keys.
  await view.locator('[role="tab"]', { hasText: 'Schema' }).click();
  const schema = view.locator('#panel-schema');
  await schema.locator('caption', { hasText: 'Columns of Track' }).waitFor();
  const schemaText = await schema.innerText();
  for (const c of q("SELECT name FROM pragma_table_info('Track')").split('\n')) assert.ok(schemaText.includes(c), `schema lacks column ${c}`);
  assert.match(schemaText, /IFK_TrackAlbumId/);
  assert.match(schemaText, /AlbumId\s+Album\(AlbumId\)/);
  assert.match(schemaText, /rows are identified by rowid \(TrackId, an INTEGER PRIMARY KEY\)/);
  await view.locator('[role="tab"]', { hasText: 'Rows' }).click();

  // 4. A DELETE without its WHERE … almost: the first 100 tracks go.
  const othersBefore = dumpOthers();
  const firstName = q('SELECT Name FROM Track WHERE TrackId = 1');
  q('DELETE FROM Track WHERE TrackId <= 100;');
  assert.equal(q('SELECT count(*) FROM Track'), '3403');

  // Compare with Live (the look-inside page's button): 100 deleted, and their rows.
  await view.locator('button[data-action="compare"]').click();
  await driver.waitForActiveEditor(page, 'shop.db: backup vs live', { timeout: 60_000 });
  const diff = await webviewFrame(page, /^shop\.db: backup vs live/);
  const track = diff.locator('section[data-table="Track"]');
  await track.waitFor({ timeout: 30_000 });
  assert.equal(await track.locator('[data-count="deleted"]').innerText(), '100 deleted');
  assert.equal(await track.locator('[data-count="added"]').innerText(), '0 added');
  assert.match(await diff.locator('.summary').innerText(), /^1 table differs, 10 identical$/);
  const diffRows = async () => (await gridTexts(diff, 'section[data-table="Track"]')).slice(1);
  assert.equal((await diffRows()).length, 50);
  assert.deepEqual((await diffRows())[0].slice(0, 3), ['deleted', '1', firstName]);
  await track.locator('button', { hasText: 'Show More Rows' }).click();
  await until(async () => (await diffRows()).length === 100, '100 differing rows after Show More Rows');
  assert.deepEqual((await diffRows()).map((r) => r[1]), Array.from({ length: 100 }, (_, i) => String(i + 1)));
  assert.ok(await track.locator('button', { hasText: 'Show More Rows' }).isHidden(), 'no more rows to show');
  await page.mouse.move(5, 5);
  await driver.screenshot(page, 'diff', { also: 'docs/images/diff.png' });

  // 5. Recover Deleted Rows: the modal says what will change; Show Diff is the default button.
  await track.locator('button[data-action="recoverDeleted"]').click();
  const modal = await driver.dialogText(page, { timeout: 60_000 });
  log(`    modal:\n      ${modal.split('\n').join('\n      ')}`);
  assert.match(modal, /Recover the deleted rows of Track in shop\.db\?/);
  assert.match(modal, /Track: 100 missing rows to insert \(3403 → 3503 rows\)/);
  assert.match(modal, /Every other table stays as it is now\./);
  assert.match(modal, /Safety copy: the current database is copied first to /);
  const buttons = (await page.locator('.monaco-dialog-box .dialog-buttons .monaco-button').allTextContents()).map((s) => s.trim());
  assert.deepEqual([...buttons].sort(), ['Cancel', 'Recover 100 Rows', 'Show Diff']);
  // the default button (focused, Enter) is the harmless one
  const focused = await page.evaluate(() => document.activeElement?.textContent?.trim());
  log(`    dialog buttons ${JSON.stringify(buttons)}, focused ${JSON.stringify(focused)}`);
  assert.equal(focused, 'Show Diff', 'Show Diff is not the default button');
  await page.mouse.move(5, 5);
  await driver.screenshot(page, 'recover-modal', { also: 'docs/images/recover-modal.png' });
  await driver.clickDialogButton(page, 'Recover 100 Rows');
  const done = await driver.waitForNotification(page, /^Recovered in shop\.db: /, { timeout: 60_000 });
  log(`    ${done}`);
  assert.match(done, /Track: 100 missing rows inserted \(3403 → 3503 rows\)/);
  assert.equal(q('SELECT count(*) FROM Track'), '3503');
  assert.equal(q('PRAGMA integrity_check'), 'ok');
  assert.equal(dumpOthers(), othersBefore, 'another table changed');
  // the diff view follows: nothing differs any more
  await until(async () => /^identical: 11 tables$/.test(await diff.locator('.summary').innerText()), 'the diff view to show no difference');

  // 6. Undo: the safety copy (100 rows short) goes back, after its own modal.
  await driver.clickNotificationButton(page, /^Recovered in shop\.db/, 'Undo');
  const undo = await driver.dialogText(page);
  assert.match(undo, /Undo the partial restore of shop\.db\?/);
  await driver.clickDialogButton(page, 'Undo Restore');
  await driver.waitForNotification(page, /Put shop\.db back as it was before the partial restore\./, { timeout: 60_000 });
  assert.equal(q('SELECT count(*) FROM Track'), '3403');
  assert.equal(q('SELECT min(TrackId) FROM Track'), '101');
  assert.equal(q('PRAGMA integrity_check'), 'ok');
}
