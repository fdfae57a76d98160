/**
 * A small pool of hashing worker threads, so a model's files (or shards) are hashed on every core. Work
 * goes out in batches (many small files per message, one big file or shard alone), biggest first, each
 * worker pulling the next batch when it finishes one: a long file keeps one core busy while the others
 * drain the rest. A single file under the `files` method is one task — hashed sequentially, as the
 * reference does — so only sharding spreads one file over several cores.
 *
 * The worker script sits beside this module: `hash-worker.js` when running from dist/, `hash-worker.ts`
 * under tsx, where the worker first registers tsx's loader itself (Node 20 does not pass module hooks on
 * to worker threads).
 */
import { Worker } from 'node:worker_threads';
import { ParapetError } from '../../core/errors.ts';
import type { HashTask } from './hash-engine.ts';
import type { BatchRequest, WorkerMessage } from './hash-worker.ts';
import type { HashAlgorithm } from './types.ts';

/** A batch of task indices, dispatched to one worker in one message. */
export type Batch = readonly number[];

/** Batches close at this many bytes or tasks: big enough to amortise a message, small enough to balance. */
const BATCH_BYTES = 64 << 20;
const BATCH_TASKS = 1024;

/**
 * Groups tasks (in their given order) into batches, returned biggest first so the longest work starts
 * early. `sizes[i]` is task i's byte count.
 */
export function makeBatches(sizes: readonly number[]): Batch[] {
  const batches: { tasks: number[]; bytes: number }[] = [];
  let current: { tasks: number[]; bytes: number } = { tasks: [], bytes: 0 };
  sizes.forEach((size, i) => {
    current.tasks.push(i);
    current.bytes += size;
    if (current.bytes >= BATCH_BYTES || current.tasks.length >= BATCH_TASKS) {
      batches.push(current);
      current = { tasks: [], bytes: 0 };
    }
  });
  if (current.tasks.length > 0) batches.push(current);
  return batches.sort((a, b) => b.bytes - a.bytes).map((b) => b.tasks);
}

/** A hashing failure, as a ParapetError naming the resource. */
export function hashingError(code: string | undefined, message: string, what: string): ParapetError {
  if (code === 'ENOENT')
    return new ParapetError('NOT_FOUND', `${what} disappeared while the model was being hashed`);
  if (code === 'EACCES' || code === 'EPERM')
    return new ParapetError('UNREADABLE', `cannot read ${what}: permission denied`);
  return new ParapetError('UNREADABLE', `cannot read ${what}: ${message}`);
}

/** Starts one worker thread running hash-worker (compiled or, in development, through tsx). */
function spawnWorker(): Worker {
  const here = import.meta.url;
  if (!here.endsWith('.ts')) return new Worker(new URL('./hash-worker.js', here));
  const loader = import.meta.resolve('tsx/esm/api');
  const script = new URL('./hash-worker.ts', here).href;
  const bootstrap = `import(${JSON.stringify(loader)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(script)}); })`;
  return new Worker(bootstrap, { eval: true });
}

export interface PoolOptions {
  workers: number;
  algorithm: HashAlgorithm;
  /** Bytes hashed since the last call; may throw (the hashing then fails with that error). */
  onBytes: (n: number) => void;
  /** How to name task i in an error message. */
  describe: (task: number) => string;
}

/**
 * Hashes every task on `options.workers` threads; resolves with the hex digests in task order. Rejects
 * with a ParapetError on the first failure, after stopping every worker.
 */
export function hashInPool(
  tasks: readonly HashTask[],
  batches: readonly Batch[],
  options: PoolOptions,
): Promise<string[]> {
  const digests = new Array<string>(tasks.length);
  if (batches.length === 0) return Promise.resolve(digests);
  const count = Math.max(1, Math.min(options.workers, batches.length));
  const workers: Worker[] = [];
  let next = 0;
  let finished = 0;
  let settled = false;

  return new Promise<string[]>((resolve, reject) => {
    const stopAll = () => Promise.allSettled(workers.map((w) => w.terminate()));
    const fail = (err: unknown) => {
      if (settled) return;
      settled = true;
      void stopAll().then(() => reject(err));
    };
    const dispatch = (worker: Worker) => {
      if (settled) return;
      const id = next++;
      const batch = batches[id];
      if (batch === undefined) return;
      const request: BatchRequest = {
        id,
        algorithm: options.algorithm,
        tasks: batch.map((t) => tasks[t] as HashTask),
      };
      worker.postMessage(request);
    };
    const onMessage = (worker: Worker, message: WorkerMessage) => {
      if (settled) return;
      try {
        switch (message.kind) {
          case 'ready':
            dispatch(worker);
            break;
          case 'progress':
            options.onBytes(message.bytes);
            break;
          case 'done': {
            const batch = batches[message.id] ?? [];
            batch.forEach((task, i) => {
              digests[task] = message.digests[i] as string;
            });
            if (++finished === batches.length) {
              settled = true;
              void stopAll().then(() => resolve(digests));
            } else dispatch(worker);
            break;
          }
          case 'failed': {
            const task = batches[message.id]?.[message.task] ?? -1;
            fail(hashingError(message.code, message.message, options.describe(task)));
            break;
          }
        }
      } catch (err) {
        fail(err);
      }
    };

    for (let i = 0; i < count; i++) {
      let worker: Worker;
      try {
        worker = spawnWorker();
      } catch (err) {
        fail(
          new ParapetError('LIMIT', `cannot start a hashing thread: ${(err as Error).message}`, {
            cause: err,
          }),
        );
        return;
      }
      workers.push(worker);
      worker.on('message', (m: WorkerMessage) => onMessage(worker, m));
      worker.on('error', (err) =>
        fail(new ParapetError('LIMIT', `a hashing thread failed: ${err.message}`, { cause: err })),
      );
      worker.on('exit', (code) => {
        if (!settled)
          fail(new ParapetError('LIMIT', `a hashing thread stopped unexpectedly (exit code ${code})`));
      });
    }
  });
}
