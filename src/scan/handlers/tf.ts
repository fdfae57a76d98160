import type { ByteSource } from '../../formats/byte-source.ts';
import { detectTfKind, parseTfGraph, type TfKind } from '../../formats/tf-graph.ts';
import type { HandlerContext, NestedOutcome } from '../context.ts';
import type { FormatHandler } from '../format-handler.ts';
import { TF_RULES } from '../rules/index.ts';

/** Runs the TF rules on a SavedModel or frozen GraphDef; a graph that breaks midway is scanned as far as it goes. */
export function handleTfGraph(src: ByteSource, ctx: HandlerContext, name: string): NestedOutcome {
  const kind = detected.has(src) ? detected.get(src) : detectTfKind(src, name);
  if (kind === undefined) return 'not-a-model-format';
  const graph = parseTfGraph(src, kind);
  const ruleCtx = { location: ctx.location, strict: ctx.strict };
  for (const rule of TF_RULES) ctx.result.findings.push(...rule.check(graph, ruleCtx));
  if (graph.error !== undefined) {
    const path =
      ctx.location.member === undefined ? ctx.location.path : `${ctx.location.path}!${ctx.location.member}`;
    ctx.result.errors.push({ path, error: `TensorFlow ${kind} not fully analysed: ${graph.error}` });
  }
  return 'analysed';
}

/** Detection already walked the top level once: remember its answer per source so handle() need not repeat it. */
const detected = new WeakMap<ByteSource, TfKind | undefined>();

/** The base name of what is being scanned, as the engine passes it to detect(). */
function baseName(ctx: HandlerContext): string {
  const inner = ctx.location.member ?? ctx.location.path;
  const last = inner.slice(inner.lastIndexOf('!') + 1);
  return last.slice(Math.max(last.lastIndexOf('/'), last.lastIndexOf('\\')) + 1);
}

/**
 * TensorFlow `saved_model.pb` and frozen `*.pb` GraphDefs. Protobuf has no magic, so the name narrows the
 * candidates and a bounded parse of the top-level fields confirms them.
 */
export const tfGraphFormat: FormatHandler = {
  id: 'tf-graph',
  detect: (src, name) => {
    const kind = detectTfKind(src, name);
    detected.set(src, kind);
    return kind !== undefined;
  },
  handle: (src, ctx) => handleTfGraph(src, ctx, baseName(ctx)),
};
