// Who made a file, and is that process still alive? Lock files, work folders and temp folders
// carry an owner stamp so that a later run can tell a leftover of a killed process (sweep it)
// from the work of a running one (leave it alone), even after the PID was reused.
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';

/** The identity of a process, written into everything it leaves on disk while it works. */
export interface OwnerStamp {
  pid: number;
  host: string;
  /** Linux: the kernel's boot id; a different one means the machine rebooted since */
  bootId?: string;
  /** Linux: start time of the process in clock ticks since boot (field 22 of /proc/<pid>/stat) */
  procStart?: string;
  /** when the stamp was made (ISO 8601) */
  since: string;
  /** what the owner is doing (shown to whoever waits for it) */
  op?: string;
}

function readProc(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** The start time of `pid` from /proc (Linux), undefined elsewhere or when it is gone. */
export function processStartTicks(pid: number): string | undefined {
  const stat = readProc(`/proc/${pid}/stat`);
  if (!stat) return undefined;
  // The command name (field 2) is in parentheses and may contain spaces or ')': split after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return fields[19]; // field 22 overall, the 20th after the name and state
}

let cachedBootId: string | null | undefined;
function bootId(): string | undefined {
  if (cachedBootId === undefined) cachedBootId = readProc('/proc/sys/kernel/random/boot_id')?.trim() ?? null;
  return cachedBootId ?? undefined;
}

/** This process's stamp. */
export function ownStamp(op?: string): OwnerStamp {
  const stamp: OwnerStamp = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
  const b = bootId();
  const start = processStartTicks(process.pid);
  if (b) stamp.bootId = b;
  if (start) stamp.procStart = start;
  if (op) stamp.op = op;
  return stamp;
}

/** Parses a stamp written by `ownStamp`; null when the text is not one. */
export function parseStamp(text: string): OwnerStamp | null {
  try {
    const s = JSON.parse(text) as Partial<OwnerStamp>;
    if (!s || typeof s !== 'object' || !Number.isInteger(s.pid) || typeof s.host !== 'string' || typeof s.since !== 'string') return null;
    return s as OwnerStamp;
  } catch {
    return null;
  }
}

export type Liveness = 'alive' | 'dead' | 'unknown';

/**
 * Whether the process that wrote `stamp` is still running. 'unknown' for another host (its
 * processes cannot be seen from here); the caller then falls back to the age of the file.
 * On Linux a reused PID is told apart by its start time; elsewhere a live PID counts as alive.
 */
export function ownerLiveness(stamp: OwnerStamp): Liveness {
  if (stamp.host !== hostname()) return 'unknown';
  const b = bootId();
  if (stamp.bootId && b && stamp.bootId !== b) return 'dead'; // the machine rebooted since
  try {
    process.kill(stamp.pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ESRCH') return 'dead';
    // EPERM: it exists, owned by someone else
  }
  if (stamp.procStart) {
    const now = processStartTicks(stamp.pid);
    if (now === undefined) return 'dead';
    if (now !== stamp.procStart) return 'dead'; // the PID was reused by a newer process
  }
  return 'alive';
}

/** One line describing an owner, for "waiting for …" messages. */
export function describeOwner(s: OwnerStamp): string {
  const what = s.op ? `${s.op} ` : '';
  return `${what}(process ${s.pid} on ${s.host}, since ${s.since})`;
}
