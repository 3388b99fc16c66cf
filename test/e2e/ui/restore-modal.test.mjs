// Restoring from the Databases tree: a backup of app.db (the inline Back Up, an archive icon), a
// destructive change, then the backup row's "Restore Database from Backup…". Nothing says
// "Restoring" before the user agreed; the modal says the sizes in human units, the live row counts
// next to the backup's, and where the safety copy goes. Compare opens the comparison rendered,
// beside the dialog, and asks again: Enter there does not restore (native sqlite3: unchanged), and
// the comparison closes with the decision. A restore shows Undo Restore and Reveal Safety Copy;
// the safety copy is a row under app.db ("Before restore, HH:MM — Undo") whose click undoes it.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { text } from '../workspace.mjs';
import { markdownPreview } from './webview.mjs';

export const title = 'tree: Restore from a backup row (no progress before the confirm, Compare rendered beside, Enter does not restore, Undo from the safety copy row)';
export const timeout = 240;
export const fixtures = { 'restore-notes.txt': text('An editor that is open while the restore asks.\n') };

const sha256 = (file) => createHash('sha256').update(readFileSync(file)).digest('hex');
const DB = { pane: 'Databases' };
const COMPARE_TAB = /live vs backup/;

/** Every `*.db` file under the backup folder's pre-restore/ (the safety sets). */
function safetyCopies(dir) {
  const pre = join(dir, 'pre-restore');
  if (!existsSync(pre)) return [];
  return readdirSync(pre).flatMap((set) => readdirSync(join(pre, set)).filter((f) => /-pre-restore-.*\.db$/.test(f)).map((f) => join(pre, set, f)));
}

export default async function restoreFromTree({ page, workspace, home, driver, assert, sqlite3, log }) {
  const appDb = join(workspace, 'app.db');
  const trackCount = () => Number(sqlite3(appDb, 'SELECT count(*) FROM Track;'));
  const buttons = async () => (await driver.dialogButtons(page)).buttons.slice().sort();
  const compareTabs = async () => (await driver.editorTabs(page)).flat().filter((t) => COMPARE_TAB.test(t));
  assert.equal(trackCount(), 3503, 'app.db does not start with the Chinook rows');

  // 1. A fresh backup, with the inline action of the app.db row: an archive, not a cloud.
  await driver.openView(page, 'Lifeboat');
  const appRow = driver.treeRow(page, 'lifeboat', 'app.db', DB);
  await appRow.waitFor({ state: 'visible', timeout: 30_000 });
  await appRow.hover();
  const inline = appRow.locator('.actions .action-label[aria-label="Back Up Database…"]');
  await inline.waitFor({ state: 'visible' });
  assert.match(await inline.getAttribute('class'), /\bcodicon-archive\b/, 'the inline Back Up is not the archive icon');
  assert.doesNotMatch(await inline.getAttribute('class'), /cloud/);
  sqlite3(appDb, 'PRAGMA user_version = 21;'); // changed since any earlier backup: this one is new
  await driver.clickTreeInlineAction(page, 'lifeboat', 'app.db', 'Back Up Database…', DB);
  const message = await driver.waitForNotification(page, /Backed up app\.db → /, { timeout: 30_000 });
  const backupName = /→ (app-backup-[\w-]+\.db)\s*$/.exec(message)?.[1];
  assert.ok(backupName, `unexpected notification text: ${message}`);
  const root = join(home, '.sqlite-lifeboat', 'backups');
  const dirName = readdirSync(root).find((d) => /^app-[0-9a-f]+$/.test(d) && existsSync(join(root, d, backupName)));
  assert.ok(dirName, `${backupName} not found under ${root}`);
  const backupDir = join(root, dirName);
  await driver.runCommand(page, 'Notifications: Clear All Notifications');

  // 2. The live database changes (a destructive query) after the backup.
  sqlite3(appDb, 'DELETE FROM Track WHERE TrackId <= 100;');
  assert.equal(trackCount(), 3403);

  // 3. Right-click the new backup: the first (newest) row under app.db, "✓ just now · 864.0 KB".
  await driver.expandTreeRow(page, 'lifeboat', 'app.db', DB);
  const rows = await driver.poll(async () => {
    const c = await driver.treeChildren(page, 'lifeboat', 'app.db', DB);
    return c.length && /^✓ just now · \d+(\.\d)? KB$/.test(c[0].label) ? c : null;
  }, { what: 'the new backup as the first row under app.db' });
  // an editor is open (the comparison must come beside it, not over it)
  await page.keyboard.press('Control+P');
  await driver.fillQuickInput(page, 'restore-notes.txt', { submit: false });
  await driver.pickQuickItem(page, 'restore-notes.txt');
  await driver.waitForActiveEditor(page, 'restore-notes.txt');
  const toasts = await driver.watchToasts(page);
  await driver.treeContextMenu(page, 'lifeboat', rows[0].label, 'Restore Database from Backup…', { ...DB, under: 'app.db' });

  const text = await driver.dialogText(page, { timeout: 30_000 });
  log(`    modal:\n      ${text.split('\n').join('\n      ')}`);
  // nothing said "Restoring" before anyone agreed to it (a progress toast, however brief)
  assert.deepEqual((await toasts()).filter((t) => /Restor/.test(t)), [], 'a progress notification before the confirmation');
  assert.match(text, /Restore app\.db from a backup\?/);
  assert.match(text, new RegExp(`Target: ${appDb.replace(/[/.]/g, '\\$&')} \\(\\d+(\\.\\d)? KB now\\)`), 'the modal does not give the live size in human units');
  assert.match(text, new RegExp(`Backup: ${backupName.replace(/[.]/g, '\\.')} — just now \\(.+\\), \\d+(\\.\\d)? KB, integrity ok, checksum matches\\n`), 'the backup line lacks its age, human size or checksum');
  assert.match(text, /Rows in the backup: .*\bTrack 3503 \(live 3403\)/, 'the live row count is not next to the backup\'s');
  assert.match(text, /\bAlbum 347\b/);
  assert.doesNotMatch(text, /Album 347 \(live/, 'a table with the same count is shown with its live count');
  assert.ok(text.includes(`Safety copy: the current database is copied first to ${join(backupDir, 'pre-restore')}`), 'the modal does not mention the safety copy');
  assert.doesNotMatch(text, /Note: |Warning: |ANOTHER database/, 'a healthy backup of this database with its manifest: nothing to note');
  assert.deepEqual(await buttons(), ['Cancel', 'Compare', 'Restore']);
  const first = await driver.dialogButtons(page);
  assert.equal(first.primary, 'Compare', `the default button (Enter) is not Compare: ${JSON.stringify(first)}`);
  assert.equal(first.focused, 'Compare');
  await page.mouse.move(5, 5);
  await driver.screenshot(page, 'restore-modal', { also: 'docs/images/restore-modal.png' });

  // 4. Compare: the comparison rendered beside the dialog, then the question again.
  const before = sha256(appDb);
  const copiesBefore = safetyCopies(backupDir).length;
  await driver.clickDialogButton(page, 'Compare', { closes: false });
  const preview = await markdownPreview(page, /Track\s+3403\s+3503\s+\+100/, { timeout: 30_000 });
  assert.match(preview.text, /app\.db: live database vs backup/);
  assert.match(preview.text, /Album\s+347\s+347\s+=/);
  assert.ok(await preview.frame.locator('table').count() > 0, 'the comparison is not rendered (no table)');
  const groups = await driver.editorTabs(page);
  assert.ok(groups.length === 2 && groups[0].some((t) => t === 'restore-notes.txt') && groups[1].some((t) => /^Preview app\.db live vs backup\.md$/.test(t)),
    `the rendered comparison is not beside the open editor: ${JSON.stringify(groups)}`);
  const again = await driver.poll(async () => {
    const t = await driver.dialogText(page, { timeout: 2000 }).catch(() => '');
    return /Track: 3403 → 3503/.test(t) ? t : null;
  }, { timeout: 30_000, what: 'the modal again, with the differences' });
  assert.match(again, /Restore app\.db from a backup\?/);
  assert.doesNotMatch(again, /Album: /, 'tables with equal counts are not listed as differences');
  const second = await driver.dialogButtons(page);
  log(`    after Compare: buttons ${JSON.stringify(second.buttons)}, default ${second.primary}, focused ${second.focused}`);
  assert.deepEqual(second.buttons.slice().sort(), ['Cancel', 'Compare', 'Restore']);
  assert.notEqual(second.primary, 'Restore', 'after Compare, the default button (Enter) is Restore');
  assert.equal(second.primary, 'Compare');
  await page.mouse.move(5, 5);
  await driver.screenshot(page, 'restore-compare', { also: 'docs/images/restore-compare.png' });

  // Enter: whatever it does, it does not restore (a new question comes, or the restore starts).
  await page.locator('.monaco-dialog-box').evaluate((e) => { e.dataset.lifeboatAnswered = '1'; });
  await driver.pressEnterOnDialog(page);
  const outcome = await driver.poll(async () => {
    if (trackCount() !== 3403 || (await toasts()).some((t) => /Restor/.test(t))) return 'a restore';
    const d = page.locator('.monaco-dialog-box:not([data-lifeboat-answered])');
    return (await d.count()) && /Track: 3403 → 3503/.test(await d.innerText()) ? 'asked again' : null;
  }, { timeout: 30_000, what: 'what Enter did' });
  assert.equal(outcome, 'asked again', 'Enter after Compare started a restore');
  assert.equal(sha256(appDb), before, 'Enter after Compare restored app.db');
  assert.equal(trackCount(), 3403);
  assert.ok(!(await toasts()).some((t) => /Restor/.test(t)), 'Enter after Compare started a restore');

  // Cancel: nothing changes, and the comparison goes with the decision.
  await driver.clickDialogButton(page, 'Cancel');
  await driver.poll(async () => (await compareTabs()).length === 0, { what: 'the comparison to close after Cancel' });
  assert.equal(sha256(appDb), before, 'app.db changed although the restore was cancelled');
  assert.equal(safetyCopies(backupDir).length, copiesBefore, 'a cancelled restore made a safety copy');
  assert.ok(!(await toasts()).some((t) => /Restor/.test(t)), `a restore notification after Cancel: ${JSON.stringify(await toasts())}`);

  // 5. The restore, after comparing: the backup's content is live again, the damaged state kept.
  const newest = async () => (await driver.treeChildren(page, 'lifeboat', 'app.db', DB))[0].label; // its age moves on
  const copiesBeforeRestore = new Set(safetyCopies(backupDir));
  await driver.treeContextMenu(page, 'lifeboat', await newest(), 'Restore Database from Backup…', { ...DB, under: 'app.db' });
  await driver.dialogText(page, { timeout: 30_000 });
  await driver.clickDialogButton(page, 'Compare', { closes: false });
  await markdownPreview(page, /Track\s+3403\s+3503\s+\+100/, { timeout: 30_000 });
  await driver.poll(async () => /Track: 3403 → 3503/.test(await driver.dialogText(page, { timeout: 2000 }).catch(() => '')), { timeout: 30_000, what: 'the second question' });
  await driver.clickDialogButton(page, 'Restore');
  const done = /Restored app\.db\. The previous version is kept as a safety copy\./;
  await driver.waitForNotification(page, done, { timeout: 60_000 });
  assert.equal(trackCount(), 3503, 'the restore did not bring the Track rows back');
  assert.equal(sqlite3(appDb, 'PRAGMA integrity_check;'), 'ok');
  await driver.poll(async () => (await compareTabs()).length === 0, { what: 'the comparison to close with the restore' });
  const toast = page.locator('.notifications-toasts .notification-toast').filter({ hasText: done }).first();
  const toastButtons = (await toast.locator('.monaco-button').allTextContents()).map((s) => s.trim()).filter(Boolean);
  assert.ok(toastButtons.includes('Undo Restore') && toastButtons.includes('Reveal Safety Copy'), `the toast's buttons: ${JSON.stringify(toastButtons)}`);
  const newCopies = safetyCopies(backupDir).filter((f) => !copiesBeforeRestore.has(f));
  assert.equal(newCopies.length, 1, `expected one new safety copy under ${backupDir}/pre-restore: ${newCopies}`);
  assert.equal(sqlite3(newCopies[0], 'PRAGMA integrity_check; SELECT count(*) FROM Track;'), 'ok\n3403', 'the safety copy does not hold the changed live content');
  await driver.runCommand(page, 'Notifications: Clear All Notifications');

  // 6. The safety copy under app.db: "Before restore, HH:MM — Undo"; a click undoes (after asking).
  const safety = await driver.waitForTreeRow(page, 'lifeboat', /^Before restore, \d{1,2}:\d\d(\s?[AP]M)? — Undo$/, DB);
  log(`    safety copy row: ${safety.label} — ${safety.description}`);
  assert.match(safety.description, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d\d:\d\d · \d+(\.\d)? KB$/);
  const under = await driver.treeChildren(page, 'lifeboat', 'app.db', DB);
  assert.ok(under.some((r) => r.label === safety.label), `the safety copy is not under app.db: ${JSON.stringify(under.map((r) => r.label))}`);
  await driver.setSidebarWidth(page, 560);
  await page.mouse.move(1000, 600);
  const bar = await page.locator('.part.sidebar').boundingBox();
  await driver.screenshot(page, 'safety-copy-row', { clip: { x: 0, y: 0, width: Math.ceil(bar.x + bar.width + 20), height: Math.min(page.viewportSize().height, 520) }, also: 'docs/images/safety-copy-row.png' });
  await (await driver.findTreeRow(page, 'lifeboat', safety.label, { ...DB, under: 'app.db' })).click();
  const undoText = await driver.dialogText(page, { timeout: 30_000 });
  log(`    Undo modal:\n      ${undoText.split('\n').join('\n      ')}`);
  assert.ok(undoText.includes(`Target: ${appDb}`), `the Undo modal does not name the target: ${undoText}`);
  assert.match(undoText, /Backup: app-pre-restore-\S+ — just now \(.+\), \d+(\.\d)? KB, integrity ok, checksum matches\n/, `the Undo modal lacks the safety copy's age, size or checksum: ${undoText}`);
  assert.match(undoText, /Rows in the backup: .*\bTrack 3403 \(live 3503\)/, `the Undo modal does not show the safety copy's rows: ${undoText}`);
  assert.doesNotMatch(undoText, /Note: |Warning: /, `the safety copy has its manifest: nothing to note: ${undoText}`);
  await driver.clickDialogButton(page, 'Restore');
  await driver.waitForNotification(page, done, { timeout: 60_000 });
  assert.equal(trackCount(), 3403, 'Undo did not bring back the state before the restore');
  assert.equal(sqlite3(appDb, 'PRAGMA integrity_check;'), 'ok');
  assert.equal(sqlite3(appDb, 'SELECT count(*) FROM Track WHERE TrackId <= 100;'), '0');
  await driver.runCommand(page, 'Notifications: Clear All Notifications');
}
