// What the editor says about off-site copies (src/offsite/offsiteState.ts): a backup row's state per
// destination from the last listing and this editor's upload reports, and the status bar's count
// (protected only when the newest backup is there) and warning (the off-site RPO).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  catalogOf, copyStates, CopySummary, describeCopies, DestinationCatalog, editorWording, offsiteProtection, recordKey, shortReason, UploadRecord,
} from '../../src/offsite/offsiteState';

const NOW = Date.parse('2026-12-01T12:00:00Z');
const min = (n: number) => new Date(NOW - n * 60_000);
const DESTS = [{ name: 'nas', label: 'destination "nas" (/mnt/nas/lifeboat)' }, { name: 'r2', label: 'destination "r2" (s3://b/lifeboat)' }];
const KEY = 'app-1a2b3c4d';
const B1 = 'app-backup-2026-12-01-110000.db';
const B2 = 'app-backup-2026-12-01-115500.db';

function copy(name: string, createdAt: Date, extra: Partial<CopySummary> = {}): CopySummary & { dbKey: string } {
  return { dbKey: KEY, name, createdAt, committed: true, uploadedAt: createdAt, storedBytes: 312 * 1024, codec: 'gzip', encrypted: true, pinned: false, ...extra };
}
const cat = (dest: string, copies: (CopySummary & { dbKey: string })[], error: string | null = null): DestinationCatalog =>
  catalogOf(dest, DESTS.find((d) => d.name === dest)!.label, min(0), error, copies);
const records = (entries: [string, string, UploadRecord][]) => new Map(entries.map(([d, b, r]) => [recordKey(d, b), r]));

test('each destination says what it knows: copied (from the listing), copying, failed, unchanged, checking, not listed, not yet copied', () => {
  const catalogs = new Map([['nas', cat('nas', [copy(B1, min(60), { uploadedAt: min(5) })])]]);
  let s = copyStates(DESTS, catalogs, new Map(), KEY, B1, NOW);
  assert.deepEqual(s.map((x) => [x.kind, x.text]), [['copied', 'copied to nas 5 min ago'], ['checking', 'r2: checking…']]);
  assert.equal(s[0].detail, 'destination "nas" (/mnt/nas/lifeboat): copied 5 min ago (312.0 KB stored, gzip, age-encrypted)');

  catalogs.set('r2', cat('r2', [], 'destination "r2" (s3://b/lifeboat): listing: the secret key is wrong (SignatureDoesNotMatch)'));
  s = copyStates(DESTS, catalogs, new Map(), KEY, B1, NOW);
  assert.deepEqual(s[1], { destination: 'r2', kind: 'unlisted', text: 'r2: not listed', detail: 'could not be listed: destination "r2" (s3://b/lifeboat): listing: the secret key is wrong (SignatureDoesNotMatch)' });

  const failed = 'destination "nas" (/mnt/nas/lifeboat): writing lifeboat/dbs/app-1a2b3c4d/x.gz.age: EPERM (no permission to write there)';
  s = copyStates(DESTS, new Map([['nas', cat('nas', [])], ['r2', cat('r2', [])]]), records([
    ['nas', B2, { status: 'failed', reason: failed, at: min(1).toISOString() }],
    ['r2', B2, { status: 'skipped', reason: 'policy: the newest copy there (x) is younger than 24 h', at: min(1).toISOString() }],
  ]), KEY, B2, NOW);
  assert.deepEqual(s.map((x) => x.text), ['nas failed: EPERM (no permission to write there)', 'not yet copied to r2']);
  assert.equal(s[0].detail, `failed 1 min ago: ${failed}`);
  assert.equal(s[1].detail, 'destination "r2" (s3://b/lifeboat): not copied (policy: the newest copy there (x) is younger than 24 h)');

  s = copyStates(DESTS, new Map(), records([
    ['nas', B2, { status: 'uploading', reason: null, at: min(0).toISOString() }],
    ['r2', B2, { status: 'skipped', reason: 'unchanged: x there has the same content (SHA-256 0123…)', at: min(0).toISOString() }],
  ]), KEY, B2, NOW);
  assert.deepEqual(s.map((x) => [x.kind, x.text]), [['uploading', 'copying to nas…'], ['unchanged', 'unchanged on r2']]);
});

test('a copy the listing shows wins over an older failure; an upload just finished counts before the listing catches up', () => {
  const recs = records([['nas', B1, { status: 'failed', reason: 'x: network error', at: min(30).toISOString() }], ['r2', B1, { status: 'uploaded', reason: null, at: min(2).toISOString() }]]);
  const s = copyStates(DESTS, new Map([['nas', cat('nas', [copy(B1, min(60), { uploadedAt: min(10) })])], ['r2', cat('r2', [])]]), recs, KEY, B1, NOW);
  assert.deepEqual(s.map((x) => x.text), ['copied to nas 10 min ago', 'copied to r2 2 min ago']);
  const d = describeCopies(s);
  assert.equal(d.text, '☁ copied to nas 10 min ago · copied to r2 2 min ago');
  assert.equal(d.copied, true);
  // an incomplete upload (data without manifest) is not a copy
  const partial = copyStates(DESTS.slice(0, 1), new Map([['nas', cat('nas', [copy(B1, min(60), { committed: false })])]]), new Map(), KEY, B1, NOW);
  assert.equal(describeCopies(partial).copied, false);
  assert.equal(partial[0].text, 'not yet copied to nas');
});

test('the short reason keeps the end of the line, never less than a few words, never more than fits', () => {
  assert.equal(shortReason('destination "a" (b): writing k: EPERM (no permission to write there)'), 'EPERM (no permission to write there)');
  assert.equal(shortReason('destination "a" (b): uploading k: network error (ECONNRESET: x)'), 'network error (ECONNRESET: x)');
  assert.equal(shortReason('a: b: c'), 'a: b: c');
  assert.equal(shortReason(`x: ${'y'.repeat(100)}`).length, 60);
});

test('the status bar counts a database only when its newest backup is off-site, and warns past the off-site RPO', () => {
  const dests = DESTS.slice(0, 1);
  const dbs = [
    { name: 'app.db', dbKey: KEY, newest: { name: B2, createdAt: min(5).toISOString() } },
    { name: 'notes.sqlite', dbKey: 'notes-00000000', newest: { name: 'notes-backup-2026-12-01-115500.sqlite', createdAt: min(5).toISOString() } },
  ];
  // app.db: an older copy only (within the RPO): not protected, no warning; notes: none at all: a warning
  let p = offsiteProtection(dbs, dests, new Map([['nas', cat('nas', [copy(B1, min(60))])]]), new Map(), 24, NOW);
  assert.deepEqual([p.protected, p.total, p.warn], [0, 2, true]);
  assert.deepEqual(p.lines, ['app.db: newest backup not off-site yet; recovery point off-site 1 h ago', 'notes.sqlite: newest backup not off-site yet; no off-site copy']);
  p = offsiteProtection(dbs.slice(0, 1), dests, new Map([['nas', cat('nas', [copy(B1, min(60))])]]), new Map(), 24, NOW);
  assert.deepEqual([p.protected, p.warn], [0, false]);
  // the newest is there: protected; an RPO shorter than its age warns anyway
  const both = new Map([['nas', cat('nas', [copy(B1, min(60)), copy(B2, min(5))])]]);
  p = offsiteProtection(dbs.slice(0, 1), dests, both, new Map(), 24, NOW);
  assert.deepEqual([p.protected, p.warn, p.lines], [1, false, ['app.db: newest backup off-site (nas); recovery point off-site 5 min ago']]);
  assert.equal(offsiteProtection(dbs.slice(0, 1), dests, both, new Map(), 0.05, NOW).warn, true);
  // unchanged content stands for the newest backup: protected, its own time is the recovery point
  const unchanged = records([['nas', B2, { status: 'skipped', reason: 'unchanged: same content', at: min(5).toISOString() }]]);
  p = offsiteProtection(dbs.slice(0, 1), dests, new Map([['nas', cat('nas', [copy(B1, min(600))])]]), unchanged, 2, NOW);
  assert.deepEqual([p.protected, p.warn], [1, false]);
});

test('no verdict while a destination is being listed; a destination that cannot be listed is a warning', () => {
  const dbs = [{ name: 'app.db', dbKey: KEY, newest: { name: B2, createdAt: min(5).toISOString() } }];
  const p = offsiteProtection(dbs, DESTS.slice(0, 1), new Map(), new Map(), 24, NOW);
  assert.deepEqual([p.protected, p.warn, p.lines], [0, false, ['app.db: newest backup not off-site yet; checking…']]);
  const q = offsiteProtection(dbs, DESTS, new Map([['nas', cat('nas', [copy(B2, min(5))])], ['r2', cat('r2', [], 'r2: network error')]]), new Map(), 24, NOW);
  assert.deepEqual([q.protected, q.warn], [1, true]);
  assert.match(q.lines[0], /; not listed: r2$/);
});

test('engine messages name the editor\'s set-up command, not the CLI\'s', () => {
  assert.equal(editorWording('destination "usb" (/u/lifeboat): not set up yet: run "lifeboat offsite init" for this destination first'),
    'destination "usb" (/u/lifeboat): not set up yet: run "Lifeboat: Set Up Off-site Destination…" first');
  assert.equal(editorWording('x: identity.age is missing: run lifeboat offsite init first'), 'x: identity.age is missing: run "Lifeboat: Set Up Off-site Destination…" first');
  assert.equal(editorWording('no age identity is available (run lifeboat offsite init, or give the passphrase)'), 'no age identity is available (run "Lifeboat: Set Up Off-site Destination…", or give the passphrase)');
});
