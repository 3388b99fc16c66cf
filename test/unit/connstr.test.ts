import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseConnectionString, resolveDbPath } from '../../src/core/connstr';
import { LifeboatError, UsageError } from '../../src/core/errors';

describe('parseConnectionString', () => {
  it('accepts every spelling of the data source key', () => {
    for (const key of ['Data Source', 'DataSource', 'data  source', 'DATA SOURCE', ' Data\tSource ', 'Filename', 'FileName', 'filename']) {
      assert.equal(parseConnectionString(`${key}=app.db`), 'app.db', key);
    }
  });

  it('ignores other keys and trims unquoted values', () => {
    assert.equal(
      parseConnectionString('Mode=ReadWriteCreate; Cache=Shared;Data Source =  /var/data/app.db  ;Password=x;Foreign Keys=True'),
      '/var/data/app.db',
    );
  });

  it('allows empty pairs, stray segments and a trailing semicolon', () => {
    assert.equal(parseConnectionString(';;Data Source=app.db;;'), 'app.db');
    assert.equal(parseConnectionString('junk; ;Data Source=app.db;'), 'app.db');
  });

  it('keeps spaces inside a value', () => {
    assert.equal(parseConnectionString('Data Source=C:\\My Data\\app.db'), 'C:\\My Data\\app.db');
  });

  it('unquotes double- and single-quoted values, preserving inner whitespace', () => {
    assert.equal(parseConnectionString('Data Source=" my app.db ";Mode=ReadOnly'), ' my app.db ');
    assert.equal(parseConnectionString("Data Source='app.db'"), 'app.db');
    assert.equal(parseConnectionString('Data Source = "app.db"  ;'), 'app.db');
  });

  it('treats a doubled quote char as a literal quote', () => {
    assert.equal(parseConnectionString('Data Source="say ""hi"".db"'), 'say "hi".db');
    assert.equal(parseConnectionString("Data Source='it''s.db'"), "it's.db");
    assert.equal(parseConnectionString(`Data Source="it's.db"`), "it's.db");
    assert.equal(parseConnectionString(`Data Source='say "hi".db'`), 'say "hi".db');
  });

  it('keeps ; and = inside quotes as part of the value', () => {
    assert.equal(parseConnectionString('Data Source="a;b=c.db";Mode=Memory'), 'a;b=c.db');
  });

  it('does not read a data source hidden inside another key\'s quoted value', () => {
    assert.equal(parseConnectionString('Password="x;Data Source=evil.db";Data Source=good.db'), 'good.db');
    assert.equal(parseConnectionString('Password="x;Data Source=evil.db"'), null);
  });

  it('lets the last data source win', () => {
    assert.equal(parseConnectionString('Data Source=a.db;Filename=b.db'), 'b.db');
  });

  it('returns null when the key is absent or empty', () => {
    assert.equal(parseConnectionString(''), null);
    assert.equal(parseConnectionString('Mode=ReadOnly;Cache=Shared'), null);
    assert.equal(parseConnectionString('Data Source=;Mode=ReadOnly'), null);
    assert.equal(parseConnectionString('Data Source=   '), null);
    assert.equal(parseConnectionString('Data Source=""'), null);
    assert.equal(parseConnectionString('Data Source'), null);
  });

  it('returns null for an unterminated quote rather than guessing', () => {
    assert.equal(parseConnectionString('Data Source="app.db;Mode=ReadOnly'), null);
  });
});

describe('resolveDbPath', () => {
  const env = { ConnectionStrings__DefaultConnection: 'Data Source=from-env.db' };

  it('prefers an explicit --db-path', () => {
    assert.equal(resolveDbPath('cli.db', env), 'cli.db');
  });

  it('falls back to the connection string and leaves relative paths alone', () => {
    assert.equal(resolveDbPath(undefined, env), 'from-env.db');
    assert.equal(resolveDbPath('', env), 'from-env.db');
    assert.equal(resolveDbPath(undefined, { ConnectionStrings__DefaultConnection: 'Data Source=../x/y.db' }), '../x/y.db');
  });

  it('throws a UsageError when neither source gives a path', () => {
    const expected = '--db-path is required (or set ConnectionStrings__DefaultConnection with a Data Source)';
    for (const e of [{}, { ConnectionStrings__DefaultConnection: '' }, { ConnectionStrings__DefaultConnection: 'Mode=ReadOnly' }]) {
      assert.throws(() => resolveDbPath(undefined, e), (err: unknown) => {
        assert.ok(err instanceof UsageError);
        assert.ok(err instanceof LifeboatError);
        assert.equal(err.code, 'USAGE');
        assert.equal(err.message, expected);
        return true;
      });
    }
  });
});
