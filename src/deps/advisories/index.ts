/**
 * The advisory database: OSV records compiled into a fast-loading index (build.ts, index-file.ts), the
 * snapshot Parapet ships (bundled.ts), PEP 440 / SemVer range matching (match.ts, versions.ts), and `--online`
 * OSV API queries (online.ts).
 */
export {
  type BuildOptions,
  type BuildProblem,
  type BuildProgress,
  type BuildReport,
  buildAdvisoryIndex,
} from './build.ts';
export {
  bundledIndexPath,
  chooseIndex,
  type IndexChoice,
  loadBundledIndex,
  loadDefaultIndex,
  USER_INDEX_FILE,
  userIndexPath,
} from './bundled.ts';
export { type IndexHeader, type LoadedAdvisoryIndex, loadAdvisoryIndex } from './index-file.ts';
export { mergeAdvisories, onlineKey } from './merge.ts';
export { type OsvQueryDep, type OsvQueryOptions, queryOsvBatch } from './online.ts';
export { cvss3BaseScore, severityFromScore } from './severity.ts';
export { compareVersions, isValidVersion } from './versions.ts';
