import type { RuleMeta } from '../../../core/rule.ts';
import { type Rule, report } from '../../rule.ts';
import type { CodeCall } from './flow.ts';
import { type CodeSubject, callEvidence } from './policy.ts';

const meta: RuleMeta = {
  id: 'code/trust-remote-code',
  title: 'Loads a model or dataset with trust_remote_code=True',
  severity: 'medium',
  tags: ['OWASP-LLM03', 'AML.T0010', 'CWE-94', 'CWE-829'],
  references: [
    'https://huggingface.co/docs/transformers/models#custom-models',
    'https://huggingface.co/docs/transformers/custom_models',
    'https://huggingface.co/docs/hub/security-malware',
  ],
  fix: 'Prefer a model whose architecture ships with the library and drop trust_remote_code. If you need it, review the repository Python at one commit and pin that commit: revision="<40-hex commit sha>" (code_revision= too for vLLM), so a later push cannot change the code you run. Scan the repository with `parapet scan hf://OWNER/NAME@<sha>`.',
};

/** A full git commit id: the only revision that cannot move. */
const COMMIT = /^[0-9a-f]{40}$/i;
/** A model id that is a local directory: its code is whatever is on disk, not a download. */
const LOCAL_PATH = /^(\.{0,2}\/|~|[A-Za-z]:\\)/;
/** Keyword names under which loaders take the model or dataset id. */
const MODEL_KEYWORDS = ['pretrained_model_name_or_path', 'model', 'model_id', 'repo_id', 'path', 'tokenizer'];

/** The model or dataset id, by keyword first (`pipeline(task, model=...)`), else the first argument. */
function modelId(call: CodeCall): string | undefined {
  const arg = MODEL_KEYWORDS.map((k) => call.keywords.get(k)).find((a) => a !== undefined) ?? call.args[0];
  return arg?.literal;
}

/** The revision the load is pinned to: present or not, and its literal value when Parapet can read one. */
function revisionOf(call: CodeCall): { present: boolean; literal: string | undefined; shown: string } {
  const arg = call.keywords.get('revision') ?? call.keywords.get('code_revision');
  if (arg !== undefined)
    return { present: true, literal: arg.literal, shown: arg.literal ?? arg.simple ?? '<expr>' };
  const dict = call.dictKeys.get('revision') ?? call.dictKeys.get('code_revision');
  if (dict === undefined) return { present: false, literal: undefined, shown: '' };
  const literal = dict.startsWith('"') ? (JSON.parse(dict) as string) : undefined;
  return { present: true, literal, shown: literal ?? dict };
}

/**
 * `trust_remote_code=True` in any call (from_pretrained, pipeline, AutoConfig, vllm.LLM, load_dataset, a
 * `model_kwargs={"trust_remote_code": True}` dict): the load imports Python from the repository.
 * Medium when the revision is a commit id (or a value Parapet cannot read) or the model is a local directory;
 * high when no revision is given or it names a branch or tag, which the repository owner can move.
 */
export const trustRemoteCode: Rule<CodeSubject> = {
  meta,
  check(subject, ctx) {
    const findings = [];
    for (const call of subject.calls) {
      const keyword = call.keywords.get('trust_remote_code');
      const trusted = keyword?.simple === 'True' || call.dictKeys.get('trust_remote_code') === 'True';
      if (!trusted) continue;
      const model = modelId(call);
      const revision = revisionOf(call);
      const shown =
        call.name === '<dict>'
          ? 'a dict literal with "trust_remote_code": True'
          : `${call.written}(${model === undefined ? '...' : JSON.stringify(model)}, trust_remote_code=True)`;
      let severity: 'high' | 'medium' = 'medium';
      let why: string;
      if (model !== undefined && LOCAL_PATH.test(model)) {
        why = `${shown} imports Python from the local directory ${model}`;
      } else if (!revision.present) {
        severity = 'high';
        why = `${shown} runs whatever Python the repository holds now: no revision= pins it`;
      } else if (revision.literal === undefined) {
        why = `${shown} runs the repository's Python at revision ${revision.shown}; make sure it is a commit id`;
      } else if (COMMIT.test(revision.literal)) {
        why = `${shown} runs the repository's Python, pinned to commit ${revision.literal.slice(0, 12)}`;
      } else {
        severity = 'high';
        why = `${shown} runs the repository's Python at revision "${revision.literal}", a branch or tag that can move`;
      }
      findings.push(
        report(meta, ctx, {
          line: call.line,
          severity,
          message: why,
          evidence: callEvidence(call, call.name, {
            model: model ?? null,
            revision: revision.present ? revision.shown : null,
            via: keyword?.simple === 'True' ? 'keyword' : 'dict',
          }),
        }),
      );
    }
    return findings;
  },
};
