import type { ByteSource } from '../../formats/byte-source.ts';
import { ggufString, isGguf, parseGguf } from '../../formats/gguf.ts';
import type { HandlerContext, NestedOutcome } from '../context.ts';
import type { FormatHandler } from '../format-handler.ts';
import { checkTemplate, isChatTemplateKey } from './templates.ts';

const TEMPLATE_MARKER = /\{\{|\{%/;
const MAX_TEMPLATES = 256;

/**
 * A GGUF file: the header and metadata are parsed (tensor data is never read), `tokenizer.chat_template` and
 * `tokenizer.chat_template.*` are checked as rendered templates, and any other string KV that looks like a
 * template is checked as dormant text.
 */
export function handleGguf(src: ByteSource, ctx: HandlerContext): NestedOutcome {
  const file = parseGguf(src);
  let checked = 0;
  for (const kv of file.kvs) {
    const text = ggufString(kv);
    if (text === undefined || checked >= MAX_TEMPLATES) continue;
    const rendered = isChatTemplateKey(kv.key);
    if (!rendered && !TEMPLATE_MARKER.test(text)) continue;
    checked++;
    checkTemplate(ctx, { key: kv.key, rendered, offset: kv.offset }, text);
  }
  if (file.error !== undefined) {
    ctx.result.errors.push({
      path: ctx.location.path,
      error: `GGUF metadata unreadable after ${file.kvs.length} of ${file.kvCount} keys: ${file.error.message}`,
    });
  }
  return 'analysed';
}

/** GGUF (llama.cpp): recognised by its `GGUF` magic only. */
export const ggufFormat: FormatHandler = {
  id: 'gguf',
  detect: (src) => isGguf(src),
  handle: handleGguf,
};
