/**
 * The probe catalogue, in report order (by category, then id). Each probe lives in
 * probes/<category>/<name>.ts with its metadata; docs/redteam/probes.md is generated from these metas.
 */
import { ParapetError } from '../../core/errors.ts';
import type { Probe } from '../types.ts';
import { piiCanary } from './data-leakage/pii-canary.ts';
import { secretCanary } from './data-leakage/secret-canary.ts';
import { base64Injection } from './encoding/base64.ts';
import { hexInjection } from './encoding/hex.ts';
import { homoglyphInjection } from './encoding/homoglyphs.ts';
import { leetspeakInjection } from './encoding/leetspeak.ts';
import { rot13Injection } from './encoding/rot13.ts';
import { unicodeTagsInjection } from './encoding/unicode-tags.ts';
import { htmlTag } from './exfiltration/html-tag.ts';
import { markdownImage } from './exfiltration/markdown-image.ts';
import { documentInjection } from './indirect-injection/document.ts';
import { ragSnippet } from './indirect-injection/rag-snippet.ts';
import { toolResult } from './indirect-injection/tool-result.ts';
import { ansiEscape } from './insecure-output/ansi-escape.ts';
import { shellInjection } from './insecure-output/shell-injection.ts';
import { sqlInjection } from './insecure-output/sql-injection.ts';
import { xss } from './insecure-output/xss.ts';
import { developerMode } from './jailbreak/developer-mode.ts';
import { doAnythingNow } from './jailbreak/do-anything-now.ts';
import { refusalSuppression } from './jailbreak/refusal-suppression.ts';
import { roleplay } from './jailbreak/roleplay.ts';
import { translatedInjection } from './multilingual/translated-injection.ts';
import { pipInstall } from './package-hallucination/pip-install.ts';
import { ignorePrevious } from './prompt-injection/ignore-previous.ts';
import { payloadSplitting } from './prompt-injection/payload-splitting.ts';
import { directRequest } from './system-prompt-extraction/direct-request.ts';
import { encodedLeak } from './system-prompt-extraction/encoded-leak.ts';
import { multiTurnExtraction } from './system-prompt-extraction/multi-turn.ts';

export const PROBES: readonly Probe[] = [
  ignorePrevious,
  payloadSplitting,
  documentInjection,
  ragSnippet,
  toolResult,
  developerMode,
  doAnythingNow,
  refusalSuppression,
  roleplay,
  directRequest,
  encodedLeak,
  multiTurnExtraction,
  htmlTag,
  markdownImage,
  base64Injection,
  hexInjection,
  homoglyphInjection,
  leetspeakInjection,
  rot13Injection,
  unicodeTagsInjection,
  translatedInjection,
  ansiEscape,
  shellInjection,
  sqlInjection,
  xss,
  pipInstall,
  piiCanary,
  secretCanary,
];

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
