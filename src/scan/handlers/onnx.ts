import type { ByteSource } from '../../formats/byte-source.ts';
import { isOnnxModel, parseOnnx } from '../../formats/onnx.ts';
import type { HandlerContext, NestedOutcome } from '../context.ts';
import type { FormatHandler } from '../format-handler.ts';
import { ONNX_RULES } from '../rules/index.ts';

/** Runs the ONNX rules; a model that breaks midway is scanned as far as it goes and marked incomplete. */
export function handleOnnx(src: ByteSource, ctx: HandlerContext): NestedOutcome {
  const model = parseOnnx(src);
  const ruleCtx = { location: ctx.location, strict: ctx.strict };
  for (const rule of ONNX_RULES) ctx.result.findings.push(...rule.check(model, ruleCtx));
  if (model.error !== undefined) {
    const path =
      ctx.location.member === undefined ? ctx.location.path : `${ctx.location.path}!${ctx.location.member}`;
    ctx.result.errors.push({ path, error: `ONNX model not fully analysed: ${model.error}` });
  }
  return 'analysed';
}

/** ONNX `*.onnx` ModelProto: protobuf has no magic, so the name narrows and a top-level parse confirms. */
export const onnxFormat: FormatHandler = {
  id: 'onnx',
  detect: isOnnxModel,
  handle: handleOnnx,
};
