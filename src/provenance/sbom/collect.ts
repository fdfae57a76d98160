/**
 * Reads everything the BOM records from a model source: every file's hash, weights headers, the shard
 * index, the model card, config.json, the signature's claims and the manifests beside the model. Each reader
 * is fenced: a file that cannot be read becomes an issue and the rest still goes into the BOM.
 */
import { describeError } from '../../core/errors.ts';
import { MAX_MANIFEST_BYTES, manifestKindOf } from '../../deps/manifests/index.ts';
import { isGguf, parseGguf } from '../../formats/gguf.ts';
import { isSafetensors, parseSafetensorsHeader } from '../../formats/safetensors.ts';
import { HubAuthError } from '../../scan/hub/client.ts';
import { parseCard } from './card.ts';
import { MAX_CONFIG_BYTES, parseConfig } from './config.ts';
import { collectDependencies, includeReaderOver, type ManifestText, resolveIncludePath } from './deps.ts';
import { compareClaims, MAX_SIGNATURE_BYTES, readSignatureClaims } from './signature.ts';
import type { ModelSource } from './source.ts';
import type {
  CardFacts,
  ConfigFacts,
  DependencyFacts,
  FileFacts,
  ModelBomOptions,
  SbomHashAlgorithm,
  SbomIssue,
  ShardIndexFacts,
  SignatureFacts,
} from './types.ts';
import {
  checkShardIndex,
  ggufWeights,
  MAX_INDEX_BYTES,
  modelTotals,
  parseShardIndex,
  type ReadWeights,
  safetensorsWeights,
} from './weights.ts';

/** A README is read whole for its front matter; one this large is not a model card. */
const MAX_README_BYTES = 16 * 1024 * 1024;
/** `-r`/`-c` include files fetched beyond the manifests themselves. */
const MAX_INCLUDE_FILES = 64;

/** Everything read from one model, before it becomes CycloneDX. */
export interface ModelFacts {
  source: ModelSource;
  files: FileFacts[];
  indexes: ShardIndexFacts[];
  /** Tensors and parameters over the model's weight sets (see `modelTotals`). */
  tensors?: number;
  parameters?: bigint;
  /** Present when the model has a README.md (even one without front matter). */
  card?: CardFacts;
  config?: ConfigFacts;
  /** Base models named in GGUF metadata (`general.base_model.N.repo_url`). */
  ggufBaseModels: string[];
  /** `general.license` of the GGUF files, when they name one. */
  ggufLicenses: string[];
  signature?: SignatureFacts;
  dependencies: DependencyFacts[];
  issues: SbomIssue[];
}

const baseName = (path: string): string => path.slice(path.lastIndexOf('/') + 1);

/** The Hub refusing a gated or private repository stops the whole BOM: no part of it could be read. */
function rethrowRefusal(err: unknown): void {
  if (err instanceof HubAuthError) throw err;
}

/** Reads the facts of `source`. Throws only what the source throws for the model as a whole. */
export async function collectModelFacts(source: ModelSource, options: ModelBomOptions): Promise<ModelFacts> {
  const issues: SbomIssue[] = [...source.issues];
  const note = (path: string, message: string, incomplete = false): void => {
    issues.push({ path, message, incomplete });
  };
  const algorithms: SbomHashAlgorithm[] = options.blake3 ? ['SHA-256', 'BLAKE3'] : ['SHA-256'];
  const files: FileFacts[] = [];
  const read = new Map<string, ReadWeights>();
  const total = source.entries.length;
  for (const [i, entry] of source.entries.entries()) {
    options.onFile?.(entry.path, i, total);
    const file: FileFacts = { path: entry.path, size: entry.size, hashes: {} };
    if (entry.symlink) file.symlink = true;
    try {
      const { hashes, origin } = await source.hash(entry.path, algorithms);
      file.hashes = hashes;
      file.hashOrigin = origin;
    } catch (err) {
      rethrowRefusal(err);
      note(entry.path, `not hashed: ${describeError(err)}`, true);
    }
    const weights = await readWeights(source, entry.path, note);
    if (weights !== undefined) {
      file.weights = weights.facts;
      read.set(entry.path, weights);
    }
    files.push(file);
  }

  const indexes: ShardIndexFacts[] = [];
  for (const entry of source.entries) {
    if (!entry.path.endsWith('.safetensors.index.json')) continue;
    try {
      const index = parseShardIndex(await source.readText(entry.path, MAX_INDEX_BYTES));
      for (const p of index.problems) note(entry.path, p);
      if (index.weightMap.size === 0) continue;
      const checked = checkShardIndex(entry.path, index, (p) => read.get(p));
      for (const p of checked.problems) note(entry.path, p);
      indexes.push(checked.facts);
    } catch (err) {
      rethrowRefusal(err);
      note(entry.path, `shard index not read: ${describeError(err)}`);
    }
  }

  const facts: ModelFacts = {
    source,
    files,
    indexes,
    ggufBaseModels: [...new Set([...read.values()].flatMap((w) => w.baseModels))],
    ggufLicenses: [
      ...new Set(
        [...read.values()].flatMap((w) =>
          w.facts.metadata?.['general.license'] ? [w.facts.metadata['general.license']] : [],
        ),
      ),
    ],
    dependencies: [],
    issues,
  };
  const totals = modelTotals(files, indexes);
  if (totals !== undefined) {
    facts.parameters = totals.parameters;
    facts.tensors = totals.tensors;
  }

  const has = new Set(source.entries.map((e) => e.path));
  if (!source.singleFile && has.has('README.md')) {
    try {
      const { card, problems } = parseCard(await source.readText('README.md', MAX_README_BYTES));
      facts.card = card;
      for (const p of problems) note('README.md', p);
    } catch (err) {
      rethrowRefusal(err);
      note('README.md', `model card not read: ${describeError(err)}`);
    }
  }
  if (!source.singleFile && has.has('config.json')) {
    try {
      const { config, problems } = parseConfig(await source.readText('config.json', MAX_CONFIG_BYTES));
      facts.config = config;
      for (const p of problems) note('config.json', p);
    } catch (err) {
      rethrowRefusal(err);
      note('config.json', `not read: ${describeError(err)}`);
    }
  }

  await readSignature(source, options, files, facts, note);
  if (!source.singleFile) await readDependencies(source, facts, note);
  return facts;
}

/**
 * The header of a `.safetensors` or `.gguf` file, confirmed by its bytes (a file named like weights that
 * is not is noted, never counted). Other files are not opened: on the Hub every open is a request.
 */
async function readWeights(
  source: ModelSource,
  path: string,
  note: (path: string, message: string, incomplete?: boolean) => void,
): Promise<ReadWeights | undefined> {
  const lower = path.toLowerCase();
  const format = lower.endsWith('.safetensors')
    ? 'safetensors'
    : lower.endsWith('.gguf')
      ? 'gguf'
      : undefined;
  if (format === undefined) return undefined;
  let header: Awaited<ReturnType<ModelSource['openHeader']>>;
  try {
    header = await source.openHeader(path, format);
  } catch (err) {
    rethrowRefusal(err);
    note(path, `weights header not read: ${describeError(err)}`);
    return undefined;
  }
  try {
    let weights: ReadWeights;
    if (format === 'safetensors') {
      if (!isSafetensors(header.src)) {
        note(path, 'named .safetensors but has no safetensors header; tensors not counted');
        return undefined;
      }
      weights = safetensorsWeights(parseSafetensorsHeader(header.src));
    } else {
      if (!isGguf(header.src)) {
        note(path, 'named .gguf but has no GGUF magic; tensors not counted');
        return undefined;
      }
      weights = ggufWeights(parseGguf(header.src, { tensors: true }));
    }
    if (header.truncated !== undefined) note(path, header.truncated);
    for (const p of weights.problems) note(path, p);
    return weights;
  } catch (err) {
    rethrowRefusal(err);
    note(path, `weights header not read: ${describeError(err)}`);
    return undefined;
  } finally {
    header.close();
  }
}

async function readSignature(
  source: ModelSource,
  options: ModelBomOptions,
  files: readonly FileFacts[],
  facts: ModelFacts,
  note: (path: string, message: string, incomplete?: boolean) => void,
): Promise<void> {
  let found: { path: string; text: string } | undefined;
  try {
    found = await source.readSignature(options.signaturePath, MAX_SIGNATURE_BYTES);
  } catch (err) {
    rethrowRefusal(err);
    note(options.signaturePath ?? 'model.sig', `signature not read: ${describeError(err)}`);
    return;
  }
  if (found === undefined) return;
  const sig = readSignatureClaims(found.path, found.text);
  if (sig.error !== undefined) note(found.path, `signature bundle: ${sig.error}`);
  sig.claimsMatch = compareClaims(sig, files, source.singleFile);
  // HOOK: signature verification is another module's job (src/provenance/oms/verify.ts); the caller wires it.
  if (options.verifySignature !== undefined && source.localPath !== undefined) {
    const signaturePath = options.signaturePath ?? defaultSignaturePath(source, found.path);
    try {
      sig.verdict = await options.verifySignature({ modelPath: source.localPath, signaturePath });
    } catch (err) {
      sig.verdict = { verified: false, detail: `verification failed: ${describeError(err)}` };
    }
  }
  facts.signature = sig;
}

/** Where the default signature file was found (its BOM name is model-relative, or a base name beside a file). */
function defaultSignaturePath(source: ModelSource, bomPath: string): string {
  const local = source.localPath!;
  if (!source.singleFile) return `${local}/${bomPath}`;
  return `${local.slice(0, local.length - baseName(local).length)}${bomPath}`;
}

const INCLUDE_LINE = /^\s*(?:-r|-c|--requirement|--constraint)(?:\s*=\s*|\s+)(\S+)/gm;

/** Reads the manifests beside the model, and the `-r`/`-c` files they include, then parses them all. */
async function readDependencies(
  source: ModelSource,
  facts: ModelFacts,
  note: (path: string, message: string, incomplete?: boolean) => void,
): Promise<void> {
  const manifests: ManifestText[] = [];
  const texts = new Map<string, string>();
  for (const entry of source.entries) {
    const kind = manifestKindOf(entry.path);
    if (kind === undefined) continue;
    try {
      const text = await source.readText(entry.path, MAX_MANIFEST_BYTES);
      manifests.push({ path: entry.path, kind, text });
      texts.set(entry.path, text);
    } catch (err) {
      rethrowRefusal(err);
      note(entry.path, `dependencies not read: ${describeError(err)}`);
    }
  }
  if (manifests.length === 0) return;
  // The parsers read includes synchronously, so the files they name are fetched first (transitively).
  const listed = new Set(source.entries.map((e) => e.path));
  const pending = manifests.filter((m) => m.kind === 'requirements').map((m) => m.path);
  let fetched = 0;
  while (pending.length > 0 && fetched < MAX_INCLUDE_FILES) {
    const from = pending.pop()!;
    for (const m of (texts.get(from) ?? '').matchAll(INCLUDE_LINE)) {
      const target = resolveIncludePath(from, m[1]!);
      if (target === undefined || !listed.has(target) || texts.has(target) || fetched >= MAX_INCLUDE_FILES)
        continue;
      try {
        texts.set(target, await source.readText(target, MAX_MANIFEST_BYTES));
        fetched++;
        pending.push(target);
      } catch {
        // Left unread: the parser reports the include as not followed.
      }
    }
  }
  const { dependencies, problems } = collectDependencies(manifests, includeReaderOver(texts));
  facts.dependencies = dependencies;
  for (const p of problems) note(p.path, p.message);
}
