import type { Finding } from '../../../core/finding.ts';
import type { RuleMeta } from '../../../core/rule.ts';
import { findFlag, hasSwitch, isTrue } from '../../../deploy/argv.ts';
import type { DeploySubject, Launch } from '../../../deploy/types.ts';
import { type Rule, report } from '../../rule.ts';
import { launchLabel } from './launch-text.ts';

const meta: RuleMeta = {
  id: 'deploy/trust-remote-code',
  title: 'A server is started with remote model code execution enabled',
  severity: 'high',
  tags: ['OWASP-LLM03', 'AML.T0010', 'CWE-94', 'CWE-829'],
  references: [
    'https://docs.vllm.ai/en/latest/cli/serve.html',
    'https://huggingface.co/docs/text-generation-inference/reference/launcher',
    'https://huggingface.co/docs/transformers/models#custom-models',
  ],
  fix: "Remove `--trust-remote-code` / `TRUST_REMOTE_CODE=true` when the model architecture is supported natively. If the model really needs its own code, review the repository's *.py files and pin both the weights and the code to a commit (`--revision <sha> --code-revision <sha>`), so an update to the repository cannot change what runs.",
};

/** The model id a launch serves (`--model`, `--model-id`, `MODEL_ID`, `vllm serve <model>`), if written. */
function modelOf(l: Launch): string | undefined {
  const flag = findFlag(l.argv, ['--model', '--model-id', '-m'])?.value;
  if (flag !== undefined) return flag;
  const serve = l.argv.indexOf('serve');
  if (serve >= 0 && l.argv[serve + 1] !== undefined && !l.argv[serve + 1]!.startsWith('-'))
    return l.argv[serve + 1];
  return l.env.get('MODEL_ID')?.value;
}

const COMMIT = /^[0-9a-f]{40}$/;

/**
 * GEN-003 (and TGW-004): `--trust-remote-code` on any launch (vLLM, TGI, text-generation-webui, SGLang...)
 * or TGI's `TRUST_REMOTE_CODE=true`: the model repository's Python runs inside the server at load time.
 */
export const trustRemoteCode: Rule<DeploySubject> = {
  meta,
  check(subject, ctx) {
    const findings: Finding[] = [];
    for (const launch of subject.config.launches) {
      const flag = hasSwitch(launch.argv, ['--trust-remote-code']);
      const env = launch.env.get('TRUST_REMOTE_CODE');
      const line =
        flag !== undefined
          ? (launch.argLines[flag.index] ?? launch.line)
          : env !== undefined && isTrue(env.value)
            ? env.line
            : undefined;
      if (line === undefined) continue;
      const model = modelOf(launch);
      const revision =
        findFlag(launch.argv, ['--code-revision', '--revision'])?.value ?? launch.env.get('REVISION')?.value;
      const pinned = revision !== undefined && COMMIT.test(revision);
      findings.push(
        report(meta, ctx, {
          line,
          message: `${launchLabel(launch)} enables trust_remote_code${model === undefined ? '' : ` for ${model}`}: the model repository's Python runs in the server${pinned ? '' : ', and the code is not pinned to a commit, so whoever can push to the repository decides what runs'}`,
          evidence: {
            ...(model === undefined ? {} : { model }),
            pinnedToCommit: pinned,
            ...(revision === undefined ? {} : { revision }),
          },
        }),
      );
    }
    return findings;
  },
};
