import type { RuleMeta } from '../../../core/rule.ts';
import type { OnnxModel } from '../../../formats/onnx.ts';
import { type Rule, report } from '../../rule.ts';

const meta: RuleMeta = {
  id: 'model/onnx-external-data-traversal',
  title: 'ONNX external data location escapes the model directory',
  severity: 'high',
  tags: ['OWASP-LLM03', 'CWE-22'],
  references: [
    'https://nvd.nist.gov/vuln/detail/CVE-2022-25882',
    'https://nvd.nist.gov/vuln/detail/CVE-2024-27318',
    'https://onnx.ai/onnx/repo-docs/ExternalData.html',
  ],
  fix: 'Loading reads (and saving writes) the file the location names, anywhere on disk. Do not load the model; external data must be a relative path inside the model directory.',
};

/** Findings per file. */
const MAX_FINDINGS = 50;

/**
 * Why `location` leaves the model directory, or undefined if it stays inside. ONNX joins it to the model's
 * directory: an absolute path replaces that directory, and `..` climbs out of it.
 */
export function escapeReason(location: string): string | undefined {
  if (/[\u0000-\u001f]/.test(location)) return 'contains a control character (NUL truncates the path in C++)';
  if (/^[/\\]/.test(location)) return 'is an absolute path';
  if (/^[A-Za-z]:/.test(location)) return 'is a Windows drive path';
  let depth = 0;
  for (const part of location.split(/[/\\]/)) {
    if (part === '..') depth--;
    else if (part !== '' && part !== '.') depth++;
    if (depth < 0) return 'climbs out of the model directory with ..';
  }
  return undefined;
}

/** CVE-2022-25882 / CVE-2024-27318: external_data locations that read or write outside the model directory. */
export const onnxExternalDataTraversal: Rule<OnnxModel> = {
  meta,
  check(model, ctx) {
    const hits = model.external.flatMap((t) => {
      const location = t.entries.location;
      const why = location === undefined ? undefined : escapeReason(location);
      return why === undefined ? [] : [{ t, location, why }];
    });
    return hits.slice(0, MAX_FINDINGS).map(({ t, location, why }) =>
      report(meta, ctx, {
        offset: t.offset,
        message: `tensor ${JSON.stringify(t.name)} (${t.scope}) loads external data from ${JSON.stringify(location)}, which ${why}`,
        evidence: { tensor: t.name, location, scope: t.scope },
      }),
    );
  },
};
