import type { Finding } from '../../../core/finding.ts';
import type { RuleMeta } from '../../../core/rule.ts';
import { findFlag, isTrue } from '../../../deploy/argv.ts';
import { exposureOf } from '../../../deploy/exposure.ts';
import { authOf } from '../../../deploy/servers.ts';
import type { DeploySubject, Launch } from '../../../deploy/types.ts';
import { type Rule, report } from '../../rule.ts';
import { launchLabel } from './launch-text.ts';

const meta: RuleMeta = {
  id: 'deploy/llama-server-write-endpoints',
  title: 'llama-server exposes endpoints that change its state (--slot-save-path, --props)',
  severity: 'high',
  tags: ['OWASP-LLM10', 'CWE-306', 'CWE-73'],
  references: [
    'https://github.com/ggml-org/llama.cpp/blob/master/tools/server/README.md',
    'https://github.com/ggml-org/llama.cpp/blob/master/common/arg.cpp',
  ],
  fix: 'Drop `--slot-save-path` and `--props` from servers other hosts can reach; if slot persistence is needed, keep the server on loopback behind a proxy that blocks `POST /slots` and `POST /props`, and require `--api-key-file` in any case.',
};

/** A state-changing switch found on the launch, with its line and what it opens. */
interface WriteSwitch {
  setting: string;
  line: number;
  opens: string;
}

function writeSwitches(launch: Launch): WriteSwitch[] {
  const out: WriteSwitch[] = [];
  const slots = findFlag(launch.argv, ['--slot-save-path']);
  if (slots?.value !== undefined) {
    out.push({
      setting: `--slot-save-path ${slots.value}`,
      line: launch.argLines[slots.index] ?? launch.line,
      opens: 'POST /slots/{id}?action=save|restore writes and reads KV-cache files named by the caller',
    });
  }
  const props = findFlag(launch.argv, ['--props'], false);
  const propsEnv = launch.env.get('LLAMA_ARG_ENDPOINT_PROPS');
  if (props !== undefined || (propsEnv !== undefined && isTrue(propsEnv.value))) {
    out.push({
      setting: props !== undefined ? '--props' : `LLAMA_ARG_ENDPOINT_PROPS=${propsEnv!.value}`,
      line: props !== undefined ? (launch.argLines[props.index] ?? launch.line) : propsEnv!.line,
      opens: 'POST /props changes the server-wide properties every client gets',
    });
  }
  return out;
}

/**
 * LCP-004 and LCP-005: llama-server with `--slot-save-path` (the `/slots/{id}?action=save|restore` routes,
 * registered only with it, save and load slot state to files whose names the request gives) or `--props`
 * (`LLAMA_ARG_ENDPOINT_PROPS`; "enable changing global properties via POST /props", off by default), on a
 * server reachable from other hosts. High without an API key (anyone changes the server), medium with one
 * (every key holder does). A server on loopback is not reported.
 */
export const llamaServerWriteEndpoints: Rule<DeploySubject> = {
  meta,
  check(subject, ctx) {
    const findings: Finding[] = [];
    for (const launch of subject.config.launches) {
      if (launch.server !== 'llama.cpp') continue;
      const switches = writeSwitches(launch);
      if (switches.length === 0) continue;
      const exposure = exposureOf(launch);
      if (exposure === undefined) continue;
      const keyed = authOf(launch) !== 'off';
      for (const s of switches) {
        findings.push(
          report(meta, ctx, {
            line: s.line,
            severity: keyed ? 'medium' : meta.severity,
            message: `${launchLabel(launch)} runs llama-server with ${s.setting}: ${s.opens}, reachable from other hosts (${exposure.how})${keyed ? ' by any API-key holder' : ' with no API key'}`,
            evidence: { setting: s.setting, exposure: exposure.how, apiKey: keyed },
          }),
        );
      }
    }
    return findings;
  },
};
