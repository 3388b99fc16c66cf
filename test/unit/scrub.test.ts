// Messages never name this tool's private temp files: SQLite's own messages quote the paths it
// was given, which for a look inside are links and copies in a private folder.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scrubTempPaths } from '../../src/core/inside/conn';

describe('scrubTempPaths', () => {
  it('replaces paths under the temp folder made by lifeboat, and only those', () => {
    const t = tmpdir();
    const msg = `unable to open database: ${join(t, 'lifeboat-partial-Ab12Cd', 'lifeboat_stage.db')}; also ${join(t, 'lifeboat-live-x')}, not ${join(t, 'other', 'x.db')} or /srv/app.db`;
    assert.equal(scrubTempPaths(msg), `unable to open database: (a private temporary file); also (a private temporary file), not ${join(t, 'other', 'x.db')} or /srv/app.db`);
  });
});
