import type { RuleMeta } from '../../../core/rule.ts';
import { type Rule, report } from '../../rule.ts';

const meta: RuleMeta = {
  id: 'dataset/loading-script',
  title: 'A dataset loading script runs when the data set is loaded with trust_remote_code',
  severity: 'medium',
  tags: ['OWASP-LLM03', 'AML.T0010', 'AML.T0011', 'CWE-94'],
  references: [
    'https://huggingface.co/docs/datasets/dataset_script',
    'https://github.com/huggingface/datasets/pull/7592',
    'https://huggingface.co/docs/hub/security-malware',
  ],
  fix: 'Load the data files themselves (Parquet, JSON Lines, CSV) instead of running the script: `datasets` 4.0 and later refuse scripts, and earlier versions run them only with trust_remote_code=True. If you must run it, read it first (the findings of model/remote-code-dangerous-call point at its dangerous calls) and pin the revision you read.',
};

/** Subject: the text of one Python file and the number of dangerous call sites found in it. */
export interface LoadingScriptSubject {
  text: string;
  dangerousCalls: number;
}

/** A `datasets` builder defined in the file: what `load_dataset` instantiates from a script. */
const BUILDER =
  /^[ \t]*class\s+\w+\s*\(\s*(?:datasets\.)?(?:GeneratorBasedBuilder|ArrowBasedBuilder|DatasetBuilder|BeamBasedBuilder)\s*\)/m;
const IMPORTS_DATASETS = /^[ \t]*(?:import\s+datasets\b|from\s+datasets(?:\.\w+)*\s+import\b)/m;

/**
 * The file and directory names of a location: `tiny/tiny.py`, `hf://datasets/OWNER/tiny@main/tiny.py` (the
 * revision after `@` is not part of the name) or an archive member.
 */
function names(path: string): { file: string; dir: string } {
  const parts = path.split(/[\\/]/);
  const file = (parts.pop() ?? '').replace(/\.pyw?$/i, '');
  const dir = (parts.pop() ?? '').replace(/@.*$/, '');
  return { file, dir };
}

/**
 * `dataset/loading-script`: a Python file that defines a `datasets` builder. Named after its directory (or
 * Hub repository) it is the script `load_dataset` runs; elsewhere it is still a builder someone can point
 * `load_dataset` at. Reported once per file, high when the file also makes dangerous calls.
 */
export const loadingScript: Rule<LoadingScriptSubject> = {
  meta,
  check(subject, ctx) {
    const builder = BUILDER.exec(subject.text);
    if (builder === null || !IMPORTS_DATASETS.test(subject.text)) return [];
    const where = ctx.location.member ?? ctx.location.path;
    const { file, dir } = names(where);
    const entryPoint = file !== '' && file === dir;
    const line = subject.text.slice(0, builder.index).split('\n').length;
    return [
      report(meta, ctx, {
        line,
        ...(subject.dangerousCalls > 0 ? { severity: 'high' as const } : {}),
        message: `${entryPoint ? `the loading script of data set "${dir}"` : 'a dataset loading script'}: load_dataset(..., trust_remote_code=True) runs it (datasets < 4.0)${subject.dangerousCalls > 0 ? `, and it makes ${subject.dangerousCalls} dangerous call${subject.dangerousCalls === 1 ? '' : 's'}` : ''}`,
        evidence: { entryPoint, dangerousCalls: subject.dangerousCalls },
      }),
    ];
  },
};
