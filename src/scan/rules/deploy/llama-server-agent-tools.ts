import type { Finding } from '../../../core/finding.ts';
import type { RuleMeta } from '../../../core/rule.ts';
import { findFlag } from '../../../deploy/argv.ts';
import { exposureOf } from '../../../deploy/exposure.ts';
import type { DeploySubject } from '../../../deploy/types.ts';
import { type Rule, report } from '../../rule.ts';
import { launchLabel } from './launch-text.ts';

const meta: RuleMeta = {
  id: 'deploy/llama-server-agent-tools',
  title: 'llama-server gives the model server-side tools (files, shell, MCP servers)',
  severity: 'high',
  tags: ['OWASP-LLM06', 'OWASP-LLM01', 'CWE-78', 'CWE-250'],
  references: ['https://github.com/ggml-org/llama.cpp/blob/master/tools/server/README.md'],
  fix: 'Remove `--tools`, `--agent` and `--mcp-servers-config`/`--mcp-servers-json` from servers other people reach. Where tools are needed, enable only the named read-only ones, keep the server on 127.0.0.1 with an API key, and run it as an unprivileged user in a container with only the files it may touch.',
};

/** The switches that hand the model tools that run on the server. */
const TOOL_FLAGS = ['--tools', '--agent', '--mcp-servers-config', '--mcp-servers-json'];

/**
 * LCP-006: llama-server with `--tools <list|all>`, `--agent`, or MCP servers declared with
 * `--mcp-servers-config` / `--mcp-servers-json`. The built-in tools read and write the server's file system
 * (and may run commands); MCP servers are child processes with the server's privileges. Any prompt — including
 * one injected through a document — can drive them. Critical when the server is reachable from other hosts.
 */
export const llamaServerAgentTools: Rule<DeploySubject> = {
  meta,
  check(subject, ctx) {
    const findings: Finding[] = [];
    for (const launch of subject.config.launches) {
      if (launch.server !== 'llama.cpp') continue;
      const enabled: { flag: string; line: number }[] = [];
      for (const flag of TOOL_FLAGS) {
        const hit = findFlag(launch.argv, [flag], flag !== '--agent');
        if (hit === undefined) continue;
        if (flag === '--tools' && (hit.value === undefined || /^(none|)$/i.test(hit.value))) continue;
        const shown = hit.value === undefined ? flag : `${flag} ${hit.value}`;
        enabled.push({ flag: shown, line: launch.argLines[hit.index] ?? launch.line });
      }
      if (enabled.length === 0) continue;
      const exposure = exposureOf(launch);
      findings.push(
        report(meta, ctx, {
          line: enabled[0]!.line,
          severity: exposure === undefined ? 'high' : 'critical',
          message: `${launchLabel(launch)} runs llama-server with ${enabled.map((e) => e.flag).join(', ')}: the model can read and write the server's files and run tool processes with its privileges, driven by any prompt${exposure === undefined ? '' : `, from other hosts (${exposure.how})`}`,
          evidence: {
            flags: enabled.map((e) => e.flag),
            ...(exposure === undefined ? {} : { exposure: exposure.how }),
          },
        }),
      );
    }
    return findings;
  },
};
