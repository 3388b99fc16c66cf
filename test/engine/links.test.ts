// Databases reached through links: SQLite opens the link's target and keeps -wal/-journal beside
// it, so backup and restore must too; a restore writes the target and keeps the link; a backup
// that is another name for the live file is refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, linkSync, lstatSync, mkdirSync, readFileSync, readlinkSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { cli, nativeCounts, tmpDir } from '../helpers';
import {
  copySet, dumpOf, hotJournalCommittedOk, integrityOf, makeHotJournalDb, makeRollbackDb, makeWalCrashDb, WAL_COMMITTED_ITEMS,
} from './support/fixtures';
import { backupJson, describeRun, liveState } from './support/oracle';

function linked(name: string): { real: string; link: string; root: string } {
  const root = tmpDir('lifeboat-links-');
  mkdirSync(join(root, 'data'));
  mkdirSync(join(root, 'app'));
  const real = join(root, 'data', name);
  const link = join(root, 'app', name);
  symlinkSync(real, link);
  return { real, link, root };
}

test('backup of a WAL database through a link includes the WAL beside the target', async () => {
  const { real, link, root } = linked('app.db');
  await makeWalCrashDb(real);
  assert.equal(existsSync(link + '-wal'), false, 'no -wal beside the link');
  const oracle = copySet(real, tmpDir('lifeboat-oracle-'));
  assert.equal(nativeCounts(oracle).items, WAL_COMMITTED_ITEMS);
  const { file, manifest } = backupJson(link, join(root, 'out'));
  assert.equal(integrityOf(file), 'ok');
  assert.deepEqual(nativeCounts(file), nativeCounts(oracle), 'the backup holds what SQLite reads through the link');
  assert.ok(dumpOf(file) === dumpOf(oracle));
  const m = JSON.parse(readFileSync(manifest, 'utf8'));
  assert.equal(m.source.path, link);
  assert.equal(m.source.realPath, real);
});

test('backup of a database with a hot journal through a link rolls the journal back', async () => {
  const { real, link, root } = linked('ledger.db');
  await makeHotJournalDb(real);
  const oracle = copySet(real, tmpDir('lifeboat-oracle-'));
  assert.ok(hotJournalCommittedOk(oracle), 'the oracle rolls the hot journal back');
  const { file } = backupJson(link, join(root, 'out'));
  assert.ok(hotJournalCommittedOk(file), 'the backup holds the committed state, not the half-applied transaction');
  assert.ok(dumpOf(file) === dumpOf(oracle));
});

test('restore through a link writes the target and keeps the link; a dangling link gets its target created', () => {
  const { real, link, root } = linked('app.db');
  makeRollbackDb(real);
  const out = join(root, 'out');
  const { file } = backupJson(link, out);
  const want = dumpOf(file);
  execFileSync('sqlite3', [real, 'DELETE FROM orders;']);
  const r = cli(['restore', '--backup-file', file, '--db-path', link, '--output-dir', out, '--yes']);
  assert.equal(r.status, 0, describeRun(r));
  assert.ok(lstatSync(link).isSymbolicLink(), 'the link is still a link');
  assert.equal(readlinkSync(link), real);
  assert.ok(dumpOf(real) === want, 'the target holds the backup');

  const d = linked('new.db');
  const r2 = cli(['restore', '--backup-file', file, '--db-path', d.link, '--output-dir', join(d.root, 'out'), '--yes']);
  assert.equal(r2.status, 0, describeRun(r2));
  assert.ok(lstatSync(d.link).isSymbolicLink());
  assert.ok(dumpOf(d.real) === want, 'the dangling link\'s target was created with the backup');
});

test('a backup file that is another name for the live database (link or hard link) is refused; the WAL\'s commits stay', async () => {
  const root = tmpDir('lifeboat-alias-');
  const live = join(root, 'live.db');
  await makeWalCrashDb(live);
  const before = liveState(live);
  for (const [kind, make] of [['symlink', symlinkSync], ['hard link', linkSync]] as const) {
    const alias = join(root, `alias-${kind === 'symlink' ? 's' : 'h'}.db`);
    make(live, alias);
    const r = cli(['restore', '--backup-file', alias, '--db-path', live, '--output-dir', join(root, 'out'), '--yes', '--force']);
    assert.equal(r.status, 1, `${kind}: ${describeRun(r)}`);
    assert.match(r.stderr, new RegExp(`^lifeboat: ${live.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: the backup file is the live database itself \\(${alias.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is another name for it\\)`));
    assert.deepEqual(liveState(live).hashes, before.hashes, `${kind}: live main and companions unchanged`);
  }
  const oracle = copySet(live, tmpDir('lifeboat-oracle-'));
  assert.equal(nativeCounts(oracle).items, WAL_COMMITTED_ITEMS, 'the WAL\'s commits are still there');
});
