// The drill's evidence table: find it, and append one measured row without changing any other
// byte of the file.
import { fencedLines, splitLines } from './checklist';

export const EVIDENCE_COLUMNS = [
  'Date', 'Operator', 'Backup Age', 'Backup File', 'Restore Duration', 'integrity_check', 'Row Count Match', 'Pass/Fail', 'Notes',
] as const;

export type EvidenceRow = Record<(typeof EVIDENCE_COLUMNS)[number], string>;

export interface EvidenceTable {
  headerLine: number;
  /** the header's cells: the standard columns, then any a scenario adds (e.g. Rows Lost) */
  columns: string[];
  lastLine: number; // last line of the table (separator or last row)
  rows: string[][];
}

const cells = (line: string): string[] => {
  const t = line.trim().replace(/^\|/, '').replace(/\|$/, '');
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < t.length; i++) {
    if (t[i] === '\\' && t[i + 1] === '|') { cur += '\\|'; i++; continue; }
    if (t[i] === '|') { out.push(cur.trim()); cur = ''; continue; }
    cur += t[i];
  }
  out.push(cur.trim());
  return out;
};

const norm = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, '');

export function findEvidenceTable(text: string): EvidenceTable | null {
  const { lines } = splitLines(text);
  const fenced = fencedLines(lines);
  const want = EVIDENCE_COLUMNS.map(norm);
  for (let i = 0; i < lines.length - 1; i++) {
    if (fenced[i] || !lines[i].trim().startsWith('|')) continue;
    const head = cells(lines[i]).map(norm);
    if (head.length < want.length || !want.every((w, k) => head[k] === w)) continue;
    if (!/^\s*\|?\s*:?-{3,}/.test(lines[i + 1])) continue;
    let last = i + 1;
    const rows: string[][] = [];
    while (last + 1 < lines.length && lines[last + 1].trim().startsWith('|')) {
      last++;
      rows.push(cells(lines[last]));
    }
    return { headerLine: i, columns: cells(lines[i]), lastLine: last, rows };
  }
  return null;
}

export function escapeCell(s: string): string {
  return s.replace(/\r\n|\r|\n/g, ' ').replace(/\|/g, '\\|').trim() || '—';
}

/**
 * One row of the table. A scenario's table may have more columns after the standard ones: their
 * cells come from `extra` (by column name, case and punctuation ignored), '—' when not given.
 */
export function formatEvidenceRow(row: EvidenceRow, extra: Record<string, string> = {}, columns: readonly string[] = EVIDENCE_COLUMNS): string {
  const more = new Map(Object.entries(extra).map(([k, v]) => [norm(k), v]));
  const extraCells = columns.slice(EVIDENCE_COLUMNS.length).map((c) => escapeCell(more.get(norm(c)) ?? ''));
  return `| ${[...EVIDENCE_COLUMNS.map((c) => escapeCell(row[c] ?? '')), ...extraCells].join(' | ')} |`;
}

/** Appends the row to the evidence table (the file must have one). Returns the new text and the row's line. */
export function appendEvidenceRow(text: string, row: EvidenceRow, extra: Record<string, string> = {}): { text: string; line: number } {
  const table = findEvidenceTable(text);
  if (!table) throw new Error(`no evidence table (a table with the columns ${EVIDENCE_COLUMNS.join(' | ')})`);
  const { eol } = splitLines(text);
  // insert after the table's last line
  let offset = 0;
  for (let ln = 0; ln <= table.lastLine; ln++) {
    const nl = text.indexOf('\n', offset);
    if (nl < 0) { offset = text.length; break; }
    offset = nl + 1;
  }
  const atEnd = offset === text.length && !text.endsWith('\n');
  const line = formatEvidenceRow(row, extra, table.columns);
  const insert = atEnd ? `${eol}${line}` : `${line}${eol}`;
  return { text: text.slice(0, offset) + insert + text.slice(offset), line: table.lastLine + 1 };
}
