// A second, unprivileged user for the tests that need one (a restore run as root must keep the
// database's owner; a companion must be unreadable to the user that backs up). The tests run as
// root here and in CI, so the user is created with useradd when missing.
import { execFileSync } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';

export interface TestUser { name: string; uid: number; gid: number }

let cached: TestUser | undefined;

export function testUser(): TestUser {
  if (cached) return cached;
  if (process.getuid?.() !== 0) throw new Error('these tests create a second user and must run as root (as CI does)');
  const name = 'lifeboat-test';
  const id = (flag: string) => Number(execFileSync('id', [flag, name], { encoding: 'utf8' }).trim());
  try {
    id('-u');
  } catch {
    execFileSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', name], { stdio: 'ignore' });
  }
  cached = { name, uid: id('-u'), gid: id('-g') };
  return cached;
}

/**
 * A fresh folder owned by the test user, under /var/tmp (the system temp folder may be private to
 * root, as it is on this machine); removed when the process exits.
 */
export function userTmpDir(prefix = 'lifeboat-user-'): string {
  const u = testUser();
  const dir = mkdtempSync(join('/var/tmp', prefix));
  chownSync(dir, u.uid, u.gid);
  if (!process.env.LIFEBOAT_KEEP_TMP) process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
