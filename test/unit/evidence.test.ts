// The evidence table of a drill file: finding it, appending one row without touching any other
// byte, escaping cells; the drill's status from its rows; recording a rehearsal in the text.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  EVIDENCE_COLUMNS, EvidenceRow, appendEvidenceRow, escapeCell, findEvidenceTable, formatEvidenceRow,
} from '../../src/core/drills/evidence';
import { drillStatus, nextDrillDue, performedSteps, recordInText } from '../../src/core/drills/drill';
import { RehearsalResult } from '../../src/core/drills/rehearsal';

const doc = (...lines: string[]): string => lines.join('\n');

const HEADER = '| Date | Operator | Backup Age | Backup File | Restore Duration | integrity_check | Row Count Match | Pass/Fail | Notes |';
const SEP = '|---|---|---|---|---|---|---|---|---|';

function row(over: Partial<EvidenceRow> = {}): EvidenceRow {
  return {
    'Date': '2027-03-01T10:00:00Z',
    'Operator': 'Ann',
    'Backup Age': '2.0 h',
    'Backup File': 'app-backup-2027-03-01-080000.db',
    'Restore Duration': '412 ms',
    'integrity_check': 'ok',
    'Row Count Match': 'yes',
    'Pass/Fail': 'Pass',
    'Notes': '—',
    ...over,
  };
}

/** Splits a table line into cells on unescaped pipes (independent of the code under test). */
function splitRow(line: string): string[] {
  const t = line.trim();
  assert.ok(t.startsWith('|') && t.endsWith('|'), `row has outer pipes: ${line}`);
  const parts = t.slice(1, -1).split(/(?<!\\)\|/);
  return parts.map((p) => p.trim());
}

/**
 * Asserts that `out` is `input` with exactly one line (`rowText`) inserted at line `line`,
 * and returns nothing: removing the row (and the one line break that came with it) must give
 * the input back byte for byte.
 */
function assertOnlyInserted(input: string, out: string, line: number, rowText: string, eol: string): void {
  assert.equal(out.split(/\r?\n/)[line], rowText, `line ${line} is the row`);
  const idx = out.indexOf(rowText);
  assert.ok(idx >= 0);
  assert.equal(out.indexOf(rowText, idx + 1), -1, 'the row appears once');
  let without: string;
  if (out.startsWith(eol, idx + rowText.length)) without = out.slice(0, idx) + out.slice(idx + rowText.length + eol.length);
  else {
    assert.equal(idx + rowText.length, out.length, 'a row without a line break after it is at the very end');
    assert.equal(out.slice(idx - eol.length, idx), eol);
    without = out.slice(0, idx - eol.length);
  }
  assert.equal(without, input, 'nothing but the row changed');
  assert.equal(out.length, input.length + rowText.length + eol.length);
}

describe('EVIDENCE_COLUMNS and formatEvidenceRow', () => {
  it('has the nine documented columns in order', () => {
    assert.deepEqual([...EVIDENCE_COLUMNS], [
      'Date', 'Operator', 'Backup Age', 'Backup File', 'Restore Duration', 'integrity_check', 'Row Count Match', 'Pass/Fail', 'Notes',
    ]);
  });

  it('formats one cell per column, in column order', () => {
    const r = row();
    const line = formatEvidenceRow(r);
    assert.equal(line, '| 2027-03-01T10:00:00Z | Ann | 2.0 h | app-backup-2027-03-01-080000.db | 412 ms | ok | yes | Pass | — |');
    assert.deepEqual(splitRow(line), EVIDENCE_COLUMNS.map((c) => r[c]));
  });

  it('escapes pipes and newlines so the row stays one line of nine cells', () => {
    const r = row({
      'Operator': 'A | B',
      'Notes': 'first line\nsecond | line\r\nthird',
      'Backup File': 'we|ird\\name.db',
      'Row Count Match': '',
    });
    const line = formatEvidenceRow(r);
    assert.ok(!/[\r\n]/.test(line), 'no line break in the row');
    const cells = splitRow(line);
    assert.equal(cells.length, 9);
    assert.equal(cells[1], 'A \\| B');
    assert.equal(cells[3], 'we\\|ird\\name.db');
    assert.equal(cells[6], '—', 'empty cell becomes a dash');
    assert.equal(cells[8], 'first line second \\| line third');
  });

  it('escapeCell: pipes, LF and CRLF, trimming, empty', () => {
    assert.equal(escapeCell('a|b'), 'a\\|b');
    assert.equal(escapeCell('a\nb'), 'a b');
    assert.equal(escapeCell('a\r\nb'), 'a b');
    assert.equal(escapeCell('  padded  '), 'padded');
    assert.equal(escapeCell(''), '—');
    assert.equal(escapeCell(' \n '), '—');
    assert.equal(escapeCell('||'), '\\|\\|');
  });

  it('escapeCell: a lone CR (a line break for CommonMark and VS Code) is escaped too', () => {
    assert.ok(!escapeCell('a\rb').includes('\r'));
    assert.ok(!formatEvidenceRow(row({ Notes: 'x\ry' })).includes('\r'));
  });
});

describe('findEvidenceTable', () => {
  it('finds the table by its header, with the separator and rows', () => {
    const text = doc('# Drill', '', '## Evidence', '', HEADER, SEP, '| a | b | c | d | e | f | g | Pass | n |', '', 'After.');
    const t = findEvidenceTable(text);
    assert.ok(t);
    assert.equal(t.headerLine, 4);
    assert.equal(t.lastLine, 6);
    assert.deepEqual(t.rows, [['a', 'b', 'c', 'd', 'e', 'f', 'g', 'Pass', 'n']]);
  });

  it('accepts header case, spacing and punctuation variants and aligned separators', () => {
    const header = '|date|OPERATOR| backup-age |Backup_File| restore  duration |Integrity_Check|Row-Count Match| pass / fail |NOTES|';
    const sep = '| :--- | ---: | :---: | --- | --- | --- | --- | --- | --- |';
    const t = findEvidenceTable(doc(header, sep));
    assert.ok(t);
    assert.equal(t.headerLine, 0);
    assert.equal(t.lastLine, 1);
    assert.deepEqual(t.rows, []);
  });

  it('accepts indentation before the table and extra columns after the nine', () => {
    const t = findEvidenceTable(doc('  ' + HEADER.replace('Notes |', 'Notes | Reviewer |'), '  ' + SEP + '---|'));
    assert.ok(t);
  });

  it('skips other tables and a header without a separator', () => {
    const text = doc(
      '| Step | Owner |', //          0
      '|---|---|', //                1
      '| one | me |', //             2
      '', //                         3
      HEADER, //                     4 no separator: not a table
      'text', //                     5
      '', //                         6
      HEADER, //                     7
      SEP, //                        8
    );
    const t = findEvidenceTable(text);
    assert.ok(t);
    assert.equal(t.headerLine, 7);
    assert.equal(t.lastLine, 8);
  });

  it('does not accept a header with missing, misspelled or reordered columns', () => {
    assert.equal(findEvidenceTable(doc(HEADER.replace('| Notes ', ''), SEP)), null);
    assert.equal(findEvidenceTable(doc(HEADER.replace('Operator', 'Operater'), SEP)), null);
    assert.equal(findEvidenceTable(doc(HEADER.replace('Date | Operator', 'Operator | Date'), SEP)), null);
    assert.equal(findEvidenceTable(doc(HEADER, '| -- | -- |')), null, 'separator needs three dashes');
    assert.equal(findEvidenceTable(HEADER), null, 'header on the last line');
    assert.equal(findEvidenceTable(''), null);
  });

  it('keeps escaped pipes inside a cell', () => {
    const t = findEvidenceTable(doc(HEADER, SEP, '| d | A \\| B | c | d | e | f | g | Fail | x \\| y \\| z |', '| 2 | 2 | 2 | 2 | 2 | 2 | 2 | Pass | 2 |'));
    assert.ok(t);
    assert.equal(t.rows.length, 2);
    assert.equal(t.rows[0].length, 9);
    assert.equal(t.rows[0][1], 'A \\| B');
    assert.equal(t.rows[0][8], 'x \\| y \\| z');
    assert.equal(t.rows[1][7], 'Pass');
    assert.equal(t.lastLine, 3);
  });

  it('works on CRLF text with the same line numbers', () => {
    const lf = doc('# D', HEADER, SEP, '| 1 | 2 | 3 | 4 | 5 | 6 | 7 | Pass | 9 |', '', 'x');
    assert.deepEqual(findEvidenceTable(lf.replace(/\n/g, '\r\n')), findEvidenceTable(lf));
  });

  it('ignores an example table inside a fenced code block', () => {
    const text = doc('Example:', '```markdown', HEADER, SEP, '```', '', '## Evidence', '', HEADER, SEP);
    assert.equal(findEvidenceTable(text)?.headerLine, 8);
  });
});

describe('appendEvidenceRow', () => {
  const r = row({ Notes: 'row counts differ: Track 10 vs 12' });
  const rowText = formatEvidenceRow(r);

  it('appends to an empty table, right after the separator', () => {
    const input = doc('# Drill', '', '## Evidence', '', HEADER, SEP, '', '## After', 'More text.', '');
    const out = appendEvidenceRow(input, r);
    assert.equal(out.line, 6);
    assertOnlyInserted(input, out.text, out.line, rowText, '\n');
    assert.equal(findEvidenceTable(out.text)?.rows.length, 1);
  });

  it('appends after the last existing row', () => {
    const input = doc('## Evidence', HEADER, SEP, '| 1 | 1 | 1 | 1 | 1 | 1 | 1 | Pass | 1 |', '| 2 | 2 | 2 | 2 | 2 | 2 | 2 | Fail | a \\| b |', 'Not a table line', '');
    const out = appendEvidenceRow(input, r);
    assert.equal(out.line, 5);
    assertOnlyInserted(input, out.text, out.line, rowText, '\n');
    const t = findEvidenceTable(out.text)!;
    assert.equal(t.rows.length, 3);
    assert.deepEqual(t.rows[2], EVIDENCE_COLUMNS.map((c) => escapeCell(r[c])));
  });

  it('appends to a table at the end of the file without a trailing newline', () => {
    const input = doc('# Drill', HEADER, SEP);
    const out = appendEvidenceRow(input, r);
    assert.equal(out.line, 3);
    assert.equal(out.text, input + '\n' + rowText);
    assertOnlyInserted(input, out.text, out.line, rowText, '\n');
  });

  it('appends to a table at the end of the file with a trailing newline', () => {
    const input = doc('# Drill', HEADER, SEP, '| 1 | 1 | 1 | 1 | 1 | 1 | 1 | Pass | 1 |', '');
    const out = appendEvidenceRow(input, r);
    assert.equal(out.line, 4);
    assert.equal(out.text, input + rowText + '\n');
    assertOnlyInserted(input, out.text, out.line, rowText, '\n');
  });

  it('keeps CRLF: the new line ends with CRLF and nothing else changes', () => {
    for (const input of [
      doc('# Drill', '', HEADER, SEP, '', 'After', '').replace(/\n/g, '\r\n'),
      doc('# Drill', '', HEADER, SEP, '| 1 | 1 | 1 | 1 | 1 | 1 | 1 | Pass | 1 |').replace(/\n/g, '\r\n'),
    ]) {
      const out = appendEvidenceRow(input, r);
      assertOnlyInserted(input, out.text, out.line, rowText, '\r\n');
      assert.ok(!/[^\r]\n/.test(out.text), 'no bare LF');
      assert.equal(out.text.split('\r\n').length, input.split('\r\n').length + 1);
    }
  });

  it('appending twice gives the rows in order', () => {
    const input = doc(HEADER, SEP, '', 'x');
    const once = appendEvidenceRow(input, row({ Operator: 'first' }));
    const twice = appendEvidenceRow(once.text, row({ Operator: 'second' }));
    assert.equal(twice.line, 3);
    assert.deepEqual(findEvidenceTable(twice.text)!.rows.map((x) => x[1]), ['first', 'second']);
  });

  it('escapes a hostile cell so the table keeps its shape', () => {
    const input = doc(HEADER, SEP, '');
    const out = appendEvidenceRow(input, row({ Notes: 'evil | cell\n| injected | row |', Operator: '|' }));
    const lines = out.text.split('\n');
    assert.equal(lines.length, 4);
    const t = findEvidenceTable(out.text)!;
    assert.equal(t.rows.length, 1);
    assert.equal(t.rows[0].length, 9);
    assert.equal(t.rows[0][1], '\\|');
  });

  it('throws a clear error when there is no evidence table, naming the columns', () => {
    assert.throws(() => appendEvidenceRow(doc('# Drill', '- [ ] a', '| a | b |', '|---|---|'), r), (e: Error) => {
      assert.match(e.message, /no evidence table/);
      for (const c of EVIDENCE_COLUMNS) assert.ok(e.message.includes(c), `message names ${c}`);
      return true;
    });
  });
});

describe('drillStatus', () => {
  const items = doc('# Drill', '- [ ] one', '- [ ] two', '```', '- [x] code', '```');

  it('not started: nothing checked and no rows', () => {
    assert.deepEqual(drillStatus(items), { state: 'not-started', done: 0, total: 2, lastRun: null });
    assert.deepEqual(drillStatus(doc(items, HEADER, SEP)), { state: 'not-started', done: 0, total: 2, lastRun: null });
  });

  it('in progress: something checked, no rows (placeholder rows do not count)', () => {
    const text = doc('# Drill', '- [x] one', '- [ ] two', '', HEADER, SEP, '| | | | | | | | | |', '| — | — | — | — | — | — | — | — | — |');
    assert.deepEqual(drillStatus(text), { state: 'in-progress', done: 1, total: 2, lastRun: null });
  });

  it('passed / failed: the newest row decides, and passed needs every step ticked', () => {
    const pass = '| 2027-01-01T00:00:00Z | A | 1 h | f.db | 1 s | ok | yes | Pass | — |';
    const fail = '| 2027-02-01T00:00:00Z | A | 1 h | f.db | 1 s | failed | n/a | Fail | restore failed |';
    assert.deepEqual(drillStatus(doc(items, '', HEADER, SEP, pass)), { state: 'in-progress', done: 0, total: 2, lastRun: { date: '2027-01-01T00:00:00Z', pass: true } });
    const all = doc('# Drill', '- [x] one', '- [X] two');
    assert.deepEqual(drillStatus(doc(all, '', HEADER, SEP, pass)), { state: 'passed', done: 2, total: 2, lastRun: { date: '2027-01-01T00:00:00Z', pass: true } });
    assert.deepEqual(drillStatus(doc(items, '', HEADER, SEP, pass, fail)).lastRun, { date: '2027-02-01T00:00:00Z', pass: false });
    assert.equal(drillStatus(doc(items, '', HEADER, SEP, pass, fail)).state, 'failed');
    assert.equal(drillStatus(doc(all, '', HEADER, SEP, fail, pass)).state, 'passed');
    assert.equal(drillStatus(doc(all, '', HEADER, SEP, pass.replace('Pass', 'PASS'))).state, 'passed');
    assert.equal(drillStatus(doc(all, '', HEADER, SEP, pass.replace('Pass', 'Passed?'))).state, 'failed');
  });

  it('a checked item plus a Fail row is failed, not in progress', () => {
    const text = doc('- [x] one', '- [x] two', HEADER, SEP, '| d | A | 1 h | f.db | — | failed | n/a | Fail | x |');
    assert.deepEqual(drillStatus(text), { state: 'failed', done: 2, total: 2, lastRun: { date: 'd', pass: false } });
  });
});

describe('nextDrillDue', () => {
  const last = new Date('2027-01-01T00:00:00Z');
  const DAY = 86_400_000;

  it('never passed: no due date, overdue', () => {
    assert.deepEqual(nextDrillDue(null, 90, new Date('2027-01-01T00:00:00Z')), { due: null, overdue: true });
  });

  it('due is the last pass plus the interval', () => {
    const r = nextDrillDue(last, 90, new Date('2027-02-01T00:00:00Z'));
    assert.equal(r.due?.toISOString(), '2027-04-01T00:00:00.000Z');
    assert.equal(r.overdue, false);
  });

  it('overdue only strictly after the due time', () => {
    const due = last.getTime() + 30 * DAY;
    assert.equal(nextDrillDue(last, 30, new Date(due - 1)).overdue, false);
    assert.equal(nextDrillDue(last, 30, new Date(due)).overdue, false);
    assert.equal(nextDrillDue(last, 30, new Date(due + 1)).overdue, true);
    assert.equal(nextDrillDue(last, 1, new Date(last.getTime() + 2 * DAY)).overdue, true);
  });
});

function result(over: Partial<RehearsalResult> = {}): RehearsalResult {
  const base: RehearsalResult = {
    pass: true, reasons: [], backupFile: '/b/app-backup-2027-03-01-080000.db', backupCreatedAt: '2027-03-01T08:00:00.000Z',
    backupAgeHours: 2, restoreDurationMs: 412, integrity: 'ok', rowCountMatch: true, differingTables: [],
    liveTables: { t: 1 }, restoredTables: { t: 1 }, row: row(),
  };
  return { ...base, ...over };
}

const FAILED = result({
  pass: false, reasons: ['restore failed: malformed'], restoreDurationMs: null, integrity: 'failed', rowCountMatch: null,
  liveTables: null, restoredTables: null, row: row({ 'Pass/Fail': 'Fail', 'integrity_check': 'failed', 'Restore Duration': '—', 'Notes': 'restore failed: malformed' }),
});

describe('performedSteps', () => {
  it('lists what a complete rehearsal did', () => {
    assert.deepEqual(performedSteps(result()), ['evidence', 'verify', 'restore', 'integrity', 'rowcounts']);
  });

  it('a failed restore performed no restore, integrity or row-count step', () => {
    assert.deepEqual(performedSteps(FAILED).filter((s) => ['restore', 'integrity', 'rowcounts'].includes(s)), []);
    assert.ok(performedSteps(FAILED).includes('evidence'));
  });

  it('a restore with a bad integrity_check or unreadable live db leaves those steps out', () => {
    assert.deepEqual(performedSteps(result({ integrity: 'Page 3: never used' })), ['evidence', 'verify', 'restore', 'rowcounts']);
    assert.deepEqual(performedSteps(result({ rowCountMatch: null })), ['evidence', 'verify', 'restore', 'integrity']);
    assert.ok(performedSteps(result({ rowCountMatch: false })).includes('rowcounts'), 'compared, even though they differ');
  });
});

describe('recordInText', () => {
  const DRILL = doc(
    '<!-- lifeboat:drill id=unit -->', //                            0
    '# Unit drill', //                                                1
    '', //                                                            2
    '## Steps', //                                                    3
    '- [ ] Verify <!-- lifeboat:auto=verify -->', //                  4
    '- [ ] Restore <!-- lifeboat:auto=restore -->', //                5
    '  - [ ] Integrity <!-- lifeboat:auto=integrity -->', //          6
    '- [x] Row counts, already done <!-- lifeboat:auto=rowcounts -->', // 7
    '- [ ] Evidence <!-- lifeboat:auto=evidence -->', //              8
    '- [ ] Manual step', //                                           9
    '- [ ] Unknown auto <!-- lifeboat:auto=teleport -->', //          10
    '```', //                                                         11
    '- [ ] In code <!-- lifeboat:auto=restore -->', //                12
    '```', //                                                         13
    '', //                                                            14
    '## Evidence', //                                                 15
    '', //                                                            16
    HEADER, //                                                        17
    SEP, //                                                           18
    '| 2027-01-01 | Old | 1 h | old.db | 1 s | ok | yes | Pass | — |', // 19
    '', //                                                            20
    'Footer text.', //                                                21
    '',
  );

  /** out must be `input` with the row inserted at rowLine and only the box of `ticked` lines (output numbering) set to x. */
  function assertRecorded(input: string, out: string, rowLine: number, ticked: number[], eol: string): void {
    const inLines = input.split(eol);
    const outLines = out.split(eol);
    assert.equal(outLines.length, inLines.length + 1);
    const withoutRow = [...outLines.slice(0, rowLine), ...outLines.slice(rowLine + 1)];
    for (let i = 0; i < inLines.length; i++) {
      const outNo = i < rowLine ? i : i + 1;
      if (ticked.includes(outNo)) {
        const d: number[] = [];
        for (let k = 0; k < Math.max(inLines[i].length, withoutRow[i].length); k++) if (inLines[i][k] !== withoutRow[i][k]) d.push(k);
        assert.equal(d.length, 1, `line ${i}: one character changed`);
        assert.equal(inLines[i][d[0]], ' ');
        assert.equal(withoutRow[i][d[0]], 'x');
      } else {
        assert.equal(withoutRow[i], inLines[i], `line ${i} unchanged`);
      }
    }
  }

  it('a passing rehearsal ticks the performed auto items and appends the row', () => {
    const res = result();
    const rec = recordInText(DRILL, res);
    assert.equal(rec.rowLine, 20);
    assert.deepEqual(rec.ticked, [4, 5, 6, 8], 'rowcounts was already checked; manual, unknown and code untouched');
    assert.equal(rec.text.split('\n')[20], formatEvidenceRow(res.row));
    assertRecorded(DRILL, rec.text, rec.rowLine, rec.ticked, '\n');
    const lines = rec.text.split('\n');
    assert.equal(lines[9], '- [ ] Manual step');
    assert.equal(lines[10], '- [ ] Unknown auto <!-- lifeboat:auto=teleport -->');
    assert.equal(lines[12], '- [ ] In code <!-- lifeboat:auto=restore -->');
    // the rehearsal passed, but the manual steps are still open
    assert.equal(drillStatus(rec.text).state, 'in-progress');
    assert.equal(drillStatus(rec.text).lastRun?.pass, true);
  });

  it('a failed rehearsal ticks only what it performed and still appends a Fail row', () => {
    const rec = recordInText(DRILL, FAILED);
    const performed = new Set(performedSteps(FAILED));
    const expected = [[4, 'verify'], [5, 'restore'], [6, 'integrity'], [8, 'evidence']].filter(([, s]) => performed.has(s as string)).map(([l]) => l);
    assert.deepEqual(rec.ticked, expected);
    assert.ok(!rec.ticked.includes(5) && !rec.ticked.includes(6));
    assert.ok(rec.ticked.includes(8));
    assertRecorded(DRILL, rec.text, rec.rowLine, rec.ticked, '\n');
    assert.equal(drillStatus(rec.text).state, 'failed');
    assert.equal(findEvidenceTable(rec.text)!.rows.at(-1)![7], 'Fail');
  });

  it('keeps CRLF and changes nothing else', () => {
    const crlf = DRILL.replace(/\n/g, '\r\n');
    const rec = recordInText(crlf, result());
    assert.deepEqual(rec.ticked, [4, 5, 6, 8]);
    assertRecorded(crlf, rec.text, rec.rowLine, rec.ticked, '\r\n');
    assert.ok(!/[^\r]\n/.test(rec.text), 'no bare LF');
  });

  it('ticked line numbers refer to the new text when the table comes before the checklist', () => {
    const input = doc('# Drill', HEADER, SEP, '', '- [ ] Restore <!-- lifeboat:auto=restore -->', '- [ ] manual');
    const rec = recordInText(input, result());
    assert.equal(rec.rowLine, 3);
    assert.deepEqual(rec.ticked, [5]);
    assert.equal(rec.text.split('\n')[5], '- [x] Restore <!-- lifeboat:auto=restore -->');
    assertRecorded(input, rec.text, rec.rowLine, rec.ticked, '\n');
  });

  it('a drill without an evidence table throws and is not ticked', () => {
    assert.throws(() => recordInText(doc('- [ ] Restore <!-- lifeboat:auto=restore -->'), result()), /no evidence table/);
  });
});
