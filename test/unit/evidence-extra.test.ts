// Evidence tables with a scenario's extra columns (the destructive-query drill adds Rows Lost,
// Rows Recovered, Other Tables Untouched): the row fills them by name, in the table's order.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { appendEvidenceRow, EvidenceRow, findEvidenceTable, formatEvidenceRow } from '../../src/core/drills/evidence';
import { rehearsalKind } from '../../src/core/drills/run';

const row: EvidenceRow = {
  'Date': '2027-03-01T10:00:00Z', 'Operator': 'Ann', 'Backup Age': '2.0 h', 'Backup File': 'a.db', 'Restore Duration': '1.2 s',
  'integrity_check': 'ok', 'Row Count Match': 'yes', 'Pass/Fail': 'Pass', 'Notes': 'n|b',
};
const STD = 'Date | Operator | Backup Age | Backup File | Restore Duration | integrity_check | Row Count Match | Pass/Fail | Notes';

describe('evidence tables with extra columns', () => {
  it('fills the extra cells by column name, whatever their order and case, and "—" for the missing ones', () => {
    const text = `# D\n\n| ${STD} | Other Tables Untouched | rows lost | Extra |\n|---|---|---|---|---|---|---|---|---|---|---|---|\n`;
    const t = findEvidenceTable(text)!;
    assert.deepEqual(t.columns.slice(9), ['Other Tables Untouched', 'rows lost', 'Extra']);
    const out = appendEvidenceRow(text, row, { 'Rows Lost': '12', 'Other Tables Untouched': 'yes (3)', 'Rows Recovered': '12' });
    assert.equal(out.text.split('\n')[out.line], '| 2027-03-01T10:00:00Z | Ann | 2.0 h | a.db | 1.2 s | ok | yes | Pass | n\\|b | yes (3) | 12 | — |');
  });
  it('a standard table gets the nine standard cells only', () => {
    assert.equal(formatEvidenceRow(row, { 'Rows Lost': '1' }).split(' | ').length, 9);
  });
  it('the rehearsal a drill asks for', () => {
    assert.equal(rehearsalKind('# x\n<!-- lifeboat:rehearsal=recover-rows -->\n'), 'recover-rows');
    assert.equal(rehearsalKind('# x\n<!-- lifeboat:drill id=backup-restore -->\n'), 'restore');
  });
});
