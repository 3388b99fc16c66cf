// The notes a restore's confirmation carries about the backup's manifest: none when it is there
// and matches, one when it is missing (the checksum could not be compared with a record).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { backupDatabase, restoreDatabase, RestorePreflight } from '../../src/core';
import { CHINOOK, tmpDir } from '../helpers';

async function notes(withManifest: boolean): Promise<RestorePreflight> {
  const dir = tmpDir();
  const db = join(dir, 'app.db');
  copyFileSync(CHINOOK, db);
  const b = await backupDatabase({ dbPath: db, outputDir: join(dir, 'backups') });
  if (!withManifest) rmSync(b.manifestFile);
  let seen: RestorePreflight | undefined;
  await restoreDatabase({ backupFile: b.file, dbPath: db, outputDir: join(dir, 'backups'), confirm: async (p) => { seen = p; return false; } }).catch(() => undefined);
  assert.ok(seen, 'the confirmation was not asked');
  return seen;
}

test('a backup with its manifest: checksum compared, no "no manifest" note', async () => {
  const p = await notes(true);
  assert.equal(p.backup.checksumMatch, true);
  assert.deepEqual(p.warnings.filter((w) => /manifest/.test(w)), []);
});

test('a backup without a manifest: the note says its checksum could not be compared', async () => {
  const p = await notes(false);
  assert.equal(p.backup.checksumMatch, null);
  assert.deepEqual(p.warnings.filter((w) => /manifest/.test(w)), ['the backup has no manifest: it was checked fully (integrity ok), but its checksum could not be compared with a record']);
});
