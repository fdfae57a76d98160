/**
 * Hashing one file, or one byte range of it, with a fixed-size buffer: memory stays at one buffer per
 * thread whatever the file size. Used on the calling thread (async reads) and inside the worker threads
 * of the hashing pool (sync reads: a worker has nothing else to do, and sync reads skip the thread-pool
 * hop). The digest never depends on the buffer size, as in the reference (which reads 1 MiB chunks).
 *
 * Algorithms as the reference names them: `sha256`, `blake2b` (Python's `hashlib.blake2b()` default, a
 * 64-byte digest, which is OpenSSL's `blake2b512`), `blake3` (32 bytes, via hash-wasm).
 */
import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';
import { open } from 'node:fs/promises';
import type { IHasher } from 'hash-wasm';
import type { HashAlgorithm } from './types.ts';

/** Bytes read per call. 1 MiB is the reference's chunk; larger buys nothing once in the page cache. */
export const CHUNK_SIZE = 1 << 20;

/** Report progress at least this often (in bytes hashed), so callbacks stay cheap on big models. */
export const PROGRESS_STEP = 16 << 20;

/** One unit of hashing work: a whole file (`end` undefined: read to EOF) or the byte range [start, end). */
export interface HashTask {
  path: string;
  start: number;
  end?: number;
}

/** BLAKE3 instances not in use on this thread. */
const idleBlake3: IHasher[] = [];

interface StreamHasher {
  update(data: Uint8Array): void;
  /** Lower-case hex; the hasher must not be used afterwards. */
  digest(): string;
}

/** A fresh streaming hasher for `algorithm`. */
export async function createStreamHasher(algorithm: HashAlgorithm): Promise<StreamHasher> {
  switch (algorithm) {
    case 'sha256':
      return nodeHasher('sha256');
    case 'blake2b':
      return nodeHasher('blake2b512');
    case 'blake3': {
      // Instantiating the WebAssembly module costs ~150 µs, a lot for a model of small files: instances are
      // reused, but each serves one task at a time (two hashModel calls may interleave on one thread).
      // hash-wasm is loaded on first use: it carries every algorithm's WebAssembly, and importing it would
      // add tens of milliseconds to each worker's start for models that never use BLAKE3.
      const h = idleBlake3.pop() ?? (await (await import('hash-wasm')).createBLAKE3());
      h.init();
      return {
        update: (data) => void h.update(data),
        digest: () => {
          const hex = h.digest('hex');
          if (idleBlake3.length < 4) idleBlake3.push(h);
          return hex;
        },
      };
    }
    default:
      throw new TypeError(`unsupported hash algorithm: ${String(algorithm)}`);
  }
}

function nodeHasher(name: string): StreamHasher {
  const h = createHash(name);
  return { update: (data) => void h.update(data), digest: () => h.digest('hex') };
}

/**
 * Hashes `task` with synchronous reads into `buffer`; `onBytes` hears of every chunk. The file is read
 * from `start` up to `end` or EOF, whichever comes first (a file that shrank is hashed as it now is — the
 * reference does the same).
 */
export async function hashTaskSync(
  task: HashTask,
  algorithm: HashAlgorithm,
  buffer: Uint8Array,
  onBytes: (n: number) => void,
): Promise<string> {
  const hasher = await createStreamHasher(algorithm);
  const fd = openSync(task.path, 'r');
  try {
    let position = task.start;
    for (;;) {
      const want = task.end === undefined ? buffer.length : Math.min(buffer.length, task.end - position);
      if (want <= 0) break;
      const n = readSync(fd, buffer, 0, want, position);
      if (n === 0) break;
      hasher.update(buffer.subarray(0, n));
      position += n;
      onBytes(n);
    }
  } finally {
    closeSync(fd);
  }
  return hasher.digest();
}

/** As `hashTaskSync`, with asynchronous reads, for the calling thread. */
export async function hashTaskAsync(
  task: HashTask,
  algorithm: HashAlgorithm,
  buffer: Uint8Array,
  onBytes: (n: number) => void,
): Promise<string> {
  const hasher = await createStreamHasher(algorithm);
  const handle = await open(task.path, 'r');
  try {
    let position = task.start;
    for (;;) {
      const want = task.end === undefined ? buffer.length : Math.min(buffer.length, task.end - position);
      if (want <= 0) break;
      const { bytesRead } = await handle.read(buffer, 0, want, position);
      if (bytesRead === 0) break;
      hasher.update(buffer.subarray(0, bytesRead));
      position += bytesRead;
      onBytes(bytesRead);
    }
  } finally {
    await handle.close();
  }
  return hasher.digest();
}
