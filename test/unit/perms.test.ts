import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  DIR_MODE, ensurePrivateDir, execFileIcacls, FILE_MODE, icaclsArgs, secureDir, secureFile, windowsUser,
} from '../../src/core/perms';

function tmp(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-perms-'));
  process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const mode = (p: string): number => fs.statSync(p).mode & 0o777;

function fakeRun(): { calls: [string, string[]][]; run: (cmd: string, args: string[]) => Promise<void> } {
  const calls: [string, string[]][] = [];
  return { calls, run: async (cmd, args) => { calls.push([cmd, args]); } };
}

describe('icaclsArgs', () => {
  it('grants full control to the user only, without inheritance', () => {
    assert.deepEqual(icaclsArgs('C:\\b\\app.db', 'CORP\\ann', 'file'), ['C:\\b\\app.db', '/inheritance:r', '/grant:r', 'CORP\\ann:F']);
    assert.deepEqual(icaclsArgs('C:\\b', 'CORP\\ann', 'dir'), ['C:\\b', '/inheritance:r', '/grant:r', 'CORP\\ann:(OI)(CI)F']);
  });

  it('passes hostile paths through as a single untouched element', () => {
    for (const target of [
      'C:\\My Backups\\app.db',
      'C:\\x\\"quoted" name.db',
      "C:\\x\\it's.db",
      'C:\\x\\a & del /q C:\\*.db',
      'C:\\x\\%PATH%\\app.db',
      'C:\\x\\$(rm -rf x)^|<>.db',
      'C:\\x\\données-ü.db',
    ]) {
      for (const kind of ['file', 'dir'] as const) {
        const args = icaclsArgs(target, 'me', kind);
        assert.equal(args.length, 4);
        assert.equal(args[0], target);
      }
    }
  });

  it('keeps a user name with spaces as part of one grant element', () => {
    assert.deepEqual(icaclsArgs('f', 'DOM\\Ann Smith', 'file')[3], 'DOM\\Ann Smith:F');
  });
});

describe('windowsUser', () => {
  it('joins USERDOMAIN and USERNAME', () => {
    assert.equal(windowsUser({ USERDOMAIN: 'CORP', USERNAME: 'ann' }), 'CORP\\ann');
  });

  it('falls back to the OS user when either is missing', () => {
    const me = os.userInfo().username;
    assert.equal(windowsUser({ USERNAME: 'ann' }), me);
    assert.equal(windowsUser({ USERDOMAIN: 'CORP' }), me);
    assert.equal(windowsUser({ USERDOMAIN: '', USERNAME: 'ann' }), me);
  });
});

describe('win32 branch', () => {
  it('secureFile and secureDir call icacls with the argument array and do not chmod', async () => {
    const dir = tmp();
    const file = path.join(dir, 'a & b %PATH%.db');
    fs.writeFileSync(file, '');
    fs.chmodSync(file, 0o644);
    const { calls, run } = fakeRun();
    await secureFile(file, 'win32', run);
    await secureDir(dir, 'win32', run);
    const user = windowsUser();
    assert.deepEqual(calls, [
      ['icacls', [file, '/inheritance:r', '/grant:r', `${user}:F`]],
      ['icacls', [dir, '/inheritance:r', '/grant:r', `${user}:(OI)(CI)F`]],
    ]);
    assert.equal(mode(file), 0o644);
  });

  it('ensurePrivateDir secures every folder it creates, leaf first, and no existing one', async () => {
    const base = tmp();
    const leaf = path.join(base, 'x y', 'z');
    const { calls, run } = fakeRun();
    assert.deepEqual(await ensurePrivateDir(leaf, 'win32', run), { created: true, openToOthers: false });
    assert.ok(fs.statSync(leaf).isDirectory());
    assert.deepEqual(calls.map((c) => c[1][0]), [leaf, path.dirname(leaf)]);
    for (const c of calls) assert.match(c[1][3], /:\(OI\)\(CI\)F$/);
    const again = fakeRun();
    assert.deepEqual(await ensurePrivateDir(leaf, 'win32', again.run), { created: false, openToOthers: false });
    assert.equal(again.calls.length, 0, 'an existing folder is left as it is');
  });

  it('propagates a failing runner', async () => {
    const run = async (): Promise<void> => { throw new Error('boom'); };
    await assert.rejects(secureFile('C:\\x.db', 'win32', run), /boom/);
  });
});

describe('execFileIcacls', () => {
  it('rejects with an error naming the path when the command fails', async () => {
    const target = path.join(tmp(), 'my app.db');
    await assert.rejects(execFileIcacls('lifeboat-no-such-icacls', icaclsArgs(target, 'me', 'file')), (err: Error) => {
      assert.ok(err.message.includes(target), err.message);
      assert.ok(err.cause instanceof Error);
      return true;
    });
  });

  it('does not interpret shell metacharacters in arguments', async () => {
    const dir = tmp();
    const marker = path.join(dir, 'pwned');
    // With a shell, `; touch marker` would run; via execFile it is just an argument to `true`.
    await execFileIcacls('true', [`x; touch '${marker}'`, `$(touch '${marker}')`]);
    assert.equal(fs.existsSync(marker), false);
  });
});

describe('POSIX modes', () => {
  it('exports the expected modes', () => {
    assert.equal(FILE_MODE, 0o600);
    assert.equal(DIR_MODE, 0o700);
  });

  it('secureFile sets 0600 on a real file', async () => {
    const file = path.join(tmp(), "it's a $(test).db");
    fs.writeFileSync(file, 'x');
    fs.chmodSync(file, 0o666);
    await secureFile(file, 'linux');
    assert.equal(mode(file), 0o600);
  });

  it('secureDir sets 0700 on a real directory', async () => {
    const dir = path.join(tmp(), 'd');
    fs.mkdirSync(dir, { mode: 0o755 });
    fs.chmodSync(dir, 0o755);
    await secureDir(dir, 'linux');
    assert.equal(mode(dir), 0o700);
  });

  it('secureFile rejects for a missing file', async () => {
    await assert.rejects(secureFile(path.join(tmp(), 'missing.db'), 'linux'), { code: 'ENOENT' });
  });

  it('ensurePrivateDir creates nested dirs, each owner-only even under umask 000', async () => {
    const base = tmp();
    const leaf = path.join(base, 'a', 'b', 'c');
    fs.chmodSync(base, 0o755);
    const old = process.umask(0);
    try {
      await ensurePrivateDir(leaf);
    } finally {
      process.umask(old);
    }
    for (const d of [leaf, path.join(base, 'a', 'b'), path.join(base, 'a')]) assert.equal(mode(d), 0o700, d);
    assert.equal(mode(base), 0o755, 'the existing parent is untouched');
  });

  it('ensurePrivateDir never changes a folder that already existed, and reports one open to others', async () => {
    const dir = path.join(tmp(), 'existing');
    fs.mkdirSync(dir);
    fs.chmodSync(dir, 0o1777);
    assert.deepEqual(await ensurePrivateDir(dir), { created: false, openToOthers: true });
    assert.equal(fs.statSync(dir).mode & 0o7777, 0o1777);
    fs.chmodSync(dir, 0o700);
    assert.deepEqual(await ensurePrivateDir(dir), { created: false, openToOthers: false });
  });
});
