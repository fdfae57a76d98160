import type { Finding } from '../../../core/finding.ts';
import type { RuleMeta } from '../../../core/rule.ts';
import { exposureOf } from '../../../deploy/exposure.ts';
import type { DeploySubject } from '../../../deploy/types.ts';
import { type Rule, report } from '../../rule.ts';
import { launchLabel, trueSettings } from './launch-text.ts';

const meta: RuleMeta = {
  id: 'deploy/localai-hardening-off',
  title: 'LocalAI runs with one of its hardening switches turned off',
  severity: 'medium',
  tags: ['OWASP-LLM03', 'OWASP-LLM10', 'CWE-306', 'CWE-1188'],
  references: [
    'https://localai.io/reference/cli-reference/',
    'https://github.com/mudler/LocalAI/blob/master/core/cli/run.go',
  ],
  fix: 'Remove `LOCALAI_DISABLE_API_KEY_REQUIREMENT_FOR_HTTP_GET` and `LOCALAI_DISABLE_PREDOWNLOAD_SCAN` (both default to false) from anything beyond a test machine.',
};

/** The switches of LocalAI's `hardening` group whose `true` weakens it, and what each gives away. */
const SWITCHES: readonly { names: readonly string[]; why: string }[] = [
  {
    names: ['LOCALAI_DISABLE_API_KEY_REQUIREMENT_FOR_HTTP_GET', 'DISABLE_API_KEY_REQUIREMENT_FOR_HTTP_GET'],
    why: 'GET requests to the web UI paths no longer need an API key ("only in secure testing environments", per LocalAI\'s own help)',
  },
  {
    names: ['LOCALAI_DISABLE_PREDOWNLOAD_SCAN'],
    why: 'model files are downloaded without the scan LocalAI runs before downloading them (pickle imports and known-bad files)',
  },
];

/**
 * LAI-003 and LAI-004: LocalAI's own "hardening" options set to their weak side —
 * `LOCALAI_DISABLE_API_KEY_REQUIREMENT_FOR_HTTP_GET=true` and `LOCALAI_DISABLE_PREDOWNLOAD_SCAN=true`. Both
 * default to false, so setting them is a deliberate choice that the deployment should not carry. Medium;
 * low when the LocalAI launch is not reachable from other hosts.
 */
export const localaiHardeningOff: Rule<DeploySubject> = {
  meta,
  check(subject, ctx) {
    const findings: Finding[] = [];
    for (const s of SWITCHES) {
      for (const { launch, name, env } of trueSettings(subject.config.launches, 'localai', s.names)) {
        const exposed = launch.server === 'localai' && exposureOf(launch) !== undefined;
        findings.push(
          report(meta, ctx, {
            line: env.line,
            severity: exposed ? meta.severity : 'low',
            message: `${launchLabel(launch)} sets ${name}=${env.value}: ${s.why}`,
            evidence: { setting: `${name}=${env.value}`, exposed },
          }),
        );
      }
    }
    return findings.sort((a, b) => (a.location.line ?? 0) - (b.location.line ?? 0));
  },
};
