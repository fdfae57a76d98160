import type { Finding } from '../../../core/finding.ts';
import type { RuleMeta } from '../../../core/rule.ts';
import { exposureOf } from '../../../deploy/exposure.ts';
import type { DeploySubject } from '../../../deploy/types.ts';
import { type Rule, report } from '../../rule.ts';
import { launchLabel, serverFirst } from './launch-text.ts';

const meta: RuleMeta = {
  id: 'deploy/ollama-open-origins',
  title: 'Ollama accepts browser requests from any web site (OLLAMA_ORIGINS=*)',
  severity: 'medium',
  tags: ['OWASP-LLM10', 'CWE-942', 'CWE-346'],
  references: ['https://docs.ollama.com/faq', 'https://github.com/ollama/ollama/blob/main/docs/faq.md'],
  fix: 'List the exact origins that need the API (`OLLAMA_ORIGINS=https://app.example.com`) instead of `*` or scheme wildcards such as `http://*`; Ollama already allows localhost origins by default.',
};

/** `*` and scheme-wide wildcards (`http://*`, `https://*`) let any page call the API. */
const BROAD = /^(\*|[a-z][a-z0-9+.-]*:\/\/\*)$/i;

/**
 * OLL-006: OLLAMA_ORIGINS containing `*` or a scheme-wide wildcard, in any environment source (compose, k8s,
 * systemd Environment=, .env, shell exports). A web page the user visits can then drive the local Ollama API
 * — list, pull and delete models, or spend the GPU. High when the same Ollama is exposed to other hosts.
 */
export const ollamaOpenOrigins: Rule<DeploySubject> = {
  meta,
  check(subject, ctx) {
    const findings: Finding[] = [];
    const seen = new Set<number>();
    // Launches of the server first: a shared (exported) setting is judged where it takes effect.
    for (const launch of serverFirst(subject.config.launches)) {
      const v = launch.env.get('OLLAMA_ORIGINS');
      if (v === undefined || seen.has(v.line)) continue;
      const broad = v.value
        .split(',')
        .map((s) => s.trim())
        .filter((s) => BROAD.test(s));
      if (broad.length === 0) continue;
      seen.add(v.line);
      const exposure = launch.server === 'ollama' ? exposureOf(launch) : undefined;
      findings.push(
        report(meta, ctx, {
          line: v.line,
          severity: exposure === undefined ? 'medium' : 'high',
          message: `${launchLabel(launch)} sets OLLAMA_ORIGINS=${v.value}: any web page can call this Ollama's API from a visitor's browser${exposure === undefined ? '' : `, and it is reachable from other hosts (${exposure.how})`}`,
          evidence: { value: v.value, wildcards: broad },
        }),
      );
    }
    return findings;
  },
};
