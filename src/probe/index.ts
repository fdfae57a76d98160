/** The live probe: `probeTargets` and what it is built from. */
export { evaluate, GENERATION_PATHS, type ProbeEvidence } from './checks.ts';
export { KNOWN_VULNERABILITIES, type KnownVulnerability, vulnerabilitiesFor } from './cves.ts';
export { PROBE_RULE_METAS } from './findings.ts';
export {
  type Fingerprint,
  fingerprint,
  type Observations,
  PROBE_PATHS,
  type Product,
} from './fingerprints.ts';
export { isMutatingPath, PROBE_ORIGIN } from './http.ts';
export { type ProbeOptions, probeTargets } from './runner.ts';
export {
  DEFAULT_PORTS,
  expandCidr,
  isLoopbackHost,
  MIN_CIDR_PREFIX,
  type ProbeTarget,
  parseTarget,
  parseTargetList,
  planTargets,
} from './targets.ts';
