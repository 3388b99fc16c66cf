// A disaster-recovery drill from start to evidence: "Lifeboat: Start Drill…" writes the checklist into
// the workspace; ticking in the Drills tree, typing in the editor and "Toggle Checkbox" all change the
// markdown (and only the box), and the tree follows; "Run Restore Rehearsal" restores the newest verified
// backup into a scratch copy and records a measured evidence row, ticking the automatic items.
import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { REPO } from '../workspace.mjs';

export const title = 'drills: Start Drill…, tick in tree and editor, Run Restore Rehearsal records the evidence';
export const timeout = 180;

const BOX = /^(\s*(?:[-*+]|\d{1,9}[.)])\s+)\[([ xX])\]/;

/** The lines that differ between two versions of a file with the same number of lines. */
function changedLines(a, b) {
  const la = a.split('\n');
  const lb = b.split('\n');
  return la.map((l, i) => (l === lb[i] ? null : i)).filter((i) => i !== null);
}

export default async function drill({ page, workspace, driver, assert, sqlite3, log }) {
  const scenarioTitle = /^# (.+)$/m.exec(readFileSync(join(REPO, 'docs/ops/drills/backup-restore.md'), 'utf8'))[1].trim();
  const DR = { pane: 'Drills' };

  // 1. Start Drill… → the "Backup and restore" scenario → a dated markdown file in .lifeboat/drills/.
  const dates = new Set([new Date().toISOString().slice(0, 10)]); // the file name uses the UTC date
  await driver.runCommand(page, 'Lifeboat: Start Drill…');
  await driver.pickQuickItem(page, scenarioTitle);
  dates.add(new Date().toISOString().slice(0, 10));
  const tab = await driver.waitForActiveEditor(page, /^\d{4}-\d\d-\d\d-backup-restore\.md$/);
  assert.ok(dates.has(tab.slice(0, 10)), `drill file ${tab} is not dated today (UTC): ${[...dates]}`);
  const file = join(workspace, '.lifeboat', 'drills', tab);
  assert.ok(existsSync(file), `${file} does not exist`);
  const original = readFileSync(file, 'utf8');
  assert.match(original, new RegExp(`^- \\*\\*Date:\\*\\* ${tab.slice(0, 10)}$`, 'm'));
  const lines = original.split('\n');
  const boxes = lines.map((l, i) => (BOX.test(l) ? i : -1)).filter((i) => i >= 0);
  const total = boxes.length;
  assert.ok(boxes.every((i) => BOX.exec(lines[i])[2] === ' '), 'a new drill has ticked boxes');

  // The manual items of "## Preparation", in file order.
  const prep = lines.indexOf('## Preparation');
  const nextHeading = lines.findIndex((l, i) => i > prep && /^## /.test(l));
  const manual = boxes.filter((i) => i > prep && i < nextHeading);
  assert.ok(manual.length >= 3, `fewer than 3 items under Preparation: ${manual}`);
  const itemText = (i) => lines[i].replace(BOX, '').trim();
  const cursorAt = (where) => driver.poll(async () => (await driver.statusBarText(page, /Ln \d+, Col \d+/, { timeout: 1000 })) === where, { what: `the cursor at ${where}` });

  // 2. The Drills view lists the drill, not started.
  const drillLabel = basename(tab, '.md');
  await driver.openView(page, 'Lifeboat');
  await driver.waitForTreeRow(page, 'lifeboat', drillLabel, { ...DR, description: `0/${total} · not started` });
  await driver.expandTreeRow(page, 'lifeboat', drillLabel, DR);
  await driver.expandTreeRow(page, 'lifeboat', 'Preparation', DR);
  await driver.waitForTreeRow(page, 'lifeboat', 'Preparation', { ...DR, description: `0/${manual.length}` });

  // 3. Tick the first Preparation item in the tree: exactly that box changes in the file on disk.
  assert.equal(await driver.toggleTreeCheckbox(page, 'lifeboat', itemText(manual[0]), DR), true);
  const afterTree = await driver.poll(() => { const t = readFileSync(file, 'utf8'); return t !== original ? t : null; }, { what: `${file} to change on disk` });
  assert.deepEqual(changedLines(original, afterTree), [manual[0]], 'ticking in the tree changed other lines');
  assert.equal(afterTree.split('\n')[manual[0]], lines[manual[0]].replace('[ ]', '[x]'));
  await driver.waitForTreeRow(page, 'lifeboat', drillLabel, { ...DR, description: `1/${total} · in progress` });

  // 4. Type an "x" into the second item's box in the editor: the tree follows the (unsaved) text.
  const col = (i) => lines[i].indexOf('[ ]') + 2; // 1-based column of the space inside the brackets
  await driver.runCommand(page, 'Go to Line/Column...');
  await driver.fillQuickInput(page, `:${manual[1] + 1}:${col(manual[1])}`);
  await cursorAt(`Ln ${manual[1] + 1}, Col ${col(manual[1])}`);
  await page.keyboard.press('Delete');
  await page.keyboard.type('x');
  await driver.waitForTreeRow(page, 'lifeboat', drillLabel, { ...DR, description: `2/${total} · in progress` });
  await driver.waitForTreeRow(page, 'lifeboat', 'Preparation', { ...DR, description: `2/${manual.length}` });
  assert.equal((await driver.treeRows(page, 'lifeboat', DR)).find((r) => r.label === itemText(manual[1]))?.checked, true, 'the typed box is not checked in the tree');

  // 5. "Lifeboat: Toggle Checkbox" on the third item's line.
  await driver.runCommand(page, 'Go to Line/Column...');
  await driver.fillQuickInput(page, `:${manual[2] + 1}`);
  await cursorAt(`Ln ${manual[2] + 1}, Col 1`);
  await driver.runCommand(page, 'Lifeboat: Toggle Checkbox');
  await driver.waitForTreeRow(page, 'lifeboat', drillLabel, { ...DR, description: `3/${total} · in progress` });

  // Saved, the file differs from the original in exactly those three boxes.
  await page.locator('.editor-group-container.active .monaco-editor .view-lines').first().click();
  await page.keyboard.press('Control+s');
  const ticked = lines.map((l, i) => (manual.slice(0, 3).includes(i) ? l.replace('[ ]', '[x]') : l)).join('\n');
  await driver.poll(() => readFileSync(file, 'utf8') === ticked, { what: `${file} to hold exactly the three ticked boxes` })
    .catch((err) => { throw new Error(`${err.message}; changed lines: ${changedLines(original, readFileSync(file, 'utf8'))}`); });

  // 6. A backup of app.db, then the rehearsal (asks for the database, then the backup).
  sqlite3(join(workspace, 'app.db'), 'PRAGMA user_version = 5;'); // changed since any earlier backup: this one is new
  await driver.runCommand(page, 'Lifeboat: Back Up Database…');
  await driver.pickQuickItem(page, 'app.db');
  const backupMsg = await driver.waitForNotification(page, /Backed up app\.db → /, { timeout: 30_000 });
  const backupName = /→ (\S+)\s*$/.exec(backupMsg)[1];
  await driver.runCommand(page, 'Notifications: Clear All Notifications');
  await driver.waitForActiveEditor(page, tab);

  await driver.runCommand(page, 'Lifeboat: Run Restore Rehearsal');
  await driver.poll(async () => (await driver.quickInputPlaceholder(page)) === 'Select a database', { what: 'the database QuickPick' });
  await driver.pickQuickItem(page, 'app.db');
  await driver.poll(async () => /^Backup of app\.db to rehearse a restore with/.test(await driver.quickInputPlaceholder(page)), { what: 'the backup QuickPick' });
  await driver.pickQuickItem(page, /Newest verified backup/);
  const result = await driver.waitForNotification(page, /Restore rehearsal (passed|FAILED)/, { timeout: 60_000 });
  log(`    ${result}`);
  // in the Drills view's terms: the manual steps are still open, so the drill has not passed yet
  assert.match(result, /^Restore rehearsal passed; the drill passes once every step is ticked \(\d+ left\): restored in \d+(\.\d+)? (ms|s), integrity_check ok/);

  // The evidence row on disk: Pass, a measured duration, the backup just made.
  const done = await driver.poll(() => { const t = readFileSync(file, 'utf8'); return /\|\s*(Pass|Fail)\s*\|/.test(t) ? t : null; }, { what: 'the evidence row on disk' });
  const doneLines = done.split('\n');
  const header = doneLines.findIndex((l) => /^\|\s*Date\s*\|\s*Operator\s*\|/.test(l));
  assert.ok(header > 0, 'no evidence table');
  const cells = (l) => l.trim().replace(/^\||\|$/g, '').split('|').map((c) => c.trim());
  const names = cells(doneLines[header]);
  const rows = doneLines.slice(header + 2).filter((l) => l.trim().startsWith('|'));
  assert.equal(rows.length, 1, `expected one evidence row: ${JSON.stringify(rows)}`);
  const row = Object.fromEntries(cells(rows[0]).map((c, i) => [names[i], c]));
  log(`    evidence: ${rows[0]}`);
  assert.equal(row['Pass/Fail'], 'Pass');
  assert.match(row['Restore Duration'], /^\d+(\.\d+)? (ms|s)$/);
  assert.equal(row.integrity_check, 'ok');
  assert.equal(row['Backup File'], backupName);
  assert.ok(dates.has(row.Date.slice(0, 10)), `evidence date ${row.Date}`);

  // The automatic items are ticked; the manual ones are as they were; nothing else changed but the new row.
  assert.equal(doneLines.length, lines.length + 1, 'the rehearsal added more than one line');
  const autoLines = lines.map((l, i) => (/<!--\s*lifeboat:auto=/.test(l) ? i : -1)).filter((i) => i >= 0);
  assert.ok(autoLines.length >= 5, `auto items: ${autoLines}`);
  for (const i of autoLines) assert.equal(doneLines[i], lines[i].replace('[ ]', '[x]'), `auto item not ticked: ${doneLines[i]}`);
  const rowAt = doneLines.indexOf(rows[0]);
  const expected = ticked.split('\n').map((l, i) => (autoLines.includes(i) ? l.replace('[ ]', '[x]') : l));
  expected.splice(rowAt, 0, rows[0]);
  assert.equal(done, expected.join('\n'), 'the rehearsal changed more than the auto boxes and the evidence row');
  assert.equal(sqlite3(join(workspace, 'app.db'), 'PRAGMA integrity_check;'), 'ok', 'the rehearsal touched the live database');

  // The tree: the rehearsal passed but the manual steps (injections) are still open.
  const passedDone = 3 + autoLines.length;
  await driver.waitForTreeRow(page, 'lifeboat', drillLabel, { ...DR, description: `${passedDone}/${total} · in progress` });

  // Screenshot for the docs: Drills view with the ticked Rehearsal section, the editor at the evidence.
  const dbHeader = page.locator('[id="workbench.view.extension.lifeboat"] .pane-header[aria-label^="Databases"]');
  await dbHeader.click(); // collapse Databases: room for the drill
  try {
    await driver.poll(async () => (await dbHeader.getAttribute('aria-expanded')) === 'false', { what: 'Databases to collapse' });
    await driver.expandTreeRow(page, 'lifeboat', 'Rehearsal', DR);
    await driver.runCommand(page, 'Go to Line/Column...');
    await driver.fillQuickInput(page, `:${rowAt + 1}`);
    const bar = await page.locator('.part.sidebar').boundingBox();
    if (bar.width < 440) await driver.setSidebarWidth(page, 480);
    await page.mouse.move(page.viewportSize().width - 10, page.viewportSize().height / 2);
    await driver.screenshot(page, 'drills', { also: 'docs/images/drills.png' });
  } finally {
    if ((await dbHeader.getAttribute('aria-expanded')) === 'false') await dbHeader.click();
  }
}
