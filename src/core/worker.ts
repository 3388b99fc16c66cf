// Worker-thread entry: runs one database inspection off the caller's event loop.
import { parentPort, workerData } from 'node:worker_threads';
import { LifeboatError } from './errors';
import { inspectInProcess } from './sqlite';

const { file, opts } = workerData as { file: string; opts: Parameters<typeof inspectInProcess>[1] };
inspectInProcess(file, opts).then(
  (result) => parentPort?.postMessage({ ok: true, result }),
  (e: Error) => parentPort?.postMessage({
    ok: false,
    error: { name: e.name, message: e.message, file: e instanceof LifeboatError ? e.file : undefined },
  }),
);
