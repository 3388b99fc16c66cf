import { UsageError } from './errors';

export interface RetentionPolicy { keepLast?: number; keepDaily?: number; keepWeekly?: number; keepMonthly?: number }
export const DEFAULT_RETAIN = 7;
export interface RetentionCandidate {
  file: string;
  createdAt: Date;
  verified: boolean;
  pinned: boolean;
  hasManifest: boolean;
  nameMatches: boolean;
  /** a later check found the database unchanged up to here: the backup also covers the days (weeks, months) until then */
  coveredUntil?: Date;
}
export interface RetentionDecision { file: string; reasons: string[] }
export interface RetentionPlan { keep: RetentionDecision[]; delete: RetentionDecision[] }

const FIELDS = ['keepLast', 'keepDaily', 'keepWeekly', 'keepMonthly'] as const;

export function normalizePolicy(p: RetentionPolicy): RetentionPolicy {
  const out: RetentionPolicy = {};
  for (const f of FIELDS) {
    const v = p[f];
    if (v === undefined) continue;
    if (!Number.isInteger(v) || v < 0) throw new UsageError(`${f} must be a non-negative integer (got ${String(v)})`);
    out[f] = v;
  }
  return Object.keys(out).length === 0 ? { keepLast: DEFAULT_RETAIN } : out;
}

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
const dayKey = (d: Date): string => `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
const monthKey = (d: Date): string => `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}`;

export function isoWeekKey(d: Date): string {
  // ISO 8601: a week belongs to the year that contains its Thursday.
  const t = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
  const weekday = t.getUTCDay() || 7;
  t.setUTCDate(t.getUTCDate() + 4 - weekday);
  const yearStart = Date.UTC(t.getUTCFullYear(), 0, 1);
  const week = Math.ceil(((t.getTime() - yearStart) / 86_400_000 + 1) / 7);
  return `${pad(t.getUTCFullYear(), 4)}-W${pad(week)}`;
}

/** The periods a backup covers (from its creation to `coveredUntil`), each with the latest moment covered in it. */
function coveredKeys(c: RetentionCandidate, keyOf: (d: Date) => string, now: Date): [string, number][] {
  const from = c.createdAt.getTime();
  const until = Math.min(Math.max(from, c.coveredUntil?.getTime() ?? from), now.getTime());
  const out = new Map<string, number>();
  out.set(keyOf(new Date(until)), until);
  // walk back a day at a time (every day, week and month boundary is a day boundary), at most ~3 years
  for (let t = until, steps = 0; t > from && steps < 1200; steps++) {
    const d = new Date(t);
    const startOfDay = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
    t = Math.max(from, startOfDay - 1);
    const key = keyOf(new Date(t));
    if (!out.has(key)) out.set(key, t);
    if (t === from) break;
  }
  if (!out.has(keyOf(c.createdAt))) out.set(keyOf(c.createdAt), from);
  return [...out.entries()];
}

function byNewest(a: RetentionCandidate, b: RetentionCandidate): number {
  const dt = b.createdAt.getTime() - a.createdAt.getTime();
  if (dt !== 0) return dt;
  return a.file < b.file ? 1 : a.file > b.file ? -1 : 0;
}

export function planRetention(backups: RetentionCandidate[], policy: RetentionPolicy, now: Date): RetentionPlan {
  const p = normalizePolicy(policy);
  const reasons = new Map<RetentionCandidate, string[]>();
  const keepFor = (c: RetentionCandidate, why: string): void => { reasons.get(c)?.push(why); };

  const invalid = new Set(backups.filter((c) => Number.isNaN(c.createdAt.getTime())));
  const sorted = backups.filter((c) => !invalid.has(c)).sort(byNewest);
  for (const c of [...sorted, ...invalid]) reasons.set(c, []);
  // A backup we cannot date cannot be placed in the policy, so it is never deleted.
  for (const c of invalid) keepFor(c, 'invalid date');

  const managed = sorted.filter((c) => c.hasManifest && c.nameMatches);
  // Future-dated backups signal clock skew; letting them fill keepLast/buckets would evict real ones.
  const eligible = managed.filter((c) => c.createdAt.getTime() <= now.getTime());

  if (p.keepLast !== undefined) for (const c of eligible.slice(0, p.keepLast)) keepFor(c, `last ${p.keepLast}`);
  const buckets: [number | undefined, string, (d: Date) => string][] = [
    [p.keepDaily, 'daily', dayKey],
    [p.keepWeekly, 'weekly', isoWeekKey],
    [p.keepMonthly, 'monthly', monthKey],
  ];
  for (const [n, label, keyOf] of buckets) {
    if (!n) continue;
    // Each period is filled by the newest backup that covers it: one made then, or an older one
    // that a later check found the database unchanged against (the same content, no second copy).
    const holder = new Map<string, { c: RetentionCandidate; at: number }>();
    for (const c of eligible) {
      for (const [key, at] of coveredKeys(c, keyOf, now)) {
        const h = holder.get(key);
        if (!h || at > h.at || (at === h.at && byNewest(c, h.c) < 0)) holder.set(key, { c, at });
      }
    }
    const newestFirst = [...holder.entries()].sort((x, y) => y[1].at - x[1].at);
    for (const [key, h] of newestFirst.slice(0, n)) keepFor(h.c, `${label} ${key}`);
  }

  for (const c of sorted) {
    if (c.pinned) keepFor(c, 'pinned');
    if (!c.hasManifest) keepFor(c, 'not managed: no manifest');
    if (!c.nameMatches) keepFor(c, 'not managed: name');
    if (c.createdAt.getTime() > now.getTime()) keepFor(c, 'in the future');
  }
  const newestVerified = managed.find((c) => c.verified);
  if (newestVerified) keepFor(newestVerified, 'newest verified');

  const plan: RetentionPlan = { keep: [], delete: [] };
  for (const [c, why] of reasons) {
    if (why.length > 0) plan.keep.push({ file: c.file, reasons: why });
    else plan.delete.push({ file: c.file, reasons: ['outside policy'] });
  }
  return plan;
}
