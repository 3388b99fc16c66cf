// Markdown checklists of drill files: parse `- [ ]`, `* [x]`, `+ [X]`, `1. [ ]` items (nested too)
// with their sections, skipping fenced and indented code; toggle one box by changing exactly
// one character. Pure functions over text; CRLF and LF files are both kept as they are.

export interface ChecklistItem {
  line: number; // 0-based
  /** column of the character inside the brackets (' ', 'x' or 'X') */
  column: number;
  indent: number;
  checked: boolean;
  text: string; // without the marker comment
  auto: string | null; // `<!-- lifeboat:auto=NAME -->`
  section: number; // index into sections, -1 before the first heading
}

export interface Section {
  title: string;
  level: number;
  line: number;
  items: number[]; // indexes into items
}

export interface Checklist {
  eol: '\n' | '\r\n';
  sections: Section[];
  items: ChecklistItem[];
  drillId: string | null;
  title: string | null;
}

const ITEM_RE = /^([ \t]*)([-*+]|\d{1,9}[.)])([ \t]+)\[([ xX])\](?=\s|$)(.*)$/;
const HEADING_RE = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/;
const FENCE_RE = /^([ \t]*)(`{3,}|~{3,})(.*)$/;
const LIST_RE = /^[ \t]*([-*+]|\d{1,9}[.)])([ \t]+|$)/;
const AUTO_RE = /<!--\s*lifeboat:auto=([\w-]+)\s*-->/;
const DRILL_RE = /<!--\s*lifeboat:drill\s+id=([\w-]+)[^>]*-->/;

export function splitLines(text: string): { lines: string[]; eol: '\n' | '\r\n' } {
  const eol = /\r\n/.test(text) ? '\r\n' : '\n';
  return { lines: text.split(/\r?\n/), eol };
}

function indentWidth(s: string): number {
  let w = 0;
  for (const ch of s) w += ch === '\t' ? 4 - (w % 4) : 1;
  return w;
}

/** Which lines are inside fenced code blocks (so that examples in code are never edited). */
export function fencedLines(lines: string[]): boolean[] {
  const out: boolean[] = [];
  let fence: { char: string; len: number } | null = null;
  for (const line of lines) {
    const m = FENCE_RE.exec(line);
    if (fence) {
      out.push(true);
      if (m && m[2][0] === fence.char && m[2].length >= fence.len && !m[3].trim()) fence = null;
      continue;
    }
    if (m && !(m[2][0] === '`' && m[3].includes('`'))) {
      fence = { char: m[2][0], len: m[2].length };
      out.push(true);
      continue;
    }
    out.push(false);
  }
  return out;
}

export function parseChecklist(text: string): Checklist {
  const { lines, eol } = splitLines(text);
  const sections: Section[] = [];
  const items: ChecklistItem[] = [];
  let fence: { char: string; len: number } | null = null;
  let inList = false;
  let prevBlank = true;
  let drillId: string | null = null;
  let title: string | null = null;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (fence) {
      const m = FENCE_RE.exec(line);
      if (m && m[2][0] === fence.char && m[2].length >= fence.len && !m[3].trim()) fence = null;
      continue;
    }
    const f = FENCE_RE.exec(line);
    // a fence may be indented 0–3 spaces, or more inside a list item
    if (f && (indentWidth(f[1]) < 4 || inList) && !(f[2][0] === '`' && f[3].includes('`'))) {
      fence = { char: f[2][0], len: f[2].length };
      continue;
    }
    const blank = !line.trim();
    const indent = indentWidth(/^[ \t]*/.exec(line)![0]);
    // An indented line starts a code block only outside a list and after a blank line.
    if (!blank && indent >= 4 && !inList && prevBlank) continue;
    if (!blank && indent >= 4 && !inList) { prevBlank = false; continue; }
    drillId ??= DRILL_RE.exec(line)?.[1] ?? null;
    const h = indent < 4 ? HEADING_RE.exec(line) : null;
    if (h) {
      const text = (h[2] ?? '').trim();
      sections.push({ title: text, level: h[1].length, line: i, items: [] });
      if (h[1].length === 1 && title === null) title = text;
      inList = false;
      prevBlank = false;
      continue;
    }
    const m = ITEM_RE.exec(line);
    if (m) {
      const column = m[1].length + m[2].length + m[3].length + 1;
      const rest = m[5];
      const auto = AUTO_RE.exec(rest)?.[1] ?? null;
      items.push({
        line: i,
        column,
        indent: indentWidth(m[1]),
        checked: m[4] !== ' ',
        text: rest.replace(AUTO_RE, '').trim(),
        auto,
        section: sections.length - 1,
      });
      if (sections.length) sections[sections.length - 1].items.push(items.length - 1);
    }
    if (LIST_RE.test(line)) inList = true;
    else if (!blank && indent === 0) inList = false;
    prevBlank = blank;
  }
  return { eol, sections, items, drillId, title };
}

/** The text with the box on `line` set; every other character unchanged. */
export function setChecked(text: string, line: number, checked: boolean): string {
  const item = parseChecklist(text).items.find((x) => x.line === line);
  if (!item) throw new Error(`line ${line + 1} is not a checklist item`);
  if (item.checked === checked) return text;
  let offset = 0;
  let ln = 0;
  while (ln < line) {
    const nl = text.indexOf('\n', offset);
    offset = nl + 1;
    ln++;
  }
  const at = offset + item.column;
  return text.slice(0, at) + (checked ? 'x' : ' ') + text.slice(at + 1);
}

export interface Progress { done: number; total: number }

export function progressOf(items: ChecklistItem[]): Progress {
  return { done: items.filter((i) => i.checked).length, total: items.length };
}

export function sectionProgress(list: Checklist, section: number): Progress {
  return progressOf(list.sections[section].items.map((i) => list.items[i]));
}
