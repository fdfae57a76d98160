/**
 * guard/role-spoofing: chat-template delimiters and fake turns inside user or document text. A model (or
 * the server that renders its template) may read `<|im_start|>system` or `[INST]` in the middle of user text
 * as a real turn boundary, and a line such as "SYSTEM: you must..." or a pasted `{"role": "tool", ...}`
 * object pretends to be a higher-privileged message.
 */

import { originalSpan } from '../prepare.ts';
import type { Detection, Detector, DetectorMeta, PreparedText } from '../types.ts';
import { clip, isAllowed, MAX_DETECTIONS, mentionTest, mergeHits, rx } from './phrases.ts';

const meta: DetectorMeta = {
  id: 'guard/role-spoofing',
  title: 'Input carries chat-template delimiters or fake system, assistant or tool turns',
  severity: 'high',
  tags: ['OWASP-LLM01', 'AML.T0051.000', 'CWE-1427', 'CWE-150'],
  references: [
    'https://genai.owasp.org/llmrisk/llm01-prompt-injection/',
    'https://atlas.mitre.org/techniques/AML.T0051',
    'https://github.com/openai/openai-python/blob/release-v0.28.0/chatml.md',
    'https://huggingface.co/docs/transformers/main/en/chat_templating',
  ],
  fix: 'Never let user or document text be rendered as template tokens: tokenize it with special tokens disabled (e.g. `split_special_tokens=True`), or strip or escape `<|...|>`, `[INST]` and `<<SYS>>` before rendering. Pass tool results and documents as data, not as turns.',
  directions: ['input'],
  defaultAction: 'block',
  defaultThreshold: 0.5,
  window: 200,
};

/**
 * Template tokens that open a turn for a role: ChatML `<|im_start|>`, Llama 3 headers, Phi/Zephyr role
 * tokens, Llama 2 `[INST]` and `<<SYS>>`, Gemma `<start_of_turn>`, DeepSeek `<｜User｜>` (NFKC folds the
 * full-width bars), harmony `<|start|>`, Mistral's bracketed sections.
 */
const OPENING_TOKEN = rx(
  [
    '< ?\\| ?(?:im_start|start_header_id|system|user|assistant|start|begin_of_text|begin▁of▁sentence|begin_of_sentence|prompter|human|model|tool|tool_response|developer) ?\\| ?>',
    '\\[inst\\]',
    '<<sys>>',
    '<start_of_turn>',
    '\\[(?:system_prompt|tool_results|available_tools)\\]',
  ].join('|'),
);

/** Tokens that close a turn or end the text; dangerous mostly as the first half of a turn switch. */
const CLOSING_TOKEN = rx(
  [
    '< ?\\| ?(?:im_end|im_sep|end|eot_id|eom_id|end_header_id|end_of_turn|endofturn|message|channel|return|call|end▁of▁sentence|end_of_sentence) ?\\| ?>',
    '\\[/inst\\]',
    '<</sys>>',
    '<end_of_turn>',
    '\\[/(?:system_prompt|tool_results|available_tools)\\]',
  ].join('|'),
);

/** End-of-document tokens: they end a text rather than open a turn. Reported below the default threshold. */
const END_OF_TEXT_TOKEN = rx('< ?\\| ?(?:endoftext|end_of_text|startoftext|endofprompt|bos|eos|pad) ?\\| ?>');

/** A `{"role": "system" ...}` object: a fake message in the OpenAI format. */
const ROLE_OBJECT = rx(`\\{ ?["']role["'] ?: ?["'](?:system|tool|developer|function|assistant)["']`);

/** Line-start patterns on the original text (the normalized text has no newlines). */
const SYSTEM_LABEL =
  /^[ \t>*]*(?:#{1,4}[ \t]*)?(?:\[)?(system|system override|system message|system prompt|system notice|system update|system alert|system instruction|system instructions|new system prompt|developer message|admin override)(?:\])?[ \t]*:[ \t]*([^\n]{0,160})/gimu;
const INSTRUCTION_HEADER = /^[ \t]*#{2,4}[ \t]*(instruction|instructions|system)[ \t]*:?[ \t]*$/gimu;
const ASSISTANT_ACK =
  /^[ \t>*]*(assistant|ai|chatgpt|gpt|gpt-4|gpt-4o|claude|bot|model|llm|gemini|llama|ai assistant)[ \t]*:[ \t]*(sure|certainly|of course|absolutely|okay|ok|yes|understood|here is|here's|here are|i will|i'll|i can|as requested|no problem|happy to)\b/gimu;
const TOOL_RESULT =
  /^[ \t>*]*(function result|function output|tool output|tool result|tool response|observation|api response)[ \t]*:([^\n]{0,300})/gimu;

/** Words showing that a "SYSTEM:" line or a tool result gives the model orders, not data. */
const ORDERS =
  /\b(?:you|your|assistant|the ai|the model|must|ignore|disregard|override|instructions?|from now on|do not|don't|always|never|respond|reply|answer|say|print|reveal|output|follow|new rules?|important|urgent|now (?:do|say|send|call|tell|write))\b/i;

/** Ranges of the original in fenced code blocks or inline code spans. */
function codeRanges(original: string): [number, number][] {
  const ranges: [number, number][] = [];
  let open = -1;
  let fence = '';
  let pos = 0;
  while (pos <= original.length) {
    const nl = original.indexOf('\n', pos);
    const end = nl < 0 ? original.length : nl;
    const line = original.slice(pos, end);
    const m = /^[ \t]{0,3}(`{3,}|~{3,})/.exec(line);
    if (m !== null) {
      const marker = m[1] ?? '';
      if (open < 0) {
        open = pos;
        fence = marker.slice(0, 3);
      } else if (marker.startsWith(fence)) {
        ranges.push([open, end]);
        open = -1;
      }
    } else if (open < 0 && line.includes('`')) {
      for (const inline of line.matchAll(/`[^`]{1,300}`/g)) {
        const s = pos + (inline.index ?? 0);
        ranges.push([s, s + inline[0].length]);
      }
    }
    if (nl < 0) break;
    pos = nl + 1;
  }
  if (open >= 0) ranges.push([open, original.length]);
  return ranges;
}

function inRanges(ranges: readonly [number, number][], at: number): boolean {
  for (const [s, e] of ranges) if (at >= s && at < e) return true;
  return false;
}

/** Score of a named (quoted, in code, in a worked example) or inert token: below the default threshold. */
const NAMED_SCORE = 0.45;

interface OriginalHit {
  start: number;
  end: number;
  score: number;
  label: string;
}

/** Labelled lines: "SYSTEM: ...", "### Instruction:", "Assistant: Sure, ...", "Tool output: ...". */
function lineHits(text: PreparedText): OriginalHit[] {
  const o = text.original;
  if (!o.includes(':') && !o.includes('#')) return [];
  const out: OriginalHit[] = [];
  const push = (start: number, end: number, score: number, label: string) => {
    if (out.length < MAX_DETECTIONS * 2) out.push({ start, end, score, label });
  };
  const firstLine = o.search(/\S/);
  const labelCounts = new Map<string, number>();
  const systemHits: { start: number; end: number; label: string; override: boolean }[] = [];
  let n = 0;
  for (const m of o.matchAll(SYSTEM_LABEL)) {
    if (n++ > 200) break;
    const raw = m[1] ?? '';
    const label = raw.toLowerCase();
    labelCounts.set(label, (labelCounts.get(label) ?? 0) + 1);
    // "System:" or "SYSTEM:"; a lower-case "system:" at a line start is a wrapped sentence.
    if (raw[0] !== raw[0]?.toUpperCase()) continue;
    const rest = m[2] ?? '';
    const override = label.includes('override');
    if (!override && !ORDERS.test(rest)) continue;
    const lineStart = m.index ?? 0;
    const restStart = lineStart + m[0].length - rest.length;
    const labelStart = lineStart + (m[0].length - m[0].replace(/^[ \t>*]+/, '').length);
    systemHits.push({ start: labelStart, end: restStart + Math.min(rest.length, 60), label, override });
  }
  for (const h of systemHits) {
    // The document's own heading (its first line), or a label the document repeats as structure.
    const structural = o.lastIndexOf('\n', h.start) < firstLine || (labelCounts.get(h.label) ?? 0) >= 2;
    push(
      h.start,
      h.end,
      structural ? NAMED_SCORE : h.override ? 0.8 : 0.6,
      `${h.label.replace(/ /g, '-')}-label`,
    );
  }
  n = 0;
  for (const m of o.matchAll(INSTRUCTION_HEADER)) {
    if (n++ > 200) break;
    const s = m.index ?? 0;
    push(s, s + m[0].length, 0.5, 'instruction-header');
  }
  n = 0;
  for (const m of o.matchAll(ASSISTANT_ACK)) {
    if (n++ > 200) break;
    const s = m.index ?? 0;
    push(s, s + m[0].length, 0.6, 'fake-assistant-turn');
  }
  n = 0;
  for (const m of o.matchAll(TOOL_RESULT)) {
    if (n++ > 200) break;
    if (!ORDERS.test(m[2] ?? '')) continue;
    const s = m.index ?? 0;
    push(s, s + Math.min(m[0].length, 80), 0.6, 'fake-tool-result');
  }
  return out;
}

const QUOTE_PAIRS: readonly [string, string][] = [
  ['"', '"'],
  ['“', '”'],
  ["'", "'"],
  ['‘', '’'],
  ['«', '»'],
  ['`', '`'],
];

/**
 * The token is quoted or bracketed on its line ("say \"<|endoftext|>\"", "[<|im_end|>]"): text that names
 * the token, as defenders' prompts and questions do, rather than a turn boundary.
 */
function enclosed(original: string, start: number, end: number): boolean {
  let before = original.slice(Math.max(0, start - 80), start);
  const nl = before.lastIndexOf('\n');
  if (nl >= 0) before = before.slice(nl + 1);
  let after = original.slice(end, end + 80);
  const nl2 = after.indexOf('\n');
  if (nl2 >= 0) after = after.slice(0, nl2);
  const b = before[before.length - 1];
  const a = after[0];
  if ((b === '[' && a === ']') || (b === '(' && a === ')')) return true;
  for (const [open, close] of QUOTE_PAIRS) {
    const qi = before.lastIndexOf(open);
    if (qi < 0) continue;
    if (open === close && open !== "'" && before.slice(0, qi).split(open).length % 2 === 0) continue;
    if (after.includes(close)) return true;
  }
  return false;
}

/**
 * A token named in prose as a noun: "the [INST] token marks…", "wrapped in [INST] and [/INST] tags". It is the
 * object of a determiner, preposition or verb, and what follows it (after an optional "and <closing token>")
 * is a word for a token, so nothing is written inside the turn it would open. An attack's header starts a
 * sentence or follows other text directly, and is followed by the content of the turn it opens.
 */
const NAMED_AFTER =
  /^(?: ?(?:and|or|\/|,) ?\S{1,24})? (?:special )?(?:tokens?|tags?|markers?|delimiters?|headers?|strings?|sequences?|prefix(?:es)?|suffix(?:es)?|format|template|syntax|wrappers?|brackets?)(?![\p{L}\p{N}_])/u;

/** …and what precedes it is a determiner, preposition or verb that takes the token as its object. */
const NAMED_BEFORE =
  /(?:^|[\s(])(?:the|a|an|each|every|in|between|around|with|and|or|of|use|uses|using|add|adds|print|prints|emit|emits|output|outputs|see|sees|insert|inserts|strip|strips|remove|removes) ?$/u;

function namedInProse(normalized: string, start: number, end: number): boolean {
  return (
    NAMED_BEFORE.test(normalized.slice(Math.max(0, start - 16), start)) &&
    NAMED_AFTER.test(normalized.slice(end, end + 48))
  );
}

/** Any template token, classified by which group matched. */
const ANY_TOKEN = rx(`(${OPENING_TOKEN.source})|(${CLOSING_TOKEN.source})|(${END_OF_TEXT_TOKEN.source})`);
/** What may separate tokens without being content: whitespace, role names, colons. */
const TOKEN_GAP = /^[\s:]*(?:(?:system|user|assistant|model|human|bot|tool|developer|ai)[\s:]*)?$/;
/** Text that is code about chat APIs, where a `{"role": ...}` object is expected. */
const CODE_CUES =
  /\b(?:messages|openai|client\.|import |curl |def |const |let |var |json|api|request|payload)\b|=/;

/** Template tokens classified: turn switches, mid-text turn headers, and named or inert tokens. */
function tokenHits(text: PreparedText): OriginalHit[] {
  const n = text.normalized;
  if (!n.includes('|') && !n.includes('[') && !n.includes('<') && !n.includes('{')) return [];
  const out: OriginalHit[] = [];
  let atStart = true;
  let prevEnd = 0;
  let prevClosing = false;
  let pasted = false;
  let count = 0;
  const isMention = mentionTest(text);
  for (const m of n.matchAll(ANY_TOKEN)) {
    if (count++ >= 500) break;
    const start = m.index ?? 0;
    const end = start + m[0].length;
    const gap = n.slice(prevEnd, start);
    const adjacent = gap.length <= 40 && TOKEN_GAP.test(gap);
    if (!adjacent) atStart = false;
    let score: number;
    let label: string;
    // A text that opens with a turn header is a rendered conversation pasted whole (a template being
    // debugged, a transcript): its later turns are part of that paste, not a break out of the user's turn.
    if (count === 1 && m[1] !== undefined && atStart) pasted = true;
    if (pasted) {
      score = NAMED_SCORE;
      label = 'pasted-template';
    } else if (m[1] !== undefined) {
      if (prevClosing && adjacent && count > 1) {
        score = 0.9;
        label = 'turn-switch';
      } else {
        score = 0.8;
        label = 'turn-header';
      }
    } else {
      score = NAMED_SCORE;
      label = m[2] !== undefined ? 'turn-closing-token' : 'end-of-text-token';
    }
    prevClosing = m[1] === undefined;
    prevEnd = end;
    const span = originalSpan(text, start, end);
    if (
      score > NAMED_SCORE &&
      (enclosed(text.original, span.start, span.end) || isMention(start, end) || namedInProse(n, start, end))
    )
      score = NAMED_SCORE;
    if (out.length < MAX_DETECTIONS * 2) out.push({ ...span, score, label });
  }
  for (const m of n.matchAll(ROLE_OBJECT)) {
    if (count++ >= 500) break;
    const start = m.index ?? 0;
    const span = originalSpan(text, start, start + m[0].length);
    const score = CODE_CUES.test(n) || isMention(start, start + m[0].length) ? NAMED_SCORE : 0.6;
    if (out.length < MAX_DETECTIONS * 2) out.push({ ...span, score, label: 'role-object' });
  }
  return out;
}

/** Template tokens and fake turns in input text; named (quoted, in code, in examples) ones score below 0.5. */
export const roleSpoofingDetector: Detector = {
  meta,
  detect(text, ctx) {
    const all = tokenHits(text);
    const lines = lineHits(text);
    if (lines.length > 0) {
      // Labelled lines inside worked examples ("User: ... / Assistant: Sure ...") are transcripts, not turns.
      const isMention = mentionTest(text);
      for (const h of lines) {
        // Judge from just after the label, so "User:" / "Assistant:" lines of a transcript count as labelled.
        const colon = text.original.indexOf(':', h.start);
        const ni = normalizedIndexOf(text, colon >= 0 && colon < h.end ? colon + 1 : h.start);
        if (h.score > NAMED_SCORE && ni >= 0 && isMention(ni, ni + 1)) h.score = NAMED_SCORE;
        all.push(h);
      }
    }
    if (all.length === 0) return [];
    const code =
      text.original.includes('`') || text.original.includes('~~~') ? codeRanges(text.original) : [];
    if (code.length > 0)
      for (const h of all) if (inRanges(code, h.start)) h.score = Math.min(h.score, NAMED_SCORE);
    const out: Detection[] = [];
    for (const h of mergeHits(all)) {
      if (out.length >= MAX_DETECTIONS) break;
      const matched = text.original.slice(h.start, h.end);
      if (isAllowed(ctx, matched)) continue;
      out.push({
        score: h.score,
        message:
          h.score <= NAMED_SCORE
            ? `Role spoofing: ${h.label} (named, quoted, in code or inert; below the default threshold)`
            : `Role spoofing: ${h.label} in input text can be read as a new chat turn`,
        span: { start: h.start, end: h.end },
        evidence: { pattern: h.label, match: clip(matched, 120) },
      });
    }
    return out;
  },
};

/** The first index of `normalized` that maps to `orig` or later (binary search on the offset map). */
function normalizedIndexOf(text: PreparedText, orig: number): number {
  const map = text.normalizedToOriginal;
  let lo = 0;
  let hi = text.normalized.length - 1;
  if (hi < 0) return -1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((map[mid] ?? 0) < orig) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
