import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEFAULT_RETAIN, isoWeekKey, normalizePolicy, planRetention,
  RetentionCandidate, RetentionPlan, RetentionPolicy,
} from '../../src/core/retention';
import { UsageError } from '../../src/core/errors';

const NOW = new Date('2027-06-01T00:00:00Z');

function b(file: string, iso: string, extra: Partial<RetentionCandidate> = {}): RetentionCandidate {
  return { file, createdAt: new Date(iso), verified: false, pinned: false, hasManifest: true, nameMatches: true, ...extra };
}

/** Runs the plan, checks the partition invariant, and returns file → reasons for kept files. */
function plan(input: RetentionCandidate[], policy: RetentionPolicy, now = NOW): { kept: Record<string, string[]>; deleted: string[]; raw: RetentionPlan } {
  const raw = planRetention(input, policy, now);
  const all = [...raw.keep, ...raw.delete].map((d) => d.file).sort();
  assert.deepEqual(all, input.map((c) => c.file).sort(), 'every file appears exactly once');
  for (const d of raw.delete) assert.deepEqual(d.reasons, ['outside policy']);
  for (const d of raw.keep) assert.ok(d.reasons.length > 0, `${d.file} kept without a reason`);
  return {
    kept: Object.fromEntries(raw.keep.map((d) => [d.file, d.reasons])),
    deleted: raw.delete.map((d) => d.file),
    raw,
  };
}

/** n backups one hour apart, newest first, named b00 (newest) … */
function hourly(n: number, start = '2027-05-01T12:00:00Z'): RetentionCandidate[] {
  const t0 = new Date(start).getTime();
  return Array.from({ length: n }, (_, i) => b(`b${String(i).padStart(2, '0')}`, new Date(t0 - i * 3_600_000).toISOString()));
}

describe('normalizePolicy', () => {
  it('defaults to keepLast DEFAULT_RETAIN when nothing is set', () => {
    assert.equal(DEFAULT_RETAIN, 7);
    assert.deepEqual(normalizePolicy({}), { keepLast: 7 });
    assert.deepEqual(normalizePolicy({ keepLast: undefined }), { keepLast: 7 });
  });

  it('keeps explicit values, including 0, and does not add keepLast to GFS-only policies', () => {
    assert.deepEqual(normalizePolicy({ keepLast: 0 }), { keepLast: 0 });
    assert.deepEqual(normalizePolicy({ keepDaily: 3, keepMonthly: 2 }), { keepDaily: 3, keepMonthly: 2 });
  });

  it('rejects negative, fractional and non-finite values with UsageError', () => {
    for (const bad of [{ keepLast: -1 }, { keepDaily: 1.5 }, { keepWeekly: NaN }, { keepMonthly: Infinity }]) {
      assert.throws(() => normalizePolicy(bad), UsageError, JSON.stringify(bad));
      assert.throws(() => planRetention([b('a', '2027-01-01T00:00:00Z')], bad, NOW), UsageError);
    }
  });
});

describe('isoWeekKey', () => {
  it('handles year boundaries per ISO 8601', () => {
    assert.equal(isoWeekKey(new Date('2026-11-25T18:30:00Z')), '2026-W48');
    assert.equal(isoWeekKey(new Date('2026-11-23T00:00:00Z')), '2026-W48');
    assert.equal(isoWeekKey(new Date('2026-11-22T23:59:59Z')), '2026-W47');
    assert.equal(isoWeekKey(new Date('2020-12-31T12:00:00Z')), '2020-W53');
    assert.equal(isoWeekKey(new Date('2021-01-03T23:59:59Z')), '2020-W53');
    assert.equal(isoWeekKey(new Date('2021-01-04T00:00:00Z')), '2021-W01');
    assert.equal(isoWeekKey(new Date('2024-12-30T00:00:00Z')), '2025-W01');
    assert.equal(isoWeekKey(new Date('2027-01-01T00:00:00Z')), '2026-W53');
  });
});

describe('planRetention', () => {
  it('returns an empty plan for empty input', () => {
    assert.deepEqual(planRetention([], {}, NOW), { keep: [], delete: [] });
  });

  it('keeps the 7 newest by default and deletes the rest', () => {
    const r = plan(hourly(10).reverse(), {});
    assert.deepEqual(Object.keys(r.kept), ['b00', 'b01', 'b02', 'b03', 'b04', 'b05', 'b06']);
    for (const why of Object.values(r.kept)) assert.deepEqual(why, ['last 7']);
    assert.deepEqual(r.deleted, ['b07', 'b08', 'b09']);
  });

  it('keeps everything when there are fewer backups than keepLast', () => {
    const r = plan(hourly(3), { keepLast: 5 });
    assert.deepEqual(r.deleted, []);
    assert.deepEqual(r.kept.b02, ['last 5']);
  });

  it('orders both lists newest first, breaking ties by file name descending', () => {
    const t = '2027-05-01T00:00:00Z';
    const r = plan([b('a', t), b('c', t), b('b', t), b('old', '2027-04-01T00:00:00Z')], { keepLast: 2 });
    assert.deepEqual(r.raw.keep.map((d) => d.file), ['c', 'b']);
    assert.deepEqual(r.raw.delete.map((d) => d.file), ['a', 'old']);
  });

  it('keepDaily keeps the newest backup of each of the last N days that have backups', () => {
    const input = [
      b('d3-late', '2027-05-03T23:59:59Z'), b('d3-early', '2027-05-03T00:00:00Z'),
      // 2027-05-02 has no backups and must not consume a slot.
      b('d1-late', '2027-05-01T20:00:00Z'), b('d1-early', '2027-05-01T01:00:00Z'),
      b('a30', '2027-04-30T10:00:00Z'),
      b('a29', '2027-04-29T10:00:00Z'),
    ];
    const r = plan(input, { keepDaily: 3 });
    assert.deepEqual(r.kept, {
      'd3-late': ['daily 2027-05-03'],
      'd1-late': ['daily 2027-05-01'],
      a30: ['daily 2027-04-30'],
    });
    assert.deepEqual(r.deleted, ['d3-early', 'd1-early', 'a29']);
  });

  it('buckets days in UTC, not local time', () => {
    const r = plan([b('x', '2027-05-02T00:30:00+02:00'), b('y', '2027-05-01T21:00:00Z')], { keepDaily: 5 });
    assert.deepEqual(r.kept, { x: ['daily 2027-05-01'] });
    assert.deepEqual(r.deleted, ['y']);
  });

  it('keepWeekly uses ISO weeks across a Sunday/Monday boundary', () => {
    const r = plan([
      b('mon', '2026-11-23T08:00:00Z'),
      b('sun', '2026-11-22T22:00:00Z'),
      b('sat', '2026-11-21T08:00:00Z'),
      b('prev', '2026-11-13T08:00:00Z'),
    ], { keepWeekly: 2 });
    assert.deepEqual(r.kept, { mon: ['weekly 2026-W48'], sun: ['weekly 2026-W47'] });
    assert.deepEqual(r.deleted, ['sat', 'prev']);
  });

  it('keepWeekly across a year boundary: W53 spans two calendar years, W01 can start in December', () => {
    const r = plan([
      b('jan4', '2021-01-04T00:00:00Z'),
      b('jan3', '2021-01-03T00:00:00Z'),
      b('dec31', '2020-12-31T00:00:00Z'),
      b('dec27', '2020-12-27T00:00:00Z'),
    ], { keepWeekly: 3 }, new Date('2021-02-01T00:00:00Z'));
    assert.deepEqual(r.kept, { jan4: ['weekly 2021-W01'], jan3: ['weekly 2020-W53'], dec27: ['weekly 2020-W52'] });
    assert.deepEqual(r.deleted, ['dec31']);

    const r2 = plan([b('dec30', '2024-12-30T09:00:00Z'), b('dec29', '2024-12-29T09:00:00Z')], { keepWeekly: 1 }, NOW);
    assert.deepEqual(r2.kept, { dec30: ['weekly 2025-W01'] });
  });

  it('keepMonthly keeps the newest backup of each UTC month, across a year boundary', () => {
    const r = plan([
      b('feb', '2027-02-01T00:00:00Z'),
      b('jan-end', '2027-01-31T23:59:59Z'),
      b('jan-start', '2027-01-01T00:00:00Z'),
      b('dec', '2026-12-31T23:59:59Z'),
      b('nov', '2026-11-25T18:30:00Z'),
    ], { keepMonthly: 3 });
    assert.deepEqual(r.kept, { feb: ['monthly 2027-02'], 'jan-end': ['monthly 2027-01'], dec: ['monthly 2026-12'] });
    assert.deepEqual(r.deleted, ['jan-start', 'nov']);
  });

  it('unions keepLast and GFS rules, accumulating every reason', () => {
    const r = plan([
      b('n1', '2027-05-03T12:00:00Z'),
      b('n2', '2027-05-03T06:00:00Z'),
      b('n3', '2027-05-02T12:00:00Z'),
      b('n4', '2027-04-20T12:00:00Z'),
      b('n5', '2027-04-10T12:00:00Z'),
    ], { keepLast: 1, keepDaily: 2, keepWeekly: 1, keepMonthly: 2 });
    assert.deepEqual(r.kept, {
      n1: ['last 1', 'daily 2027-05-03', 'weekly 2027-W18', 'monthly 2027-05'],
      n3: ['daily 2027-05-02'],
      n4: ['monthly 2027-04'],
    });
    assert.deepEqual(r.deleted, ['n2', 'n5']);
  });

  it('a GFS-only policy does not also keep the last 7', () => {
    const r = plan(hourly(10), { keepDaily: 1 });
    assert.deepEqual(Object.keys(r.kept), ['b00']);
    assert.equal(r.deleted.length, 9);
  });

  it('keeps every pinned backup', () => {
    const input = hourly(5);
    input[3].pinned = true;
    input[4].pinned = true;
    const r = plan(input, { keepLast: 1 });
    assert.deepEqual(r.kept, { b00: ['last 1'], b03: ['pinned'], b04: ['pinned'] });
  });

  it('pinned backups still count toward keepLast', () => {
    const input = hourly(3);
    input[0].pinned = true;
    const r = plan(input, { keepLast: 2 });
    assert.deepEqual(r.kept, { b00: ['last 2', 'pinned'], b01: ['last 2'] });
    assert.deepEqual(r.deleted, ['b02']);
  });

  it('keeps the newest verified backup even when the newest backups are unverified', () => {
    const input = hourly(6);
    input[3].verified = true;
    input[5].verified = true;
    const r = plan(input, { keepLast: 2 });
    assert.deepEqual(r.kept, { b00: ['last 2'], b01: ['last 2'], b03: ['newest verified'] });
    assert.deepEqual(r.deleted, ['b02', 'b04', 'b05']);
  });

  it('keeps the newest verified backup even with a zero policy', () => {
    const input = hourly(3);
    input[1].verified = true;
    input[2].verified = true;
    const r = plan(input, { keepLast: 0, keepDaily: 0 });
    assert.deepEqual(r.kept, { b01: ['newest verified'] });
    assert.deepEqual(r.deleted, ['b00', 'b02']);
  });

  it('a zero policy with nothing verified or pinned deletes every managed backup', () => {
    const r = plan(hourly(3), { keepLast: 0 });
    assert.deepEqual(r.kept, {});
    assert.deepEqual(r.deleted, ['b00', 'b01', 'b02']);
  });

  it('never deletes unmanaged files and does not count them toward keepLast', () => {
    const input = [
      b('foreign', '2027-05-05T00:00:00Z', { nameMatches: false }),
      b('orphan', '2027-05-04T00:00:00Z', { hasManifest: false, verified: true }),
      b('both', '2027-05-03T00:00:00Z', { hasManifest: false, nameMatches: false }),
      b('m1', '2027-05-02T00:00:00Z'),
      b('m2', '2027-05-01T00:00:00Z', { verified: true }),
      b('m3', '2027-04-30T00:00:00Z'),
      b('ancient-orphan', '2000-01-01T00:00:00Z', { hasManifest: false }),
    ];
    const r = plan(input, { keepLast: 1, keepDaily: 1 });
    assert.deepEqual(r.kept, {
      foreign: ['not managed: name'],
      orphan: ['not managed: no manifest'],
      both: ['not managed: no manifest', 'not managed: name'],
      m1: ['last 1', 'daily 2027-05-02'],
      // An unmanaged verified file must not shadow the newest managed verified one.
      m2: ['newest verified'],
      'ancient-orphan': ['not managed: no manifest'],
    });
    assert.deepEqual(r.deleted, ['m3']);
  });

  it('keeps future-dated backups without letting them displace real ones', () => {
    const input = [
      b('future', '2030-01-01T00:00:00Z'),
      b('p1', '2027-05-31T00:00:00Z'),
      b('p2', '2027-05-30T00:00:00Z'),
      b('p3', '2027-05-29T00:00:00Z'),
    ];
    const r = plan(input, { keepLast: 2, keepMonthly: 1 });
    assert.deepEqual(r.kept, {
      future: ['in the future'],
      p1: ['last 2', 'monthly 2027-05'],
      p2: ['last 2'],
    });
    assert.deepEqual(r.deleted, ['p3']);
  });

  it('a backup taken exactly at now is not in the future', () => {
    const r = plan([b('now', NOW.toISOString()), b('older', '2027-01-01T00:00:00Z')], { keepLast: 1 });
    assert.deepEqual(r.kept, { now: ['last 1'] });
  });

  it('never deletes a backup whose date is invalid', () => {
    const r = plan([b('bad', 'not a date'), ...hourly(2)], { keepLast: 1 });
    assert.deepEqual(r.kept, { b00: ['last 1'], bad: ['invalid date'] });
    assert.deepEqual(r.deleted, ['b01']);
  });

  it('does not mutate its inputs', () => {
    const input = hourly(4).reverse();
    const before = input.map((c) => c.file);
    const policy = { keepDaily: 1 };
    planRetention(input, policy, NOW);
    assert.deepEqual(input.map((c) => c.file), before);
    assert.deepEqual(policy, { keepDaily: 1 });
  });
});

describe('planRetention: a backup that later checks found unchanged covers those days', () => {
  it('fills each daily slot it covers with the one file, so older days keep their own backups only beyond them', () => {
    // Monday's backup, found unchanged on Tuesday and Wednesday (no new copy was made those days)
    const mon = b('mon.db', '2027-05-24T09:00:00Z', { coveredUntil: new Date('2027-05-26T21:00:00Z') });
    const sun = b('sun.db', '2027-05-23T09:00:00Z');
    const sat = b('sat.db', '2027-05-22T09:00:00Z');
    const r = plan([mon, sun, sat], { keepDaily: 3 }, new Date('2027-05-27T00:00:00Z'));
    assert.deepEqual(r.kept['mon.db'].sort(), ['daily 2027-05-24', 'daily 2027-05-25', 'daily 2027-05-26']);
    assert.deepEqual(r.deleted.sort(), ['sat.db', 'sun.db'], 'three days are covered by Monday\'s file alone');
    const wider = plan([mon, sun, sat], { keepDaily: 5 }, new Date('2027-05-27T00:00:00Z'));
    assert.deepEqual(wider.deleted, [], 'five days: Wed, Tue, Mon (one file), Sun, Sat');
  });
  it('without coveredUntil nothing changes: the newest backup of each day holds it', () => {
    const r = plan([b('a.db', '2027-05-24T09:00:00Z'), b('b.db', '2027-05-24T18:00:00Z'), b('c.db', '2027-05-23T09:00:00Z')], { keepDaily: 2 });
    assert.deepEqual(r.deleted, ['a.db']);
  });
  it('a weekly slot is covered too: a backup of last week found unchanged this week holds this week', () => {
    const old = b('old.db', '2027-05-18T09:00:00Z', { coveredUntil: new Date('2027-05-26T09:00:00Z') }); // W20, checked in W21
    const older = b('older.db', '2027-05-11T09:00:00Z'); // W19
    const r = plan([old, older], { keepWeekly: 2 }, new Date('2027-05-27T00:00:00Z'));
    assert.deepEqual(r.kept['old.db'].filter((x) => x.startsWith('weekly')).sort(), ['weekly 2027-W20', 'weekly 2027-W21']);
    assert.deepEqual(r.deleted, ['older.db']);
  });
});
