// package.json's contributions that guard user data: in an untrusted workspace nothing deletes or
// restores backups, and a workspace cannot change where backups go, how many are kept, or when
// they run (those settings come from the user's own settings only).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../helpers';

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));

test('destructive commands need a trusted workspace, in their enablement and in every menu', () => {
  const destructive = ['lifeboat.restoreDatabase', 'lifeboat.restoreLatest', 'lifeboat.restoreFile', 'lifeboat.deleteBackup', 'lifeboat.pruneBackups', 'lifeboat.restoreFromOffsite'];
  for (const id of destructive) {
    const c = pkg.contributes.commands.find((x: { command: string }) => x.command === id);
    assert.equal(c?.enablement, 'isWorkspaceTrusted', `${id} enablement`);
    for (const [menu, items] of Object.entries(pkg.contributes.menus as Record<string, { command: string; when?: string }[]>)) {
      for (const m of items.filter((x) => x.command === id && menu !== 'commandPalette')) assert.match(m.when ?? '', /isWorkspaceTrusted/, `${id} in ${menu}`);
    }
  }
});

test('retention, schedule and location settings are restricted in untrusted workspaces, and every one of them exists', () => {
  const restricted: string[] = pkg.capabilities.untrustedWorkspaces.restrictedConfigurations;
  for (const k of ['lifeboat.backupDirectory', 'lifeboat.databases', 'lifeboat.retain', 'lifeboat.keepDaily', 'lifeboat.keepWeekly', 'lifeboat.keepMonthly', 'lifeboat.schedule.enabled', 'lifeboat.schedule.intervalMinutes', 'lifeboat.backupOnStartup',
    // a workspace must not choose where backups are copied (an "encryption": "none" bucket of its own)
    'lifeboat.offsite.destinations']) {
    assert.ok(restricted.includes(k), `${k} is restricted`);
  }
  for (const k of restricted) assert.ok(pkg.contributes.configuration.properties[k], `${k} is a contributed setting`);
});

test('every command a menu names is contributed, and the off-site ones show only once a destination is configured', () => {
  const ids = new Set(pkg.contributes.commands.map((c: { command: string }) => c.command));
  for (const [menu, items] of Object.entries(pkg.contributes.menus as Record<string, { command: string; when?: string }[]>)) {
    for (const m of items) assert.ok(ids.has(m.command), `${m.command} in ${menu} is not a contributed command`);
  }
  const offsite = [...ids].filter((id) => /Offsite/.test(id as string) && id !== 'lifeboat.setUpOffsite');
  assert.ok(offsite.length >= 7, offsite.join(', '));
  for (const id of offsite) {
    const entries = Object.values(pkg.contributes.menus as Record<string, { command: string; when?: string }[]>).flat().filter((m) => m.command === id);
    assert.ok(entries.length, `${id} appears in no menu`);
    for (const m of entries) assert.match(m.when ?? '', /lifeboat\.offsite\.configured|\+offsite/, `${id}: ${m.when}`);
  }
});
