/**
 * Resource names, their order and the root digest, as the reference implementation (model_signing,
 * `manifest.py`) defines them — which is not quite what the OMS spec text says:
 *
 * - Order. The reference sorts manifest keys as Python dataclasses: a file by its `PurePosixPath`, which
 *   compares path COMPONENTS (`a/b` before `a.b`, because `a` < `a.b`), and a shard by (path, start, end)
 *   with NUMERIC offsets (`f:8:16` before `f:16:24`). The spec says plain code-point order of the name,
 *   which differs for exactly those two cases. Signers emit the reference order; verifiers use the order
 *   in the payload (the root digest is computed over it).
 * - Shard resources are named `path:start:end` (end exclusive) and their algorithm is `<hash>-sharded-<N>`
 *   (spec: the plain hash name).
 * - A single-file model's resource is named `.` (`Path.relative_to(itself)`); the spec says the base name.
 */
import { createHash } from 'node:crypto';
import { ParapetError } from '../../core/errors.ts';
import type { HashAlgorithm, ResourceDescriptor } from './types.ts';

/** Cap on resources (files or shards) in one manifest: bounds memory and the statement's size. */
export const MAX_RESOURCES = 1_000_000;

/** The reference's default shard size (`use_shard_serialization(shard_size=1_000_000_000)`). */
export const DEFAULT_SHARD_SIZE = 1_000_000_000;

/** The name the reference gives the one file of a single-file model. */
export const SINGLE_FILE_NAME = '.';

/** What a resource's `algorithm` says: `sha256`, or `sha256-sharded-8` for 8-byte shards. */
export function resourceAlgorithm(hash: HashAlgorithm, shardSize?: number): string {
  return shardSize === undefined ? hash : `${hash}-sharded-${shardSize}`;
}

/** A shard's resource name: `path:start:end`, end exclusive. */
export function shardName(file: string, start: number, end: number): string {
  return `${file}:${start}:${end}`;
}

/** A shard resource name taken apart. */
export interface ShardRef {
  file: string;
  start: number;
  end: number;
}

const SHARD_SUFFIX = /:(\d{1,16}):(\d{1,16})$/;

/**
 * Splits `path:start:end` at its LAST two colons (file names may contain colons; the spec says to match
 * the trailing integers). Undefined when the name has no such suffix or the offsets are not safe integers.
 */
export function parseShardName(name: string): ShardRef | undefined {
  const m = SHARD_SUFFIX.exec(name);
  if (m === null) return undefined;
  const start = Number(m[1]);
  const end = Number(m[2]);
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end)) return undefined;
  return { file: name.slice(0, m.index), start, end };
}

/** The file a resource belongs to: its name, or for a shard the name without `:start:end`. */
export function fileOfResource(name: string, sharded: boolean): string {
  return sharded ? (parseShardName(name)?.file ?? name) : name;
}

/** Compares by Unicode code point, as Python compares `str` (JavaScript's `<` compares UTF-16 units). */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // Only where a surrogate meets a unit at or above 0xE000 do UTF-16 and code-point order disagree.
    const xs = x >= 0xd800 && x <= 0xdfff;
    const ys = y >= 0xd800 && y <= 0xdfff;
    if (xs !== ys) return xs ? 1 : -1;
    return x - y;
  }
  return a.length - b.length;
}

/** `PurePosixPath` order: component lists compared element by element, a prefix first. */
export function comparePaths(a: string, b: string): number {
  if (a === b) return 0;
  const pa = a.split('/');
  const pb = b.split('/');
  const n = Math.min(pa.length, pb.length);
  for (let i = 0; i < n; i++) {
    const c = compareCodePoints(pa[i] as string, pb[i] as string);
    if (c !== 0) return c;
  }
  return pa.length - pb.length;
}

/** The reference's order of two resource names of one manifest (files, or shards with numeric offsets). */
export function compareResourceNames(a: string, b: string, sharded: boolean): number {
  if (!sharded) return comparePaths(a, b);
  const sa = parseShardName(a);
  const sb = parseShardName(b);
  if (sa === undefined || sb === undefined) return comparePaths(a, b);
  return comparePaths(sa.file, sb.file) || sa.start - sb.start || sa.end - sb.end;
}

/** Sorts resources in place into the reference's order and returns them. */
export function sortResources<T extends { name: string }>(resources: T[], sharded: boolean): T[] {
  return resources.sort((x, y) => compareResourceNames(x.name, y.name, sharded));
}

const HEX = /^(?:[0-9a-fA-F]{2})*$/;

/**
 * The statement subject's digest: SHA-256 over the raw bytes of every resource digest, concatenated in
 * the order given — always SHA-256, whatever the resources' own algorithm. Throws ParapetError
 * (MALFORMED) for a digest that is not hex.
 */
export function rootDigestOf(resources: readonly ResourceDescriptor[]): {
  algorithm: 'sha256';
  digest: string;
} {
  const hash = createHash('sha256');
  for (const r of resources) {
    if (typeof r.digest !== 'string' || !HEX.test(r.digest))
      throw new ParapetError('MALFORMED', `resource ${JSON.stringify(r.name)} has a digest that is not hex`);
    hash.update(Buffer.from(r.digest, 'hex'));
  }
  return { algorithm: 'sha256', digest: hash.digest('hex') };
}
