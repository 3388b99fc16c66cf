// A real S3 server for the off-site tests: a throw-away single-node Ceph RADOS Gateway started by
// start-s3.sh (Debian's packages, apt-installed when missing) on free loopback ports, with its
// state in a temp folder, stopped by its recorded PIDs. If it cannot start, the test fails.
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const HERE = __dirname;

export interface S3Server {
  endpoint: string;
  port: number;
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
  root: string;
  stop(): Promise<void>;
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

/** A block of `n` consecutive free ports in 42000-59999 (the OSD wants a range of its own). */
async function freeBlock(n: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 42000 + Math.floor(Math.random() * 1800) * 10;
    let ok = true;
    for (let p = base; p < base + n && ok; p++) ok = await portFree(p);
    if (ok) return base;
  }
  throw new Error('no free block of loopback ports for the S3 server');
}

function run(script: string, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('bash', [join(HERE, script)], { env: { ...process.env, ...env }, timeout: timeoutMs, maxBuffer: 1 << 24 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${script} failed: ${err.message}\n${stdout}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

/** Starts radosgw; `storeGiB` is the memstore capacity (RAM). Rejects loudly when it cannot. */
export async function startS3(opts: { storeGiB?: number } = {}): Promise<S3Server> {
  const root = mkdtempSync(join(tmpdir(), 'lifeboat-s3-'));
  const base = await freeBlock(12);
  const env = {
    S3_ROOT: join(root, 'state'),
    S3_PORT: String(base),
    S3_MON_PORT: String(base + 1),
    S3_PORT_MIN: String(base + 2),
    S3_PORT_MAX: String(base + 11),
    S3_STORE_GB: String(opts.storeGiB ?? 2),
  };
  // apt-get install on a fresh machine can take a minute or two
  await run('start-s3.sh', env, 600_000);
  const vars = Object.fromEntries(readFileSync(join(env.S3_ROOT, 's3.env'), 'utf8').split('\n')
    .map((l) => /^export (\w+)=(.*)$/.exec(l)).filter((m): m is RegExpExecArray => !!m).map((m) => [m[1], m[2]]));
  let stopped = false;
  const stopSync = () => {
    if (stopped) return;
    stopped = true;
    try { execFileSync('bash', [join(HERE, 'stop-s3.sh'), '--purge'], { env: { ...process.env, ...env }, stdio: 'ignore', timeout: 60_000 }); } catch { /* reported by the test that needed it */ }
    rmSync(root, { recursive: true, force: true });
  };
  // a test that fails, times out or is interrupted must not leave Ceph running
  process.once('exit', stopSync);
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => { stopSync(); process.exit(130); });
  return {
    endpoint: vars.S3_ENDPOINT,
    port: base,
    accessKeyId: vars.AWS_ACCESS_KEY_ID,
    secretAccessKey: vars.AWS_SECRET_ACCESS_KEY,
    region: vars.AWS_REGION,
    root,
    async stop() {
      if (stopped) return;
      stopped = true;
      process.removeListener('exit', stopSync);
      await run('stop-s3.sh', { ...env }, 60_000).catch(() => undefined);
      rmSync(root, { recursive: true, force: true });
    },
  };
}
