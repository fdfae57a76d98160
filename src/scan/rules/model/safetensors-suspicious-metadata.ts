import type { RuleMeta } from '../../../core/rule.ts';
import type { SafetensorsHeader } from '../../../formats/safetensors.ts';
import { findCode } from '../../pickle-subject.ts';
import { type Rule, report } from '../../rule.ts';

const meta: RuleMeta = {
  id: 'model/safetensors-suspicious-metadata',
  title: 'safetensors metadata carries code, shell commands or URLs',
  severity: 'medium',
  tags: ['OWASP-LLM03', 'OWASP-LLM05', 'CWE-94', 'AML.T0010'],
  references: [
    'https://huggingface.co/docs/safetensors/metadata_parsing',
    'https://github.com/promptfoo/modelaudit',
  ],
  fix: 'safetensors never runs metadata, but tools that read it (training UIs, model cards, loaders with plugins) may. Find out who wrote the strings; strip __metadata__ you do not need before redistributing.',
};

/** A URL with a scheme a fetcher would follow; `data:` URIs (model thumbnails) are not fetched and not matched. */
const URL = /\b(?:https?|ftp|file|s3|gs|wss?):\/\/[^\s"'<>]{2,}/i;
/** Text inspected per string, and strings reported per file: bounded whatever the metadata holds. */
const MAX_TEXT = 65536;
const MAX_FINDINGS = 10;
/** Text inspected per file: a 100 MB header of metadata must not cost seconds of regex work. */
const MAX_TOTAL_TEXT = 8 * 1024 * 1024;

/**
 * Metadata is inert for the safetensors loader, so code or URLs in it are dormant (medium): a second stage
 * waiting for a tool that evaluates, renders or fetches them, or an exfiltration endpoint.
 */
export const safetensorsSuspiciousMetadata: Rule<SafetensorsHeader> = {
  meta,
  check(subject, ctx) {
    const findings = [];
    let budget = MAX_TOTAL_TEXT;
    for (const { key, value, offset } of subject.metadataStrings) {
      if (findings.length >= MAX_FINDINGS || budget <= 0) break;
      const text = value.slice(0, Math.min(MAX_TEXT, budget));
      budget -= text.length;
      const code = findCode(text);
      const url = code === undefined ? URL.exec(text) : null;
      if (code === undefined && url === null) continue;
      const what = code?.what ?? 'a URL';
      const excerpt = code?.excerpt ?? url![0].slice(0, 160);
      findings.push(
        report(meta, ctx, {
          offset,
          message: `__metadata__ ${JSON.stringify(key)} holds ${what}: ${JSON.stringify(excerpt)}`,
          evidence: { key, pattern: what, excerpt },
        }),
      );
    }
    return findings;
  },
};
