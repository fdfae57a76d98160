/**
 * Manifest and lock-file parsers: one entry point from (kind, path, text) to a `Manifest`. Parsers never
 * read files (includes go through `options.readInclude`), never throw on bad content (it becomes a
 * `problems` entry), and never execute anything they read.
 */
import type { Manifest, ManifestKind } from '../types.ts';
import { addProblem, emptyManifest, firstLine, MAX_MANIFEST_BYTES, withinSizeCap } from './common.ts';
import { parseCondaEnvironment } from './conda-environment.ts';
import { isConstraintsFileName } from './kinds.ts';
import { parsePackageLock } from './package-lock.ts';
import { parsePdmLock } from './pdm-lock.ts';
import { parsePipfileLock } from './pipfile-lock.ts';
import { parsePoetryLock } from './poetry-lock.ts';
import { parsePyproject } from './pyproject.ts';
import { type ParseManifestOptions, parseRequirementsInto } from './requirements.ts';
import { parseUvLock } from './uv-lock.ts';

export { MAX_MANIFEST_BYTES, MAX_PROBLEMS } from './common.ts';
export {
  isConstraintsFileName,
  MANIFEST_FILE_PATTERNS,
  type ManifestFilePattern,
  manifestKindOf,
} from './kinds.ts';
export { redactUrl } from './locations.ts';
export { parseRequirement, type Requirement, type RequirementError } from './pep508.ts';
export { DEFAULT_MAX_INCLUDE_DEPTH, type IncludeReader, type ParseManifestOptions } from './requirements.ts';

const LOCK_KINDS: ReadonlySet<ManifestKind> = new Set([
  'poetry-lock',
  'uv-lock',
  'pipfile-lock',
  'pdm-lock',
  'package-lock',
]);

/**
 * Parses `text`, the content of the `kind` file at `path`, into a Manifest. Bad content (invalid TOML,
 * JSON or YAML, unknown lines, unreadable includes, a file over MAX_MANIFEST_BYTES) becomes `problems`
 * entries; whatever could be read is still returned. Never throws.
 */
export function parseManifest(
  kind: ManifestKind,
  path: string,
  text: string,
  options: ParseManifestOptions = {},
): Manifest {
  const manifest = emptyManifest(kind, path, LOCK_KINDS.has(kind));
  if (!withinSizeCap(text)) {
    addProblem(
      manifest,
      `larger than the ${MAX_MANIFEST_BYTES / (1024 * 1024)} MiB limit; not parsed, so not checked`,
    );
    return manifest;
  }
  try {
    switch (kind) {
      case 'requirements':
        parseRequirementsInto(manifest, text, options, isConstraintsFileName(path));
        break;
      case 'pyproject':
        parsePyproject(manifest, text);
        break;
      case 'poetry-lock':
        parsePoetryLock(manifest, text);
        break;
      case 'uv-lock':
        parseUvLock(manifest, text);
        break;
      case 'pipfile-lock':
        parsePipfileLock(manifest, text);
        break;
      case 'pdm-lock':
        parsePdmLock(manifest, text);
        break;
      case 'conda-environment':
        parseCondaEnvironment(manifest, text, options);
        break;
      case 'package-lock':
        parsePackageLock(manifest, text);
        break;
      default:
        addProblem(manifest, `unknown manifest kind ${JSON.stringify(kind)}`);
    }
  } catch (err) {
    // A parser bug or an input that exhausted something (the stack): fail closed, never crash the scan.
    addProblem(
      manifest,
      `could not be parsed: ${err instanceof Error ? firstLine(err.message) : String(err)}`,
    );
  }
  return manifest;
}
