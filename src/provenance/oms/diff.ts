/**
 * How a model differs from the manifest it was signed with, file by file — what a failed verification
 * reports. Shards are rolled up to their file, so one edited byte names one file. The comparison is
 * tolerant of the ways conforming signers spell the same manifest differently: shard algorithms
 * (`sha256-sharded-8` in the reference, `sha256` in the spec), a single-file model's resource name (`.`
 * in the reference, the file's base name in the spec), digest case, and resource order.
 */
import { comparePaths, fileOfResource, SINGLE_FILE_NAME } from './manifest.ts';
import type { ManifestDiff, ModelManifest, ResourceDescriptor } from './types.ts';

/**
 * Files whose content changed (in both, different digests or shards), that appeared (only in `actual`)
 * or disappeared (only in `expected`). A renamed file is one removal and one addition. Each list is in
 * the reference's path order.
 */
export function diffManifests(expected: ModelManifest, actual: ModelManifest): ManifestDiff {
  const single = singleFileName(expected, actual);
  const want = byFile(expected, single);
  const have = byFile(actual, single);
  const diff: ManifestDiff = { changed: [], added: [], removed: [] };
  for (const [file, entries] of want) {
    const now = have.get(file);
    if (now === undefined) diff.removed.push(file);
    else if (!sameEntries(entries, now)) diff.changed.push(file);
  }
  for (const file of have.keys()) if (!want.has(file)) diff.added.push(file);
  for (const list of [diff.changed, diff.added, diff.removed]) list.sort(comparePaths);
  return diff;
}

/**
 * When one side is a single-file model in the reference's spelling (every resource is `.` or a shard of
 * it), the other side's resources named after that model (the spec's spelling) are the same file.
 * Returns the alias, or undefined when neither side is a single-file model.
 */
function singleFileName(a: ModelManifest, b: ModelManifest): string | undefined {
  for (const [m, other] of [
    [a, b],
    [b, a],
  ] as const) {
    if (isSingleFile(m)) return other.modelName === '' ? undefined : other.modelName;
  }
  return undefined;
}

function isSingleFile(m: ModelManifest): boolean {
  const sharded = m.serialization.method === 'shards';
  return (
    m.resources.length > 0 && m.resources.every((r) => fileOfResource(r.name, sharded) === SINGLE_FILE_NAME)
  );
}

/** file → (resource name within the file → plain algorithm and lower-case digest). */
function byFile(m: ModelManifest, singleFile: string | undefined): Map<string, Map<string, string>> {
  const sharded = m.serialization.method === 'shards';
  const files = new Map<string, Map<string, string>>();
  for (const r of m.resources) {
    let file = fileOfResource(r.name, sharded);
    if (singleFile !== undefined && file === singleFile) file = SINGLE_FILE_NAME;
    // The part after the file name: `:start:end` for a shard, empty for a whole file.
    const part = sharded ? r.name.slice(fileOfResource(r.name, sharded).length) : '';
    const entries = files.get(file) ?? new Map<string, string>();
    files.set(file, entries);
    entries.set(part, entryValue(r));
  }
  return files;
}

function entryValue(r: ResourceDescriptor): string {
  return `${r.algorithm.replace(/-sharded-\d+$/, '')}:${r.digest.toLowerCase()}`;
}

function sameEntries(a: Map<string, string>, b: Map<string, string>): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) if (b.get(k) !== v) return false;
  return true;
}
