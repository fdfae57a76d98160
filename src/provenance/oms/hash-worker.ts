/**
 * A hashing worker thread: receives batches of tasks, hashes them one after the other with one fixed
 * buffer, and answers with their hex digests. Progress is posted in steps of PROGRESS_STEP bytes so the
 * main thread can drive a progress bar without a message per chunk. Errors travel back as plain data
 * (errno code and message); the main thread turns them into ParapetErrors.
 */
import { parentPort } from 'node:worker_threads';
import { CHUNK_SIZE, type HashTask, hashTaskSync, PROGRESS_STEP } from './hash-engine.ts';
import type { HashAlgorithm } from './types.ts';

/** Main thread → worker. */
export interface BatchRequest {
  id: number;
  algorithm: HashAlgorithm;
  tasks: HashTask[];
}

/** Worker → main thread. */
export type WorkerMessage =
  | { kind: 'ready' }
  | { kind: 'progress'; bytes: number }
  | { kind: 'done'; id: number; digests: string[] }
  | { kind: 'failed'; id: number; task: number; code: string | undefined; message: string };

const port = parentPort;
if (port !== null) {
  const buffer = new Uint8Array(CHUNK_SIZE);
  let unreported = 0;
  const onBytes = (n: number) => {
    unreported += n;
    if (unreported >= PROGRESS_STEP) flush();
  };
  const flush = () => {
    if (unreported === 0) return;
    port.postMessage({ kind: 'progress', bytes: unreported } satisfies WorkerMessage);
    unreported = 0;
  };

  // Batches arrive one at a time (the pool waits for `done` before sending more), so handling them
  // sequentially needs no queue of our own.
  port.on('message', async (request: BatchRequest) => {
    const digests: string[] = [];
    for (const [i, task] of request.tasks.entries()) {
      try {
        digests.push(await hashTaskSync(task, request.algorithm, buffer, onBytes));
      } catch (err) {
        flush();
        const e = err as NodeJS.ErrnoException;
        port.postMessage({
          kind: 'failed',
          id: request.id,
          task: i,
          code: typeof e?.code === 'string' ? e.code : undefined,
          message: e instanceof Error ? e.message : String(err),
        } satisfies WorkerMessage);
        return;
      }
    }
    flush();
    port.postMessage({ kind: 'done', id: request.id, digests } satisfies WorkerMessage);
  });
  // In development the worker is loaded through an asynchronous import: the pool waits for this before
  // sending work, so no batch can arrive before the listener above exists.
  port.postMessage({ kind: 'ready' } satisfies WorkerMessage);
}
