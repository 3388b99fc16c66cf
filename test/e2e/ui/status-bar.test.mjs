// The status-bar item and the Lifeboat view's badge. With a database that was never backed up
// (ledger.db, created here): "Lifeboat: P/T protected" in warning colours, and the activity bar's
// badge counts the databases that need attention (as many as the tree shows without a ✓). A
// truncated database (broken.db): its Back Up fails with one one-line error toast, the item says
// "Lifeboat: 1 failing" with the error look and icon, the badge counts it too. Without it, after
// "Back Up All Databases": "Lifeboat: T/T protected", no badge.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO } from '../workspace.mjs';

export const title = 'status bar and badge: "P/T protected" (warning), a truncated database\'s failed backup (one-line error, "1 failing"), then "T/T protected" and no badge';
export const freshPage = true;
export const timeout = 180;

const ITEM = '[id="sqlite-lifeboat.sqlite-lifeboat.lifeboat.rpo"]';
const DB = { pane: 'Databases' };

export default async function statusBar({ page, workspace, driver, assert, sqlite3, log }) {
  const ledger = join(workspace, 'ledger.db');
  const broken = join(workspace, 'broken.db');
  const item = page.locator(`.part.statusbar ${ITEM}`);
  const activity = page.locator('.activitybar .action-item:has([aria-label^="Lifeboat"])').first();
  const badge = async () => {
    const t = (await activity.locator('.badge .badge-content').first().textContent({ timeout: 1000 }).catch(() => '')).trim();
    return (await activity.locator('.badge .badge-content').first().isVisible().catch(() => false)) && t ? Number(t) : 0;
  };
  const databases = async () => (await driver.treeRows(page, 'lifeboat', DB)).filter((r) => r.level === 1);
  const sidebarClip = async () => {
    const bar = await page.locator('.part.sidebar').boundingBox();
    const vp = page.viewportSize();
    return { x: 0, y: 0, width: Math.min(vp.width, Math.ceil(bar.x + bar.width + 40)), height: vp.height };
  };
  sqlite3(ledger, 'CREATE TABLE entries(id INTEGER PRIMARY KEY, amount INTEGER); INSERT INTO entries(amount) VALUES (1), (2);');
  try {
    // 1. A freshly loaded window; Lifeboat starts when its view is opened.
    await driver.openView(page, 'Lifeboat');
    await driver.waitForTreeRow(page, 'lifeboat', 'ledger.db', { ...DB, description: /^no backup yet · live \d+(\.\d)? KB$/ });
    const text = await driver.statusBarText(page, /^\s*Lifeboat: \d+\/\d+ protected\s*$/);
    const [, p, t] = /(\d+)\/(\d+)/.exec(text).map(Number);
    const rows = await driver.poll(async () => { const r = await databases(); return r.length === t ? r : null; }, { what: `${t} databases in the tree` });
    const unprotected = rows.filter((r) => !r.description.startsWith('✓'));
    log(`    ${text}; not protected: ${unprotected.map((r) => `${r.label} (${r.description})`).join(', ')}`);
    assert.ok(unprotected.some((r) => r.label === 'ledger.db'));
    assert.equal(t - p, unprotected.length, 'the protected count is not what the tree shows');
    assert.match(await item.getAttribute('class'), /\bwarning-kind\b/, 'an unprotected database and no warning look');
    assert.equal(await item.locator('.codicon-warning').count(), 1, 'no warning icon');
    assert.equal(await item.getAttribute('aria-label'), `Lifeboat: ${p} of ${t} protected`);
    // the badge: how many need attention, like Source Control's count
    await driver.poll(async () => (await badge()) === t - p, { what: `the badge to count ${t - p}` });
    assert.match(await activity.locator('.action-label').first().getAttribute('aria-label'), new RegExp(`^Lifeboat - ${t - p} never backed up$`));
    await driver.setSidebarWidth(page, 440); // the rows' descriptions in full
    await page.mouse.move(1000, 600);
    await driver.screenshot(page, 'status-bar-protected', { clip: await sidebarClip(), also: 'docs/images/status-badge.png' });

    // 2. A truncated database: its backup fails, and says so in one line.
    writeFileSync(broken, readFileSync(join(REPO, 'test', 'fixtures', 'chinook.sqlite')).subarray(0, 600 * 1024));
    await driver.waitForTreeRow(page, 'lifeboat', 'broken.db', { ...DB, timeout: 30_000 });
    const toasts = await driver.watchToasts(page);
    await driver.clickTreeInlineAction(page, 'lifeboat', 'broken.db', 'Back Up Database…', DB);
    const error = await driver.waitForNotification(page, /^Lifeboat: Backup of broken\.db failed: /, { timeout: 60_000 });
    log(`    error toast (${error.length} characters): ${error}`);
    assert.doesNotMatch(error, /\n/);
    assert.ok(error.length <= 360, `the error toast is not one short line (${error.length} characters)`);
    assert.match(error, /integrity_check/);
    assert.match(error, /Tree \d+ page \d+ cell \d+: /, 'the toast does not name the first problem');
    const toast = page.locator('.notifications-toasts .notification-toast').filter({ hasText: /Backup of broken\.db failed/ }).first();
    assert.deepEqual((await toast.locator('.monaco-button').allTextContents()).map((s) => s.trim()).filter(Boolean), ['Show Log']);
    await driver.waitForTreeRow(page, 'lifeboat', 'broken.db', { ...DB, description: /^✗ last backup failed · live 600\.0 KB$/ });
    const failing = await driver.statusBarText(page, /^\s*Lifeboat: \d+ failing\s*$/);
    assert.equal(failing, 'Lifeboat: 1 failing');
    assert.match(await item.getAttribute('class'), /\berror-kind\b/, 'a failing database and no error look');
    assert.equal(await item.locator('.codicon-error').count(), 1, 'failing, and not the error icon');
    await driver.poll(async () => (await badge()) === t - p + 1, { what: `the badge to count ${t - p + 1}` });
    assert.match(await activity.locator('.action-label').first().getAttribute('aria-label'), new RegExp(`^Lifeboat - 1 failing, ${t - p} never backed up$`));
    const errors = (await toasts()).filter((m) => /broken\.db.*fail/.test(m));
    assert.equal(errors.length, 1, `more than one error toast about broken.db: ${JSON.stringify(errors)}`);
    await page.mouse.move(1000, 600);
    await driver.screenshot(page, 'status-bar-failing', { also: 'docs/images/status-failing.png' }); // with the error toast
    // Show Log: the Lifeboat log, at its end the failure's detail (each problem integrity_check reported)
    await driver.clickNotificationButton(page, /Backup of broken\.db failed/, 'Show Log');
    const output = page.locator('.part.panel .monaco-editor .view-lines').first();
    await output.waitFor({ state: 'visible' });
    await driver.poll(async () => /Tree\s\d+\spage\s\d+\scell\s\d+:\s/.test(await output.innerText()) /* monaco draws spaces as U+00A0 */, { what: 'the failure\'s detail at the end of the Lifeboat log' });
    await driver.runCommand(page, 'View: Toggle Panel Visibility');
    await driver.runCommand(page, 'Notifications: Clear All Notifications');

    // 3. Without it, Back Up All: every database is protected, and no badge.
    rmSync(broken, { force: true });
    await driver.poll(async () => !(await databases()).some((r) => r.label === 'broken.db'), { timeout: 30_000, what: 'broken.db to leave the tree' });
    await driver.runCommand(page, 'Lifeboat: Back Up All Databases');
    const done = await driver.waitForNotification(page, /^Backed up \d+ database\(s\)\.$/, { timeout: 90_000 });
    log(`    ${done}`);
    assert.equal(Number(/\d+/.exec(done)[0]), t, `Back Up All did not back up the ${t} databases: ${done}`);
    const fresh = await driver.statusBarText(page, new RegExp(`^\\s*Lifeboat: ${t}/${t} protected\\s*$`));
    assert.equal(fresh, `Lifeboat: ${t}/${t} protected`);
    await driver.poll(async () => !/\b(warning|error)-kind\b/.test(await item.getAttribute('class')), { what: 'the warning look to go' });
    assert.equal(await item.locator('.codicon-pass').count(), 1, 'no pass icon on the protected item');
    await driver.poll(async () => (await badge()) === 0, { what: 'the badge to go' });
    await driver.waitForTreeRow(page, 'lifeboat', 'ledger.db', { ...DB, description: /^✓ just now · live / });
    await driver.screenshot(page, 'status-bar-fresh');

    // The item opens the Lifeboat view.
    await driver.showExplorer(page);
    await item.click();
    await driver.poll(async () => /\bchecked\b/.test(await activity.getAttribute('class')), { what: 'the Lifeboat view to open from the status bar' });
  } finally {
    rmSync(ledger, { force: true });
    rmSync(broken, { force: true });
  }
}
