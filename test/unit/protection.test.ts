// One protection rule for the tree, the status bar, the badge and the CLI, and the schedule's timing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isDue, needAttention, nextRunAt, protectionOf, summarizeProtection } from '../../src/core/protection';
import { drillFields } from '../../src/core/drills/run';

const NOW = Date.parse('2026-12-01T12:00:00Z');
const at = (minutesAgo: number) => new Date(NOW - minutesAgo * 60_000).toISOString();
const b = (minutesAgo: number, verified = true, checkedMinutesAgo?: number) => ({ verified, createdAt: at(minutesAgo), freshAt: at(checkedMinutesAgo ?? minutesAgo) });

test('fresh within the RPO, stale beyond it, none without a verified backup', () => {
  assert.equal(protectionOf([b(30)], undefined, 24, NOW), 'fresh');
  assert.equal(protectionOf([b(25 * 60)], undefined, 24, NOW), 'stale');
  assert.equal(protectionOf([], undefined, 24, NOW), 'none');
  assert.equal(protectionOf([b(5, false)], undefined, 24, NOW), 'none', 'an unverified backup protects nothing');
  assert.equal(protectionOf([b(5, false), b(60)], undefined, 24, NOW), 'fresh', 'the newest verified one counts');
});

test('a check that found the database unchanged keeps an old backup fresh', () => {
  assert.equal(protectionOf([b(3 * 24 * 60, true, 10)], undefined, 24, NOW), 'fresh');
});

test('a failure after the newest verified backup is failing whatever the age; an older failure is not', () => {
  assert.equal(protectionOf([b(30)], at(5), 24, NOW), 'failed');
  assert.equal(protectionOf([b(30)], at(40), 24, NOW), 'fresh');
  assert.equal(protectionOf([], at(40), 24, NOW), 'failed', 'failing and never backed up are different states');
  assert.equal(protectionOf([b(3 * 24 * 60, true, 10)], at(20), 24, NOW), 'fresh', 'the unchanged check came after the failure');
});

test('the summary counts each state; attention is failing + stale + never', () => {
  const s = summarizeProtection(['fresh', 'fresh', 'stale', 'none', 'failed', 'fresh']);
  assert.deepEqual(s, { total: 6, fresh: 3, stale: 1, none: 1, failed: 1 });
  assert.equal(needAttention(s), 3);
});

test('the schedule runs at the interval after the newest backup, now for a database with none', () => {
  const hour = 3_600_000;
  assert.equal(nextRunAt([at(10)], hour, NOW), NOW - 10 * 60_000 + hour);
  assert.equal(nextRunAt([at(10), at(50)], hour, NOW), NOW + 10 * 60_000, 'the earliest due one');
  assert.equal(nextRunAt([at(10), null], hour, NOW), NOW);
  assert.equal(nextRunAt([at(120)], hour, NOW), NOW, 'overdue: now, not in the past');
  assert.equal(nextRunAt([], hour, NOW), null);
  // an interval of one minute fires every minute: due at 60 s, with a second of slack for early timers
  assert.equal(isDue(new Date(NOW - 59_500).toISOString(), 60_000, NOW), true);
  assert.equal(isDue(new Date(NOW - 58_000).toISOString(), 60_000, NOW), false);
  assert.equal(isDue(null, 60_000, NOW), true);
});

test('drillFields: the operator and database that drill start wrote, not placeholders', () => {
  const text = '# Drill\n\n- **Date:** 2026-12-01\n- **Operator:** Zoë O\'Neil\n- **Database:** `/srv/app data/app.db`\n';
  assert.deepEqual(drillFields(text), { operator: 'Zoë O\'Neil', database: '/srv/app data/app.db' });
  assert.deepEqual(drillFields('- **Operator:** {{operator}}\n- **Database:** (choose when running the rehearsal)\n'), { operator: undefined, database: undefined });
  assert.deepEqual(drillFields('no header here\n'), { operator: undefined, database: undefined });
});
