import { UsageError } from './errors';

export interface RetentionPolicy { keepLast?: number; keepDaily?: number; keepWeekly?: number; keepMonthly?: number }
export const DEFAULT_RETAIN = 7;
export interface RetentionCandidate { file: string; createdAt: Date; verified: boolean; pinned: boolean; hasManifest: boolean; nameMatches: boolean }
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
    const seen = new Set<string>();
    for (const c of eligible) {
      const key = keyOf(c.createdAt);
      if (seen.has(key)) continue;
      seen.add(key);
      keepFor(c, `${label} ${key}`);
      if (seen.size >= n) break;
    }
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
