/**
 * `createGuard`: runs the detectors the policy enables over a prepared text and folds their detections
 * into one verdict. Synchronous and pure: a guard holds only its resolved policy, so one instance can
 * serve every request of a server.
 */
import type { Finding } from '../core/finding.ts';
import { GUARD_DETECTORS } from './detectors/index.ts';
import { transformerClassifierMeta } from './onnx/transformer-classifier.ts';
import { resolvePolicy } from './policy.ts';
import type { GuardPolicy, PresetName, ResolvedPolicy } from './policy-types.ts';
import { prepareText } from './prepare.ts';
import { ScanMemo } from './scan-memo.ts';
import { createOutputStream, type OutputStream } from './stream.ts';
import type {
  Detection,
  Detector,
  DetectorContext,
  Direction,
  GuardAction,
  GuardContext,
  GuardMessage,
  GuardResult,
  PreparedText,
  Span,
} from './types.ts';

export interface Guard {
  readonly policy: ResolvedPolicy;
  /** The detectors this guard runs (enabled by the policy), in order. */
  readonly detectors: readonly Detector[];
  /** Scans a user prompt, a document, or a whole chat request (system messages are context, not input). */
  scanInput(input: string | readonly GuardMessage[], context?: GuardContext): GuardResult;
  /** Scans a complete model response. */
  scanOutput(text: string, context?: GuardContext): GuardResult;
  /** Scans a response as it streams: releases text only once no detector could still block or redact it. */
  outputStream(context?: GuardContext): OutputStream;
}

export interface GuardOptions {
  /** Replaces the built-in detector list (for tests and for adding your own detectors). */
  detectors?: readonly Detector[];
  /**
   * Input texts whose verdicts the guard remembers (default 256; 0 turns it off), so conversation history
   * resent with every turn is judged once. Output is never memoised: every response is new text.
   */
  memoEntries?: number;
}

/** Characters the input memo may hold in all (keys are the texts themselves). */
const MEMO_MAX_CHARS = 4 * 1024 * 1024;

/** Where a detection counted, with the action the policy gives it. */
export interface CountedDetection {
  detector: Detector;
  detection: Detection;
  action: GuardAction;
}

const ACTION_RANK: Record<GuardAction, number> = { allow: 0, flag: 1, redact: 2, block: 3 };

export function worseAction(a: GuardAction, b: GuardAction): GuardAction {
  return ACTION_RANK[a] >= ACTION_RANK[b] ? a : b;
}

/** Accepts a preset name, a user policy or an already-resolved one. */
export function createGuard(
  policy?: GuardPolicy | ResolvedPolicy | PresetName,
  options: GuardOptions = {},
): Guard {
  const all = options.detectors ?? GUARD_DETECTORS;
  const resolved = isResolved(policy)
    ? policy
    : resolvePolicy(typeof policy === 'string' ? { preset: policy } : policy, all, {
        // The ONNX backend runs beside the guard (withOnnx); its setting lives in the same policy.
        extra: [transformerClassifierMeta],
      });
  const enabled = all.filter((d) => resolved.detectors.get(d.meta.id)?.enabled ?? true);
  const forDirection = (direction: Direction) => enabled.filter((d) => d.meta.directions.includes(direction));
  const inputDetectors = forDirection('input');
  const outputDetectors = forDirection('output');

  const detectorContext = (direction: Direction, context: GuardContext): DetectorContext => ({
    ...context,
    direction,
    allowPhrases: resolved.allowPhrases,
    allowDomains: resolved.allowDomains,
  });

  const memo = new ScanMemo<CountedDetection[]>(options.memoEntries ?? 256, MEMO_MAX_CHARS);
  const scanText = (text: string, path: string, direction: Direction, context: GuardContext): ScanPart => {
    const detectors = direction === 'input' ? inputDetectors : outputDetectors;
    // Everything a detector reads besides the text is in the key, so a hit is exactly what a rescan gives.
    const key = direction === 'input' ? memoKey(text, context) : undefined;
    let counted = key === undefined ? undefined : memo.get(key);
    if (counted === undefined) {
      const prepared = prepareText(text, { decode: direction === 'input' });
      counted = runDetectors(detectors, prepared, detectorContext(direction, context), resolved);
      if (key !== undefined) memo.set(key, counted);
    }
    return summarise(counted, text, path);
  };

  return {
    policy: resolved,
    detectors: enabled,
    scanInput(input, context = {}) {
      if (typeof input === 'string') return toResult([scanText(input, 'input', 'input', context)]);
      const parts: ScanPart[] = [];
      // The system prompt for leak checks: the context's, else every system and developer message's text.
      const instructions = input
        .filter((m) => m.role === 'system' || m.role === 'developer')
        .map(messageText)
        .filter((t) => t !== '')
        .join('\n');
      const systemPrompt = context.systemPrompt ?? (instructions === '' ? undefined : instructions);
      input.forEach((message, index) => {
        if (message.role === 'system' || message.role === 'developer') return;
        const text = messageText(message);
        if (text === '') return;
        const source =
          message.role === 'tool' || message.role === 'function' ? 'tool' : (context.source ?? 'user');
        const messageContext: GuardContext = { ...context, source };
        if (systemPrompt !== undefined) messageContext.systemPrompt = systemPrompt;
        parts.push(scanText(text, `messages[${index}]`, 'input', messageContext));
      });
      const result = toResult(parts);
      if (parts.some((p) => p.redacted !== undefined)) {
        const byPath = new Map(parts.map((p) => [p.path, p]));
        result.redactedMessages = input.map((m, i) => {
          const part = byPath.get(`messages[${i}]`);
          if (part?.redacted === undefined) return m;
          return { ...m, content: redactContent(m, part.redactions ?? []) ?? part.redacted };
        });
      }
      return result;
    },
    scanOutput(text, context = {}) {
      return toResult([scanText(text, 'output', 'output', context)]);
    },
    outputStream(context = {}) {
      return createOutputStream({
        detectors: outputDetectors,
        policy: resolved,
        context: detectorContext('output', context),
      });
    },
  };
}

/** The memo key of an input text: the context fields detectors read, then the text. */
function memoKey(text: string, context: GuardContext): string {
  // A new GuardContext field fails to compile here until it is part of the key.
  const { systemPrompt, canaries: planted, source, ...rest } = context;
  const unkeyed: Record<string, never> = rest;
  void unkeyed;
  const canaries = planted === undefined ? '' : planted.join('\u0001');
  return `${source ?? ''}\u0000${canaries}\u0000${systemPrompt ?? ''}\u0000${text}`;
}

function isResolved(policy: unknown): policy is ResolvedPolicy {
  return typeof policy === 'object' && policy !== null && (policy as ResolvedPolicy).detectors instanceof Map;
}

/** The text of a message: a string, or its text parts joined (images and audio are not scanned here). */
export function messageText(message: GuardMessage): string {
  if (typeof message.content === 'string') return message.content;
  if (!Array.isArray(message.content)) return '';
  return message.content
    .map((part) => (typeof part.text === 'string' ? part.text : ''))
    .filter((t) => t !== '')
    .join('\n');
}

/**
 * Runs detectors on the text and, for input, on every decoded layer; detections in a decoded layer are
 * reported at the encoded range with the encoding named, because that range is what the caller sees.
 */
export function runDetectors(
  detectors: readonly Detector[],
  prepared: PreparedText,
  ctx: DetectorContext,
  policy: ResolvedPolicy,
): CountedDetection[] {
  const counted: CountedDetection[] = [];
  const consider = (detector: Detector, detection: Detection) => {
    const setting = policy.detectors.get(detector.meta.id);
    const threshold = setting?.threshold ?? detector.meta.defaultThreshold;
    const action = setting?.action ?? detector.meta.defaultAction;
    counted.push({ detector, detection, action: detection.score >= threshold ? action : 'allow' });
  };
  for (const detector of detectors) {
    for (const detection of detector.detect(prepared, ctx)) consider(detector, detection);
  }
  for (const layer of prepared.decoded) {
    const view: PreparedText = {
      original: layer.text,
      normalized: layer.text,
      normalizedToOriginal: identityMap(layer.text.length),
      decoded: [],
    };
    for (const detector of detectors) {
      // Invisible characters are judged on what the caller sent: a decoding has none left to find.
      if (detector.meta.id === 'guard/invisible-text') continue;
      for (const detection of detector.detect(view, ctx)) {
        // What a detector matched in a decoding but could read in the plain text as well was already
        // judged there, with its context (quoted, negated, an example); only what decoding revealed counts.
        const matched =
          detection.span === undefined ? '' : layer.text.slice(detection.span.start, detection.span.end);
        if (matched.length > 0 && prepared.normalized.includes(matched.toLowerCase())) continue;
        consider(detector, {
          ...detection,
          message: `${detection.message} (in ${layer.encoding}-decoded text)`,
          // The decoded range is replaced whole: redacting half of an encoding leaves nothing meaningful.
          span: {
            ...layer.span,
            ...(detection.span?.replacement === undefined ? {} : { replacement: detection.span.replacement }),
          },
          evidence: { ...detection.evidence, encoding: layer.encoding, decoded: layer.text.slice(0, 200) },
        });
      }
    }
  }
  return counted;
}

function identityMap(length: number): Uint32Array {
  const map = new Uint32Array(length + 1);
  for (let i = 0; i <= length; i++) map[i] = i;
  return map;
}

interface ScanPart {
  path: string;
  action: GuardAction;
  score: number;
  findings: Finding[];
  redacted?: string;
  /** The spans behind `redacted`, so content given as parts can be redacted part by part. */
  redactions?: Span[];
}

/**
 * Redacts a message whose content is an array of parts: each text part gets the spans that fall in it
 * (offsets are into the parts' text joined with "\n", as messageText builds it), and image, audio and
 * other parts are kept as they were. A string content returns undefined (the caller uses the whole text).
 */
function redactContent(message: GuardMessage, spans: readonly Span[]): GuardMessage['content'] | undefined {
  if (!Array.isArray(message.content)) return undefined;
  let offset = 0;
  let first = true;
  return message.content.map((part) => {
    if (typeof part.text !== 'string' || part.text === '') return part;
    if (!first) offset += 1; // the "\n" messageText puts between text parts
    first = false;
    const start = offset;
    const end = start + part.text.length;
    offset = end;
    const local = spans
      .filter((sp) => sp.end > start && sp.start < end)
      .map((sp) => ({ ...sp, start: Math.max(sp.start, start) - start, end: Math.min(sp.end, end) - start }));
    return local.length === 0 ? part : { ...part, text: applyRedactions(part.text, local) };
  });
}

/** Folds one text's detections: worst action, top score, findings for counted ones, redacted text. */
export function summarise(counted: readonly CountedDetection[], text: string, path: string): ScanPart {
  let action: GuardAction = 'allow';
  let score = 0;
  const findings: Finding[] = [];
  const redactions: Span[] = [];
  for (const { detector, detection, action: a } of counted) {
    score = Math.max(score, detection.score);
    if (a === 'allow') continue;
    action = worseAction(action, a);
    findings.push(toFinding(detector, detection, a, path));
    if (a === 'redact' && detection.span !== undefined) redactions.push(withLabel(detection.span, detector));
  }
  const part: ScanPart = { path, action, score, findings };
  if (redactions.length > 0) {
    part.redacted = applyRedactions(text, redactions);
    part.redactions = redactions;
  }
  return part;
}

/** A span with its replacement: the detector's own, else `[REDACTED:<name>]` from the detector id. */
export function withLabel(span: Span, detector: Detector): Span {
  if (span.replacement !== undefined) return span;
  return { ...span, replacement: `[REDACTED:${detector.meta.id.replace(/^guard\//, '')}]` };
}

export function toFinding(
  detector: Detector,
  detection: Detection,
  action: GuardAction,
  path: string,
): Finding {
  const location: Finding['location'] = { path };
  if (detection.span !== undefined) location.offset = detection.span.start;
  const evidence: Record<string, unknown> = { ...detection.evidence, score: round(detection.score), action };
  if (detection.span !== undefined) evidence.end = detection.span.end;
  return {
    ruleId: detector.meta.id,
    severity: detector.meta.severity,
    message: detection.message,
    location,
    evidence,
  };
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

/** Replaces spans (merged where they overlap; the earliest span's replacement wins) in one pass. */
export function applyRedactions(text: string, spans: readonly Span[]): string {
  const sorted = [...spans].sort((a, b) => a.start - b.start || b.end - a.end);
  let out = '';
  let cursor = 0;
  for (const span of sorted) {
    if (span.end <= cursor) continue;
    const start = Math.max(span.start, cursor);
    out += text.slice(cursor, start);
    if (start === span.start) out += span.replacement ?? '[REDACTED]';
    cursor = span.end;
  }
  return out + text.slice(cursor);
}

function toResult(parts: readonly ScanPart[]): GuardResult {
  let action: GuardAction = 'allow';
  let score = 0;
  const findings: Finding[] = [];
  for (const part of parts) {
    action = worseAction(action, part.action);
    score = Math.max(score, part.score);
    findings.push(...part.findings);
  }
  const result: GuardResult = { action, score: round(score), findings };
  const only = parts.length === 1 ? parts[0] : undefined;
  if (only?.redacted !== undefined) result.redacted = only.redacted;
  return result;
}
