// Shipped drill scenarios (docs/ops/drills/*.md) and starting a drill from one: copy it to
// `<drills folder>/YYYY-MM-DD-<id>.md` with date, operator and database filled in.
import { execFile } from 'node:child_process';
import { existsSync, promises as fsp } from 'node:fs';
import { userInfo } from 'node:os';
import { basename, join } from 'node:path';
import { LifeboatError } from '../errors';
import { parseChecklist } from './checklist';

export interface Scenario { id: string; title: string; file: string }

/** docs/ops/drills beside the bundle (dist/..), or in the source tree. */
export function shippedDrillsDir(): string {
  const candidates = [join(__dirname, '..', 'docs', 'ops', 'drills'), join(__dirname, '..', '..', '..', 'docs', 'ops', 'drills')];
  return candidates.find((d) => existsSync(d)) ?? candidates[0];
}

export async function listScenarios(dirs: string[]): Promise<Scenario[]> {
  const out: Scenario[] = [];
  const seen = new Set<string>();
  for (const dir of dirs) {
    const names = await fsp.readdir(dir).catch(() => [] as string[]);
    for (const n of names.filter((x) => x.endsWith('.md')).sort()) {
      const file = join(dir, n);
      const text = await fsp.readFile(file, 'utf8').catch(() => null);
      if (text === null) continue;
      const parsed = parseChecklist(text);
      const id = parsed.drillId ?? basename(n, '.md');
      if (seen.has(id) || /^\d{4}-\d{2}-\d{2}-/.test(n)) continue;
      seen.add(id);
      out.push({ id, title: parsed.title ?? id, file });
    }
  }
  return out;
}

/** git's user.name, else the OS user. */
export function defaultOperator(cwd?: string): Promise<string> {
  return new Promise((resolve) => {
    execFile('git', ['config', 'user.name'], { cwd, windowsHide: true, timeout: 5000 }, (err, out) => {
      const name = String(out ?? '').trim();
      if (!err && name) return resolve(name);
      try { resolve(userInfo().username); } catch { resolve(process.env.USER ?? process.env.USERNAME ?? 'unknown'); }
    });
  });
}

export function fillPlaceholders(text: string, values: Record<string, string>): string {
  return text.replace(/\{\{\s*(\w+)\s*\}\}/g, (m, k: string) => values[k] ?? m);
}

/** Copies a scenario into the drills folder, filled in. Never overwrites: adds -2, -3… */
export async function startDrill(scenario: Scenario, drillsDir: string, values: { operator: string; database?: string; date?: Date }): Promise<string> {
  const date = (values.date ?? new Date()).toISOString().slice(0, 10);
  const text = fillPlaceholders(await fsp.readFile(scenario.file, 'utf8'), {
    date, operator: values.operator, database: values.database ?? '(choose when running the rehearsal)',
  });
  await fsp.mkdir(drillsDir, { recursive: true });
  for (let n = 1; n < 1000; n++) {
    const file = join(drillsDir, `${date}-${scenario.id}${n > 1 ? `-${n}` : ''}.md`);
    try {
      await fsp.writeFile(file, text, { flag: 'wx' });
      return file;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
  throw new LifeboatError('cannot find a free drill file name', drillsDir);
}
