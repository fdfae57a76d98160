import type { ByteSource } from '../../formats/byte-source.ts';
import { analysePython } from '../../formats/python-source.ts';
import type { HandlerContext, NestedOutcome } from '../context.ts';
import type { FormatHandler } from '../format-handler.ts';
import { runCodeRules } from '../rules/code/run.ts';
import { loadingScript } from '../rules/dataset/loading-script.ts';
import { AUTO_MAP_RULES, REMOTE_CODE_RULES } from '../rules/index.ts';
import type { AutoMapEntry } from '../rules/model/remote-code-auto-map.ts';
import { findDangerousCalls, isRelevantCall, type RemoteCodeHit } from '../rules/model/remote-code-policy.ts';

/** Python sources and configs above this are not read; an error entry says so (exit 3, never "clean"). */
export const MAX_SOURCE_BYTES = 8 * 1024 * 1024;
/** Hugging Face files whose `auto_map` transformers honours with trust_remote_code. */
const AUTO_MAP_FILES = new Set([
  'config.json',
  'tokenizer_config.json',
  'preprocessor_config.json',
  'processor_config.json',
  'image_processor_config.json',
  'feature_extractor_config.json',
]);
/** Source encodings Python reads as the same text we decode; anything else (utf-7...) can hide code. */
const PLAIN_ENCODINGS = /^(utf[-_]?8(?:[-_]sig)?|ascii|us[-_]ascii|latin[-_]?1|iso[-_]?8859[-_]1|cp1252)$/i;

function readText(src: ByteSource, ctx: HandlerContext, what: string): string | undefined {
  if (src.size > MAX_SOURCE_BYTES) {
    const where =
      ctx.location.member === undefined ? ctx.location.path : `${ctx.location.path}!${ctx.location.member}`;
    ctx.result.errors.push({
      path: where,
      error: `${what} is ${src.size} bytes, over the ${MAX_SOURCE_BYTES}-byte cap`,
    });
    return undefined;
  }
  return new TextDecoder('utf-8', { fatal: false }).decode(src.readAt(0, src.size));
}

/** PEP 263: a `coding:` comment on line 1 or 2 changes how Python decodes the file. */
function codingCookie(text: string): RemoteCodeHit | undefined {
  const lines = text.slice(0, 400).split(/\r\n|\r|\n/, 2);
  for (const [i, line] of lines.entries()) {
    const m = /^[ \t\f]*#.{0,80}?coding[:=][ \t]*([-\w.]{1,40})/.exec(line);
    if (m === null) {
      if (!/^[ \t\f]*(#|$)/.test(line)) return undefined;
      continue;
    }
    if (PLAIN_ENCODINGS.test(m[1]!)) return undefined;
    return {
      line: i + 1,
      call: `coding:${m[1]}`,
      written: m[0].trim(),
      category: 'obfuscated-execution',
      severity: 'high',
      reason: `declares source encoding ${m[1]}: the code Python runs is not the text reviewers read`,
      evidence: { encoding: m[1] },
    };
  }
  return undefined;
}

/** Any `*.py` in a model repository or archive: trust_remote_code (or an import) runs it. */
export const pythonSourceFormat: FormatHandler = {
  id: 'python-source',
  detect: (_src, name) => /\.pyw?$/i.test(name),
  handle(src: ByteSource, ctx: HandlerContext): NestedOutcome {
    const text = readText(src, ctx, 'Python source');
    if (text === undefined) return 'analysed';
    const source = analysePython(text, { keep: isRelevantCall });
    const cookie = codingCookie(text);
    const allHits = [...(cookie === undefined ? [] : [cookie]), ...findDangerousCalls(source)];
    const ruleCtx = { location: ctx.location, strict: ctx.strict };
    // The code/* rules judge the project's own use of unsafe loaders and model output; a call site both
    // sides report is reported once (src/scan/rules/code/policy.ts says which side keeps it).
    const code = runCodeRules(text, source.bindings, allHits, ruleCtx);
    const hits = code.hits;
    for (const rule of REMOTE_CODE_RULES) ctx.result.findings.push(...rule.check({ hits }, ruleCtx));
    // A `datasets` builder script: load_dataset(trust_remote_code=True) runs it.
    ctx.result.findings.push(...loadingScript.check({ text, dangerousCalls: hits.length }, ruleCtx));
    ctx.result.findings.push(...code.findings);
    if (code.truncated) {
      ctx.result.errors.push({
        path: ctx.location.path,
        error: 'Python source has too many loader and sink call sites to judge',
      });
    }
    if (source.truncated) {
      ctx.result.errors.push({
        path: ctx.location.path,
        error: 'Python source has too many call sites to record',
      });
    }
    return 'analysed';
  },
};

/** Python's json accepts NaN and Infinity; JSON.parse does not. Turn them into null outside strings. */
function pythonJson(text: string): string {
  let out = '';
  let chunk = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++;
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 78 || c === 73 || c === 45) {
      const word = text.startsWith('NaN', i)
        ? 3
        : text.startsWith('Infinity', i)
          ? 8
          : text.startsWith('-Infinity', i)
            ? 9
            : 0;
      if (word > 0) {
        out += `${text.slice(chunk, i)}null`;
        i += word - 1;
        chunk = i + 1;
      }
    }
  }
  return out + text.slice(chunk);
}

function autoMapEntries(value: unknown): AutoMapEntry[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [];
  const entries: AutoMapEntry[] = [];
  for (const [autoClass, ref] of Object.entries(value)) {
    // Tokenizers map to [slow, fast] pairs, either of which may be null.
    const refs = Array.isArray(ref) ? ref : [ref];
    for (const r of refs)
      if (typeof r === 'string' && entries.length < 1000) entries.push({ autoClass, reference: r });
  }
  return entries;
}

/** Hugging Face configs: an `auto_map` means loading needs trust_remote_code and runs the mapped modules. */
export const hfAutoMapFormat: FormatHandler = {
  id: 'hf-auto-map',
  detect: (_src, name) => AUTO_MAP_FILES.has(name),
  handle(src: ByteSource, ctx: HandlerContext): NestedOutcome {
    const text = readText(src, ctx, 'Hugging Face config');
    if (text === undefined) return 'analysed';
    let parsed: unknown;
    try {
      parsed = JSON.parse(pythonJson(text.replace(/^\uFEFF/, '')));
    } catch {
      // transformers could not load it either, unless our reading differs: then say so rather than pass it.
      if (!text.includes('auto_map')) return 'not-a-model-format';
      ctx.result.errors.push({ path: ctx.location.path, error: 'config with auto_map is not valid JSON' });
      return 'analysed';
    }
    const autoMap =
      typeof parsed === 'object' && parsed !== null
        ? (parsed as Record<string, unknown>).auto_map
        : undefined;
    const subject = { entries: autoMapEntries(autoMap) };
    const ruleCtx = { location: ctx.location, strict: ctx.strict };
    for (const rule of AUTO_MAP_RULES) ctx.result.findings.push(...rule.check(subject, ruleCtx));
    return 'analysed';
  },
};
