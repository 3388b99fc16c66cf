// Paths with shell metacharacters, quotes, unicode and leading dashes must be treated as plain data:
// backup, list, verify and restore work, the backup keeps the db name, and nothing gets executed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, realpathSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { cli, nativeCounts, printedBackup, ROOT, tmpDir } from '../helpers';
import { dumpOf, integrityOf, makeRollbackDb, nativeCreate } from './support/fixtures';
import { backupJson, backupNameRe, describeRun, filesUnder, parseJsonOut } from './support/oracle';

const root = tmpDir('lifeboat-hostile-');
const cwd = join(root, 'cwd');
mkdirSync(cwd);
const env = { HOME: join(root, 'home') };
mkdirSync(env.HOME);

const DB_DIR = join(root, `-dash dir 'single' "double" $(touch pwned) \`touch pwned\`; touch pwned`);
const OUT_DIR = join(root, `-out dir ; $(touch pwned) 'q' "dq"`, `--also-dashed \`touch pwned\``);
const NAMES = [
  `my "quoted" 'db' $(touch pwned).db`,
  `semi;colon \`touch pwned\` & | > < db.sqlite`,
  'données-ü-日本.db',
  '-leading dash.db',
  'spaces   and\ttab.db',
];

function anyPwned(dir: string, maxDepth = 0): string[] {
  if (!existsSync(dir)) return [];
  const found: string[] = [];
  const walk = (d: string, depth: number) => {
    let entries: string[];
    try { entries = readdirSync(d); } catch { return; }
    for (const n of entries) {
      const p = join(d, n);
      if (n === 'pwned') found.push(p);
      if (depth > 0 && n !== 'node_modules' && n !== '.git') {
        try { if (readdirSync(p)) walk(p, depth - 1); } catch { /* not a folder */ }
      }
    }
  };
  walk(dir, maxDepth);
  return found;
}

const pwnedEverywhere = () => [...anyPwned(root, 8), ...anyPwned(ROOT), ...anyPwned(join(ROOT, 'test'), 3), ...anyPwned(homedir()),
  ...anyPwned(process.cwd()), ...anyPwned(tmpdir()), ...anyPwned('/')];
const PWNED_BEFORE = pwnedEverywhere();

mkdirSync(DB_DIR, { recursive: true });

for (const [i, name] of NAMES.entries()) {
  test(`backup, list, verify, restore: ${JSON.stringify(name)}`, () => {
    const db = join(DB_DIR, name);
    makeRollbackDb(db);
    const out = join(OUT_DIR, String(i));
    const before = dumpOf(db);

    const { json, file } = backupJson(db, out, [], env);
    assert.match(basename(file), backupNameRe(db), 'the backup name keeps the db name');
    assert.equal(realpathSync(resolve(file, '..')), realpathSync(out));
    assert.equal(integrityOf(file), 'ok');
    assert.equal(dumpOf(file), before);

    // plain (non-JSON) backup prints one line naming the database and the backup
    const plain = cli(['backup', '--db-path', db, '--output-dir', out, '--force'], { env, cwd });
    assert.equal(plain.status, 0, describeRun(plain));
    const printed = printedBackup(plain.stdout);
    assert.ok(existsSync(resolve(out, printed)), `plain backup prints an existing backup path: ${printed}`);
    assert.match(basename(printed), backupNameRe(db));

    const l = cli(['list', '--db-path', db, '--output-dir', out, '--json'], { env, cwd });
    assert.equal(l.status, 0, describeRun(l));
    const entries = parseJsonOut<{ file: string; sha256: string }[]>(l);
    assert.equal(entries.length, 2, 'list shows both backups');
    const listed = entries.map((e) => resolve(out, e.file));
    assert.ok(listed.includes(file), `list includes ${file}: ${JSON.stringify(listed)}`);
    assert.equal(entries.find((e) => resolve(out, e.file) === file)?.sha256, json.sha256);

    const v = cli(['verify', '--backup-file', file, '--json'], { env, cwd });
    assert.equal(v.status, 0, describeRun(v));
    const vj = parseJsonOut<{ ok: boolean; checksumMatch: boolean | null; file: string }>(v);
    assert.equal(vj.ok, true);
    assert.equal(vj.checksumMatch, true);

    // change the live db, then restore the backup over it
    nativeCreate(db, 'DELETE FROM orders; CREATE TABLE junk(x);');
    const r = cli(['restore', '--backup-file', file, '--db-path', db, '--yes', '--output-dir', out], { env, cwd });
    assert.equal(r.status, 0, describeRun(r));
    assert.equal(integrityOf(db), 'ok');
    assert.equal(dumpOf(db), before, 'restored content equals the backup');
    assert.deepEqual(Object.keys(nativeCounts(db)), ['customers', 'orders']);
    assert.ok(filesUnder(join(out, 'pre-restore')).length > 0, 'safety copy kept under pre-restore');
  });
}

test('restore into a new hostile-named path from a hostile-named backup folder (DR)', () => {
  const src = join(DB_DIR, `src $(touch pwned).db`);
  makeRollbackDb(src);
  const out = join(OUT_DIR, 'dr');
  const { file } = backupJson(src, out, [], env);
  const target = join(root, `-new "target" ; \`touch pwned\``, `restored 'db' $(touch pwned).db`);
  mkdirSync(resolve(target, '..'), { recursive: true });
  const r = cli(['restore', '--backup-file', file, '--db-path', target, '--yes', '--output-dir', out], { env, cwd });
  assert.equal(r.status, 0, describeRun(r));
  assert.equal(dumpOf(target), dumpOf(src));
});

test('relative paths starting with a dash folder, given as ./-x and as --opt=-x', () => {
  const work = join(root, 'relwork');
  mkdirSync(join(work, '-rel dir $(touch pwned)'), { recursive: true });
  const db = makeRollbackDb(join(work, '-rel dir $(touch pwned)', '-db `touch pwned`.db'));
  const relDb = './-rel dir $(touch pwned)/-db `touch pwned`.db';
  const a = cli(['backup', '--db-path', relDb, '--output-dir', './-rel out', '--json'], { env, cwd: work });
  assert.equal(a.status, 0, describeRun(a));
  const fa = resolve(work, '-rel out', basename(parseJsonOut<{ file: string }>(a).file));
  assert.ok(existsSync(fa), `backup written under ./-rel out: ${fa}`);
  assert.match(basename(fa), backupNameRe(db));
  const b = cli(['backup', `--db-path=${relDb}`, '--output-dir=-rel out 2', '--json'], { env, cwd: work });
  assert.equal(b.status, 0, describeRun(b));
  const fb = resolve(work, '-rel out 2', basename(parseJsonOut<{ file: string }>(b).file));
  assert.ok(existsSync(fb), `backup written under -rel out 2: ${fb}`);
  assert.equal(dumpOf(fb), dumpOf(db));
  const v = cli(['verify', '--backup-file=-rel out 2/' + basename(fb)], { env, cwd: work });
  assert.equal(v.status, 0, describeRun(v));
});

test('nothing named pwned was created anywhere', () => {
  const found = pwnedEverywhere().filter((p) => !PWNED_BEFORE.includes(p));
  assert.deepEqual(found, []);
});
