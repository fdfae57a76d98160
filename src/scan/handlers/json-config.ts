import { detectTextDataset } from '../../datasets/detect.ts';
import type { ByteSource } from '../../formats/byte-source.ts';
import type { HandlerContext, NestedOutcome } from '../context.ts';
import type { FormatHandler } from '../format-handler.ts';
import { CONFIG_RULES } from '../rules/index.ts';
import type { ConfigValue } from '../rules/model/config-exfiltration-endpoint.ts';

/** Configs above this are left to the other JSON handlers' caps; HF configs are a few KiB. */
const MAX_CONFIG_BYTES = 8 * 1024 * 1024;
const MAX_VALUES = 200_000;

/** Hosts that model configs legitimately link to (papers, repos, model hubs). */
const KNOWN_HOSTS =
  /(^|\.)(huggingface\.co|hf\.co|github\.com|githubusercontent\.com|pytorch\.org|tensorflow\.org|arxiv\.org|kaggle\.com|modelscope\.cn|openai\.com|google\.com|googleapis\.com|microsoft\.com|nvidia\.com|facebook\.com|meta\.com|apache\.org|opensource\.org|creativecommons\.org|wikipedia\.org|example\.com|localhost)$/i;
const URL = /^(?:https?|ftp|wss?):\/\/([^/:?#\s]+)/i;
const SECRET_KEY = /(secret|passw(or)?d|api[_-]?key|access[_-]?key|private[_-]?key|auth[_-]?token|exfil)/i;

/** Walks a parsed JSON document for URL values to unknown hosts and secret-named keys with values. */
export function suspiciousConfigValues(doc: unknown): ConfigValue[] {
  const found: ConfigValue[] = [];
  const stack: [unknown, string][] = [[doc, '']];
  let seen = 0;
  while (stack.length > 0 && seen++ < MAX_VALUES && found.length < 50) {
    const [value, key] = stack.pop()!;
    if (typeof value === 'string') {
      const host = URL.exec(value)?.[1];
      if (host !== undefined && !KNOWN_HOSTS.test(host)) found.push({ key, value, kind: 'url' });
      else if (
        SECRET_KEY.test(key.slice(key.lastIndexOf('.') + 1)) &&
        value.length >= 8 &&
        !/\s/.test(value)
      ) {
        found.push({ key, value, kind: 'secret' });
      }
    } else if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push([value[i], `${key}[${i}]`]);
    } else if (value !== null && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) stack.push([v, key === '' ? k : `${key}.${k}`]);
    }
  }
  return found;
}

/** Any `*.json` config: data-only endpoints and secrets (the chat-template and auto_map handlers look too). */
export const jsonConfigFormat: FormatHandler = {
  id: 'json-config',
  // A JSON data set (an array of records) is read by the data-set handler, whose rules judge each record's
  // URLs and secrets with record indices; reading it here too would report every URL twice.
  detect: (src: ByteSource, name: string) =>
    name.toLowerCase().endsWith('.json') &&
    src.size <= MAX_CONFIG_BYTES &&
    detectTextDataset(src, name) !== 'json',
  handle(src: ByteSource, ctx: HandlerContext): NestedOutcome {
    let doc: unknown;
    try {
      doc = JSON.parse(new TextDecoder('utf-8', { fatal: false }).decode(src.readAt(0, src.size)));
    } catch {
      return 'not-a-model-format'; // the other JSON handlers report unreadable configs they depend on
    }
    const values = suspiciousConfigValues(doc);
    // A model's own config files count as analysed even when clean; other JSON only when something is found.
    const isConfig = /config\.json$/i.test(ctx.location.member ?? ctx.location.path);
    if (values.length === 0) return isConfig ? 'analysed' : 'not-a-model-format';
    const ruleCtx = { location: ctx.location, strict: ctx.strict };
    for (const rule of CONFIG_RULES) ctx.result.findings.push(...rule.check({ values }, ruleCtx));
    return 'analysed';
  },
};
