/** Runs the deploy-config handler on text as if it were a file at `path`, without the engine's registries. */
import { emptyResult, type ScanResult } from '../../src/core/result.ts';
import { bufferSource } from '../../src/formats/byte-source.ts';
import type { HandlerContext } from '../../src/scan/context.ts';
import { deployConfigFormat } from '../../src/scan/handlers/deploy-config.ts';

export interface Audit {
  result: ScanResult;
  analysed: boolean;
}

export async function audit(path: string, content: string | Uint8Array): Promise<Audit> {
  const bytes = typeof content === 'string' ? new TextEncoder().encode(content) : content;
  const src = bufferSource(bytes);
  const result = emptyResult();
  const name = path.slice(path.lastIndexOf('/') + 1);
  if (!deployConfigFormat.detect(src, name)) return { result, analysed: false };
  const ctx = {
    result,
    location: { path },
    strict: false,
    depth: 0,
    budget: { remaining: 1 << 30 },
    services: { advisories: () => new Error('unused'), reported: new Set<string>() },
    scanNested: async () => 'not-a-model-format' as const,
  } satisfies HandlerContext;
  const outcome = await deployConfigFormat.handle(src, ctx);
  return { result, analysed: outcome === 'analysed' };
}

/** The findings of one rule. */
export function hits(a: Audit, ruleId: string) {
  return a.result.findings.filter((f) => f.ruleId === ruleId);
}
