/**
 * Parapet's public library API. The library never prints and never exits: scans return a ScanResult
 * whose findings, skipped files and errors are all data.
 *
 * @example
 * import { scanPaths, verdictOf } from 'parapet';
 * const result = await scanPaths(['./checkpoints'], { strict: false });
 * if (verdictOf(result, 'high') !== 'clean') console.log(result.findings);
 */

export { ParapetError } from './core/errors.ts';
export type { Finding, Location } from './core/finding.ts';
export type { ScanError, ScanResult, Skipped, Verdict } from './core/result.ts';
export { verdictOf } from './core/result.ts';
export type { RuleMeta } from './core/rule.ts';
export type { Severity } from './core/severity.ts';
export { atLeast, SEVERITIES } from './core/severity.ts';
export { type OutputFormat, WRITERS } from './core/writers/index.ts';
export { analysePickleStream } from './formats/pickle/stream.ts';
export {
  diffManifests,
  hashModel,
  type SignOptions,
  type SignResult,
  signModel,
  type VerifyOptions,
  type VerifyResult,
  verifyModel,
} from './provenance/index.ts';
export {
  buildModelBom,
  buildModelBomReport,
  InvalidBomError,
  type ModelBomOptions,
  SBOM_SPEC_VERSIONS,
} from './provenance/sbom/index.ts';
export type { ScanOptions } from './scan/context.ts';
export { scanBytes, scanPaths } from './scan/engine.ts';
export { classifyGlobal } from './scan/pickle-policy/classify.ts';
export { SCAN_RULE_METAS, SCAN_RULES } from './scan/rules/index.ts';
