/**
 * Known-vulnerable server releases, matched against the version an image tag carries (`ollama/ollama:0.1.33`,
 * `vllm/vllm-openai:v0.11.0`, `ghcr.io/berriai/litellm:main-v1.83.4`). The table itself is the live probe's
 * (src/probe/cves.ts, each entry with its source), so a static scan and a probe of the running server agree.
 */
import { KNOWN_VULNERABILITIES, type KnownVulnerability, vulnerabilitiesFor } from '../probe/cves.ts';
import type { Product } from '../probe/fingerprints.ts';
import type { ServerKind } from './types.ts';

/** The probe's product name for each server kind the table can know. */
const PRODUCT: Partial<Record<ServerKind, Product>> = {
  ollama: 'ollama',
  vllm: 'vllm',
  'llama.cpp': 'llama.cpp',
  tgi: 'tgi',
  localai: 'localai',
  'open-webui': 'open-webui',
  litellm: 'litellm',
  jupyter: 'jupyter',
};

/** The `x.y[.z]` version an image tag carries (`v0.6.5`, `main-v1.82.7`, `0.5.1-rocm`), or undefined (`latest`, `server-b4500`). */
export function versionOfTag(tag: string | undefined): string | undefined {
  if (tag === undefined) return undefined;
  const m = /(?:^|[-_v])(\d+\.\d+(?:\.\d+)?)(?=$|[-_+.])/.exec(tag);
  return m === null ? undefined : m[1];
}

/**
 * The table's entries that cover `version` of `server`'s image. Entries about a registry package only (the
 * LiteLLM PyPI compromise) are left out: the image of that version was built from clean source.
 */
export function vulnerabilitiesOf(server: ServerKind, version: string): KnownVulnerability[] {
  const product = PRODUCT[server];
  return product === undefined ? [] : vulnerabilitiesFor(product, version).filter((v) => !v.packageOnly);
}

/** Every source the table cites for the servers an image can be recognised as. */
export function vulnerabilitySources(): string[] {
  const products = new Set(Object.values(PRODUCT));
  return [
    ...new Set(
      KNOWN_VULNERABILITIES.filter((v) => products.has(v.product) && !v.packageOnly).map((v) => v.source),
    ),
  ];
}
