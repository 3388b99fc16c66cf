// Start-up backups and the schedule, in a window of their own: a second folder opened in the page,
// whose workspace settings turn them on; the Lifeboat view is never shown. 1. backupOnStartup: the
// window opens, Lifeboat starts ("schedule", its log says) and boot.db is backed up (native sqlite3
// checks the copy); the status bar says "Lifeboat: 1/1 protected". 2. schedule.enabled every
// minute with a truncated broken.db: the start-up backup's failure is one notification with Show
// Log and Retry; the schedule tries again an interval later (not at once), and that failure does
// not notify again (one per streak), while the healthy boot.db's scheduled backups come one interval
// apart (not two); once the file is repaired, Retry backs it up.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { REPO } from '../workspace.mjs';

export const title = 'start-up: backupOnStartup and schedule.enabled back up when the window opens, without the view; a failing scheduled backup notifies once per streak (Show Log, Retry) and is tried again at the interval';
export const timeout = 300;

const CHINOOK = join(REPO, 'test', 'fixtures', 'chinook.sqlite');
const INTERVAL_MS = 60_000; // lifeboat.schedule.intervalMinutes: 1

/** Every Lifeboat.log (one per extension host: one per window load) under the server's logs. */
function lifeboatLogs(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true }).map(String).filter((f) => f.endsWith('Lifeboat.log')).map((f) => join(dir, f));
}

/** "2026-12-01 15:23:31.769 [warning] …" → its time (ms) and text. */
const entries = (file) => readFileSync(file, 'utf8').split('\n')
  .map((l) => /^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}) \[(\w+)\] (.*)$/.exec(l))
  .filter(Boolean).map(([, at, level, text]) => ({ at: new Date(at.replace(' ', 'T')).getTime(), level, text }));

export default async function startup({ page, home, driver, assert, sqlite3, log }) {
  const original = page.url();
  const ws = join(home, 'startup-ws');
  const boot = join(ws, 'boot.db');
  const broken = join(ws, 'broken.db');
  const logsDir = join(dirname(home), 'data', 'logs');
  const root = join(home, '.sqlite-lifeboat', 'backups');
  const backupsOf = (name) => (existsSync(root) ? readdirSync(root) : []).filter((d) => new RegExp(`^${name}-[0-9a-f]+$`).test(d))
    .flatMap((d) => readdirSync(join(root, d)).filter((f) => new RegExp(`^${name}-backup-.*\\.db$`).test(f)).map((f) => join(root, d, f)));
  const settings = (s) => writeFileSync(join(ws, '.vscode', 'settings.json'), JSON.stringify(s, null, 2));
  const activity = page.locator('.activitybar .action-item:has([aria-label^="Lifeboat"])').first();
  const lifeboatShown = async () => /\bchecked\b/.test((await activity.getAttribute('class')) ?? '');
  /** Opens the folder in this page (a window of its own: its extension host, its settings); returns that window's log. */
  const openWindow = async () => {
    const known = new Set(lifeboatLogs(logsDir));
    const url = new URL(original);
    url.searchParams.set('folder', ws);
    await page.goto(url.toString(), { waitUntil: 'domcontentloaded', timeout: 60_000 });
    await driver.waitForWorkbench(page, { timeout: 90_000 });
    return driver.poll(() => lifeboatLogs(logsDir).find((f) => !known.has(f) && readFileSync(f, 'utf8').includes('Lifeboat activated')), { timeout: 60_000, what: 'the new window\'s Lifeboat log' });
  };

  rmSync(ws, { recursive: true, force: true });
  mkdirSync(join(ws, '.vscode'), { recursive: true });
  sqlite3(boot, 'CREATE TABLE t(x); INSERT INTO t VALUES (1), (2), (3);');
  try {
    // 1. backupOnStartup: backed up when the window opens; the view is never shown.
    settings({ 'lifeboat.backupOnStartup': true });
    assert.deepEqual(backupsOf('boot'), []);
    const log1 = await openWindow();
    const [file] = await driver.poll(() => { const b = backupsOf('boot'); return b.length ? b : null; }, { timeout: 60_000, what: 'the start-up backup of boot.db' });
    assert.equal(sqlite3(file, 'PRAGMA integrity_check; SELECT count(*) FROM t;'), 'ok\n3');
    await driver.statusBarText(page, /^\s*Lifeboat: 1\/1 protected\s*$/, { timeout: 30_000 });
    const started = entries(log1).map((e) => e.text);
    log(`    ${started.find((t) => /^Lifeboat activated/.test(t))}`);
    assert.ok(started.includes('Lifeboat starts (schedule)'), `not started by the start-up backup setting: ${JSON.stringify(started.slice(0, 4))}`);
    assert.equal(await lifeboatShown(), false, 'the Lifeboat view was shown');
    assert.ok(await page.locator('.explorer-folders-view:visible').count(), 'the Explorer is not in the side bar');

    // 2. The schedule (every minute) with a truncated database: one notification per streak.
    settings({ 'lifeboat.schedule.enabled': true, 'lifeboat.schedule.intervalMinutes': 1 });
    writeFileSync(broken, readFileSync(CHINOOK).subarray(0, 600 * 1024));
    const log2 = await openWindow();
    const notice = /^Lifeboat: the start-up backup of broken\.db failed: /;
    const first = await driver.waitForNotification(page, notice, { timeout: 60_000 });
    log(`    ${first}`);
    assert.doesNotMatch(first, /\n/);
    assert.match(first, /integrity_check/);
    const toast = page.locator('.notifications-toasts .notification-toast').filter({ has: page.locator('.notification-list-item-message', { hasText: notice }) }).first();
    assert.deepEqual((await toast.locator('.monaco-button').allTextContents()).map((s) => s.trim()).filter(Boolean), ['Show Log', 'Retry']);
    assert.equal(await lifeboatShown(), false, 'the Lifeboat view was shown');
    await driver.statusBarText(page, /^\s*Lifeboat: 1 failing\s*$/, { timeout: 30_000 });
    await page.mouse.move(5, 5);
    await driver.screenshot(page, 'startup-failure');

    // the schedule tries again an interval after the failure (not at once), and says nothing new
    const tries = () => entries(log2).filter((e) => e.level === 'warning' && /^(Start-up|Scheduled) backup of .*broken\.db failed: /.test(e.text));
    const scheduled = await driver.poll(() => tries().find((e) => e.text.startsWith('Scheduled')), { timeout: INTERVAL_MS + 90_000, interval: 1000, what: 'the scheduled try of broken.db' });
    const [startup] = tries();
    assert.match(startup.text, /^Start-up backup of /);
    const gap = scheduled.at - startup.at;
    log(`    the scheduled try came ${(gap / 1000).toFixed(1)} s after the start-up one`);
    assert.ok(gap >= INTERVAL_MS - 2000, `the schedule tried broken.db again ${gap} ms after it failed, not an interval (${INTERVAL_MS} ms) later`);
    assert.equal(tries().filter((e) => e.text.startsWith('Scheduled')).length, 1, `more scheduled tries: ${JSON.stringify(tries().map((e) => e.text.slice(0, 40)))}`);
    const center = await driver.notificationCenterMessages(page);
    assert.equal(center.filter((m) => /broken\.db failed/.test(m)).length, 1, `not one notification per streak: ${JSON.stringify(center)}`);
    // and the healthy boot.db (backed up in step 1, so not due at this window's start): its scheduled
    // backups, the first finding it unchanged (the check is recorded, no new copy) and the next one
    // counting from that check, come one interval apart, not two
    const bootRuns = () => entries(log2).filter((e) => e.level === 'info' && (e.text.startsWith(`Backup of ${boot} → `) || e.text.startsWith(`Backup of ${boot}: unchanged since`)));
    const runs = await driver.poll(() => { const r = bootRuns(); return r.length >= 2 ? r : null; }, { timeout: 60_000, interval: 1000, what: 'the scheduled backup of boot.db' });
    const every = runs[1].at - runs[0].at;
    log(`    boot.db: "${runs[0].text.slice(0, 60)}…", then again ${(every / 1000).toFixed(1)} s later`);
    assert.match(runs[0].text, /: unchanged since /, 'the scheduled backup of an unchanged boot.db wrote a new copy');
    assert.ok(every >= INTERVAL_MS - 2000 && every < INTERVAL_MS * 1.5, `boot.db's scheduled backups came ${every} ms apart, not an interval (${INTERVAL_MS} ms)`);
    assert.equal(backupsOf('boot').length, 1, 'an unchanged boot.db got a second copy');

    // Retry, once the file is repaired: the backup is made, the status bar says so.
    writeFileSync(broken, readFileSync(CHINOOK));
    await driver.clickNotificationButton(page, notice, 'Retry', { timeout: 30_000 });
    const [repaired] = await driver.poll(() => { const b = backupsOf('broken'); return b.length ? b : null; }, { timeout: 60_000, what: 'the backup of broken.db after Retry' });
    assert.equal(sqlite3(repaired, 'PRAGMA integrity_check; SELECT count(*) FROM Track;'), 'ok\n3503');
    await driver.statusBarText(page, /^\s*Lifeboat: 2\/2 protected\s*$/, { timeout: 30_000 });
    assert.equal(await lifeboatShown(), false, 'the Lifeboat view was shown');
    assert.ok(statSync(repaired).size > 0);
  } finally {
    // this window's schedule has nothing left to do (its extension host may linger a while)
    if (existsSync(join(ws, '.vscode'))) settings({});
    rmSync(boot, { force: true });
    rmSync(broken, { force: true });
    await page.goto(original, { waitUntil: 'domcontentloaded', timeout: 60_000 }).catch(() => {});
    await driver.waitForWorkbench(page, { timeout: 90_000 }).catch(() => {});
  }
}
