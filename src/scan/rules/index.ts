import { createRegistry } from '../../core/registry.ts';
import type { RuleMeta } from '../../core/rule.ts';
import type { Rule } from '../rule.ts';
import { archiveParserDifferential } from './model/archive-parser-differential.ts';
import { archivePathTraversal } from './model/archive-path-traversal.ts';
import { type NpySubject, numpyObjectArray } from './model/numpy-object-array.ts';
import { pickleDangerousCall } from './model/pickle-dangerous-call.ts';
import { pickleDangerousImport } from './model/pickle-dangerous-import.ts';
import { pickleEmbeddedPayload } from './model/pickle-embedded-payload.ts';
import { pickleFrameMismatch } from './model/pickle-frame-mismatch.ts';
import { pickleGlobalMutation } from './model/pickle-global-mutation.ts';
import { pickleMalformed } from './model/pickle-malformed.ts';
import { pickleResourceExhaustion } from './model/pickle-resource-exhaustion.ts';
import { pickleUnknownImport } from './model/pickle-unknown-import.ts';
import { pickleUnresolvedCallable } from './model/pickle-unresolved-callable.ts';
import type { ArchiveSubject, PickleSubject } from './model/subjects.ts';

/** Rules over each pickle in a stream. Plain array literals: the registry is explicit, never an import side effect. */
export const PICKLE_RULES: readonly Rule<PickleSubject>[] = [
  pickleDangerousCall,
  pickleDangerousImport,
  pickleUnknownImport,
  pickleUnresolvedCallable,
  pickleGlobalMutation,
  pickleFrameMismatch,
  pickleResourceExhaustion,
  pickleMalformed,
  pickleEmbeddedPayload,
];

/** Rules over archive structure (zip, tar, 7z). */
export const ARCHIVE_RULES: readonly Rule<ArchiveSubject>[] = [
  archiveParserDifferential,
  archivePathTraversal,
];

/** Rules over NumPy headers. */
export const NPY_RULES: readonly Rule<NpySubject>[] = [numpyObjectArray];

/** Every scan rule, by id; building it fails on a duplicate id. */
export const SCAN_RULES = createRegistry<{ meta: RuleMeta }>([
  ...PICKLE_RULES,
  ...ARCHIVE_RULES,
  ...NPY_RULES,
]);

/** Metadata of every scan rule, for writers and docs. */
export const SCAN_RULE_METAS: readonly RuleMeta[] = SCAN_RULES.all.map((r) => r.meta);
