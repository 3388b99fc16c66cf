// Smoke test of the UI harness: the workbench shows the fixture workspace, the palette runs commands,
// the extension is installed from the .vsix and, once its view is opened, runs in the extension host.
export const title = 'workbench shows the fixture workspace and runs the installed extension';

export default async function smoke({ page, driver, assert, workspace, sqlite3, log }) {
  // Polled: the tests before this one restored app.db (a file swap), and the explorer may still be
  // catching up with the watcher's events (a CI run saw app.db's row come and go).
  let files = [];
  await driver.poll(async () => {
    files = await driver.explorerLabels(page);
    return ['app.db', 'notes.sqlite', 'fake.db'].every((f) => files.includes(f));
  }, { what: 'app.db, notes.sqlite and fake.db in the explorer' }).catch((err) => { throw new Error(`${err.message}; explorer rows: ${files}`); });
  // The fixture databases are real: notes.sqlite is in rollback-journal mode.
  assert.equal(sqlite3(`${workspace}/notes.sqlite`, 'PRAGMA journal_mode;'), 'delete');

  // Installed from the .vsix: listed among the enabled extensions.
  await driver.runCommand(page, 'Extensions: Show Enabled Extensions');
  await page.locator('.extensions-viewlet .extension-list-item .name').getByText('SQLite Lifeboat', { exact: true })
    .first().waitFor({ state: 'visible', timeout: 20_000 });

  // Running: open its view container if it contributes one (that activates it), then ask VS Code.
  if (await page.locator('.activitybar .action-item [aria-label^="Lifeboat"]').count()) {
    await driver.openView(page, 'Lifeboat');
  } else {
    log('  (no Lifeboat view container yet: not activating through the UI)');
  }
  await driver.runCommand(page, 'Developer: Show Running Extensions');
  await driver.waitForActiveEditor(page, 'Running Extensions');
  if (await page.locator('.activitybar .action-item [aria-label^="Lifeboat"]').count()) {
    // The list is sorted by activation time and renders only the rows on screen (1.139 lists more
    // built-in extensions than 1.100): scroll down until Lifeboat's row is there.
    const editor = page.locator('.editor-instance').first();
    const row = editor.getByText('SQLite Lifeboat', { exact: true }).first();
    await driver.poll(async () => {
      if (await row.isVisible()) return true;
      await editor.hover();
      await page.mouse.wheel(0, 300);
      return false;
    }, { timeout: 20_000, interval: 250, what: 'SQLite Lifeboat among the running extensions' });
  }
  await driver.screenshot(page, 'smoke-running-extensions');

  if (['ui', 'all'].includes(process.env.E2E_SELFTEST_FAIL)) {
    assert.fail('E2E_SELFTEST_FAIL: this UI test fails on purpose');
  }
}
