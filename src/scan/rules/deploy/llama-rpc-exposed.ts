import type { Finding } from '../../../core/finding.ts';
import type { RuleMeta } from '../../../core/rule.ts';
import { findFlag, isLoopback } from '../../../deploy/argv.ts';
import { isPublicPort } from '../../../deploy/exposure.ts';
import type { DeploySubject } from '../../../deploy/types.ts';
import { type Rule, report } from '../../rule.ts';
import { launchLabel } from './launch-text.ts';

const meta: RuleMeta = {
  id: 'deploy/llama-rpc-exposed',
  title: 'A llama.cpp rpc-server listens beyond loopback',
  severity: 'critical',
  tags: ['OWASP-LLM10', 'CWE-306', 'CWE-668'],
  references: [
    'https://github.com/ggml-org/llama.cpp/blob/master/tools/rpc/README.md',
    'https://github.com/ggml-org/llama.cpp/security/advisories',
  ],
  fix: 'Run `rpc-server` on 127.0.0.1 (its default) and reach remote workers over an encrypted, authenticated private link (WireGuard, an SSH tunnel); never publish its port. The llama.cpp README says never to run it on an open network.',
};

/**
 * LCP-008: ggml's `rpc-server` with `-H`/`--host` set to a non-loopback address, or its container port
 * published. The RPC protocol has no authentication and its parser has had memory-safety bugs; llama.cpp
 * documents it as a proof of concept, "fragile and insecure".
 */
export const llamaRpcExposed: Rule<DeploySubject> = {
  meta,
  check(subject, ctx) {
    const findings: Finding[] = [];
    for (const launch of subject.config.launches) {
      const prog = (launch.argv[0] ?? '').slice((launch.argv[0] ?? '').lastIndexOf('/') + 1);
      if (prog !== 'rpc-server') continue;
      const host = findFlag(launch.argv, ['-H', '--host']);
      const bound = host?.value !== undefined && !isLoopback(host.value) && !host.value.includes('$');
      const published = launch.containerized ? launch.ports.find(isPublicPort) : undefined;
      if (!bound) continue;
      findings.push(
        report(meta, ctx, {
          line: launch.argLines[host!.index] ?? launch.line,
          message: `${launchLabel(launch)} starts rpc-server on ${host!.value}${published === undefined ? '' : ` with its port published (${published.text})`}: the unauthenticated ggml RPC protocol lets anyone who reaches it run tensor operations and read or write the worker's memory`,
          evidence: { host: host!.value },
        }),
      );
    }
    return findings;
  },
};
