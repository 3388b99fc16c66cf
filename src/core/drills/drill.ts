// Recording a rehearsal in a drill file: append the evidence row and tick the auto items it
// performed. Only those characters and the new row change.
import { promises as fsp } from 'node:fs';
import { parseChecklist, setChecked } from './checklist';
import { appendEvidenceRow, findEvidenceTable } from './evidence';
import { EvidenceRow } from './evidence';
import { RehearsalResult } from './rehearsal';

/** What any rehearsal records: its evidence row, cells for a scenario's extra columns, the auto steps it performed. */
export interface RecordedRehearsal { row: EvidenceRow; extra?: Record<string, string>; steps?: string[] }

type AnyRehearsal = RehearsalResult | (RecordedRehearsal & { steps: string[] });
const saysItsSteps = (r: AnyRehearsal): r is RecordedRehearsal & { steps: string[] } => Array.isArray((r as RecordedRehearsal).steps);

/** The auto markers a rehearsal performed (a scenario's own rehearsal lists them itself). */
export function performedSteps(r: AnyRehearsal): string[] {
  if (saysItsSteps(r)) return r.steps;
  const done: string[] = ['evidence'];
  // the restore validates the backup (magic, integrity, checksum) before it runs
  if (r.restoreDurationMs !== null) done.push('verify', 'restore');
  if (r.integrity === 'ok') done.push('integrity');
  if (r.rowCountMatch !== null) done.push('rowcounts');
  return done;
}

export function recordInText(text: string, r: AnyRehearsal): { text: string; rowLine: number; ticked: number[] } {
  const appended = appendEvidenceRow(text, r.row, saysItsSteps(r) ? r.extra : undefined);
  let out = appended.text;
  const steps = new Set(performedSteps(r));
  const ticked: number[] = [];
  for (const item of parseChecklist(out).items) {
    if (item.auto && steps.has(item.auto) && !item.checked) {
      out = setChecked(out, item.line, true);
      ticked.push(item.line);
    }
  }
  return { text: out, rowLine: appended.line, ticked };
}

export async function recordInFile(file: string, r: AnyRehearsal): Promise<{ rowLine: number; ticked: number[] }> {
  const text = await fsp.readFile(file, 'utf8');
  const res = recordInText(text, r);
  await fsp.writeFile(file, res.text);
  return { rowLine: res.rowLine, ticked: res.ticked };
}

export type DrillState = 'not-started' | 'in-progress' | 'passed' | 'failed';

export interface DrillStatus {
  state: DrillState;
  done: number;
  total: number;
  lastRun: { date: string; pass: boolean } | null;
}

/** State of one drill file: the newest evidence row decides passed/failed; otherwise progress. */
export function drillStatus(text: string): DrillStatus {
  const list = parseChecklist(text);
  const done = list.items.filter((i) => i.checked).length;
  const table = findEvidenceTable(text);
  const rows = (table?.rows ?? []).filter((r) => r.some((c) => c && c !== '—'));
  const last = rows[rows.length - 1];
  const lastRun = last ? { date: last[0], pass: /^pass$/i.test(last[7] ?? '') } : null;
  // A passing rehearsal completes a drill only once every step is ticked (the injections are manual).
  const complete = done === list.items.length;
  const state: DrillState = lastRun ? (lastRun.pass ? (complete ? 'passed' : 'in-progress') : 'failed') : done > 0 ? 'in-progress' : 'not-started';
  return { state, done, total: list.items.length, lastRun };
}

/** When the next drill is due: the newest passed drill + interval; overdue when that is past. */
export function nextDrillDue(lastPassed: Date | null, intervalDays: number, now = new Date()): { due: Date | null; overdue: boolean } {
  if (!lastPassed) return { due: null, overdue: true };
  const due = new Date(lastPassed.getTime() + intervalDays * 86_400_000);
  return { due, overdue: due.getTime() < now.getTime() };
}
