// Smoke test of the harness itself: runs inside the real extension host with the full `vscode` API.
'use strict';
const assert = require('assert/strict');
const os = require('os');
const vscode = require('vscode');

const EXTENSION_ID = 'sqlite-lifeboat.sqlite-lifeboat';

describe('e2e harness smoke (extension host)', () => {
  it('finds and activates the extension', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext, `${EXTENSION_ID} is not loaded`);
    await ext.activate();
    assert.equal(ext.isActive, true);
    assert.equal(ext.packageJSON.name, 'sqlite-lifeboat');
  });

  it('opens the fixture workspace', async () => {
    const folders = vscode.workspace.workspaceFolders || [];
    assert.equal(folders.length, 1, 'exactly one workspace folder');
    const root = folders[0].uri;
    const stat = await vscode.workspace.fs.stat(vscode.Uri.joinPath(root, 'app.db'));
    assert.equal(stat.type, vscode.FileType.File);
    assert.ok(stat.size > 100_000, `app.db is only ${stat.size} bytes`);
    // findFiles goes through ripgrep on the server: proves the pre-filled @vscode/ripgrep works.
    const found = (await vscode.workspace.findFiles('**/*.{db,sqlite}')).map((u) => u.path.split('/').pop()).sort();
    for (const name of ['app.db', 'fake.db', 'notes.sqlite']) assert.ok(found.includes(name), `findFiles missed ${name}: ${found}`);
  });

  it('runs with the private HOME and environment set up by run.mjs', () => {
    const home = process.env.LIFEBOAT_E2E_HOME;
    assert.ok(home, 'LIFEBOAT_E2E_HOME is not set in the extension host');
    assert.equal(os.homedir(), home, 'backups written under ~ must stay inside the run dir');
  });

  // Self-test of the harness: E2E_SELFTEST_FAIL=1|host|all adds one failing test here.
  if (['1', 'host', 'all'].includes(process.env.E2E_SELFTEST_FAIL)) {
    it('fails on purpose (E2E_SELFTEST_FAIL)', () => {
      assert.fail('E2E_SELFTEST_FAIL: this in-host test fails on purpose');
    });
  }
});
