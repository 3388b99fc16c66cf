// The RPO status-bar item: the age of the stalest "newest backup" among the workspace's databases.
// A database that was never backed up (here: ledger.db, created during the test, so that it has no
// backup whatever the earlier tests did) shows "Lifeboat: no backups" in warning colours; after
// "Back Up All Databases" every database is fresh and the item shows "Lifeboat 0m".
import { rmSync } from 'node:fs';
import { join } from 'node:path';

export const title = 'status bar: "Lifeboat: no backups" (warning) until every database is backed up, then "Lifeboat 0m"';
export const freshPage = true;

const ITEM = '[id="sqlite-lifeboat.sqlite-lifeboat.lifeboat.rpo"]';

export default async function statusBar({ page, workspace, driver, assert, sqlite3, log }) {
  const ledger = join(workspace, 'ledger.db');
  sqlite3(ledger, "CREATE TABLE entries(id INTEGER PRIMARY KEY, amount INTEGER); INSERT INTO entries(amount) VALUES (1), (2);");
  try {
    // A freshly loaded window; the extension starts when its view is opened.
    await driver.openView(page, 'Lifeboat');
    await driver.waitForTreeRow(page, 'lifeboat', 'ledger.db', { pane: 'Databases', description: 'no backup yet' });

    const warn = await driver.statusBarText(page, /Lifeboat: no backups/);
    assert.equal(warn, 'Lifeboat: no backups');
    const item = page.locator(`.part.statusbar ${ITEM}`);
    assert.match(await item.getAttribute('class'), /\bwarning-kind\b/, 'the "no backups" item does not have the warning look');
    assert.equal(await item.locator('.codicon-warning').count(), 1, 'no warning icon on the "no backups" item');
    assert.match(await item.getAttribute('aria-label'), /never made, older than the RPO/);
    await driver.screenshot(page, 'status-bar-no-backups');

    // Back up everything: the stalest newest backup is now seconds old.
    await driver.runCommand(page, 'Lifeboat: Back Up All Databases');
    const done = await driver.waitForNotification(page, /^Backed up \d+ database\(s\)\.$/, { timeout: 60_000 });
    log(`    ${done}`);
    assert.ok(Number(/\d+/.exec(done)[0]) >= 3, `fewer databases than app.db, notes.sqlite and ledger.db: ${done}`);
    const fresh = await driver.statusBarText(page, /^\s*Lifeboat \d+m\s*$/);
    assert.equal(fresh, 'Lifeboat 0m');
    await driver.poll(async () => !/\bwarning-kind\b/.test(await item.getAttribute('class')), { what: 'the warning look to go' });
    assert.equal(await item.locator('.codicon-history').count(), 1, 'no history icon on the fresh item');
    await driver.waitForTreeRow(page, 'lifeboat', 'ledger.db', { pane: 'Databases', description: /just now/ });
    await driver.screenshot(page, 'status-bar-fresh');

    // The item opens the Lifeboat view.
    await driver.showExplorer(page);
    await item.click();
    await driver.poll(async () => /\bchecked\b/.test(await page.locator('.activitybar .action-item:has([aria-label^="Lifeboat"])').first().getAttribute('class')), { what: 'the Lifeboat view to open from the status bar' });
  } finally {
    rmSync(ledger, { force: true });
  }
}
