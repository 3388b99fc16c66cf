// Debian tools the off-site tests use as oracles (age, for the manual recovery path), installed
// with apt-get when missing, as test/e2e/setup.sh does for the rest: `npm test` on a fresh machine
// (as root) needs nothing installed by hand. A failed install fails the test; nothing is skipped.
import { execFileSync } from 'node:child_process';

const have = (cmd: string): boolean => {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};

/** `tools` maps a command to its Debian package, e.g. { age: 'age' }. */
export function ensureTools(tools: Record<string, string>): void {
  const missing = Object.entries(tools).filter(([cmd]) => !have(cmd)).map(([, pkg]) => pkg);
  if (!missing.length) return;
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = () => execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { env, stdio: 'ignore', timeout: 600_000 });
  try {
    install();
  } catch {
    execFileSync('apt-get', ['update', '-qq'], { env, stdio: 'ignore', timeout: 600_000 });
    install();
  }
}
