// Entry of the engine child process (see engineHost.ts): runs the calls its parent sends and
// exits when the parent goes away, cancelling whatever still runs (its cleanup still happens).
import { promises as fsp } from 'node:fs';
import { backupDatabase, BackupOptions } from './backup';
import { RehearsalOptions, runRehearsal } from './drills/rehearsal';
import { DrillRehearsalOptions, runDrillRehearsal } from './drills/run';
import type { EngineOp, ToChild, ToParent } from './engineHost';
import { serializeError } from './engineHost';
import { hasSqliteMagic } from './format';
import { locateDatabase } from './identity';
import { inspectLive } from './live';
import { isOffsiteOp, OffsiteRequest, runOffsiteOp } from './offsite/engineOps';
import { inUseSigns, restoreDatabase, RestoreOptions } from './restore';
import { insideOp, INSIDE_OPS } from './inside/engineOps';
import { Sessions } from './inside/sessions';

const running = new Map<number, AbortController>();
const answers = new Map<number, (v: boolean) => void>();
const replies = new Map<string, (v: string | null) => void>();
let nextRequest = 1;
/** look-inside and compare sessions the parent opened and pages through */
const sessions = new Sessions();

function send(m: ToParent): void {
  if (process.connected) process.send?.(m);
}

async function sniff(paths: string[]): Promise<boolean[]> {
  return Promise.all(paths.map(async (p) => {
    try {
      const fh = await fsp.open(p, 'r');
      try {
        const buf = Buffer.alloc(16);
        const { bytesRead } = await fh.read(buf, 0, 16, 0);
        return bytesRead === 16 && hasSqliteMagic(buf);
      } finally {
        await fh.close();
      }
    } catch {
      return false;
    }
  }));
}

/** Asks the parent (a confirmation modal) and waits for its answer. */
const asker = (id: number) => (preflight: unknown) => new Promise<boolean>((resolve) => { answers.set(id, resolve); send({ t: 'ask', id, preflight }); });

/** Asks the parent for something only it has (the passphrase, typed by the user). */
function request(id: number, r: OffsiteRequest): Promise<string | null> {
  const rid = nextRequest++;
  return new Promise((resolve) => { replies.set(`${id}:${rid}`, resolve); send({ t: 'request', id, rid, request: r }); });
}

async function run(id: number, op: EngineOp, args: Record<string, unknown>, signal: AbortSignal): Promise<unknown> {
  const onProgress = (p: unknown) => send({ t: 'progress', id, p } as ToParent);
  if (INSIDE_OPS.has(op)) return insideOp(sessions, op, args, { signal, onProgress, confirm: asker(id) });
  if (isOffsiteOp(op)) return runOffsiteOp(op, args, { signal, onProgress, confirm: asker(id), request: (r) => request(id, r) });
  switch (op) {
    case 'sniff': return sniff(args.paths as string[]);
    case 'backup': return backupDatabase({ ...(args as unknown as BackupOptions), signal, onProgress });
    case 'restore':
      return restoreDatabase({ ...(args as unknown as RestoreOptions), signal, onProgress, confirm: asker(id) });
    case 'inspectLive': return inspectLive(args.dbPath as string, { signal, busyTimeoutMs: args.busyTimeoutMs as number | undefined });
    case 'inUseSigns': {
      const realPath = (await locateDatabase(args.dbPath as string)).realPath;
      return { realPath, reasons: await inUseSigns(realPath) };
    }
    case 'rehearsal': return runRehearsal({ ...(args as unknown as RehearsalOptions), signal });
    case 'drillRehearsal': {
      const { drillText, ...opts } = args as unknown as DrillRehearsalOptions & { drillText: string };
      return runDrillRehearsal(drillText, { ...opts, signal });
    }
    case 'pid': return process.pid;
  }
  throw new Error(`unknown engine operation ${String(op)}`);
}

process.on('message', (m: ToChild) => {
  if (m.t === 'abort') running.get(m.id)?.abort();
  else if (m.t === 'answer') { answers.get(m.id)?.(m.value); answers.delete(m.id); }
  else if (m.t === 'reply') { replies.get(`${m.id}:${m.rid}`)?.(m.value); replies.delete(`${m.id}:${m.rid}`); }
  else if (m.t === 'call') {
    const ac = new AbortController();
    running.set(m.id, ac);
    run(m.id, m.op, m.args as Record<string, unknown>, ac.signal).then(
      (value) => send({ t: 'result', id: m.id, value }),
      (e) => send({ t: 'error', id: m.id, error: serializeError(e) }),
    ).finally(() => {
      running.delete(m.id);
      answers.delete(m.id);
      for (const k of replies.keys()) if (k.startsWith(`${m.id}:`)) replies.delete(k);
    });
  }
});

// The parent is gone (closed the channel, or died): cancel, let the cleanups run, then leave.
process.on('disconnect', () => {
  for (const ac of running.values()) ac.abort();
  for (const a of answers.values()) a(false);
  for (const r of replies.values()) r(null);
  const deadline = setTimeout(() => process.exit(0), 30_000);
  deadline.unref();
  let closed = false;
  const check = setInterval(() => {
    if (running.size) return;
    if (!closed) { closed = true; void sessions.closeAll().finally(() => process.exit(0)); } // their snapshots go too
  }, 50);
  check.unref();
});
