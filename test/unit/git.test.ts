// The backup-folder check against a real git repository.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { gitignoreLine, unignoredRepoOf } from '../../src/core/git';
import { tmpDir } from '../helpers';

function repo(): string {
  const dir = realpathSync(tmpDir('lifeboat-git-'));
  execFileSync('git', ['init', '-q', dir]);
  return dir;
}

describe('unignoredRepoOf', () => {
  it('finds the work tree of a folder git would pick up, even before the folder exists', async () => {
    const r = repo();
    assert.equal(await unignoredRepoOf(join(r, 'backups')), r);
    mkdirSync(join(r, 'data', 'backups'), { recursive: true });
    assert.equal(await unignoredRepoOf(join(r, 'data', 'backups')), r);
  });

  it('is null when .gitignore covers the folder, and the line it would add does cover it', async () => {
    const r = repo();
    const dir = join(r, 'var', 'lifeboat backups');
    writeFileSync(join(r, '.gitignore'), `${gitignoreLine(r, dir)}\n`);
    assert.equal(gitignoreLine(r, dir), '/var/lifeboat backups/');
    assert.equal(await unignoredRepoOf(dir), null);
    assert.equal(await unignoredRepoOf(join(r, 'var', 'other')), r);
  });

  it('is null outside any repository', async () => {
    assert.equal(await unignoredRepoOf(join(realpathSync(tmpDir()), 'backups')), null);
  });
});
