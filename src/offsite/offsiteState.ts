// What the editor says about off-site copies, as pure functions of what it knows: each
// destination's last listing (one ListObjectsV2 pass, or one folder walk) and what its own
// uploads reported since. No `vscode` here: tested with node --test (test/unit/offsite-state.test.ts).
import { fmtBytes } from '../core/fsutil';
import { ago } from '../messages';

export interface CopySummary {
  name: string;
  createdAt: Date;
  committed: boolean;
  uploadedAt: Date | null;
  storedBytes: number;
  codec: string | null;
  encrypted: boolean;
  pinned: boolean;
}

/** One destination's listing: copies by database folder (`<db>-<id>`) and backup name. */
export interface DestinationCatalog {
  destination: string;
  label: string;
  listedAt: Date;
  /** the listing failed: this line says why (no copies are known then) */
  error: string | null;
  byDb: Map<string, Map<string, CopySummary>>;
}

/** What this editor's last upload of one backup to one destination reported. */
export interface UploadRecord {
  status: 'uploading' | 'uploaded' | 'skipped' | 'failed';
  /** the failure's line (naming the destination), or why it was skipped */
  reason: string | null;
  at: string;
}

export type CopyStateKind = 'copied' | 'uploading' | 'failed' | 'unchanged' | 'missing' | 'checking' | 'unlisted';

export interface CopyState {
  destination: string;
  kind: CopyStateKind;
  /** short, for a tree row's description */
  text: string;
  /** one line, for a tooltip */
  detail: string;
}

export const recordKey = (destination: string, backupName: string): string => `${destination}\u0000${backupName}`;

export function catalogOf(destination: string, label: string, listedAt: Date, error: string | null, copies: (CopySummary & { dbKey: string })[]): DestinationCatalog {
  const byDb = new Map<string, Map<string, CopySummary>>();
  for (const { dbKey, ...c } of copies) {
    if (!byDb.has(dbKey)) byDb.set(dbKey, new Map());
    byDb.get(dbKey)!.set(c.name, c);
  }
  return { destination, label, listedAt, error, byDb };
}

/** An engine message in the editor's words: its set-up command instead of the CLI's `offsite init`. */
export function editorWording(line: string): string {
  return line.replace(/run "?lifeboat offsite init"?(?: for this destination)?/g, 'run "Lifeboat: Set Up Off-site Destination…"');
}

/** The end of a failure's line ("EPERM (no permission to write there)"): what fits a tree row. */
export function shortReason(line: string, max = 60): string {
  const parts = line.split(': ');
  let s = parts.pop() ?? line;
  while (s.length < 16 && parts.length) s = `${parts.pop()}: ${s}`;
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/** The state of one backup (`dbKey`, `name`) at each destination. */
export function copyStates(
  destinations: { name: string; label: string }[], catalogs: Map<string, DestinationCatalog>, records: Map<string, UploadRecord>,
  dbKey: string, name: string, now = Date.now(),
): CopyState[] {
  return destinations.map((d) => {
    const rec = records.get(recordKey(d.name, name));
    const cat = catalogs.get(d.name);
    const copy = cat?.byDb.get(dbKey)?.get(name);
    const at = (s: CopyState['kind'], text: string, detail: string): CopyState => ({ destination: d.name, kind: s, text, detail });
    if (rec?.status === 'uploading') return at('uploading', `copying to ${d.name}…`, `${d.label}: copying now`);
    if (copy?.committed) {
      const when = copy.uploadedAt ?? copy.createdAt;
      const how = [`${fmtBytes(copy.storedBytes)} stored`, copy.codec, copy.encrypted ? 'age-encrypted' : 'unencrypted', copy.pinned ? 'pinned' : ''].filter(Boolean).join(', ');
      return at('copied', `copied to ${d.name} ${ago(when, now)}`, `${d.label}: copied ${ago(when, now)} (${how})`);
    }
    // the listing has not caught up with an upload this editor just finished
    if (rec?.status === 'uploaded') return at('copied', `copied to ${d.name} ${ago(rec.at, now)}`, `${d.label}: copied ${ago(rec.at, now)}`);
    if (rec?.status === 'failed') return at('failed', `${d.name} failed: ${shortReason(rec.reason ?? 'failed')}`, `failed ${ago(rec.at, now)}: ${rec.reason ?? 'failed'}`);
    if (rec?.status === 'skipped' && /^unchanged/.test(rec.reason ?? '')) return at('unchanged', `unchanged on ${d.name}`, `${d.label}: not sent again, ${rec.reason}`);
    if (!cat) return at('checking', `${d.name}: checking…`, `${d.label}: not listed yet`);
    if (cat.error) return at('unlisted', `${d.name}: not listed`, `could not be listed: ${cat.error}`);
    const why = rec?.status === 'skipped' && rec.reason ? ` (${rec.reason})` : '';
    return at('missing', `not yet copied to ${d.name}`, `${d.label}: not copied${why}`);
  });
}

/** A backup row's off-site part: "☁ copied to nas 5 min ago", tooltip lines, and whether any copy is there. */
export function describeCopies(states: CopyState[]): { text: string; tooltip: string[]; copied: boolean } {
  return {
    text: `☁ ${states.map((s) => s.text).join(' · ')}`,
    tooltip: states.map((s) => s.detail),
    copied: states.some((s) => s.kind === 'copied'),
  };
}

export interface DbNewest {
  name: string;
  dbKey: string;
  /** the newest local backup */
  newest: { name: string; createdAt: string } | undefined;
}

export interface Protection {
  /** databases whose newest local backup is off-site (or unchanged there) */
  protected: number;
  total: number;
  /** a database whose newest off-site copy was made longer ago than the off-site RPO, or a destination not listed */
  warn: boolean;
  /** one line per database */
  lines: string[];
}

/**
 * The status bar's count: a database is protected off-site only when its newest backup is there.
 * The warning is for the RPO: the newest copy anywhere off-site was made longer ago than `rpoHours`.
 */
export function offsiteProtection(
  dbs: DbNewest[], destinations: { name: string; label: string }[], catalogs: Map<string, DestinationCatalog>, records: Map<string, UploadRecord>,
  rpoHours: number, now = Date.now(),
): Protection {
  let count = 0;
  let warn = false;
  const lines: string[] = [];
  for (const db of dbs) {
    const states = db.newest ? copyStates(destinations, catalogs, records, db.dbKey, db.newest.name, now) : [];
    const safe = states.filter((s) => s.kind === 'copied' || s.kind === 'unchanged');
    // the recovery point off-site: the newest committed copy, or the newest backup itself once it is there
    let point: Date | null = safe.length && db.newest ? new Date(db.newest.createdAt) : null;
    for (const d of destinations) {
      for (const c of catalogs.get(d.name)?.byDb.get(db.dbKey)?.values() ?? []) {
        if (c.committed && (!point || c.createdAt > point)) point = c.createdAt;
      }
    }
    const checking = destinations.some((d) => !catalogs.has(d.name));
    const unlisted = destinations.filter((d) => catalogs.get(d.name)?.error);
    // no verdict while a listing is still under way; a destination that cannot be listed is a warning
    if ((!checking && (!point || now - point.getTime() > rpoHours * 3_600_000)) || unlisted.length) warn = true;
    if (safe.length) count++;
    const what = safe.length ? `newest backup off-site (${safe.map((s) => s.destination).join(', ')})` : !db.newest ? 'no local backup yet' : 'newest backup not off-site yet';
    const when = point ? `recovery point off-site ${ago(point, now)}` : checking ? 'checking…' : 'no off-site copy';
    lines.push(`${db.name}: ${what}; ${when}${unlisted.length ? `; not listed: ${unlisted.map((d) => d.name).join(', ')}` : ''}`);
  }
  return { protected: count, total: dbs.length, warn, lines };
}
