// A new user's first backup: F1 → "Lifeboat: Back Up Database…" → pick the database → a notification
// names the backup, and the file on disk is a healthy, complete copy (checked with the native sqlite3).
// Backed up again with nothing changed: the toast says "unchanged since its backup of …", no second
// copy is written and the check is recorded in that backup's manifest; after a change, a new copy.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const title = 'palette: Back Up Database… lists the real databases and writes a verified copy; again unchanged, it says so and writes none';

/** Row count of every user table, by the native sqlite3 CLI. */
function rowCounts(sqlite3, db) {
  const tables = sqlite3(db, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name;").split('\n').filter(Boolean);
  return Object.fromEntries(tables.map((t) => [t, Number(sqlite3(db, `SELECT count(*) FROM "${t.replace(/"/g, '""')}";`))]));
}

export default async function backupFromPalette({ page, workspace, home, driver, assert, sqlite3, log }) {
  const appDb = join(workspace, 'app.db');
  await driver.runCommand(page, 'Lifeboat: Back Up Database…');

  // The QuickPick offers the workspace's SQLite files, and not fake.db (text with a .db name).
  await driver.poll(async () => (await driver.quickInputText(page)).includes('notes.sqlite'), { what: 'the database QuickPick' });
  const labels = await page.locator('.quick-input-widget .quick-input-list .monaco-list-row')
    .evaluateAll((rows) => rows.map((r) => r.querySelector('.label-name')?.textContent.trim() ?? ''));
  const prompt = await driver.quickInputText(page);
  assert.ok(labels.includes('app.db'), `QuickPick lacks app.db: ${JSON.stringify(labels)}`);
  assert.ok(labels.includes('notes.sqlite'), `QuickPick lacks notes.sqlite: ${JSON.stringify(labels)}`);
  assert.ok(!labels.includes('fake.db') && !prompt.includes('fake.db'), `QuickPick offers fake.db: ${prompt}`);
  assert.ok(prompt.includes(appDb), `QuickPick does not show the path ${appDb}: ${prompt}`);
  await driver.pickQuickItem(page, 'app.db');

  const message = await driver.waitForNotification(page, /Backed up app\.db → /, { timeout: 30_000 });
  const m = /Backed up app\.db → (app-backup-\d{4}-\d\d-\d\d-\d{6}(?:-\d+)?\.db)\s*$/.exec(message);
  assert.ok(m, `unexpected notification text: ${message}`);
  const name = m[1];
  log(`    notification: ${message}`);
  // The notification also stays in the notification center (where waitForNotification looks when
  // its toast has already hidden itself).
  const center = await driver.notificationCenterMessages(page);
  assert.ok(center.includes(message), `the notification center does not list "${message}": ${JSON.stringify(center)}`);
  assert.equal(await page.locator('.notifications-center').isVisible(), false, 'the notification center stayed open');

  // The file is in the private home's default backup folder ~/.sqlite-lifeboat/backups/app-<hash>/.
  const root = join(home, '.sqlite-lifeboat', 'backups');
  const dirs = readdirSync(root).filter((d) => /^app-[0-9a-f]+$/.test(d) && existsSync(join(root, d, name)));
  assert.equal(dirs.length, 1, `${name} not found in exactly one ${root}/app-*/ folder: ${readdirSync(root)}`);
  const file = join(root, dirs[0], name);
  assert.ok(existsSync(`${file}.json`), `no manifest next to ${file}`);
  assert.equal(statSync(file).mode & 0o777, 0o600, 'the backup is not owner-only');

  // The native sqlite3 agrees: healthy, and the same rows as the live database.
  assert.equal(sqlite3(file, 'PRAGMA integrity_check;'), 'ok');
  const live = rowCounts(sqlite3, appDb);
  assert.ok(live.Track > 0, `app.db has no Track rows? ${JSON.stringify(live)}`);
  assert.deepEqual(rowCounts(sqlite3, file), live);

  // 2. Back Up again, nothing changed: no second identical copy, and the toast says which backup
  //    still holds it, since when.
  const dir = join(root, dirs[0]);
  const backups = () => readdirSync(dir).filter((f) => /^app-backup-.*\.db$/.test(f)).sort();
  assert.deepEqual(backups(), [name]);
  const made = JSON.parse(readFileSync(`${file}.json`, 'utf8'));
  await driver.runCommand(page, 'Notifications: Clear All Notifications');
  await driver.runCommand(page, 'Lifeboat: Back Up Database…');
  await driver.pickQuickItem(page, 'app.db');
  const same = await driver.waitForNotification(page, /^app\.db is unchanged since /, { timeout: 30_000 });
  log(`    again: ${same}`);
  const u = /^app\.db is unchanged since its backup of (\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d) ([+-]\d\d:\d\d) \((just now|\d+ min ago)\): no new copy \((\S+)\)$/.exec(same);
  assert.ok(u, `unexpected notification text: ${same}`);
  assert.equal(u[5], name, 'the toast does not name the backup that holds it');
  // the local time it gives is the backup's creation (to the second)
  const shown = new Date(`${u[1]}T${u[2]}${u[3]}`).getTime();
  assert.equal(shown, Math.floor(new Date(made.createdAt).getTime() / 1000) * 1000, `${u[1]} ${u[2]} ${u[3]} is not the backup's time ${made.createdAt}`);
  assert.deepEqual(backups(), [name], 'a second copy of an unchanged database was written');
  const checked = JSON.parse(readFileSync(`${file}.json`, 'utf8'));
  assert.ok(checked.unchangedAt && checked.unchangedAt > made.createdAt, `the check is not recorded in ${name}.json: ${checked.unchangedAt}`);
  assert.equal(checked.sha256, made.sha256);
  assert.equal(sqlite3(file, 'PRAGMA integrity_check;'), 'ok');

  // 3. After a change, Back Up makes a new copy again.
  sqlite3(appDb, 'PRAGMA user_version = 3;');
  await driver.runCommand(page, 'Notifications: Clear All Notifications');
  await driver.runCommand(page, 'Lifeboat: Back Up Database…');
  await driver.pickQuickItem(page, 'app.db');
  const changed = await driver.waitForNotification(page, /^Backed up app\.db → /, { timeout: 30_000 });
  const second = /→ (app-backup-[\w-]+\.db)\s*$/.exec(changed)?.[1];
  assert.ok(second && second !== name, `no new backup after a change: ${changed}`);
  assert.deepEqual(backups(), [name, second].sort());
  assert.equal(sqlite3(join(dir, second), 'PRAGMA user_version;'), '3');
}
