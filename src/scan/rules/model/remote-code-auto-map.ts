import type { RuleMeta } from '../../../core/rule.ts';
import { type Rule, report } from '../../rule.ts';

const meta: RuleMeta = {
  id: 'model/remote-code-auto-map',
  title: 'Model configuration requires trust_remote_code (auto_map)',
  severity: 'medium',
  tags: ['OWASP-LLM03', 'AML.T0010', 'CWE-94', 'CWE-829'],
  references: [
    'https://huggingface.co/docs/transformers/custom_models',
    'https://huggingface.co/docs/transformers/models#custom-models',
  ],
  fix: 'Loading this model runs the Python files its auto_map names. Review them (Parapet scans *.py with model/remote-code-dangerous-call), pin revision=<commit> when passing trust_remote_code=True, and never load code mapped from another repository you have not reviewed.',
};

/** One `auto_map` entry: the Auto class and the `module.Class` (or `owner/repo--module.Class`) it maps to. */
export interface AutoMapEntry {
  autoClass: string;
  reference: string;
}

/** Subject: the auto_map of one Hugging Face config file. */
export interface AutoMapSubject {
  entries: readonly AutoMapEntry[];
}

/** transformers splits a reference on `--`: the part before names another repository to fetch code from. */
export function remoteRepoOf(reference: string): string | undefined {
  const at = reference.indexOf('--');
  return at > 0 ? reference.slice(0, at) : undefined;
}

/** One finding per config with an auto_map; high when an entry pulls code from another repository. */
export const remoteCodeAutoMap: Rule<AutoMapSubject> = {
  meta,
  check(subject, ctx) {
    if (subject.entries.length === 0) return [];
    const modules = [...new Set(subject.entries.map((e) => e.reference))].slice(0, 50);
    const remote = subject.entries.filter((e) => remoteRepoOf(e.reference) !== undefined);
    const repos = [...new Set(remote.map((e) => remoteRepoOf(e.reference)!))];
    const message =
      remote.length > 0
        ? `auto_map loads code from another repository (${repos.slice(0, 5).join(', ')}) with trust_remote_code`
        : `auto_map requires trust_remote_code: loading runs ${modules.slice(0, 5).join(', ')}`;
    return [
      report(meta, ctx, {
        message,
        ...(remote.length > 0 ? { severity: 'high' as const } : {}),
        evidence: {
          modules,
          remoteRepositories: repos,
          autoClasses: subject.entries.map((e) => e.autoClass).slice(0, 50),
        },
      }),
    ];
  },
};
