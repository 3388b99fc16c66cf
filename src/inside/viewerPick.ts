// Which installed SQLite viewer (a custom editor of another extension) gets a file when the user
// prefers one to Lifeboat's own view (lifeboat.inside.preferViewer). Pure: no editor API here.

export interface CustomEditorInfo {
  viewType: string;
  extensionId: string;
  /** the filenamePattern globs of its selector */
  patterns: string[];
}

/** A custom editor contribution of one extension's package.json, as VS Code reads it. */
interface Contribution { viewType?: unknown; selector?: unknown }

/** The custom editors an extension's package.json contributes. */
export function customEditorsOf(extensionId: string, packageJson: unknown): CustomEditorInfo[] {
  const list = (packageJson as { contributes?: { customEditors?: unknown } })?.contributes?.customEditors;
  if (!Array.isArray(list)) return [];
  return (list as Contribution[]).flatMap((c) => {
    if (typeof c?.viewType !== 'string' || !Array.isArray(c.selector)) return [];
    const patterns = (c.selector as { filenamePattern?: unknown }[]).map((s) => s?.filenamePattern).filter((p): p is string => typeof p === 'string');
    return [{ viewType: c.viewType, extensionId, patterns }];
  });
}

const escapeRe = (s: string) => s.replace(/[.+^${}()|[\]\\]/g, '\\$&');

/** Whether a filenamePattern glob (`*.db`, `**\/*.{sqlite,db}`, `*.sqlite?`) matches a file's name. */
export function globMatches(pattern: string, fileName: string): boolean {
  const last = pattern.replace(/\\/g, '/').split('/').pop() ?? '';
  let re = '';
  for (let i = 0; i < last.length; i++) {
    const ch = last[i];
    if (ch === '*') re += '[^/]*';
    else if (ch === '?') re += '[^/]';
    else if (ch === '{') {
      const end = last.indexOf('}', i);
      if (end < 0) { re += '\\{'; continue; }
      re += `(?:${last.slice(i + 1, end).split(',').map((alt) => escapeRe(alt).replace(/\*/g, '[^/]*')).join('|')})`;
      i = end;
    } else re += escapeRe(ch);
  }
  return new RegExp(`^${re}$`, 'i').test(fileName);
}

/**
 * The viewType to hand `fileName` to: none when the preference is empty (Lifeboat's view); with
 * 'auto', the first editor that declares that kind of file; a viewType the user named, when an
 * installed extension contributes it (whatever files it declares: the user chose it); else 'missing'.
 */
export function pickViewer(preference: string, editors: CustomEditorInfo[], fileName: string): string | null | 'missing' {
  const pref = preference.trim();
  if (!pref) return null;
  if (pref === 'auto') return editors.find((e) => e.patterns.some((p) => globMatches(p, fileName)))?.viewType ?? 'missing';
  return editors.find((e) => e.viewType === pref)?.viewType ?? 'missing';
}
