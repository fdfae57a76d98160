/**
 * The probe catalogue, in report order (by category, then id). Each probe lives in
 * probes/<category>/<name>.ts with its metadata; docs/redteam/probes.md is generated from these metas.
 */
import { ParapetError } from '../../core/errors.ts';
import type { Probe } from '../types.ts';
import { markdownImage } from './exfiltration/markdown-image.ts';
import { ignorePrevious } from './prompt-injection/ignore-previous.ts';
import { payloadSplitting } from './prompt-injection/payload-splitting.ts';
import { directRequest } from './system-prompt-extraction/direct-request.ts';

export const PROBES: readonly Probe[] = [ignorePrevious, payloadSplitting, directRequest, markdownImage];

/**
 * The probes named by `selectors` (ids like `encoding/base64`, or whole categories like `encoding`), in
 * catalogue order; all of them when `selectors` is empty or undefined. An unknown name is a usage error:
 * a typo must not silently shrink the run.
 */
export function selectProbes(catalogue: readonly Probe[], selectors?: readonly string[]): Probe[] {
  const wanted = (selectors ?? []).map((s) => s.trim()).filter((s) => s !== '');
  if (wanted.length === 0) return [...catalogue];
  for (const s of wanted) {
    if (!catalogue.some((p) => p.meta.id === s || p.meta.category === s))
      throw new ParapetError('USAGE', `unknown probe or category "${s}" (see --list-probes)`);
  }
  return catalogue.filter((p) => wanted.includes(p.meta.id) || wanted.includes(p.meta.category));
}

export function probeById(id: string): Probe | undefined {
  return PROBES.find((p) => p.meta.id === id);
}
