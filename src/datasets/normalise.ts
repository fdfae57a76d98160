/**
 * One decoded record (a parsed JSONL line, a CSV row as an object, a Parquet/Arrow row) → a DatasetRecord in
 * one shape, whatever the schema. The layout is recognised from the keys, the texts are flattened in record
 * order with a path a user can find (`messages[2].content`, `output`), and each text gets the side of the
 * training pair it is on (prompt, answer, system), because checks judge the two sides differently.
 */
import type { DatasetRecord, DatasetSchema, RecordText, TextRole } from './types.ts';

/** Bounds that keep one hostile record (deep nesting, millions of leaves) from costing more than its size. */
export interface NormaliseLimits {
  maxDepth: number;
  /** Texts kept per record; the rest are dropped and counted in `truncated`. */
  maxTexts?: number;
}

/** A record plus what normalising it had to leave out. */
export interface Normalised {
  record: DatasetRecord;
  /** Set when nesting went deeper than maxDepth or a record had more texts than maxTexts. */
  truncated?: string;
}

const DEFAULT_MAX_TEXTS = 10_000;

/** Chat roles → training side. Anything the model is taught to produce is an answer. */
const ROLE_OF: Record<string, TextRole> = {
  system: 'system',
  developer: 'system',
  user: 'prompt',
  human: 'prompt',
  tool: 'prompt',
  function: 'prompt',
  ipython: 'prompt',
  observation: 'prompt',
  input: 'prompt',
  assistant: 'answer',
  gpt: 'answer',
  model: 'answer',
  bot: 'answer',
  chatgpt: 'answer',
  bard: 'answer',
  function_call: 'answer',
  output: 'answer',
};

/** Keys of prompt/answer pairs, tried in order: the first prompt key and first answer key both present win. */
const PROMPT_KEYS = ['prompt', 'question', 'query', 'instruction', 'input'];
const ANSWER_KEYS = ['completion', 'response', 'answer', 'output', 'chosen'];
/** Keys whose value is a class label in classification sets. */
const LABEL_KEYS = ['label', 'labels', 'class', 'category', 'sentiment'];
/** Keys holding the text of a text-only corpus or a classification example. */
const TEXT_KEYS = ['text', 'sentence', 'content', 'document', 'review'];

/** A string this long made only of base64 characters is decoded and offered to checks as a blob. */
const MIN_BASE64_CHARS = 128;
const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;

type Obj = Record<string, unknown>;

/** Recognises the layout of `value` and flattens it. Never throws; non-objects become one `value` text. */
export function normaliseRecord(
  value: unknown,
  index: number,
  limits: NormaliseLimits,
  line?: number,
): Normalised {
  const out = new Collector(limits);
  let schema: DatasetSchema = 'columns';
  let label: string | undefined;
  if (!isObj(value)) {
    out.walk(value, 'value', 'other', 0);
  } else {
    const used = new Set<string>();
    schema = layoutOf(value);
    switch (schema) {
      case 'chat':
        out.turns(value.messages as unknown[], 'messages', 'role', 'content');
        used.add('messages');
        break;
      case 'sharegpt': {
        const turns = value.conversations as unknown[];
        const first = turns.find(isObj);
        const [roleKey, textKey] =
          first !== undefined && 'from' in first ? ['from', 'value'] : ['role', 'content'];
        out.turns(turns, 'conversations', roleKey, textKey);
        used.add('conversations');
        break;
      }
      case 'alpaca':
        for (const [key, role] of [
          ['system', 'system'],
          ['instruction', 'prompt'],
          ['input', 'prompt'],
          ['output', 'answer'],
        ] as const) {
          if (key in value) {
            out.walk(value[key], key, role, 1);
            used.add(key);
          }
        }
        break;
      case 'prompt-completion': {
        if ('system' in value) {
          out.walk(value.system, 'system', 'system', 1);
          used.add('system');
        }
        for (const key of PROMPT_KEYS) {
          if (key in value) {
            out.side(value[key], key, 'prompt');
            used.add(key);
          }
        }
        for (const key of ANSWER_KEYS) {
          if (key in value) {
            out.side(value[key], key, 'answer');
            used.add(key);
          }
        }
        // Preference pairs: the rejected answer is shown to the trainer as what NOT to say, not taught.
        if ('rejected' in value) {
          out.side(value.rejected, 'rejected', 'other');
          used.add('rejected');
        }
        break;
      }
      case 'text':
      case 'classification': {
        const key = TEXT_KEYS.find((k) => typeof value[k] === 'string') ?? 'text';
        out.walk(value[key], key, 'prompt', 1);
        used.add(key);
        break;
      }
      case 'columns':
        break;
    }
    const labelKey = LABEL_KEYS.find((k) => k in value && isLabelValue(value[k]));
    if (labelKey !== undefined) {
      label = labelText(value[labelKey]);
      used.add(labelKey);
    }
    // Every other column still matters (an `id`, a `source` URL, a metadata blob): kept as `other`.
    for (const [key, v] of Object.entries(value)) {
      if (!used.has(key)) out.walk(v, key, key === 'system' ? 'system' : 'other', 1);
    }
  }
  const record: DatasetRecord = { index, schema, texts: out.texts };
  if (line !== undefined) record.line = line;
  if (label !== undefined) record.label = label;
  if (out.blobs.length > 0) record.blobs = out.blobs;
  const result: Normalised = { record };
  if (out.truncated !== undefined) result.truncated = out.truncated;
  return result;
}

/** The layout a record's keys announce; `columns` when none does. */
function layoutOf(value: Obj): DatasetSchema {
  if (isTurnList(value.messages)) return 'chat';
  if (isTurnList(value.conversations)) return 'sharegpt';
  if ('instruction' in value && 'output' in value) return 'alpaca';
  const hasPrompt = PROMPT_KEYS.some((k) => k in value);
  const hasAnswer = ANSWER_KEYS.some((k) => k in value) || 'rejected' in value;
  if (hasPrompt && hasAnswer) return 'prompt-completion';
  if ('chosen' in value && 'rejected' in value) return 'prompt-completion';
  const textKey = TEXT_KEYS.find((k) => typeof value[k] === 'string');
  if (textKey !== undefined) {
    return LABEL_KEYS.some((k) => k in value && isLabelValue(value[k])) ? 'classification' : 'text';
  }
  return 'columns';
}

function isTurnList(v: unknown): boolean {
  return Array.isArray(v) && v.length > 0 && v.every((t) => isObj(t) && ('role' in t || 'from' in t));
}

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
}

function isLabelValue(v: unknown): boolean {
  return (
    typeof v === 'string' ||
    typeof v === 'number' ||
    typeof v === 'bigint' ||
    typeof v === 'boolean' ||
    (Array.isArray(v) && v.every((x) => typeof x === 'string' || typeof x === 'number'))
  );
}

function labelText(v: unknown): string {
  return Array.isArray(v) ? v.map(String).join(',') : String(v);
}

/** Accumulates texts and blobs under the record's limits. */
class Collector {
  readonly texts: RecordText[] = [];
  readonly blobs: { field: string; bytes: Uint8Array }[] = [];
  truncated: string | undefined;
  private readonly maxTexts: number;

  constructor(private readonly limits: NormaliseLimits) {
    this.maxTexts = limits.maxTexts ?? DEFAULT_MAX_TEXTS;
  }

  /** A list of chat turns: each turn's text gets its speaker's side; other turn fields are walked too. */
  turns(list: readonly unknown[], path: string, roleKey: string, textKey: string): void {
    list.forEach((turn, i) => {
      const at = `${path}[${i}]`;
      if (!isObj(turn)) {
        this.walk(turn, at, 'other', 2);
        return;
      }
      const speaker = typeof turn[roleKey] === 'string' ? (turn[roleKey] as string).toLowerCase() : '';
      const role = ROLE_OF[speaker] ?? 'other';
      for (const [key, v] of Object.entries(turn)) {
        if (key === roleKey) continue;
        // Reasoning traces are taught along with the answer they belong to.
        const side = key === textKey || key === 'reasoning_content' || key === 'thinking' ? role : 'other';
        this.walk(v, `${at}.${key}`, side, 2);
      }
    });
  }

  /** A prompt or answer that is either a plain value or a list of chat turns (preference sets use both). */
  side(v: unknown, path: string, role: TextRole): void {
    if (isTurnList(v)) {
      const first = (v as Obj[])[0]!;
      this.turns(
        v as unknown[],
        path,
        'role' in first ? 'role' : 'from',
        'role' in first ? 'content' : 'value',
      );
    } else this.walk(v, path, role, 1);
  }

  /** Every string leaf of `v`, in order, with its path. Content-part lists (`[{type, text}]`) keep the role. */
  walk(v: unknown, path: string, role: TextRole, depth: number): void {
    if (depth > this.limits.maxDepth) {
      this.truncated ??= `nesting deeper than ${this.limits.maxDepth} at ${path}`;
      return;
    }
    if (typeof v === 'string') {
      if (v.length === 0) return;
      if (this.texts.length >= this.maxTexts) {
        this.truncated ??= `more than ${this.maxTexts} text fields`;
        return;
      }
      this.texts.push({ field: path, role, text: v });
      if (v.length >= MIN_BASE64_CHARS && BASE64.test(v)) {
        this.blobs.push({
          field: path,
          bytes: Buffer.from(v, v.includes('-') || v.includes('_') ? 'base64url' : 'base64'),
        });
      }
    } else if (v instanceof Uint8Array) {
      this.blobs.push({ field: path, bytes: v });
    } else if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) this.walk(v[i], `${path}[${i}]`, role, depth + 1);
    } else if (isObj(v)) {
      for (const [key, child] of Object.entries(v)) {
        // In content parts, `type` names the part (`text`, `image_url`): a tag, not content.
        if (key === 'type' && typeof child === 'string') continue;
        this.walk(child, `${path}.${key}`, role, depth + 1);
      }
    }
  }
}
