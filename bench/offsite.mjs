#!/usr/bin/env node
// Off-site benchmark: `lifeboat offsite upload` (stage: gzip/zstd/none + age, then multipart
// upload) and `lifeboat offsite download` (download + decrypt + decompress + SHA-256) of one
// backup file, against `rclone copy` of the same file to and from the same local radosgw.
//
//   node bench/offsite.mjs [--sizes 100,1000] [--runs 3] [--node-zstd /path/to/node>=22.15]
//
// The server is a throw-away single-node Ceph (test/support/s3/start-s3.sh) on bluestore (a sparse
// file: RAM stays bounded however much is uploaded), on loopback. Databases are bench.mjs's (the
// same generator, under bench/data/). Tools alternate within each run; every command is preceded
// by an untimed `cat` of what it reads and a `sync`; wall time is taken with hrtime around each
// process, peak RSS is GNU time's %M. zstd rows run the CLI under --node-zstd (Node 20's zlib has
// no zstd). rclone gets the same part size and concurrency as Lifeboat (8 MiB, 4).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureDb, run } from './bench.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..');
const DATA = path.join(HERE, 'data');
const CLI = path.join(ROOT, 'dist', 'cli.js');
const S3 = path.join(ROOT, 'test', 'support', 's3');
const MiB = 1024 * 1024;
const log = (...a) => console.error('[bench offsite]', ...a);

function options(argv) {
  const o = { sizes: [100, 1000], runs: 3, nodeZstd: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--sizes') o.sizes = argv[++i].split(',').map(Number);
    else if (a === '--runs') o.runs = Number(argv[++i]);
    else if (a === '--node-zstd') o.nodeZstd = argv[++i];
    else throw new Error(`unknown option ${a}`);
  }
  return o;
}

const TIME_FILE = path.join(DATA, '.gnu-time-offsite');
function timed(argv, env) {
  fs.rmSync(TIME_FILE, { force: true });
  const t0 = process.hrtime.bigint();
  const r = spawnSync('/usr/bin/time', ['-f', '%e %M', '-o', TIME_FILE, ...argv], { encoding: 'utf8', maxBuffer: 64 * MiB, cwd: ROOT, env });
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) throw new Error(`${argv.join(' ')} exited ${r.status}: ${(r.stderr || r.stdout).trim().slice(0, 2000)}`);
  const last = fs.readFileSync(TIME_FILE, 'utf8').trim().split('\n').pop().trim().split(/\s+/);
  return { wall, rssKiB: Number(last[1]), stdout: r.stdout };
}

const warm = (f) => run(['sh', '-c', 'cat "$1" > /dev/null', 'sh', f]);
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const m = Math.floor(s.length / 2); return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };

async function main() {
  const o = options(process.argv.slice(2));
  if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);
  for (const tool of ['rclone', '/usr/bin/time']) if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) throw new Error(`${tool} is missing (apt-get install rclone time)`);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-bench-offsite-'));
  const s3env = {
    S3_ROOT: path.join(work, 's3'), S3_PORT: '47980', S3_MON_PORT: '47981', S3_PORT_MIN: '47982', S3_PORT_MAX: '47999',
    S3_OBJECTSTORE: 'bluestore', S3_STORE_GB: '40',
  };
  log('starting radosgw (bluestore)…');
  run(['bash', path.join(S3, 'start-s3.sh')], { env: { ...process.env, ...s3env } });
  const vars = Object.fromEntries(fs.readFileSync(path.join(s3env.S3_ROOT, 's3.env'), 'utf8').split('\n').map((l) => /^export (\w+)=(.*)$/.exec(l)).filter(Boolean).map((m) => [m[1], m[2]]));
  const home = path.join(work, 'home');
  const env = {
    ...process.env, HOME: home, LIFEBOAT_CONFIG: path.join(home, 'cfg'), LIFEBOAT_BACKUP_ROOT: path.join(home, 'backups'),
    LIFEBOAT_PASSPHRASE: 'benchmark passphrase', AWS_ACCESS_KEY_ID: vars.AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY: vars.AWS_SECRET_ACCESS_KEY, AWS_REGION: 'us-east-1',
    RCLONE_CONFIG_CEPH_TYPE: 's3', RCLONE_CONFIG_CEPH_PROVIDER: 'Ceph', RCLONE_CONFIG_CEPH_ENDPOINT: vars.S3_ENDPOINT,
    RCLONE_CONFIG_CEPH_ACCESS_KEY_ID: vars.AWS_ACCESS_KEY_ID, RCLONE_CONFIG_CEPH_SECRET_ACCESS_KEY: vars.AWS_SECRET_ACCESS_KEY, RCLONE_CONFIG_CEPH_REGION: 'us-east-1',
  };
  // rclone's AWS SDK refuses a custom CA bundle with its own HTTP transport; the server is plain http
  delete env.AWS_CA_BUNDLE;
  const out = [];
  const emit = (s) => { out.push(s); console.log(s); };
  try {
    fs.mkdirSync(env.LIFEBOAT_CONFIG, { recursive: true });
    const codecs = ['gzip', 'none', ...(o.nodeZstd ? ['zstd'] : [])];
    const nodeFor = (codec) => (codec === 'zstd' ? o.nodeZstd : process.execPath);
    const dests = [];
    for (const size of o.sizes) for (let r = 0; r < o.runs; r++) for (const c of codecs) dests.push({ name: `b${size}-${c}-${r}`, type: 's3', endpoint: vars.S3_ENDPOINT, bucket: 'bench', prefix: `lifeboat/${size}/${c}/${r}`, compression: c });
    fs.writeFileSync(path.join(env.LIFEBOAT_CONFIG, 'offsite.json'), JSON.stringify({ destinations: dests }));
    run(['rclone', 'mkdir', 'ceph:bench'], { env });
    log(`setting up ${dests.length} destinations (one scrypt each)…`);
    for (const d of dests) run([nodeFor(d.compression), CLI, 'offsite', 'init', '--offsite', d.name], { env });
    emit(`## Off-site: upload and download vs rclone\n\n- date: ${new Date().toISOString()}\n- ${os.cpus().length} cores, node ${process.version}${o.nodeZstd ? ` (zstd rows: ${run([o.nodeZstd, '--version']).trim()})` : ''}, ${run(['rclone', 'version']).split('\n')[0]}, radosgw (Ceph ${run(['sh', '-c', 'radosgw --version | cut -d" " -f3']).trim()}, bluestore) on loopback\n- load average at start: ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}\n`);
    for (const size of o.sizes) {
      const src = ensureDb(size);
      const backup = JSON.parse(run(['node', CLI, 'backup', '--force', '--db-path', src, '--output-dir', path.join(work, `local-${size}`), '--json'], { env }));
      const file = backup.file;
      const bytes = fs.statSync(file).size;
      const res = {};
      const add = (k, r) => (res[k] ??= []).push(r);
      for (let r = 0; r < o.runs; r++) {
        for (const c of codecs) {
          warm(file); run(['sync']);
          const t = timed([nodeFor(c), CLI, 'offsite', 'upload', '--offsite', `b${size}-${c}-${r}`, '--backup-file', file, '--json'], env);
          const j = JSON.parse(t.stdout).at(-1);
          if (j.status !== 'uploaded') throw new Error(`upload ${c}: ${JSON.stringify(j)}`);
          add(`lifeboat upload (${c})`, { ...t, stored: j.storedBytes });
          log(`  ${size} MiB run ${r + 1} upload ${c}: ${t.wall.toFixed(2)} s, ${(t.rssKiB / 1024).toFixed(0)} MiB, stored ${(j.storedBytes / MiB).toFixed(1)} MiB`);
          if (c === 'gzip') {
            warm(file); run(['sync']);
            const rc = timed(['rclone', 'copy', '--s3-chunk-size', '8M', '--s3-upload-concurrency', '4', file, `ceph:bench/rclone/${size}/${r}/`], env);
            add('rclone copy (upload)', { ...rc, stored: bytes });
            log(`  ${size} MiB run ${r + 1} rclone upload: ${rc.wall.toFixed(2)} s, ${(rc.rssKiB / 1024).toFixed(0)} MiB`);
          }
        }
        for (const c of codecs) {
          const to = path.join(work, 'dl');
          fs.rmSync(to, { recursive: true, force: true });
          run(['sync']);
          const t = timed([nodeFor(c), CLI, 'offsite', 'download', '--offsite', `b${size}-${c}-${r}`, '--db-path', src, '--to', to], env);
          add(`lifeboat download (${c})`, t);
          log(`  ${size} MiB run ${r + 1} download ${c}: ${t.wall.toFixed(2)} s, ${(t.rssKiB / 1024).toFixed(0)} MiB`);
          fs.rmSync(to, { recursive: true, force: true });
          if (c === 'gzip') {
            run(['sync']);
            const rc = timed(['rclone', 'copy', '--multi-thread-streams', '4', `ceph:bench/rclone/${size}/${r}/${path.basename(file)}`, to], env);
            add('rclone copy (download)', rc);
            log(`  ${size} MiB run ${r + 1} rclone download: ${rc.wall.toFixed(2)} s, ${(rc.rssKiB / 1024).toFixed(0)} MiB`);
            fs.rmSync(to, { recursive: true, force: true });
          }
        }
      }
      const L = [`### ${size} MiB database (backup file ${(bytes / MiB).toFixed(1)} MiB)`, '', `${o.runs} runs per tool, alternating; wall = median, MB/s = backup file MiB / median wall, peak RSS = max over runs.`, '',
        '| Tool | median wall (s) | MiB/s | peak RSS (MiB) | stored (MiB) | all runs (s) |', '|---|---:|---:|---:|---:|---|'];
      const S = {};
      for (const [k, rs] of Object.entries(res)) {
        const w = median(rs.map((x) => x.wall));
        S[k] = w;
        const stored = rs[0].stored ? (rs[0].stored / MiB).toFixed(1) : '';
        L.push(`| ${k} | ${w.toFixed(2)} | ${(bytes / MiB / w).toFixed(1)} | ${(Math.max(...rs.map((x) => x.rssKiB)) / 1024).toFixed(0)} | ${stored} | ${rs.map((x) => x.wall.toFixed(2)).join(', ')} |`);
      }
      L.push('', '| Ratio (wall, lower is faster) | value |', '|---|---:|');
      for (const c of codecs) {
        if (S[`lifeboat upload (${c})`]) L.push(`| lifeboat upload (${c}) / rclone upload | ${(S[`lifeboat upload (${c})`] / S['rclone copy (upload)']).toFixed(2)} |`);
        if (S[`lifeboat download (${c})`]) L.push(`| lifeboat download (${c}) / rclone download | ${(S[`lifeboat download (${c})`] / S['rclone copy (download)']).toFixed(2)} |`);
      }
      emit(L.join('\n') + '\n');
    }
    emit(`- load average at end: ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}\n`);
  } finally {
    spawnSync('bash', [path.join(S3, 'stop-s3.sh'), '--purge'], { env: { ...process.env, ...s3env }, stdio: 'ignore' });
    fs.rmSync(work, { recursive: true, force: true });
    fs.rmSync(TIME_FILE, { force: true });
  }
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  fs.mkdirSync(DATA, { recursive: true });
  const file = path.join(DATA, `offsite-results-${stamp}.md`);
  fs.writeFileSync(file, out.join('\n'));
  log(`report written to ${path.relative(ROOT, file)}`);
}

main().catch((e) => {
  console.error(`[bench offsite] failed: ${e.stack ?? e}`);
  process.exit(1);
});
