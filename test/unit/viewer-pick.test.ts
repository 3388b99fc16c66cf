// Which SQLite viewer extension Look Inside hands a file to (lifeboat.inside.preferViewer), from
// package.json contributions as extensions declare them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { customEditorsOf, globMatches, pickViewer } from '../../src/inside/viewerPick';

const viewer = customEditorsOf('qwtel.sqlite-viewer', {
  contributes: { customEditors: [{ viewType: 'sqlite-viewer.view', selector: [{ filenamePattern: '*.{db,sqlite,sqlite3,db3}' }] }, { viewType: 'sqlite-viewer.option', selector: [{ filenamePattern: '*.sqlite' }] }] },
});
const images = customEditorsOf('some.images', { contributes: { customEditors: [{ viewType: 'img.preview', selector: [{ filenamePattern: '**/*.png' }] }] } });

test('custom editors are read from package.json; malformed entries are left out', () => {
  assert.deepEqual(viewer.map((e) => e.viewType), ['sqlite-viewer.view', 'sqlite-viewer.option']);
  assert.deepEqual(viewer[0].patterns, ['*.{db,sqlite,sqlite3,db3}']);
  assert.deepEqual(customEditorsOf('x', { contributes: { customEditors: [{ selector: [] }, { viewType: 'v', selector: 'no' }, null] } }), []);
  assert.deepEqual(customEditorsOf('x', {}), []);
  assert.deepEqual(customEditorsOf('x', null), []);
});

test('filename globs: *, ?, {a,b}, a folder part, case', () => {
  assert.ok(globMatches('*.db', 'app-backup-2026-01-01-000000.db'));
  assert.ok(globMatches('**/*.{sqlite,db}', 'x.sqlite'));
  assert.ok(globMatches('*.sqlite?', 'x.sqlite3'));
  assert.ok(globMatches('*.DB', 'x.db'));
  assert.ok(!globMatches('*.db', 'x.db.json'));
  assert.ok(!globMatches('*.sqlite', 'x.db'));
  assert.ok(!globMatches('*.{db', 'x.db'));
});

test('the preference: empty is Lifeboat\'s view; auto takes the first viewer declared for such files; a named viewType must be installed', () => {
  const all = [...images, ...viewer];
  assert.equal(pickViewer('', all, 'a.db'), null);
  assert.equal(pickViewer('  ', all, 'a.db'), null);
  assert.equal(pickViewer('auto', all, 'a.db'), 'sqlite-viewer.view');
  assert.equal(pickViewer('auto', all, 'a.sqlite'), 'sqlite-viewer.view');
  assert.equal(pickViewer('auto', images, 'a.db'), 'missing', 'no installed editor declares .db files');
  assert.equal(pickViewer('sqlite-viewer.option', all, 'a.sqlite'), 'sqlite-viewer.option');
  assert.equal(pickViewer('sqlite-viewer.option', all, 'a.db'), 'sqlite-viewer.option', 'the user named it: it gets the file');
  assert.equal(pickViewer(' img.preview ', all, 'a.db'), 'img.preview');
  assert.equal(pickViewer('not.installed', all, 'a.db'), 'missing');
});
