// What a restore must leave exactly as it was when it does not complete: the live main file and
// its companions (bytes, inode, owner, group, mode), the header's journal mode, and the names in
// the database's folder (no leftovers of ours).
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, readdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';

export interface FileState { sha256: string; ino: number; uid: number; gid: number; mode: number; size: number }
export interface LiveSet { files: Record<string, FileState | null>; journalBytes: [number, number] | null; folder: string[] }

function fileState(p: string): FileState | null {
  if (!existsSync(p)) return null;
  const st = lstatSync(p);
  return { sha256: createHash('sha256').update(readFileSync(p)).digest('hex'), ino: st.ino, uid: st.uid, gid: st.gid, mode: st.mode & 0o7777, size: st.size };
}

export function liveSet(main: string): LiveSet {
  const files: LiveSet['files'] = {};
  for (const s of ['', '-wal', '-shm', '-journal']) files[s || 'main'] = fileState(main + s);
  const head = existsSync(main) ? readFileSync(main).subarray(18, 20) : null;
  return { files, journalBytes: head && head.length === 2 ? [head[0], head[1]] : null, folder: existsSync(dirname(main)) ? readdirSync(dirname(main)).sort() : [] };
}

/** Every file under `dir` (relative paths), for "nothing half-made is left" checks. */
export { filesUnder as tree } from './oracle';
