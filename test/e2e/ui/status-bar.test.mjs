// The status-bar item and the Lifeboat view's badge. With a database that was never backed up
// (ledger.db, created here): "Lifeboat: P/T protected" in warning colours, and the activity bar's
// badge counts the databases that need attention (as many as the tree shows without a ✓). A
// truncated database (broken.db): its Back Up fails with one one-line error toast, the item says
// "Lifeboat: 1 failing" with the error look and icon, the badge counts it too; the Lifeboat log holds
// the failure once (its line, then each problem once). Without it, after "Back Up All Databases":
// "Lifeboat: T/T protected", no badge; and while the view stays open the rows' ages move on by
// themselves ("just now", then "1 min ago", with nothing clicked).
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { REPO } from '../workspace.mjs';

export const title = 'status bar and badge: "P/T protected" (warning), a truncated database\'s failed backup (one-line error, "1 failing"), the log holding it once; then "T/T protected", no badge, and ages that move on while the view is open';
export const freshPage = true;
export const timeout = 330;

/** The newest Lifeboat.log (one per extension host) under the server's logs that contains `text`. */
function lifeboatLog(dir, text) {
  if (!existsSync(dir)) return null;
  const logs = readdirSync(dir, { recursive: true }).map(String).filter((f) => f.endsWith('Lifeboat.log')).map((f) => join(dir, f))
    .filter((f) => readFileSync(f, 'utf8').includes(text));
  return logs.sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0] ?? null;
}

const ITEM = '[id="sqlite-lifeboat.sqlite-lifeboat.lifeboat.rpo"]';
const DB = { pane: 'Databases' };

export default async function statusBar({ page, workspace, home, driver, assert, sqlite3, log }) {
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
    // The log file holds the failure once: one line (the first problem and how many more), and below
    // it each problem once (the issue: every long message was in the log twice).
    const failedLine = `Backup of ${broken} failed: `;
    const logFile = await driver.poll(() => lifeboatLog(join(dirname(home), 'data', 'logs'), failedLine), { what: 'the Lifeboat log with the failure' });
    const lines = readFileSync(logFile, 'utf8').split('\n').map((l) => l.replace(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} \[\w+\] /, ''));
    const fails = lines.filter((l) => l.includes(failedLine));
    assert.equal(fails.length, 1, `the failure is not one line in ${logFile}: ${JSON.stringify(fails)}`);
    const more = /: (Tree \d+ page \d+ cell \d+: .*) \(and (\d+) more\)$/.exec(fails[0]);
    assert.ok(more, `the failure's line does not give the first problem and how many more: ${fails[0]}`);
    const at = lines.indexOf(fails[0]);
    const detail = [];
    for (const l of lines.slice(at + 1)) { if (!/^ {2}\S/.test(l)) break; detail.push(l.slice(2)); }
    log(`    log: ${fails[0].length}-character line, then ${detail.length} problem(s)`);
    assert.equal(detail.length, Number(more[2]) + 1, `the detail below the line does not hold every problem: ${JSON.stringify(detail.slice(0, 3))}…`);
    assert.equal(detail[0], more[1], 'the detail does not start with the first problem');
    for (const p of detail) {
      const n = lines.filter((l) => l.includes(p)).length;
      assert.equal(n, p === more[1] ? 2 : 1, `"${p}" is in the log ${n} times`);
    }

    // 3. Without it, Back Up All: every database is protected, and no badge.
    rmSync(broken, { force: true });
    await driver.poll(async () => !(await databases()).some((r) => r.label === 'broken.db'), { timeout: 30_000, what: 'broken.db to leave the tree' });
    await driver.runCommand(page, 'Lifeboat: Back Up All Databases');
    // (the databases an earlier test backed up and nobody changed since are unchanged: no new copy)
    const done = await driver.waitForNotification(page, /^Backed up \d+ database\(s\)( \(\d+ unchanged since their newest backup: no new copy\))?\.$/, { timeout: 90_000 });
    log(`    ${done}`);
    assert.equal(Number(/\d+/.exec(done)[0]), t, `Back Up All did not back up the ${t} databases: ${done}`);
    const fresh = await driver.statusBarText(page, new RegExp(`^\\s*Lifeboat: ${t}/${t} protected\\s*$`));
    assert.equal(fresh, `Lifeboat: ${t}/${t} protected`);
    await driver.poll(async () => !/\b(warning|error)-kind\b/.test(await item.getAttribute('class')), { what: 'the warning look to go' });
    assert.equal(await item.locator('.codicon-pass').count(), 1, 'no pass icon on the protected item');
    await driver.poll(async () => (await badge()) === 0, { what: 'the badge to go' });
    await driver.waitForTreeRow(page, 'lifeboat', 'ledger.db', { ...DB, description: /^✓ just now · live / });
    await driver.screenshot(page, 'status-bar-fresh');

    // 4. With the view open and nothing clicked, the ages move on: the database row and its backup's.
    await driver.expandTreeRow(page, 'lifeboat', 'ledger.db', DB);
    const [backup] = await driver.poll(async () => { const c = await driver.treeChildren(page, 'lifeboat', 'ledger.db', DB); return c.length && /^✓ just now · /.test(c[0].label) ? c : null; }, { what: 'the new backup under ledger.db, "just now"' });
    const since = Date.now();
    const size = backup.label.replace(/^✓ just now · /, '');
    await driver.poll(async () => (await driver.treeChildren(page, 'lifeboat', 'ledger.db', DB))[0]?.label === `✓ 1 min ago · ${size}`, { timeout: 150_000, interval: 1000, what: `the backup row under ledger.db to say "✓ 1 min ago · ${size}"` });
    await driver.waitForTreeRow(page, 'lifeboat', 'ledger.db', { ...DB, description: /^✓ 1 min ago · live /, timeout: 30_000 });
    log(`    "1 min ago" shown ${((Date.now() - since) / 1000).toFixed(0)} s after "just now", with nothing clicked`);

    // The item opens the Lifeboat view.
    await driver.showExplorer(page);
    await item.click();
    await driver.poll(async () => /\bchecked\b/.test(await activity.getAttribute('class')), { what: 'the Lifeboat view to open from the status bar' });
  } finally {
    rmSync(ledger, { force: true });
    rmSync(broken, { force: true });
  }
}
