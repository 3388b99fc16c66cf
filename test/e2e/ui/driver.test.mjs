// Self-test of ui/driver.mjs against VS Code's own UI (no dependency on the extension's contributions):
// palette, modal dialog, explorer context menu with the settle-and-retry logic, quick-input errors.
import { text } from '../workspace.mjs';

export const title = 'driver helpers work on built-in VS Code UI';
export const fixtures = { 'scratch.txt': text('deleted by ui/driver.test.mjs\n') };

export default async function driverSelfTest({ page, driver, assert, workspace }) {
  // Palette + modal dialog: About names the VS Code of the harness that runs (1.100.3 or 1.139.1).
  const version = process.env.LIFEBOAT_E2E_VSCODE_VERSION;
  assert.match(version, /^1\.\d+\.\d+$/, 'run.mjs names the VS Code version of its harness');
  await driver.runCommand(page, 'Help: About');
  const about = await driver.dialogText(page);
  assert.ok(about.split('\n').includes(`Code: ${version}`), `About does not show "Code: ${version}": ${about}`);
  await driver.clickDialogButton(page, 'OK');

  // A palette title that does not exist fails with the rows it saw, instead of hanging.
  await assert.rejects(driver.runCommand(page, 'Lifeboat: No Such Command For Sure', { timeout: 1000 }), /palette rows/);
  await page.keyboard.press('Escape');

  // Explorer context menu (built-in Delete) + its confirmation dialog.
  await driver.explorerContextMenu(page, 'scratch.txt', /^\s*Delete( Permanently)?\s*$/);
  assert.match(await driver.dialogText(page), /scratch\.txt/);
  await driver.clickDialogButton(page, /^\s*(Delete|Move to Trash)\s*$/);
  await driver.poll(async () => !(await driver.explorerLabels(page)).includes('scratch.txt'), { what: 'scratch.txt to leave the explorer' });
  const { existsSync } = await import('node:fs');
  assert.equal(existsSync(`${workspace}/scratch.txt`), false);
}
