// Drill checklists: which markdown lines are checklist items (markers, nesting, headings, fenced
// and indented code), the auto markers, and setChecked changing exactly one character.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  ChecklistItem, parseChecklist, progressOf, sectionProgress, setChecked, splitLines,
} from '../../src/core/drills/checklist';

const doc = (...lines: string[]): string => lines.join('\n');

/** 0-based line numbers of the items. */
const itemLines = (text: string): number[] => parseChecklist(text).items.map((i) => i.line);

/** Positions where two equally long strings differ. */
function diffPositions(a: string, b: string): number[] {
  assert.equal(a.length, b.length, 'same length');
  const out: number[] = [];
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) out.push(i);
  return out;
}

/** Offset of the start of a 0-based line, counting only '\n' as the line break. */
function lineStart(text: string, line: number): number {
  let off = 0;
  for (let i = 0; i < line; i++) off = text.indexOf('\n', off) + 1;
  return off;
}

function checkItem(text: string, item: ChecklistItem): void {
  const line = text.split(/\r?\n/)[item.line];
  assert.equal(line[item.column - 1], '[', `line ${item.line}: "[" before the box column`);
  assert.equal(line[item.column + 1], ']', `line ${item.line}: "]" after the box column`);
  assert.equal(item.checked, line[item.column] !== ' ', `line ${item.line}: checked matches the box`);
}

describe('splitLines', () => {
  it('detects LF and CRLF and splits either', () => {
    assert.deepEqual(splitLines('a\nb\n'), { lines: ['a', 'b', ''], eol: '\n' });
    assert.deepEqual(splitLines('a\r\nb\r\n'), { lines: ['a', 'b', ''], eol: '\r\n' });
    assert.deepEqual(splitLines('single'), { lines: ['single'], eol: '\n' });
  });
});

describe('parseChecklist: item markers', () => {
  const text = doc(
    '- [ ] dash open', //           0
    '* [x] star done', //           1
    '+ [X] plus upper', //          2
    '1. [ ] ordered dot', //        3
    '2) [x] ordered paren', //      4
    '10. [ ] two digits', //        5
    '-\t[ ]\ttab after marker', //  6
    '-   [x] three spaces', //      7
    '- [ ]', //                     8 box at end of line
    '- [x]   ', //                  9 only trailing spaces
  );
  const list = parseChecklist(text);

  it('finds every marker form', () => {
    assert.deepEqual(list.items.map((i) => i.line), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('reports checked for x and X, unchecked for a space', () => {
    assert.deepEqual(list.items.map((i) => i.checked), [false, true, true, false, true, false, false, true, false, true]);
  });

  it('column points at the character inside the brackets', () => {
    assert.deepEqual(list.items.map((i) => i.column), [3, 3, 3, 4, 4, 5, 3, 5, 3, 3]);
    for (const item of list.items) checkItem(text, item);
  });

  it('text is what follows the box, trimmed', () => {
    assert.deepEqual(list.items.map((i) => i.text), [
      'dash open', 'star done', 'plus upper', 'ordered dot', 'ordered paren', 'two digits', 'tab after marker', 'three spaces', '', '',
    ]);
    assert.ok(list.items.every((i) => i.indent === 0 && i.auto === null && i.section === -1));
  });
});

describe('parseChecklist: lines that are not items', () => {
  const cases: [string, string][] = [
    ['- [y] a', 'another letter in the box'],
    ['- [x](https://example.com)', 'a link: "(" right after "]"'],
    ['- [ ](#anchor) text', 'an empty link'],
    ['- [x]foo', 'text glued to the box'],
    ['-[ ] a', 'no space after the marker'],
    ['text - [ ] a', 'box in the middle of a line'],
    ['[ ] a', 'box without a list marker'],
    ['- [  ] a', 'two spaces in the box'],
    ['- [] a', 'empty brackets'],
    ['- ( ) a', 'parentheses'],
    ['> - [ ] quoted', 'inside a block quote'],
    ['1234567890. [ ] a', 'ordered marker with 10 digits'],
    ['a. [ ] a', 'letter as ordered marker'],
    ['- x [ ] a', 'text before the box'],
    ['-- [ ] a', 'double dash'],
  ];
  for (const [line, why] of cases) {
    it(`${JSON.stringify(line)} (${why})`, () => {
      // after a blank line, as the only content, and after a real item
      assert.deepEqual(itemLines(line), []);
      assert.deepEqual(itemLines(doc('- [ ] real', line)), [0]);
    });
  }
});

describe('parseChecklist: nesting', () => {
  const text = doc(
    '- [ ] top', //                      0 indent 0
    '  - [x] two spaces', //             1 indent 2
    '    - [ ] four spaces', //          2 indent 4
    '      - [X] six spaces', //         3 indent 6
    '\t- [ ] one tab', //                4 indent 4
    '\t\t- [x] two tabs', //             5 indent 8
    '  \t- [ ] two spaces and a tab', // 6 indent 4 (tab stop)
    '', //                               7
    '    - [ ] after a blank, still in the list', // 8
    '1. [ ] ordered', //                 9
    '   1. [ ] nested ordered', //       10 indent 3
    '      * [x] under it', //           11 indent 6
  );
  const list = parseChecklist(text);

  it('4-space and tab nested items inside a list are items', () => {
    assert.deepEqual(list.items.map((i) => i.line), [0, 1, 2, 3, 4, 5, 6, 8, 9, 10, 11]);
  });

  it('indent is the width of the leading whitespace (tabs to the next multiple of 4)', () => {
    assert.deepEqual(list.items.map((i) => i.indent), [0, 2, 4, 6, 4, 8, 4, 4, 0, 3, 6]);
    for (const item of list.items) checkItem(text, item);
  });

  it('column counts a tab as one character', () => {
    const byLine = new Map(list.items.map((i) => [i.line, i]));
    assert.equal(byLine.get(4)!.column, 4);
    assert.equal(byLine.get(5)!.column, 5);
    assert.equal(byLine.get(6)!.column, 6);
  });
});

describe('parseChecklist: indented code blocks', () => {
  it('4 spaces after a blank line outside a list is code', () => {
    assert.deepEqual(itemLines(doc('Some text.', '', '    - [ ] code, not an item', '- [ ] real')), [3]);
  });

  it('a tab after a blank line outside a list is code', () => {
    assert.deepEqual(itemLines(doc('Some text.', '', '\t- [ ] code', '- [ ] real')), [3]);
  });

  it('4 spaces at the start of the file is code', () => {
    assert.deepEqual(itemLines(doc('    - [ ] code', '', '- [ ] real')), [2]);
  });

  it('4 spaces directly after a heading is code', () => {
    assert.deepEqual(itemLines(doc('## Steps', '    - [ ] code', '- [ ] real')), [2]);
  });

  it('4 spaces after a paragraph line is not an item (paragraph continuation)', () => {
    assert.deepEqual(itemLines(doc('Some text', '    - [ ] continuation', '- [ ] real')), [2]);
  });

  it('a paragraph at column 0 ends the list: a later indented line is code again', () => {
    const text = doc('- [ ] in list', '', 'Paragraph.', '', '    - [ ] code', '', '- [ ] real');
    assert.deepEqual(itemLines(text), [0, 6]);
  });

  it('a heading ends the list', () => {
    const text = doc('- [ ] in list', '## Next', '', '    - [ ] code');
    assert.deepEqual(itemLines(text), [0]);
  });

  it('a multi-line indented block is skipped entirely', () => {
    const text = doc('Intro', '', '    - [ ] a', '    - [x] b', '', '    - [ ] c', '', 'After', '- [ ] real');
    assert.deepEqual(itemLines(text), [8]);
  });

  it('setChecked refuses a line inside an indented code block', () => {
    assert.throws(() => setChecked(doc('Intro', '', '    - [ ] code'), 2, true), /line 3 is not a checklist item/);
  });
});

describe('parseChecklist: fenced code', () => {
  it('``` and ~~~ fences hide items, headings and the drill marker', () => {
    const text = doc(
      '- [ ] before', //                        0
      '```', //                                 1
      '- [ ] in backticks', //                  2
      '# Heading in code', //                   3
      '<!-- lifeboat:drill id=fake -->', //     4
      '```', //                                 5
      '~~~', //                                 6
      '- [x] in tildes', //                     7
      '~~~', //                                 8
      '- [ ] after', //                         9
    );
    const list = parseChecklist(text);
    assert.deepEqual(list.items.map((i) => i.line), [0, 9]);
    assert.equal(list.sections.length, 0);
    assert.equal(list.drillId, null);
    assert.equal(list.title, null);
  });

  it('fences with an info string', () => {
    assert.deepEqual(itemLines(doc('```sh', '- [ ] code', '```', '~~~ markdown', '- [ ] code', '~~~', '- [ ] real')), [6]);
  });

  it('a longer fence is not closed by a shorter one', () => {
    const text = doc(
      '````markdown', // 0
      '```', //         1
      '- [ ] inner', // 2
      '```', //         3
      '- [ ] still code', // 4
      '````', //        5
      '- [ ] real', //  6
    );
    assert.deepEqual(itemLines(text), [6]);
  });

  it('a closing fence may be longer than the opening one', () => {
    assert.deepEqual(itemLines(doc('```', '- [ ] code', '`````', '- [ ] real')), [3]);
  });

  it('a fence of the other character does not close it', () => {
    assert.deepEqual(itemLines(doc('~~~', '```', '- [ ] code', '```', '~~~', '- [ ] real')), [5]);
    assert.deepEqual(itemLines(doc('```', '~~~', '- [ ] code', '~~~', '```', '- [ ] real')), [5]);
  });

  it('a line with an info string does not close a fence', () => {
    assert.deepEqual(itemLines(doc('```', '- [ ] code', '```js', '- [ ] code', '```', '- [ ] real')), [5]);
  });

  it('an unclosed fence hides everything after it', () => {
    const text = doc('- [ ] before', '```', '- [ ] a', '## Not a section', '- [x] b');
    const list = parseChecklist(text);
    assert.deepEqual(list.items.map((i) => i.line), [0]);
    assert.equal(list.sections.length, 0);
  });

  it('a backtick fence whose info string holds a backtick is not a fence', () => {
    assert.deepEqual(itemLines(doc('``` a`b', '- [ ] real', '```', '- [ ] code')), [1]);
  });

  it('a tilde fence may hold backticks in its info string', () => {
    assert.deepEqual(itemLines(doc('~~~ a`b', '- [ ] code', '~~~', '- [ ] real')), [3]);
  });

  it('fences indented up to 3 spaces (inside a list item) count', () => {
    const text = doc('- [ ] run:', '  ```sh', '  - [ ] code', '  ```', '- [ ] real', '   ~~~', '- [ ] code', '   ~~~', '- [ ] real2');
    assert.deepEqual(itemLines(text), [0, 4, 8]);
  });

  it('two backticks are not a fence', () => {
    assert.deepEqual(itemLines(doc('``', '- [ ] real', '``')), [1]);
  });

  it('setChecked refuses a line inside a fence', () => {
    assert.throws(() => setChecked(doc('```', '- [ ] code', '```'), 1, true), /line 2 is not a checklist item/);
  });

  it('a fence opened with 4 spaces inside a list item hides its content', () => {
    // CommonMark: the item's content starts at column 2, so "    ```" is a fence indented 2 inside it.
    const text = doc('- [ ] run:', '', '    ```', '    - [ ] not an item', '    ```', '- [ ] real');
    assert.deepEqual(itemLines(text), [0, 5]);
  });
});

describe('parseChecklist: headings and sections', () => {
  const text = doc(
    '<!-- lifeboat:drill id=backup-restore version=2 -->', // 0
    '- [ ] before any heading', //      1
    '## Preface', //                    2  h2 before the h1
    '- [x] in preface', //              3
    '# Backup & restore drill ##', //   4  h1 with a closing sequence
    '- [ ] under h1', //                5
    '## Prepare', //                    6
    '', //                              7
    '- [ ] prepare 1', //               8
    '- [x] prepare 2', //               9
    '### Restore', //                   10
    '- [X] restore 1', //               11
    '#NoSpace is not a heading', //     12
    '- [ ] still restore', //           13
    '####### seven is not a heading', // 14
    '   ## Indented heading', //        15
    '- [ ] under indented', //          16
    '# Second h1', //                   17
    '## Empty', //                      18
  );
  const list = parseChecklist(text);

  it('collects headings of any level with their level and line', () => {
    assert.deepEqual(list.sections.map((s) => [s.title, s.level, s.line]), [
      ['Preface', 2, 2], ['Backup & restore drill', 1, 4], ['Prepare', 2, 6], ['Restore', 3, 10],
      ['Indented heading', 2, 15], ['Second h1', 1, 17], ['Empty', 2, 18],
    ]);
  });

  it('attributes each item to the nearest heading above (-1 before any)', () => {
    assert.deepEqual(list.items.map((i) => [i.line, i.section]), [[1, -1], [3, 0], [5, 1], [8, 2], [9, 2], [11, 3], [13, 3], [16, 4]]);
    assert.deepEqual(list.sections.map((s) => s.items), [[1], [2], [3, 4], [5, 6], [7], [], []]);
  });

  it('title is the first level-1 heading, drillId comes from the drill marker', () => {
    assert.equal(list.title, 'Backup & restore drill');
    assert.equal(list.drillId, 'backup-restore');
  });

  it('sectionProgress and progressOf count checked items', () => {
    assert.deepEqual(progressOf(list.items), { done: 3, total: 8 });
    assert.deepEqual(sectionProgress(list, 2), { done: 1, total: 2 });
    assert.deepEqual(sectionProgress(list, 3), { done: 1, total: 2 });
    assert.deepEqual(sectionProgress(list, 6), { done: 0, total: 0 });
    assert.deepEqual(progressOf([]), { done: 0, total: 0 });
  });

  it('no h1 and no drill marker give nulls; the first drill marker wins', () => {
    const l = parseChecklist(doc('## Only h2', '- [ ] a'));
    assert.equal(l.title, null);
    assert.equal(l.drillId, null);
    const two = parseChecklist(doc('<!--lifeboat:drill id=first-->', '<!-- lifeboat:drill id=second -->', '# T'));
    assert.equal(two.drillId, 'first');
    assert.equal(two.title, 'T');
  });

  it('a drill marker in an indented code block is ignored', () => {
    assert.equal(parseChecklist(doc('Intro', '', '    <!-- lifeboat:drill id=code -->')).drillId, null);
  });

  it('a "#" that is part of the heading text is kept (e.g. "C#")', () => {
    const l = parseChecklist(doc('# Restore in C#', '## F#'));
    assert.equal(l.title, 'Restore in C#');
    assert.equal(l.sections[1].title, 'F#');
  });
});

describe('parseChecklist: auto markers', () => {
  const text = doc(
    '- [ ] Restore the backup <!-- lifeboat:auto=restore -->',
    '- [x] Compare <!--lifeboat:auto=row-counts-->',
    '- [ ] Check <!--   lifeboat:auto=integrity   --> then record',
    '- [ ] Plain item',
    '- [ ] Empty name <!-- lifeboat:auto= -->',
    '- [ ] Other comment <!-- note -->',
    '- [ ] <!-- lifeboat:auto=evidence -->',
  );
  const items = parseChecklist(text).items;

  it('extracts the name and removes the marker from the text', () => {
    assert.deepEqual(items.map((i) => [i.auto, i.text]), [
      ['restore', 'Restore the backup'],
      ['row-counts', 'Compare'],
      ['integrity', 'Check  then record'],
      [null, 'Plain item'],
      [null, 'Empty name <!-- lifeboat:auto= -->'],
      [null, 'Other comment <!-- note -->'],
      ['evidence', ''],
    ]);
  });
});

describe('CRLF files', () => {
  const lf = doc(
    '<!-- lifeboat:drill id=crlf -->',
    '# CRLF drill',
    '',
    '## Steps',
    '- [ ] one <!-- lifeboat:auto=restore -->',
    '  - [x] nested',
    '```',
    '- [ ] code',
    '```',
    '1. [X] ordered',
    '',
  );
  const crlf = lf.replace(/\n/g, '\r\n');

  it('detects the line ending and parses the same items as the LF file', () => {
    const a = parseChecklist(lf);
    const b = parseChecklist(crlf);
    assert.equal(a.eol, '\n');
    assert.equal(b.eol, '\r\n');
    assert.deepEqual(b.items, a.items);
    assert.deepEqual(b.sections, a.sections);
    assert.equal(b.drillId, 'crlf');
    assert.equal(b.title, 'CRLF drill');
    assert.ok(b.items.every((i) => !i.text.includes('\r')), 'no CR in item text');
  });

  it('setChecked keeps every CRLF', () => {
    const crlfCount = (s: string) => s.split('\r\n').length - 1;
    for (const item of parseChecklist(crlf).items) {
      const out = setChecked(crlf, item.line, !item.checked);
      assert.equal(crlfCount(out), crlfCount(crlf));
      assert.equal(out.split('\n').length, crlf.split('\n').length);
      assert.ok(!/[^\r]\n/.test(out), 'no bare LF');
      assert.equal(diffPositions(crlf, out).length, 1);
    }
  });
});

describe('setChecked', () => {
  const docs: Record<string, string> = {
    markers: doc('- [ ] a', '* [x] b', '+ [X] c', '1. [ ] d', '2) [x] e', '-\t[ ]\tf', '- [ ]'),
    nested: doc('# T', '- [ ] a', '  - [x] b', '    - [ ] c', '\t- [X] d', '', '    - [ ] e', 'Para', '', '    - [ ] code'),
    fenced: doc('## S', '```', '- [ ] code', '```', '- [ ] real', '~~~~', '~~~', '- [x] code', '~~~~', '* [x] real2'),
    crlf: doc('# T', '- [ ] a', '  * [x] b', '10. [ ] c', '').replace(/\n/g, '\r\n'),
    noFinalNewline: doc('- [x] a', '- [ ] last <!-- lifeboat:auto=evidence -->'),
    unicode: doc('- [ ] café ☕ 𝄞', '- [x] 日本語 <!-- lifeboat:auto=verify -->'),
  };

  for (const [name, text] of Object.entries(docs)) {
    it(`round trip for every item of "${name}": one character changes, toggling back restores it`, () => {
      const items = parseChecklist(text).items;
      assert.ok(items.length > 0);
      for (const item of items) {
        const toggled = setChecked(text, item.line, !item.checked);
        const diff = diffPositions(text, toggled);
        const at = lineStart(text, item.line) + item.column;
        assert.deepEqual(diff, [at], `line ${item.line}: only the box changes`);
        assert.equal(toggled[at], item.checked ? ' ' : 'x');
        // the parse of the toggled text differs only in that item's state
        const after = parseChecklist(toggled).items;
        assert.deepEqual(after, parseChecklist(text).items.map((x) => (x.line === item.line ? { ...x, checked: !x.checked } : x)));
        const back = setChecked(toggled, item.line, item.checked);
        const original = text[at];
        if (original === 'X') {
          // "X" cannot come back: setChecked writes a lower-case "x"; still exactly one character differs
          assert.deepEqual(diffPositions(text, back), [at]);
          assert.equal(back[at], 'x');
        } else {
          assert.equal(back, text, `line ${item.line}: back to the original byte for byte`);
        }
      }
    });
  }

  it('setting the state an item already has returns the text unchanged (X stays X)', () => {
    const text = docs.markers;
    for (const item of parseChecklist(text).items) assert.equal(setChecked(text, item.line, item.checked), text);
  });

  it('throws for a line that is not an item', () => {
    const text = doc('# Title', 'Paragraph', '- plain list item', '- [ ] item', '', '- [x](url)');
    assert.throws(() => setChecked(text, 0, true), { message: 'line 1 is not a checklist item' });
    assert.throws(() => setChecked(text, 1, true), /line 2 is not a checklist item/);
    assert.throws(() => setChecked(text, 2, true), /line 3 is not a checklist item/);
    assert.throws(() => setChecked(text, 4, true), /line 5 is not a checklist item/);
    assert.throws(() => setChecked(text, 5, true), /line 6 is not a checklist item/);
    assert.throws(() => setChecked(text, 99, true), /line 100 is not a checklist item/);
    assert.throws(() => setChecked(text, -1, true), /not a checklist item/);
    assert.equal(setChecked(text, 3, true), doc('# Title', 'Paragraph', '- plain list item', '- [x] item', '', '- [x](url)'));
  });
});
