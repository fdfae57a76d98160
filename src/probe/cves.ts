/**
 * A small, curated table of known vulnerabilities by product version, for the versions servers announce
 * about themselves (/api/version, /version, /api/config, /info, /health/readiness, /config, /api). Each
 * entry names its source; docs/rules/probe/vulnerable-version.md says which ones were checked and how.
 * Deliberately short: the probe reports a version to look up, it is not a vulnerability database.
 */
import type { Severity } from '../core/severity.ts';
import type { Product } from './fingerprints.ts';

export interface KnownVulnerability {
  product: Product;
  id: string;
  title: string;
  severity: Severity;
  /** Affected: introduced <= v < fixed (introduced defaults to 0); or exactly one of `versions`. */
  introduced?: string;
  fixed?: string;
  versions?: string[];
  /**
   * Only the package as published to a registry was affected, not the project's own container images (the
   * LiteLLM PyPI compromise: the official proxy image was built from clean source). The static image check
   * skips these; a running server announcing the version may be either, so the probe keeps them.
   */
  packageOnly?: boolean;
  source: string;
}

export const KNOWN_VULNERABILITIES: readonly KnownVulnerability[] = [
  {
    product: 'ollama',
    id: 'CVE-2024-28224',
    title: 'DNS rebinding lets a web page call the API of a loopback-bound server',
    severity: 'high',
    fixed: '0.1.29',
    source: 'https://nvd.nist.gov/vuln/detail/CVE-2024-28224',
  },
  {
    product: 'ollama',
    id: 'CVE-2024-37032',
    title: '"Probllama": unvalidated digest gives path traversal and code execution through /api/pull',
    severity: 'critical',
    fixed: '0.1.34',
    source: 'https://github.com/golang/vulndb/issues/2901',
  },
  {
    product: 'ollama',
    id: 'CVE-2024-45436',
    title: 'Zip Slip: a pulled or created model archive writes files outside the models directory',
    severity: 'high',
    fixed: '0.1.47',
    source: 'https://github.com/ollama/ollama/security/advisories/GHSA-x8g7-52qv-4wr9',
  },
  {
    product: 'ollama',
    id: 'CVE-2026-7482',
    title: '"Bleeding Llama": heap out-of-bounds read through /api/create, leaked through /api/push',
    // CVSS 9.1 (GHSA-x8qc-fggm-mpqg); unauthenticated on a default Ollama, memory holds keys and prompts.
    severity: 'critical',
    fixed: '0.17.1',
    source: 'https://github.com/advisories/GHSA-x8qc-fggm-mpqg',
  },
  {
    product: 'vllm',
    id: 'CVE-2025-62164',
    title: 'Prompt embeddings deserialised without checks: memory corruption and possible code execution',
    severity: 'high',
    introduced: '0.10.2',
    fixed: '0.11.1',
    source: 'https://nvd.nist.gov/vuln/detail/CVE-2025-62164',
  },
  {
    product: 'vllm',
    id: 'CVE-2026-22807',
    title: 'auto_map code in a model repository runs at load even without trust_remote_code',
    severity: 'high',
    // GHSA-2pc9-4j83-qjmr: >= 0.10.1, < 0.14.0.
    introduced: '0.10.1',
    fixed: '0.14.0',
    source: 'https://github.com/advisories/GHSA-2pc9-4j83-qjmr',
  },
  {
    product: 'open-webui',
    id: 'CVE-2025-64496',
    title: 'Direct Connections: a malicious model server injects code into the browser session',
    severity: 'high',
    fixed: '0.6.35',
    source: 'https://nvd.nist.gov/vuln/detail/CVE-2025-64496',
  },
  {
    product: 'litellm',
    id: 'MAL-2026-2144',
    title: 'A compromised PyPI release (TeamPCP, 2026-03-24) that steals credentials from the host',
    severity: 'critical',
    versions: ['1.82.7', '1.82.8'],
    // LiteLLM's security update: users of the official proxy Docker image were not affected.
    packageOnly: true,
    source: 'https://docs.litellm.ai/blog/security-update-march-2026',
  },
  {
    product: 'litellm',
    id: 'CVE-2026-42208',
    title: "SQL injection in the proxy's API-key verification, before authentication",
    severity: 'critical',
    introduced: '1.81.16',
    fixed: '1.83.7',
    source: 'https://github.com/advisories/GHSA-r75f-5x8p-qvmc',
  },
  {
    product: 'gradio',
    id: 'CVE-2023-51449',
    title: 'Path traversal reads arbitrary files through the file route',
    severity: 'high',
    fixed: '4.11.0',
    source: 'https://nvd.nist.gov/vuln/detail/CVE-2023-51449',
  },
  {
    product: 'gradio',
    id: 'CVE-2024-47167',
    title: 'Server-side request forgery through the /queue/join path',
    severity: 'high',
    fixed: '5.0.0',
    source: 'https://nvd.nist.gov/vuln/detail/CVE-2024-47167',
  },
];

/** Numeric release parts of a version (`v0.6.4+cu121` -> [0, 6, 4]); undefined when there are none. */
export function releaseOf(version: string): number[] | undefined {
  const m = /^v?(\d+(?:\.\d+)*)/.exec(version.trim());
  return m ? m[1]!.split('.').map(Number) : undefined;
}

/** Compares release parts, missing parts counting as 0 (0.1 == 0.1.0). */
export function compareReleases(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * A pre-release (`0.1.34-rc1`) sorts before its release; treat it as the release minus a hair, so
 * `0.1.34-rc1` is still affected by a fix in 0.1.34.
 */
function isPrerelease(version: string): boolean {
  return /^v?\d+(?:\.\d+)*-?(rc|a|b|alpha|beta|dev|pre)/i.test(version.trim());
}

/** The table's entries that a product at `version` is affected by. */
export function vulnerabilitiesFor(product: Product, version: string): KnownVulnerability[] {
  const release = releaseOf(version);
  if (!release) return [];
  const pre = isPrerelease(version);
  return KNOWN_VULNERABILITIES.filter((v) => {
    if (v.product !== product) return false;
    if (v.versions) return v.versions.some((x) => compareReleases(releaseOf(x)!, release) === 0 && !pre);
    if (v.introduced && compareReleases(release, releaseOf(v.introduced)!) < 0) return false;
    if (!v.fixed) return true;
    const c = compareReleases(release, releaseOf(v.fixed)!);
    return c < 0 || (c === 0 && pre);
  });
}
