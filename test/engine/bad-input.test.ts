// Bad inputs are refused cleanly: exit 1, one stderr line naming the file and the reason, no stack
// trace, nothing left in the output dir, input and live files byte-for-byte unchanged.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, lstatSync, mkdirSync, openSync, readFileSync, writeSync, closeSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { cli, nativeCounts, sha256File, tmpDir } from '../helpers';
import {
  integrityOf, makeCorruptPage, makeIndexMismatch, makeRealDb, makeRollbackDb, makeTruncated, pseudoRandom,
} from './support/fixtures';
import {
  assertRefusal, assertUsageError, backupJson, describeRun, filesUnder, listing, liveState, parseJsonOut,
} from './support/oracle';

const root = tmpDir('lifeboat-bad-');
const base = makeRealDb(join(root, 'real.db'));
const isRoot = process.getuid?.() === 0;
const T = 30_000;

interface Kind { kind: string; make: (dir: string) => string; verify: boolean }

const KINDS: Kind[] = [
  { kind: 'nonexistent path', make: (d) => join(d, 'missing.db'), verify: true },
  { kind: 'a directory', make: (d) => { const p = join(d, 'folder.db'); mkdirSync(p); writeFileSync(join(p, 'inner.txt'), 'x'); return p; }, verify: true },
  { kind: 'an empty file', make: (d) => { const p = join(d, 'empty.db'); writeFileSync(p, ''); return p; }, verify: true },
  { kind: 'a text file named .db', make: (d) => { const p = join(d, 'readme.db'); writeFileSync(p, 'This is not a database.\nJust some notes.\n'.repeat(50)); return p; }, verify: true },
  { kind: 'wrong magic (random bytes)', make: (d) => { const p = join(d, 'random.db'); writeFileSync(p, pseudoRandom(8192, 7)); return p; }, verify: true },
  { kind: 'truncated SQLite file (cut mid-page)', make: (d) => makeTruncated(base, join(d, 'truncated.db')), verify: true },
  { kind: 'corrupt b-tree page', make: (d) => makeCorruptPage(base, join(d, 'corrupt.db')), verify: true },
  { kind: 'stale index (only full integrity_check detects it)', make: (d) => makeIndexMismatch(base, join(d, 'stale-index.db')), verify: true },
  { kind: 'encrypted-looking file (no magic, page-multiple size)', make: (d) => { const p = join(d, 'secret.db'); writeFileSync(p, pseudoRandom(32 * 4096, 99)); return p; }, verify: true },
  { kind: 'a FIFO (non-regular file)', make: (d) => { const p = join(d, 'pipe.db'); execFileSync('mkfifo', [p]); return p; }, verify: true },
  { kind: 'a SQLite header followed by garbage', make: (d) => {
    const p = join(d, 'header-only.db');
    const b = pseudoRandom(8 * 4096, 3);
    copyFileSync(base, p);
    const fd = openSync(p, 'r+');
    writeSync(fd, b, 0, b.length, 4096);
    closeSync(fd);
    if (integrityOf(p) === 'ok') throw new Error('fixture still ok');
    return p;
  }, verify: true },
];
if (!isRoot) {
  KINDS.push({ kind: 'unreadable file (chmod 000)', make: (d) => { const p = join(d, 'locked.db'); copyFileSync(base, p); chmodSync(p, 0o000); return p; }, verify: true });
}

let seq = 0;
/** A fresh folder holding only the bad input, so that we can see anything the CLI leaves beside it. */
function badInput(k: Kind): { file: string; dir: string } {
  const dir = join(root, `input-${++seq}`);
  mkdirSync(dir);
  return { file: k.make(dir), dir };
}

function fileSha(p: string): string | null {
  return existsSync(p) && lstatSync(p).isFile() ? sha256File(p) : null;
}

for (const k of KINDS) {
  test(`backup refuses ${k.kind}`, () => {
    const { file, dir } = badInput(k);
    const before = { sha: fileSha(file), listing: listing(dir) };
    const out = join(root, `out-${++seq}`);
    const r = cli(['backup', '--db-path', file, '--output-dir', out], { timeoutMs: T });
    assertRefusal(r, file, `backup --db-path <${k.kind}>`);
    assert.deepEqual(filesUnder(out), [], 'no backup, manifest or .partial in the output dir');
    assert.deepEqual({ sha: fileSha(file), listing: listing(dir) }, before, 'input untouched, nothing created beside it');
  });

  if (k.verify) {
    test(`verify refuses ${k.kind}`, () => {
      const { file, dir } = badInput(k);
      const before = { sha: fileSha(file), listing: listing(dir) };
      const r = cli(['verify', '--backup-file', file], { timeoutMs: T });
      assertRefusal(r, file, `verify --backup-file <${k.kind}>`);
      const j = cli(['verify', '--backup-file', file, '--json'], { timeoutMs: T });
      assert.equal(j.status, 1, `verify --json exit 1\n${describeRun(j)}`);
      const vj = parseJsonOut<{ ok: boolean; reason: string }>(j);
      assert.equal(vj.ok, false, 'verify --json: ok false');
      assert.ok(typeof vj.reason === 'string' && vj.reason.length > 0, 'verify --json: a reason');
      assert.deepEqual({ sha: fileSha(file), listing: listing(dir) }, before, 'input untouched, nothing created beside it');
    });
  }

  test(`restore refuses ${k.kind} and leaves the live db alone`, () => {
    const { file, dir } = badInput(k);
    const liveDir = join(root, `live-${++seq}`);
    mkdirSync(liveDir);
    const live = makeRollbackDb(join(liveDir, 'app.db'));
    const liveBefore = liveState(live);
    const before = { sha: fileSha(file), listing: listing(dir) };
    const out = join(root, `out-${++seq}`);
    const r = cli(['restore', '--backup-file', file, '--db-path', live, '--yes', '--output-dir', out], { timeoutMs: T });
    assertRefusal(r, file, `restore --backup-file <${k.kind}>`);
    assert.deepEqual(liveState(live), liveBefore, 'live db and its folder byte-for-byte unchanged');
    assert.equal(integrityOf(live), 'ok');
    assert.deepEqual(filesUnder(out), [], 'nothing written to the output dir (no safety copy was needed)');
    assert.deepEqual({ sha: fileSha(file), listing: listing(dir) }, before, 'backup input untouched');
  });
}

test('control: verify accepts a healthy SQLite file that has no manifest (checksumMatch null)', () => {
  const dir = join(root, `plain-${++seq}`);
  mkdirSync(dir);
  const file = makeRealDb(join(dir, 'plain.db'));
  const before = { sha: fileSha(file), listing: listing(dir) };
  const r = cli(['verify', '--backup-file', file, '--json'], { timeoutMs: T });
  assert.equal(r.status, 0, describeRun(r));
  const vj = parseJsonOut<{ ok: boolean; integrity: string; checksumMatch: boolean | null; sha256: string; tables: Record<string, number> }>(r);
  assert.equal(vj.ok, true);
  assert.equal(vj.integrity, 'ok');
  assert.equal(vj.checksumMatch, null, 'no manifest: checksumMatch is null');
  assert.equal(vj.sha256, sha256File(file));
  assert.deepEqual(vj.tables, nativeCounts(file));
  assert.deepEqual({ sha: fileSha(file), listing: listing(dir) }, before, 'verify writes nothing');
});

test('verify refuses a backup whose manifest sha256 does not match', () => {
  const src = makeRollbackDb(join(root, `good-${++seq}.db`));
  const out = join(root, `out-${++seq}`);
  const { file, json } = backupJson(src, out);
  // still a perfectly healthy SQLite file, but not the bytes the manifest describes
  const fd = openSync(file, 'r+');
  writeSync(fd, Buffer.from([0, 0, 0x12, 0x34]), 0, 4, 60); // user_version
  closeSync(fd);
  assert.equal(integrityOf(file), 'ok');
  assert.notEqual(sha256File(file), json.sha256);
  const manifestSha = (): unknown => (JSON.parse(readFileSync(file + '.json', 'utf8')) as { sha256?: unknown }).sha256;
  const manifestBefore = manifestSha();
  assert.equal(manifestBefore, json.sha256, 'the manifest records the original sha256');
  const r = cli(['verify', '--backup-file', file], { timeoutMs: T });
  assertRefusal(r, file, 'verify with checksum mismatch');
  const j = cli(['verify', '--backup-file', file, '--json'], { timeoutMs: T });
  assert.equal(j.status, 1, describeRun(j));
  const vj = parseJsonOut<{ ok: boolean; checksumMatch: boolean | null; integrity: string; sha256: string }>(j);
  assert.equal(vj.ok, false);
  assert.equal(vj.checksumMatch, false);
  assert.equal(vj.integrity, 'ok');
  assert.equal(vj.sha256, sha256File(file));
  assert.equal(manifestSha(), manifestBefore, 'verify does not adopt the changed file\'s checksum into the manifest');
});

test('restore --require-table missing_table refuses and leaves the live db alone', () => {
  const src = makeRollbackDb(join(root, `good-${++seq}.db`));
  const out = join(root, `out-${++seq}`);
  const { file } = backupJson(src, out);
  const liveDir = join(root, `live-${++seq}`);
  mkdirSync(liveDir);
  const live = makeRealDb(join(liveDir, 'app.db'));
  const liveBefore = liveState(live);
  const restoreOut = join(root, `out-${++seq}`);
  const r = cli(['restore', '--backup-file', file, '--db-path', live, '--yes', '--force-other-source', '--require-table', 'customers', '--require-table', 'missing_table', '--output-dir', restoreOut], { timeoutMs: T });
  assert.equal(r.status, 1, describeRun(r));
  const lines = r.stderr.split('\n').filter(Boolean);
  assert.equal(lines.length, 1, `one stderr line\n${describeRun(r)}`);
  assert.ok(lines[0].includes('missing_table'), `names the missing table: ${lines[0]}`);
  assert.ok(lines[0].includes(basename(file)) || lines[0].includes(basename(live)), `names the file: ${lines[0]}`);
  assert.ok(!/^\s+at\s/m.test(r.stderr), 'no stack trace');
  assert.deepEqual(liveState(live), liveBefore, 'live unchanged');
  assert.deepEqual(filesUnder(restoreOut), [], 'no safety copy was needed');
  // the same backup restores fine when the required tables are present
  const ok = cli(['restore', '--backup-file', file, '--db-path', live, '--yes', '--force-other-source', '--require-table', 'customers', '--require-table', 'orders', '--output-dir', restoreOut], { timeoutMs: T });
  assert.equal(ok.status, 0, describeRun(ok));
});

test('usage errors exit 2', () => {
  const src = makeRollbackDb(join(root, `good-${++seq}.db`));
  const out = join(root, `out-${++seq}`);
  assertUsageError(cli(['frobnicate']), 'unknown command');
  assertUsageError(cli(['verify']), 'verify without --backup-file');
  assertUsageError(cli(['restore', '--db-path', src, '--yes', '--output-dir', out]), 'restore without --backup-file');
  assertUsageError(cli(['backup', '--db-path', src, '--output-dir', out, '--retain', 'abc']), 'backup --retain abc');
  assert.deepEqual(filesUnder(out), [], 'usage errors write nothing');
});
