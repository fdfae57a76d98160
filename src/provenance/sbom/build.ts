/**
 * `buildModelBom`: a CycloneDX ML-BOM for a local model (directory or single file) or a Hugging Face
 * repository, validated before it is returned. The library entry point; the CLI is src/cli/commands/sbom.ts.
 */
import { existsSync } from 'node:fs';
import { ParapetError } from '../../core/errors.ts';
import { isHubRef } from '../../scan/hub/scan-hub.ts';
import { assembleBom } from './assemble.ts';
import { collectModelFacts } from './collect.ts';
import { openHubModel } from './hub-source.ts';
import { openLocalModel } from './local-source.ts';
import { type ModelBomOptions, SBOM_SPEC_VERSIONS, type SbomIssue, type SbomSpecVersion } from './types.ts';
import { validateBom } from './validate.ts';

/** A BOM that fails its schema or reference checks: a Parapet bug or hostile input, never written out. */
export class InvalidBomError extends ParapetError {
  constructor(readonly problems: readonly string[]) {
    super(
      'MALFORMED',
      `the generated BOM is not valid CycloneDX: ${problems.slice(0, 3).join('; ')}${problems.length > 3 ? ` (and ${problems.length - 3} more)` : ''}`,
    );
    this.name = 'InvalidBomError';
  }
}

/** The BOM and what could not be read (also recorded inside the BOM as `parapet:issue` properties). */
export interface ModelBomReport {
  bom: Record<string, unknown>;
  issues: SbomIssue[];
  /** True when an issue means the BOM is missing something it promises (a file's hash, part of the listing). */
  incomplete: boolean;
}

const URN_UUID = /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/**
 * Builds and validates the BOM of `modelPathOrRef` (a path, or `hf://OWNER/NAME[@REVISION]`). Unreadable
 * parts (a malformed model card, a broken header, an unreadable file) are issues, not failures. Throws
 * ParapetError USAGE (bad options or reference), NOT_FOUND (no such model), UNREADABLE (Hub access refused),
 * and InvalidBomError when the result does not validate.
 */
export async function buildModelBomReport(
  modelPathOrRef: string,
  options: ModelBomOptions = {},
): Promise<ModelBomReport> {
  const specVersion: SbomSpecVersion = options.specVersion ?? '1.6';
  if (!SBOM_SPEC_VERSIONS.includes(specVersion)) {
    throw new ParapetError(
      'USAGE',
      `CycloneDX ${String(specVersion)} is not supported (use ${SBOM_SPEC_VERSIONS.join(' or ')})`,
    );
  }
  if (options.serialNumber !== undefined && !URN_UUID.test(options.serialNumber)) {
    throw new ParapetError(
      'USAGE',
      `serial number must be urn:uuid:<RFC 4122 UUID>, not ${JSON.stringify(options.serialNumber)}`,
    );
  }
  if (options.timestamp instanceof Date && Number.isNaN(options.timestamp.getTime())) {
    throw new ParapetError('USAGE', 'timestamp is not a valid date');
  }
  // Checked before any hashing: a signature asked for by name must exist.
  if (options.signaturePath !== undefined && !existsSync(options.signaturePath)) {
    throw new ParapetError('NOT_FOUND', `${options.signaturePath}: no such signature file`);
  }
  const source = isHubRef(modelPathOrRef)
    ? await openHubModel(modelPathOrRef, options.hub)
    : await openLocalModel(modelPathOrRef);
  const facts = await collectModelFacts(source, options);
  const assembleOptions: Parameters<typeof assembleBom>[1] = { specVersion };
  if (options.toolVersion !== undefined) assembleOptions.toolVersion = options.toolVersion;
  if (options.serialNumber !== undefined) assembleOptions.serialNumber = options.serialNumber;
  if (options.timestamp !== undefined) assembleOptions.timestamp = options.timestamp;
  const bom = assembleBom(facts, assembleOptions);
  const problems = await validateBom(bom, specVersion);
  if (problems.length > 0) throw new InvalidBomError(problems);
  return { bom, issues: facts.issues, incomplete: facts.issues.some((i) => i.incomplete) };
}

/** The validated BOM of `modelPathOrRef` as a JSON object (see buildModelBomReport). Never prints. */
export async function buildModelBom(
  modelPathOrRef: string,
  options: ModelBomOptions = {},
): Promise<Record<string, unknown>> {
  return (await buildModelBomReport(modelPathOrRef, options)).bom;
}
