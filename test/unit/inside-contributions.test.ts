// package.json and the code of issue 12's editor half agree: every command src/inside registers
// (and the backup row's click) is contributed with the Lifeboat category, every menu entry names
// a contributed command, what writes to a database needs a trusted workspace everywhere, and the
// setting Look Inside reads exists.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../helpers';

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const commands: { command: string; category?: string; enablement?: string }[] = pkg.contributes.commands;
const menus = pkg.contributes.menus as Record<string, { command: string; when?: string }[]>;
const registered = [...readFileSync(join(ROOT, 'src', 'inside', 'commands.ts'), 'utf8').matchAll(/^\s+'(lifeboat\.\w+)': guarded\(/gm)].map((m) => m[1]);

test('the commands src/inside registers are the ones package.json contributes for it', () => {
  assert.deepEqual(registered.sort(), ['lifeboat.compareWithLive', 'lifeboat.lookInside', 'lifeboat.recoverRows', 'lifeboat.restoreAsCopy', 'lifeboat.restoreTable']);
  for (const id of registered) assert.equal(commands.find((c) => c.command === id)?.category, 'Lifeboat', `${id} is contributed with its category`);
  const tree = readFileSync(join(ROOT, 'src', 'views', 'databasesTree.ts'), 'utf8');
  const click = /item\.command = \{ command: '(lifeboat\.\w+)'/.exec(tree)?.[1];
  assert.equal(click, 'lifeboat.lookInside', 'a click on a backup row looks inside it');
});

test('every menu entry names a contributed command', () => {
  const ids = new Set(commands.map((c) => c.command));
  for (const [menu, items] of Object.entries(menus)) for (const m of items) assert.ok(ids.has(m.command), `${m.command} in ${menu}`);
});

test('partial restores need a trusted workspace, in their enablement and in every menu', () => {
  for (const id of ['lifeboat.restoreTable', 'lifeboat.recoverRows', 'lifeboat.restoreAsCopy']) {
    assert.equal(commands.find((c) => c.command === id)?.enablement, 'isWorkspaceTrusted', `${id} enablement`);
    for (const [menu, items] of Object.entries(menus)) {
      for (const m of items.filter((x) => x.command === id && menu !== 'commandPalette')) assert.match(m.when ?? '', /isWorkspaceTrusted/, `${id} in ${menu}`);
    }
  }
});

test('lifeboat.inside.preferViewer is a string setting, Lifeboat\'s own view by default', () => {
  const s = pkg.contributes.configuration.properties['lifeboat.inside.preferViewer'];
  assert.equal(s?.type, 'string');
  assert.equal(s.default, '');
});
