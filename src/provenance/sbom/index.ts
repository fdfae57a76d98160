/**
 * CycloneDX ML-BOMs for models: `buildModelBom(path | 'hf://OWNER/NAME[@REV]', options)`. See docs/sbom.md
 * for what goes where.
 */
export { huggingfacePurl } from './assemble.ts';
export { buildModelBom, buildModelBomReport, InvalidBomError, type ModelBomReport } from './build.ts';
export { emptyCard, frontMatter, parseCard } from './card.ts';
export { parseConfig, taskFromArchitecture } from './config.ts';
export { compareClaims, readSignatureClaims } from './signature.ts';
export {
  type CardFacts,
  type ConfigFacts,
  type DependencyFacts,
  type FileFacts,
  type ModelBomOptions,
  SBOM_SPEC_VERSIONS,
  type SbomHashAlgorithm,
  type SbomIssue,
  type SbomSpecVersion,
  type SignatureFacts,
  type SignatureVerdict,
  type SignatureVerifier,
} from './types.ts';
export { referenceProblems, validateBom } from './validate.ts';
