import { ParapetError } from '../../core/errors.ts';
import type { ByteSource } from '../../formats/byte-source.ts';
import { analyseTemplate } from '../chat-template.ts';
import type { HandlerContext, NestedOutcome } from '../context.ts';
import type { FormatHandler } from '../format-handler.ts';
import { TEMPLATE_RULES } from '../rules/index.ts';
import type { TemplateSubject } from '../rules/model/template-subject.ts';
import { yamlTemplateValues } from './yaml-scan.ts';

/** Text files above this are not read (an error entry says so): tokenizer.json files stay far below. */
export const MAX_TEXT_BYTES = 64 * 1024 * 1024;
/** Templates analysed per file; more is itself hostile. */
const MAX_TEMPLATES = 256;
const MAX_JSON_NODES = 4_000_000;
const TEMPLATE_MARKER = /\{\{|\{%/;

/** True for the keys loaders render as chat templates (`chat_template`, `tokenizer.chat_template.tool_use`). */
export function isChatTemplateKey(key: string): boolean {
  return /^(?:tokenizer\.)?chat_template(?:\.|$)/.test(key);
}

/** Runs the template rules over one template and pushes what they find. */
export function checkTemplate(
  ctx: HandlerContext,
  subject: Omit<TemplateSubject, 'analysis'>,
  text: string,
): void {
  const full: TemplateSubject = { ...subject, analysis: analyseTemplate(text) };
  const ruleCtx = { location: ctx.location, strict: ctx.strict };
  for (const rule of TEMPLATE_RULES) ctx.result.findings.push(...rule.check(full, ruleCtx));
}

/** Reads a whole text file, or records an error and returns undefined when it is over the cap. */
function readText(src: ByteSource, ctx: HandlerContext, what: string): string | undefined {
  if (src.size > MAX_TEXT_BYTES) {
    ctx.result.errors.push({
      path: ctx.location.path,
      error: `${what} is ${src.size} bytes, over the ${MAX_TEXT_BYTES}-byte cap: chat templates not checked`,
    });
    return undefined;
  }
  return new TextDecoder('utf-8', { fatal: false }).decode(src.readAt(0, src.size));
}

/** Every string in a parsed JSON document that is a template or looks like one, iteratively and bounded. */
export function jsonTemplates(doc: unknown): { key: string; rendered: boolean; text: string }[] {
  const found: { key: string; rendered: boolean; text: string }[] = [];
  const stack: [unknown, string, boolean][] = [[doc, '', false]];
  let nodes = 0;
  while (stack.length > 0 && found.length < MAX_TEMPLATES) {
    const [value, key, rendered] = stack.pop()!;
    if (++nodes > MAX_JSON_NODES)
      throw new ParapetError('LIMIT', `JSON has more than ${MAX_JSON_NODES} values`);
    if (typeof value === 'string') {
      if (rendered || TEMPLATE_MARKER.test(value)) found.push({ key, rendered, text: value });
    } else if (Array.isArray(value)) {
      // HF allows a list of {name, template}: each template is rendered when selected by name.
      for (let i = value.length - 1; i >= 0; i--) {
        const item = value[i] as { name?: unknown } | undefined;
        const label = rendered && typeof item?.name === 'string' ? `${key}[${item.name}]` : `${key}[${i}]`;
        stack.push([value[i], label, rendered]);
      }
    } else if (typeof value === 'object' && value !== null) {
      for (const [k, v] of Object.entries(value)) {
        const path = key === '' ? k : `${key}.${k}`;
        const inList = rendered && k === 'template';
        if (rendered && k === 'name' && typeof v === 'string') continue; // the label of a {name, template}
        stack.push([v, inList ? key : path, inList || isChatTemplateKey(k)]);
      }
    }
  }
  return found;
}

function handleJson(src: ByteSource, ctx: HandlerContext): NestedOutcome {
  const text = readText(src, ctx, 'JSON file');
  if (text === undefined) return 'analysed';
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    // Not JSON: nothing loads a template from it, unless it still carries one (then scan it as text).
    if (!TEMPLATE_MARKER.test(text)) return 'not-a-model-format';
    checkTemplate(ctx, { key: '(file is not valid JSON)', rendered: text.includes('chat_template') }, text);
    return 'analysed';
  }
  try {
    const templates = jsonTemplates(doc);
    for (const t of templates) checkTemplate(ctx, { key: t.key, rendered: t.rendered }, t.text);
    // A JSON file with no template is not a format this handler knows: it stays "skipped", never "clean".
    return templates.length > 0 ? 'analysed' : 'not-a-model-format';
  } catch (err) {
    if (!(err instanceof ParapetError)) throw err;
    ctx.result.errors.push({ path: ctx.location.path, error: err.message });
    return 'analysed';
  }
}

function handleTemplateFile(src: ByteSource, ctx: HandlerContext): NestedOutcome {
  const text = readText(src, ctx, 'template file');
  if (text !== undefined) checkTemplate(ctx, { key: 'template file', rendered: true }, text);
  return 'analysed';
}

function handleYaml(src: ByteSource, ctx: HandlerContext): NestedOutcome {
  const text = readText(src, ctx, 'YAML file');
  if (text === undefined) return 'analysed';
  const values = yamlTemplateValues(text).slice(0, MAX_TEMPLATES);
  for (const v of values) {
    checkTemplate(ctx, { key: v.key, rendered: isChatTemplateKey(v.key), line: v.line }, v.text);
  }
  return values.length > 0 ? 'analysed' : 'not-a-model-format';
}

/** JSON configs (tokenizer_config.json, chat_template.json, any *.json): `chat_template` keys and template-like strings. */
export const jsonTemplateFormat: FormatHandler = {
  id: 'json-chat-template',
  detect: (_src, name) => /\.json$/i.test(name),
  handle: handleJson,
};

/** Standalone Jinja templates (`chat_template.jinja`, `*.j2`, `*.template`). */
export const jinjaTemplateFormat: FormatHandler = {
  id: 'jinja-template',
  detect: (_src, name) => /\.(jinja2?|j2|template)$/i.test(name),
  handle: handleTemplateFile,
};

/** YAML configs: template-looking values, found by a bounded line scan (no YAML parser dependency). */
export const yamlTemplateFormat: FormatHandler = {
  id: 'yaml-chat-template',
  detect: (_src, name) => /\.ya?ml$/i.test(name),
  handle: handleYaml,
};
