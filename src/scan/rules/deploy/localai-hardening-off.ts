import type { Finding } from '../../../core/finding.ts';
import type { RuleMeta } from '../../../core/rule.ts';
import { isTrue } from '../../../deploy/argv.ts';
import { exposureOf } from '../../../deploy/exposure.ts';
import type { DeploySubject } from '../../../deploy/types.ts';
import { type Rule, report } from '../../rule.ts';
import { launchLabel, serverFirst } from './launch-text.ts';

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
    const seen = new Set<string>();
    for (const launch of serverFirst(subject.config.launches)) {
      if (launch.server !== undefined && launch.server !== 'localai') continue;
      for (const s of SWITCHES) {
        const name = s.names.find((n) => launch.env.get(n) !== undefined);
        const v = name === undefined ? undefined : launch.env.get(name);
        if (name === undefined || v === undefined || !isTrue(v.value)) continue;
        const key = `${name}:${v.line}`;
        if (seen.has(key)) continue;
        seen.add(key);
        const exposed = launch.server === 'localai' && exposureOf(launch) !== undefined;
        findings.push(
          report(meta, ctx, {
            line: v.line,
            severity: exposed ? meta.severity : 'low',
            message: `${launchLabel(launch)} sets ${name}=${v.value}: ${s.why}`,
            evidence: { setting: `${name}=${v.value}`, exposed },
          }),
        );
      }
    }
    return findings;
  },
};
