import type { ByteSource } from '../../formats/byte-source.ts';
import { isSafetensors, parseSafetensorsHeader } from '../../formats/safetensors.ts';
import type { HandlerContext, NestedOutcome } from '../context.ts';
import type { FormatHandler } from '../format-handler.ts';
import { SAFETENSORS_RULES } from '../rules/index.ts';

/** Runs the safetensors rules over the header; tensor data is never read, so the cost is the header's size. */
function handleSafetensors(src: ByteSource, ctx: HandlerContext): NestedOutcome {
  const header = parseSafetensorsHeader(src);
  const ruleCtx = { location: ctx.location, strict: ctx.strict };
  for (const rule of SAFETENSORS_RULES) ctx.result.findings.push(...rule.check(header, ruleCtx));
  return 'analysed';
}

/** safetensors, recognised by its header (a length that fits the file, then `{`), never by its name. */
export const safetensorsFormat: FormatHandler = {
  id: 'safetensors',
  detect: (src) => isSafetensors(src),
  handle: handleSafetensors,
};
