// `lifeboat diff`: a backup against the live database (or another backup), table by table.
// Exit codes as diff(1) has them, plus one for failures: 0 identical, 1 different, 2 usage,
// 3 could not compare (one line on stderr naming the file).
import { describeError, describeSchemaChanges, diffDatabases, DiffResult, resolveDbPath, RowChange, SqlValue, TableDiff, UsageError } from '../core';
import type { Io } from './main';

export const DIFF_EXIT = { identical: 0, different: 1, usage: 2, failed: 3 } as const;

/** A value as an SQL literal on one line: NULL, 42, 0.5, 'text', X'00ff'. */
export function literal(v: SqlValue): string {
  if (v === null) return 'NULL';
  if (v.type === 'integer' || v.type === 'real') return v.value;
  if (v.type === 'blob') return `X'${v.hex}'${v.truncated ? `… (${v.size} bytes)` : ''}`;
  const esc = v.value.replace(/'/g, "''").replace(/[\u0000-\u001f\u007f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return `'${esc}'${v.truncated ? `… (${v.size} bytes)` : ''}`;
}

function keyText(t: TableDiff, r: RowChange): string {
  if (!r.key.length) return '';
  const names = t.key?.columns ?? [];
  return `${r.key.map((k, i) => `${names[i] ?? 'key'}=${literal(k)}`).join(', ')}: `;
}

function rowText(t: TableDiff, r: RowChange): string {
  if (r.kind === 'changed') {
    const parts = (r.changed ?? []).map((name) => {
      const ti = t.columns.to.indexOf(name);
      const pair = t.columns.compared.find((p) => p.to === name)!;
      const fi = t.columns.from.indexOf(pair.from);
      return `${name} ${literal(r.from![fi])} -> ${literal(r.to![ti])}`;
    });
    return `  ~ ${keyText(t, r)}${parts.join('; ')}`;
  }
  const cols = r.kind === 'added' ? t.columns.to : t.columns.from;
  const vals = (r.kind === 'added' ? r.to : r.from) ?? [];
  const keyCols = new Set(r.key.length ? (t.key?.columns ?? []) : []);
  const shown = cols.map((c, i) => [c, vals[i]] as const).filter(([c]) => !keyCols.has(c));
  return `  ${r.kind === 'added' ? '+' : '-'} ${keyText(t, r)}${shown.map(([c, v]) => `${c}=${literal(v)}`).join(', ')}`;
}

function countsText(t: TableDiff): string {
  const c = t.counts!;
  const parts = [c.deleted && `${c.deleted} deleted`, c.changed && `${c.changed} changed`, c.added && `${c.added} added`].filter(Boolean);
  return parts.length ? parts.join(', ') : 'same rows';
}

function keyDesc(t: TableDiff): string {
  if (!t.key) return '';
  if (t.key.kind === 'content') return 'compared by content';
  return `by ${t.key.kind === 'rowid' ? 'rowid' : 'primary key'} ${t.key.columns.join(', ')}`;
}

/** The diff for people: one block per table that differs, then a count of the identical ones. */
export function formatDiff(d: DiffResult, toWhat: string): string[] {
  const out = [`--- ${d.from} (backup)`, `+++ ${d.to} (${toWhat})`];
  let same = 0;
  for (const t of d.tables) {
    if (t.status === 'identical') { same++; continue; }
    if (t.status === 'skipped') {
      if (t.kind.from !== t.kind.to) out.push(`table ${t.table}: ${t.kind.from ? `only in the backup (${t.kind.from})` : `only in the ${toWhat} database (${t.kind.to})`}`);
      else if (t.schema && !t.schema.same) out.push(`table ${t.table}: skipped, definition changed (${t.note})`);
      else out.push(`table ${t.table}: skipped (${t.note})`);
      continue;
    }
    const c = t.counts!;
    const where = t.status === 'added' ? `only in the ${toWhat} database, ${c.to} rows` : t.status === 'removed' ? `only in the backup, ${c.from} rows` : `${countsText(t)} (backup ${c.from} rows, ${toWhat} ${c.to}; ${keyDesc(t)})`;
    out.push(`table ${t.table}: ${where}`);
    if (t.note && t.status === 'different') out.push(`  note: ${t.note}`);
    if (t.schema && !t.schema.same) for (const s of describeSchemaChanges(t.schema)) out.push(`  schema: ${s}`);
    if (t.status === 'different') {
      for (const r of t.rows) out.push(rowText(t, r));
      const listed = t.rows.length;
      const total = c.added + c.deleted + c.changed;
      if (total > listed) out.push(`  … ${total - listed} more (--limit N lists more)`);
    }
  }
  out.push(same === d.tables.length ? `identical: ${same} table${same === 1 ? '' : 's'}` : `${same} table${same === 1 ? '' : 's'} identical`);
  return out;
}

function limitOf(v: unknown): number | undefined {
  if (v === undefined) return undefined;
  const s = String(v);
  if (!/^\d+$/.test(s)) throw new UsageError(`--limit must be a whole number (got "${s}")`);
  return Number(s);
}

/** Runs `lifeboat diff`; returns its exit code (errors other than usage errors are reported here, exit 3). */
export async function diffCommand(values: Record<string, unknown>, io: Io): Promise<number> {
  const backups = (values['backup-file'] as string[] | undefined) ?? [];
  if (backups.length === 0) throw new UsageError('--backup-file is required');
  if (backups.length > 2) throw new UsageError('--backup-file is given at most twice (two backups to compare)');
  if (backups.length === 2 && values['db-path'] !== undefined) throw new UsageError('compare with --db-path or with a second --backup-file, not both');
  const limit = limitOf(values.limit);
  const tables = values.table as string[] | undefined;
  try {
    const to = backups.length === 2 ? { backupFile: backups[1] } : { dbPath: resolveDbPath(values['db-path'] as string | undefined, io.env) };
    const d = await diffDatabases({ backupFile: backups[0] }, to, { tables, limit });
    if (values.json) io.out(JSON.stringify(d, null, 2));
    else for (const l of formatDiff(d, backups.length === 2 ? 'second backup' : 'live')) io.out(l);
    return d.identical ? DIFF_EXIT.identical : DIFF_EXIT.different;
  } catch (e) {
    if (e instanceof UsageError) throw e;
    if (io.env.LIFEBOAT_DEBUG) io.err(String((e as Error)?.stack ?? e));
    io.err(`lifeboat: ${describeError(e).replace(/\s*\n\s*/g, ' ')}`);
    return DIFF_EXIT.failed;
  }
}
