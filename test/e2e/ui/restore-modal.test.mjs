// Restoring from the Databases tree: a backup of app.db, a destructive change, then the backup row's
// "Restore Database from Backup…": the modal names the target, the row counts and the safety copy;
// Restore brings the rows back (native sqlite3), keeps the damaged state as a safety copy, and
// "Undo Restore" goes back to it. A second restore shows "Compare" and is then cancelled: no change.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const title = 'tree: Restore from a backup row (modal, safety copy, Undo Restore, Compare, Cancel)';
export const timeout = 180;

const sha256 = (file) => createHash('sha256').update(readFileSync(file)).digest('hex');

/** Every `*.db` file under the backup folder's pre-restore/ (the safety sets). */
function safetyCopies(dir) {
  const pre = join(dir, 'pre-restore');
  if (!existsSync(pre)) return [];
  return readdirSync(pre).flatMap((set) => readdirSync(join(pre, set)).filter((f) => /-pre-restore-.*\.db$/.test(f)).map((f) => join(pre, set, f)));
}

export default async function restoreFromTree({ page, workspace, home, driver, assert, sqlite3, log }) {
  const appDb = join(workspace, 'app.db');
  const trackCount = () => Number(sqlite3(appDb, 'SELECT count(*) FROM Track;'));
  const DB = { pane: 'Databases' };
  assert.equal(trackCount(), 3503, 'app.db does not start with the Chinook rows');

  // 1. A fresh backup, with the inline action of the app.db row.
  await driver.openView(page, 'Lifeboat');
  await driver.waitForTreeRow(page, 'lifeboat', 'app.db', DB);
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

  // 3. Right-click the new backup: it is the first (newest) row under app.db.
  await driver.expandTreeRow(page, 'lifeboat', 'app.db', DB);
  const backups = readdirSync(backupDir).filter((f) => /^app-backup-.*\.db$/.test(f));
  const rows = await driver.poll(async () => {
    const c = await driver.treeChildren(page, 'lifeboat', 'app.db', DB);
    return c.length === backups.length ? c : null;
  }, { what: `${backups.length} backup row(s) under app.db` });
  await driver.treeContextMenu(page, 'lifeboat', rows[0].label, 'Restore Database from Backup…', DB);

  const text = await driver.dialogText(page);
  log(`    modal:\n      ${text.split('\n').join('\n      ')}`);
  assert.match(text, /Restore app\.db from a backup\?/);
  assert.ok(text.includes(`Target: ${appDb}`), 'the modal does not name the target path');
  assert.ok(text.includes(`Backup: ${backupName}`), `the modal does not name ${backupName}`);
  assert.match(text, /Rows: .*\bTrack 3503\b/, 'the modal does not show the backup row counts');
  assert.match(text, /Album 347/);
  assert.ok(text.includes(`Safety copy: the current database is copied first to ${join(backupDir, 'pre-restore')}`), 'the modal does not mention the safety copy');
  assert.match(text, /, integrity ok, checksum matches\n/, 'the backup\'s checksum was not compared with its manifest');
  assert.doesNotMatch(text, /Note: |Warning: /, 'a healthy backup with its manifest, of an idle database: nothing to note');
  assert.deepEqual((await page.locator('.monaco-dialog-box .dialog-buttons .monaco-button').allTextContents()).map((s) => s.trim()).sort(), ['Cancel', 'Compare', 'Restore']);
  await page.mouse.move(5, 5);
  await driver.screenshot(page, 'restore-modal', { also: 'docs/images/restore-modal.png' });

  // 4. Restore: the backup's content is live again; the damaged state is kept as a safety copy.
  const copiesBefore = new Set(safetyCopies(backupDir));
  await driver.clickDialogButton(page, 'Restore');
  await driver.waitForNotification(page, /Restored app\.db\. The previous version is kept as a safety copy\./, { timeout: 30_000 });
  assert.equal(trackCount(), 3503, 'the restore did not bring the Track rows back');
  assert.equal(sqlite3(appDb, 'PRAGMA integrity_check;'), 'ok');
  const newCopies = safetyCopies(backupDir).filter((f) => !copiesBefore.has(f));
  assert.equal(newCopies.length, 1, `expected one new safety copy under ${backupDir}/pre-restore: ${newCopies}`);
  assert.equal(sqlite3(newCopies[0], 'PRAGMA integrity_check; SELECT count(*) FROM Track;'), 'ok\n3403', 'the safety copy does not hold the changed live content');
  log(`    safety copy: ${newCopies[0]}`);

  // 5. Undo Restore: back to the state before the restore (after a confirmation).
  await driver.clickNotificationButton(page, /Restored app\.db/, 'Undo Restore');
  const undoText = await driver.dialogText(page);
  log(`    Undo modal:\n      ${undoText.split('\n').join('\n      ')}`);
  await driver.screenshot(page, 'restore-undo-modal');
  assert.ok(undoText.includes(`Target: ${appDb}`), `the Undo modal does not name the target: ${undoText}`);
  assert.match(undoText, /Rows: .*\bTrack 3403\b/, `the Undo modal does not show the safety copy's rows: ${undoText}`);
  assert.match(undoText, /Backup: app-pre-restore-\S+ — just now \(.+\), \d+(\.\d)? KB, integrity ok, checksum matches\n/, `the Undo modal lacks the safety copy's age, size or checksum: ${undoText}`);
  assert.doesNotMatch(undoText, /Note: |Warning: /, `the safety copy has its manifest: nothing to note: ${undoText}`);
  await driver.clickDialogButton(page, 'Restore');
  await driver.poll(() => trackCount() === 3403, { timeout: 30_000, what: 'app.db to hold 3403 Track rows again' });
  assert.equal(sqlite3(appDb, 'PRAGMA integrity_check;'), 'ok');
  await driver.waitForNotification(page, /Restored app\.db/, { timeout: 30_000 });
  await driver.runCommand(page, 'Notifications: Clear All Notifications');

  // 6. Another restore of the same backup: Compare first, then Cancel; app.db must not change.
  const before = sha256(appDb);
  await driver.treeContextMenu(page, 'lifeboat', rows[0].label, 'Restore Database from Backup…', DB);
  await driver.dialogText(page);
  await driver.clickDialogButton(page, 'Compare', { closes: false }); // the modal comes back after the comparison
  const editor = await driver.waitForActiveEditor(page, /live vs backup/);
  assert.match(editor, /^app\.db live vs backup/);
  const compare = await driver.poll(async () => {
    const t = await driver.activeEditorText(page);
    return /\|\s*Track\s*\|/.test(t) ? t : null;
  }, { what: 'the Track row in the comparison' });
  assert.match(compare, /\|\s*Track\s*\|\s*3403\s*\|\s*3503\s*\|\s*\+100\s*\|/, `comparison:\n${compare}`);
  assert.match(compare, /\|\s*Album\s*\|\s*347\s*\|\s*347\s*\|\s*=\s*\|/);
  await driver.screenshot(page, 'restore-compare');

  // The modal comes back (without Compare); Cancel leaves the database alone.
  const again = await driver.dialogText(page);
  assert.match(again, /Restore app\.db from a backup\?/);
  assert.match(again, /Track: 3403 → 3503/, `the modal does not repeat the differences: ${again}`);
  assert.doesNotMatch(again, /Album: /, 'tables with equal counts are not listed as differences');
  assert.deepEqual((await page.locator('.monaco-dialog-box .dialog-buttons .monaco-button').allTextContents()).map((s) => s.trim()).sort(), ['Cancel', 'Restore']);
  const copiesBeforeCancel = safetyCopies(backupDir).length;
  await driver.clickDialogButton(page, 'Cancel');
  // The restore operation is over once its progress notification ("Restoring app.db: …") is gone.
  await driver.poll(async () => !(await driver.notifications(page)).some((n) => /^Restoring app\.db/.test(n)), { what: 'the restore progress to end' });
  assert.equal(sha256(appDb), before, 'app.db changed although the restore was cancelled');
  assert.equal(trackCount(), 3403);
  assert.equal(safetyCopies(backupDir).length, copiesBeforeCancel, 'a cancelled restore made a safety copy');
  assert.ok(!(await driver.notifications(page)).some((n) => /Restored app\.db/.test(n)), 'a "Restored" notification after Cancel');
}
