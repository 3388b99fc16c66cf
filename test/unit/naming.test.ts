import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { backupBaseName, formatBackupName, formatTimestamp, isBackupOf, parseBackupName } from '../../src/core/naming';

const AT = new Date(Date.UTC(2026, 10, 25, 18, 30, 0));

describe('backupBaseName', () => {
  it('splits off only the last extension and preserves its case', () => {
    assert.deepEqual(backupBaseName('/srv/app.db'), { dbName: 'app', ext: 'db' });
    assert.deepEqual(backupBaseName('my.app.sqlite3'), { dbName: 'my.app', ext: 'sqlite3' });
    assert.deepEqual(backupBaseName('Data.SQLite'), { dbName: 'Data', ext: 'SQLite' });
  });

  it('defaults the extension to db for extensionless files and dotfiles', () => {
    assert.deepEqual(backupBaseName('data'), { dbName: 'data', ext: 'db' });
    assert.deepEqual(backupBaseName('/x/.hidden'), { dbName: '.hidden', ext: 'db' });
    assert.deepEqual(backupBaseName('.hidden.sqlite'), { dbName: '.hidden', ext: 'sqlite' });
    assert.deepEqual(backupBaseName('data.'), { dbName: 'data.', ext: 'db' });
  });
});

describe('formatTimestamp', () => {
  it('formats in UTC with zero padding', () => {
    assert.equal(formatTimestamp(AT), '2026-11-25-183000');
    assert.equal(formatTimestamp(new Date(Date.UTC(2027, 0, 2, 3, 4, 5))), '2027-01-02-030405');
  });

  it('uses UTC even when the instant was built from an offset', () => {
    assert.equal(formatTimestamp(new Date('2026-11-25T23:30:00-05:00')), '2026-11-26-043000');
  });

  it('rejects an invalid Date', () => {
    assert.throws(() => formatTimestamp(new Date('nope')), RangeError);
  });
});

describe('formatBackupName', () => {
  it('builds <dbName>-backup-<ts>.<ext>', () => {
    assert.equal(formatBackupName('/var/lib/app.db', AT), 'app-backup-2026-11-25-183000.db');
    assert.equal(formatBackupName('data', AT), 'data-backup-2026-11-25-183000.db');
    assert.equal(formatBackupName('my.app.sqlite3', AT), 'my.app-backup-2026-11-25-183000.sqlite3');
  });

  it('appends -N before the extension only when seq > 0', () => {
    assert.equal(formatBackupName('app.db', AT, 0), 'app-backup-2026-11-25-183000.db');
    assert.equal(formatBackupName('app.db', AT, 2), 'app-backup-2026-11-25-183000-2.db');
  });

  it('rejects a negative or fractional seq', () => {
    assert.throws(() => formatBackupName('app.db', AT, -1), RangeError);
    assert.throws(() => formatBackupName('app.db', AT, 1.5), RangeError);
  });
});

describe('parseBackupName', () => {
  it('parses what formatBackupName produces', () => {
    const p = parseBackupName('app-backup-2026-11-25-183000-2.db');
    assert.ok(p);
    assert.equal(p.dbName, 'app');
    assert.equal(p.ext, 'db');
    assert.equal(p.seq, 2);
    assert.equal(p.createdAt.toISOString(), '2026-11-25T18:30:00.000Z');
    assert.equal(parseBackupName('app-backup-2026-11-25-183000.db')?.seq, 0);
  });

  it('uses only the basename of a path', () => {
    assert.equal(parseBackupName('/backups/app-backup-2026-11-25-183000.db')?.dbName, 'app');
  });

  it('rejects impossible calendar values', () => {
    for (const bad of [
      'app-backup-2026-13-01-000000.db',
      'app-backup-2026-00-01-000000.db',
      'app-backup-2026-02-30-000000.db',
      'app-backup-2025-02-29-000000.db',
      'app-backup-2026-11-25-240000.db',
      'app-backup-2026-11-25-236000.db',
      'app-backup-2026-11-25-235960.db',
    ]) assert.equal(parseBackupName(bad), null, bad);
    assert.ok(parseBackupName('app-backup-2028-02-29-235959.db'), 'leap day is valid');
  });

  it('rejects sidecar, partial and temp files', () => {
    for (const bad of [
      'app-backup-2026-11-25-183000.db.partial',
      'app-backup-2026-11-25-183000.db.json',
      'app-backup-2026-11-25-183000.db.tmp',
      'app-backup-2026-11-25-183000.partial',
      'app-backup-2026-11-25-183000.JSON',
      'app-backup-2026-11-25-183000.tmp',
    ]) assert.equal(parseBackupName(bad), null, bad);
  });

  it('rejects malformed names', () => {
    for (const bad of [
      'app.db',
      '-backup-2026-11-25-183000.db',
      'app-backup-2026-11-25-183000',
      'app-backup-2026-11-25-1830.db',
      'app-backup-26-11-25-183000.db',
      'app-backup-2026-11-25-183000-0.db',
      'app-backup-2026-11-25-183000-01.db',
      'app-backup-2026-11-25-183000-x.db',
      'app-backup-2026-11-25-183000.',
    ]) assert.equal(parseBackupName(bad), null, bad);
  });
});

describe('hostile names round-trip', () => {
  const hostile = [
    '/tmp/my app.db',
    "/tmp/it's \"quoted\".db",
    '/tmp/$(rm -rf x).db',
    '/tmp/a;b&c|d`e`.sqlite',
    '/tmp/données-ü.db',
    '/tmp/日本語 データ.sqlite3',
    '/tmp/old-backup-2020-01-01-000000.db',
    '/tmp/x-backup-y',
    '/tmp/.hidden',
  ];
  for (const dbPath of hostile) {
    it(`round-trips ${JSON.stringify(dbPath)}`, () => {
      const name = formatBackupName(dbPath, AT, 3);
      const parsed = parseBackupName(name);
      assert.ok(parsed, name);
      assert.deepEqual({ dbName: parsed.dbName, ext: parsed.ext }, backupBaseName(dbPath));
      assert.equal(parsed.createdAt.getTime(), AT.getTime());
      assert.equal(parsed.seq, 3);
      assert.ok(isBackupOf(name, dbPath));
    });
  }

  it('a db named like a backup yields the outer timestamp', () => {
    const name = formatBackupName('old-backup-2020-01-01-000000.db', AT);
    assert.equal(name, 'old-backup-2020-01-01-000000-backup-2026-11-25-183000.db');
    assert.equal(parseBackupName(name)?.dbName, 'old-backup-2020-01-01-000000');
    assert.equal(isBackupOf(name, 'old.db'), false);
  });
});

describe('isBackupOf', () => {
  const name = 'app-backup-2026-11-25-183000.db';

  it('matches the owning database regardless of directory', () => {
    assert.equal(isBackupOf(name, '/srv/data/app.db'), true);
    assert.equal(isBackupOf('app-backup-2026-11-25-183000-4.db', 'app.db'), true);
  });

  it('does not confuse databases with shared prefixes', () => {
    assert.equal(isBackupOf(name, 'app2.db'), false);
    assert.equal(isBackupOf('app-2-backup-2026-11-25-183000.db', 'app.db'), false);
    assert.equal(isBackupOf(name, 'pp.db'), false);
  });

  it('requires the extension to match exactly', () => {
    assert.equal(isBackupOf(name, 'app.sqlite'), false);
    assert.equal(isBackupOf(name, 'app.DB'), false);
    assert.equal(isBackupOf(name, 'app'), true);
  });

  it('is false for unparseable or sidecar files', () => {
    assert.equal(isBackupOf('app.db', 'app.db'), false);
    assert.equal(isBackupOf(`${name}.json`, 'app.db'), false);
    assert.equal(isBackupOf('app-backup-2026-13-25-183000.db', 'app.db'), false);
  });
});
