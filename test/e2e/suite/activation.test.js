// Activation in the extension host, before any other test uses Lifeboat (this file sorts first):
// activated on start-up finished, Lifeboat does nothing more in a window with neither a schedule
// nor a start-up backup while its views are not shown (no scan, no engine process, no status
// item); showing its view starts it. The window's workspace settings have neither setting (the
// start-up backup and the schedule are tested in ui/startup.test.mjs, in a window of their own).
'use strict';
const assert = require('assert/strict');
const fs = require('fs');
const path = require('path');
const vscode = require('vscode');

const EXTENSION_ID = 'sqlite-lifeboat.sqlite-lifeboat';
const poll = async (fn, what, timeout = 30_000) => {
  const end = Date.now() + timeout;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${typeof what === 'function' ? what() : what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
};
/** A line in the in-host test log (what run.mjs streams to the console). */
const note = (line) => { if (process.env.LIFEBOAT_E2E_OUT) fs.appendFileSync(path.join(process.env.LIFEBOAT_E2E_OUT, 'host-tests.log'), `        (${line})\n`); };

/** The extension host's child processes that run one of the extension's scripts (engine.js, offsite.js, the lock helper). */
function extensionChildren(extensionPath) {
  const dist = path.join(extensionPath, 'dist') + path.sep;
  const pids = fs.readdirSync(`/proc/${process.pid}/task`).flatMap((t) => {
    try { return fs.readFileSync(`/proc/${process.pid}/task/${t}/children`, 'utf8').trim().split(/\s+/).filter(Boolean); } catch { return []; }
  });
  return pids.map((pid) => {
    try { return { pid: Number(pid), argv: fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean) }; } catch { return null; }
  }).filter((c) => c && c.argv.some((a) => a.startsWith(dist)));
}

describe('Activation: Lifeboat starts only when something needs it', function () {
  this.timeout(120_000);

  it('activated on start-up finished by itself; nothing scanned, no engine process, no status item until the view is shown, which starts it', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext, 'extension installed');
    assert.deepEqual(ext.packageJSON.activationEvents, ['onStartupFinished']);
    const settings = vscode.workspace.getConfiguration('lifeboat');
    assert.equal(settings.get('schedule.enabled'), false);
    assert.equal(settings.get('backupOnStartup'), false);
    // nobody calls activate(): onStartupFinished does
    await poll(() => ext.isActive, 'the extension to be activated on start-up finished');
    const api = ext.exports;
    note(`activateMs ${api.activateMs.toFixed(1)} (VS Code ${vscode.version}, Node ${process.version})`);
    assert.equal(typeof api.activateMs, 'number');

    assert.equal(api.startedBy, undefined, `Lifeboat started (${api.startedBy}) without a schedule, a view or a command`);
    assert.equal(api.ctx.registry.scanned, false, 'the workspace was scanned at activation');
    assert.deepEqual(extensionChildren(ext.extensionPath), [], 'an engine process runs although Lifeboat was not used');
    assert.equal(api.status.text, undefined, 'the status item shows although nothing was looked at');

    // showing the Databases view (what a click on the activity bar does) starts it
    await vscode.commands.executeCommand('workbench.view.extension.lifeboat');
    await poll(() => api.startedBy, 'Lifeboat to start when its view is shown');
    assert.equal(api.startedBy, 'view');
    await api.ready; // reading it now does not change who started it
    assert.equal(api.startedBy, 'view');
    assert.equal(api.ctx.registry.scanned, true);
    assert.ok(api.ctx.registry.list().some((d) => d.name === 'app.db'), 'the workspace was not scanned');
    // the scan read the databases' headers in the engine process: the check above can see one
    const children = extensionChildren(ext.extensionPath);
    assert.ok(children.some((c) => c.argv.some((a) => a.endsWith(`${path.sep}engine.js`))), `no engine process after the scan: ${JSON.stringify(children)}`);
    await poll(() => api.status.text, 'the status item after the start');
    assert.match(api.status.text, /Lifeboat: /);
    await vscode.commands.executeCommand('workbench.view.explorer');
  });
});
