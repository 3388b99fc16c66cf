import { UsageError } from './errors';

// Microsoft.Data.Sqlite synonyms for the database file, compared with all whitespace removed.
const DATA_SOURCE_KEYS = new Set(['datasource', 'filename']);

interface Pair { key: string; value: string }

function* pairs(s: string): Generator<Pair> {
  let i = 0;
  while (i < s.length) {
    const eq = s.indexOf('=', i);
    const semi = s.indexOf(';', i);
    if (eq === -1 || (semi !== -1 && semi < eq)) {
      // A segment without '=' (or an empty one) carries no value: skip it.
      if (semi === -1) return;
      i = semi + 1;
      continue;
    }
    const key = s.slice(i, eq);
    i = eq + 1;
    while (i < s.length && /\s/.test(s[i])) i++;
    const quote = s[i];
    if (quote === '"' || quote === "'") {
      let value = '';
      let closed = false;
      for (i++; i < s.length; i++) {
        if (s[i] !== quote) { value += s[i]; continue; }
        if (s[i + 1] === quote) { value += quote; i++; continue; }
        closed = true;
        i++;
        break;
      }
      // An unterminated quote swallows the rest; guessing a path from it would be worse than none.
      if (!closed) return;
      const end = s.indexOf(';', i);
      const trailing = s.slice(i, end === -1 ? s.length : end);
      i = end === -1 ? s.length : end + 1;
      if (trailing.trim() === '') yield { key, value };
      continue;
    }
    const end = s.indexOf(';', i);
    yield { key, value: s.slice(i, end === -1 ? s.length : end).trim() };
    i = end === -1 ? s.length : end + 1;
  }
}

export function parseConnectionString(s: string): string | null {
  let found: string | null = null;
  for (const { key, value } of pairs(s)) {
    // Last occurrence wins, as in ADO.NET's DbConnectionStringBuilder.
    if (DATA_SOURCE_KEYS.has(key.replace(/\s+/g, '').toLowerCase())) found = value;
  }
  return found === '' ? null : found;
}

/** An in-memory database (`:memory:`, `file::memory:`, `Mode=Memory`) has no file to back up. */
export function isInMemory(dataSource: string): boolean {
  return /^(?:file:)?:memory:/i.test(dataSource.trim()) || /^file:[^?]*\?(?:.*&)?mode=memory(?:&|$)/i.test(dataSource.trim());
}

export function resolveDbPath(argDbPath: string | undefined, env: NodeJS.ProcessEnv): string {
  if (argDbPath) {
    if (isInMemory(argDbPath)) throw new UsageError(`--db-path ${argDbPath} is an in-memory database: there is no file to back up or restore`);
    return argDbPath;
  }
  const conn = env.ConnectionStrings__DefaultConnection;
  const fromEnv = conn ? parseConnectionString(conn) : null;
  if (fromEnv && (isInMemory(fromEnv) || (conn && /(?:^|;)\s*mode\s*=\s*memory\s*(?:;|$)/i.test(conn)))) {
    throw new UsageError(`ConnectionStrings__DefaultConnection names an in-memory database (Data Source=${fromEnv}): there is no file to back up or restore`);
  }
  if (fromEnv) return fromEnv;
  throw new UsageError('--db-path is required (or set ConnectionStrings__DefaultConnection with a Data Source)');
}
