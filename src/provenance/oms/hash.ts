/**
 * Hashing a model into its manifest, the way the reference implementation (model_signing) does it:
 * which files count and under what names (walk.ts), one digest per file or per shard, the reference's
 * resource order, algorithm names and root digest (manifest.ts), and the ignore paths it records.
 *
 * Memory is bounded by one fixed buffer per thread plus the manifest itself (at most MAX_RESOURCES
 * entries). Big models are hashed on a pool of worker threads (hash-pool.ts); small ones on the calling
 * thread, where starting threads would cost more than it saves.
 */
import { availableParallelism } from 'node:os';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { ParapetError } from '../../core/errors.ts';
import { CHUNK_SIZE, type HashTask, hashTaskAsync, PROGRESS_STEP } from './hash-engine.ts';
import { hashInPool, hashingError, makeBatches } from './hash-pool.ts';
import {
  compareCodePoints,
  MAX_RESOURCES,
  resourceAlgorithm,
  rootDigestOf,
  shardName,
  sortResources,
} from './manifest.ts';
import type {
  HashAlgorithm,
  HashOptions,
  ModelManifest,
  ResourceDescriptor,
  SerializationParams,
} from './types.ts';
import { type ModelFile, modelNameOf, walkModel } from './walk.ts';

/** What the reference leaves out of every model unless told not to (`--no-ignore-git-paths`). */
export const GIT_IGNORE_PATHS: readonly string[] = ['.git', '.gitattributes', '.github', '.gitignore'];

/** Below this many bytes the model is hashed on the calling thread unless `workers` is set explicitly. */
export const INLINE_BYTES = 32 << 20;

/** Most worker threads a hashing run starts. */
export const MAX_WORKERS = 64;

/** `HashOptions` plus the two knobs of the reference's CLI that the shared type leaves out. */
export interface HashModelOptions extends HashOptions {
  /**
   * Leave out `.git`, `.gitattributes`, `.github` and `.gitignore` at the model root and record them in
   * `ignore_paths`, as the reference does by default. Default true.
   */
  ignoreGitPaths?: boolean;
  /**
   * The signature file (absolute, or relative to the model root): left out and recorded like an ignore
   * path when it lies inside the model. Passing it in `ignorePaths` has the same effect.
   */
  signaturePath?: string;
}

const ALGORITHMS: readonly HashAlgorithm[] = ['sha256', 'blake2b', 'blake3'];

/**
 * Walks and hashes the model at `modelPath` (a directory or a single file) into a manifest: resources
 * in the reference's order, with its names (`path`, `path:start:end`, `.` for a single file) and
 * algorithm names (`sha256`, `sha256-sharded-N`), the SHA-256 root digest, and the serialization
 * parameters a verifier needs. With `shardSize`, files are hashed in shards (the `shards` method) —
 * except with BLAKE3, which the reference always hashes whole. Empty files are one resource under
 * `files` and none under `shards`; an empty model gives an empty manifest (signers should refuse it).
 *
 * Throws ParapetError: NOT_FOUND (no such model, a file vanished), UNREADABLE, USAGE (bad options, a
 * symlink not allowed, a FIFO or device), MALFORMED (a non-UTF-8 name), LIMIT (too many resources).
 */
export async function hashModel(modelPath: string, options: HashModelOptions = {}): Promise<ModelManifest> {
  const algorithm = options.hashAlgorithm ?? 'sha256';
  if (!ALGORITHMS.includes(algorithm))
    throw new ParapetError('USAGE', `unknown hash algorithm: ${String(algorithm)}`);
  const shardSize = algorithm === 'blake3' ? undefined : checkShardSize(options.shardSize);
  const allowSymlinks = options.allowSymlinks === true;
  checkWorkers(options.workers);
  const root = resolve(modelPath);

  const ignored = ignoreSet(root, options);
  const tree = await walkModel(root, { allowSymlinks, ignore: ignored });
  const plan = planTasks(tree.files, shardSize);
  const total = plan.sizes.reduce((a, b) => a + b, 0);
  const digests = await runTasks(plan, algorithm, total, options);

  const algorithmName = resourceAlgorithm(algorithm, shardSize);
  const resources: ResourceDescriptor[] = plan.names.map((name, i) => ({
    name,
    algorithm: algorithmName,
    digest: digests[i] as string,
  }));
  const serialization: SerializationParams = {
    method: shardSize === undefined ? 'files' : 'shards',
    hash_type: algorithm,
    allow_symlinks: allowSymlinks,
    ignore_paths: [...ignored].sort(compareCodePoints),
  };
  if (shardSize !== undefined) serialization.shard_size = shardSize;
  return { modelName: modelNameOf(root), resources, serialization, rootDigest: rootDigestOf(resources) };
}

function checkShardSize(size: number | undefined): number | undefined {
  if (size === undefined) return undefined;
  if (!Number.isSafeInteger(size) || size <= 0)
    throw new ParapetError('USAGE', `shard size must be a positive whole number of bytes, not ${size}`);
  return size;
}

/**
 * The paths to leave out, as the reference records them: each ignore path (and the signature file)
 * relative to the model root in POSIX form, plus the git defaults. Paths outside the model are dropped —
 * the reference drops them too (a signature written elsewhere is simply not part of the model).
 */
function ignoreSet(root: string, options: HashModelOptions): Set<string> {
  const wanted = [...(options.ignorePaths ?? [])];
  if (options.signaturePath !== undefined) wanted.push(options.signaturePath);
  const set = new Set<string>();
  for (const p of wanted) {
    const rel = relative(root, resolve(root, p));
    if (rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) continue;
    set.add(rel.split(sep).join('/'));
  }
  if (options.ignoreGitPaths !== false) for (const p of GIT_IGNORE_PATHS) set.add(p);
  return set;
}

interface TaskPlan {
  /** Resource names, in the reference's order. */
  names: string[];
  tasks: HashTask[];
  /** Bytes per task (file size, or shard length). */
  sizes: number[];
}

/** One task per file, or per shard of each non-empty file, in the reference's resource order. */
function planTasks(files: ModelFile[], shardSize: number | undefined): TaskPlan {
  const plan: TaskPlan = { names: [], tasks: [], sizes: [] };
  if (shardSize === undefined) {
    for (const f of sortResources(files, false)) {
      plan.names.push(f.name);
      plan.tasks.push({ path: f.path, start: 0 });
      plan.sizes.push(f.size);
    }
    return plan;
  }
  let count = 0;
  for (const f of files) {
    count += Math.ceil(f.size / shardSize);
    if (count > MAX_RESOURCES)
      throw new ParapetError(
        'LIMIT',
        `shards of ${shardSize} bytes would give more than ${MAX_RESOURCES} resources; use a larger shard size`,
      );
  }
  // Files in path order, shards of each in offset order: the reference's (path, start, end) order.
  for (const f of sortResources(files, false)) {
    for (let start = 0; start < f.size; start += shardSize) {
      const end = Math.min(start + shardSize, f.size);
      plan.names.push(shardName(f.name, start, end));
      plan.tasks.push({ path: f.path, start, end });
      plan.sizes.push(end - start);
    }
  }
  return plan;
}

/** Hashes the plan's tasks on the calling thread or on a worker pool; hex digests in task order. */
async function runTasks(
  plan: TaskPlan,
  algorithm: HashAlgorithm,
  total: number,
  options: HashOptions,
): Promise<string[]> {
  let done = 0;
  let reported = 0;
  const report = (force: boolean) => {
    if (options.onProgress === undefined || (!force && done - reported < PROGRESS_STEP)) return;
    reported = done;
    options.onProgress(done, total);
  };
  const onBytes = (n: number) => {
    done += n;
    report(false);
  };
  report(true);

  const workers = workerCount(options.workers, total, plan.tasks.length);
  let digests: string[];
  if (workers === 0) {
    digests = [];
    const buffer = new Uint8Array(CHUNK_SIZE);
    for (const [i, task] of plan.tasks.entries()) {
      try {
        digests.push(await hashTaskAsync(task, algorithm, buffer, onBytes));
      } catch (err) {
        // File-system failures name the file; anything else (a throwing onProgress) passes through as is.
        const e = err as NodeJS.ErrnoException;
        if (typeof e?.code !== 'string') throw err;
        throw hashingError(e.code, e.message, plan.names[i] as string);
      }
    }
  } else {
    digests = await hashInPool(plan.tasks, makeBatches(plan.sizes), {
      workers,
      algorithm,
      onBytes,
      describe: (task) => (plan.names[task] === undefined ? 'a model file' : (plan.names[task] as string)),
    });
  }
  report(true);
  return digests;
}

/** 0 (calling thread) for small models unless asked; otherwise the requested or default thread count. */
function workerCount(requested: number | undefined, total: number, tasks: number): number {
  if (requested !== undefined) return Math.min(requested, MAX_WORKERS);
  if (total < INLINE_BYTES || tasks < 2) return 0;
  return Math.min(availableParallelism(), 8);
}

function checkWorkers(requested: number | undefined): void {
  if (requested !== undefined && (!Number.isInteger(requested) || requested < 0))
    throw new ParapetError('USAGE', `workers must be a whole number of threads, not ${requested}`);
}
