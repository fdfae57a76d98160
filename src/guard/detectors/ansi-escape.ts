import type { Detection, Detector, DetectorContext, DetectorMeta, PreparedText } from '../types.ts';
import { codeRanges, inRanges } from './markdown-code.ts';
import { containsAllowedPhrase } from './redact-utils.ts';
import { urlHost } from './url-host.ts';

const meta: DetectorMeta = {
  id: 'guard/ansi-escape',
  title: 'Output carries terminal escape sequences',
  severity: 'medium',
  tags: ['OWASP-LLM05', 'OWASP-LLM01', 'CWE-150'],
  references: [
    'https://embracethered.com/blog/posts/2024/terminal-dillmas-prompt-injection-ansi-sequences/',
    'https://invisible-island.net/xterm/ctlseqs/ctlseqs.html',
  ],
  fix: 'Strip control characters from model output before it reaches a terminal or a log viewer (keep \\n and \\t). Find the instruction that made the model emit them, usually in a tool result or retrieved text.',
  directions: ['output'],
  defaultAction: 'redact',
  defaultThreshold: 0.5,
  // Long enough for any CSI sequence and the head of an OSC one (its kind is in the first few characters).
  window: 64,
};

/**
 * Sequences reported per text. Higher than other detectors because each one is stripped: a coloured log of
 * a few hundred lines has hundreds, and stopping at fifty would leave the rest in place. Adjacent sequences
 * are merged into one detection.
 */
const MAX_SEQUENCES = 500;
/** How far a string sequence (OSC, DCS, APC, PM, SOS) is followed looking for its terminator. */
const STRING_CAP = 8192;

const ESC = 0x1b;

interface Sequence {
  end: number;
  kind: string;
  score: number;
  host?: string;
}

/** CSI finals that move the cursor, erase, scroll or save/restore position: ways to hide or overwrite text. */
const CURSOR_FINALS = new Set('ABCDEFGHJKSTdfsulhr'.split(''));

function parseCsi(text: string, at: number): Sequence {
  let i = at;
  const paramsStart = i;
  while (i < text.length && i - at < 64) {
    const c = text.charCodeAt(i);
    if (c < 0x30 || c > 0x3f) break;
    i++;
  }
  const params = text.slice(paramsStart, i);
  while (i < text.length && i - at < 72) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c > 0x2f) break;
    i++;
  }
  const c = text.charCodeAt(i);
  if (!(c >= 0x40 && c <= 0x7e)) return { end: i, kind: 'csi', score: 0.6 };
  const final = text[i] ?? '';
  if (final === 'm') {
    // SGR 8 conceals text; otherwise colours (which can still paint text in the background colour).
    const concealed = params.split(';').includes('8');
    return { end: i + 1, kind: concealed ? 'sgr-conceal' : 'sgr', score: concealed ? 0.8 : 0.6 };
  }
  if (CURSOR_FINALS.has(final)) return { end: i + 1, kind: 'csi-cursor-or-erase', score: 0.8 };
  return { end: i + 1, kind: 'csi', score: 0.6 };
}

/** End of a string sequence: past BEL, ESC \ or ST (0x9c), or at the cap/end of text when unterminated. */
function stringEnd(text: string, at: number, bel: boolean): { end: number; bodyEnd: number } {
  const limit = Math.min(text.length, at + STRING_CAP);
  for (let i = at; i < limit; i++) {
    const c = text.charCodeAt(i);
    if (bel && c === 0x07) return { end: i + 1, bodyEnd: i };
    if (c === 0x9c) return { end: i + 1, bodyEnd: i };
    if (c === ESC) return text[i + 1] === '\\' ? { end: i + 2, bodyEnd: i } : { end: i, bodyEnd: i };
  }
  return { end: limit, bodyEnd: limit };
}

function parseOsc(text: string, at: number): Sequence {
  const { end, bodyEnd } = stringEnd(text, at, true);
  const body = text.slice(at, Math.min(bodyEnd, at + 2048));
  const code = /^\d{1,4}/.exec(body)?.[0];
  if (code === '52') return { end, kind: 'osc52-clipboard', score: 0.95 };
  if (code === '8') {
    // OSC 8 ; params ; URI — the visible text need not match where the link goes.
    const uri = body.split(';').slice(2).join(';');
    const host = urlHost(uri);
    return host === undefined
      ? { end, kind: 'osc8-hyperlink', score: 0.8 }
      : { end, kind: 'osc8-hyperlink', score: 0.8, host };
  }
  return { end, kind: 'osc', score: 0.6 };
}

/** The escape sequence starting at `at` (an ESC or a C1 introducer). */
function parseSequence(text: string, at: number): Sequence {
  const c = text.charCodeAt(at);
  if (c === 0x9b) return parseCsi(text, at + 1);
  if (c === 0x9d) return parseOsc(text, at + 1);
  if (c === 0x90 || c === 0x98 || c === 0x9e || c === 0x9f)
    return { end: stringEnd(text, at + 1, false).end, kind: 'dcs-or-apc', score: 0.7 };
  // ESC
  const next = text[at + 1];
  if (next === '[') return parseCsi(text, at + 2);
  if (next === ']') return parseOsc(text, at + 2);
  if (next === 'P' || next === 'X' || next === '^' || next === '_')
    return { end: stringEnd(text, at + 2, false).end, kind: 'dcs-or-apc', score: 0.7 };
  const n = text.charCodeAt(at + 1);
  if (n >= 0x20 && n <= 0x2f) {
    // nF: intermediates then a final (`ESC ( B` selects a character set).
    let i = at + 1;
    while (i < text.length && i - at < 8 && text.charCodeAt(i) >= 0x20 && text.charCodeAt(i) <= 0x2f) i++;
    const f = text.charCodeAt(i);
    return { end: f >= 0x30 && f <= 0x7e ? i + 1 : i, kind: 'esc', score: 0.6 };
  }
  if (n >= 0x30 && n <= 0x7e) {
    // ESC 7 / ESC 8 save and restore the cursor, ESC c resets the terminal, ESC M moves up a line.
    const moves =
      next === '7' || next === '8' || next === 'c' || next === 'M' || next === 'D' || next === 'E';
    return { end: at + 2, kind: moves ? 'esc-cursor' : 'esc', score: moves ? 0.8 : 0.6 };
  }
  return { end: at + 1, kind: 'esc', score: 0.5 };
}

/** ESC, or a C1 introducer: DCS, SOS, CSI, OSC, PM, APC. */
function isIntroducer(c: number): boolean {
  return c === ESC || c === 0x90 || c === 0x98 || c === 0x9b || c === 0x9d || c === 0x9e || c === 0x9f;
}

const DESCRIBE: Record<string, string> = {
  'osc52-clipboard': 'OSC 52 clipboard write',
  'osc8-hyperlink': 'OSC 8 hyperlink',
  'csi-cursor-or-erase': 'cursor movement or erase sequence',
  'esc-cursor': 'cursor save/restore or reset sequence',
  'sgr-conceal': 'concealed-text (SGR 8) sequence',
  sgr: 'colour/style (SGR) sequence',
  csi: 'control sequence (CSI)',
  osc: 'operating-system command (OSC)',
  'dcs-or-apc': 'device control / application string',
  esc: 'escape sequence',
};

/**
 * ESC written as text: `\x1b`, `\u001b`, `\u{1b}`, `\033`, `\e`, `^[`, right before the `[` of a CSI or the `]`
 * of an OSC (case-sensitive, so a Windows path such as `C:\Export` is not one). printf, `echo -e`, a JSON or
 * string-literal decoder, or a log pipeline turns it into the real character, so output that reaches one of
 * them carries the sequence all the same.
 */
const ESCAPED_ESC = /\\(?:x1[bB]|u001[bB]|u\{1[bB]\}|0?33|e)(?=[[\]])|\^\[(?=[[\]])/g;
/** A possibly unfinished escaped ESC at the end of a stream's window: held back until it is complete. */
const ESCAPED_TAIL = /(?:\\(?:x1?[bB]?|u0{0,2}1?[bB]?|u\{1?[bB]?\}?|0?3?3?|e)|\^)$/;
/** How much an escaped sequence scores below a real one: it needs a decoder downstream to take effect. */
const ESCAPED_DISCOUNT = 0.15;
/** Real-sequence kinds whose escaped form is reported but not acted on (colours, in code samples mostly). */
const NAMED_SCORE = 0.45;

/** Escaped sequences in the text; a colour sample or any sequence inside markdown code scores below 0.5. */
function escapedSequences(original: string, ctx: DetectorContext): Detection[] {
  if (!original.includes('\\') && !original.includes('^[')) return [];
  const out: Detection[] = [];
  let code: [number, number][] | undefined;
  for (const m of original.matchAll(ESCAPED_ESC)) {
    if (out.length >= MAX_SEQUENCES) break;
    const start = m.index ?? 0;
    const after = start + m[0].length;
    // Parsed as if the ESC were real; only the introducer and a CSI's parameters are in the span (a string
    // sequence's escaped terminator is text the parser does not read, and removing its head disarms it).
    const seq = parseSequence(`\u001b${original.slice(after, after + 80)}`, 0);
    const csi = original[after] === '[';
    const end = csi ? after + Math.max(0, seq.end - 1) : after + 1;
    code ??= codeRanges(original);
    const inCode = inRanges(code, start);
    const score = inCode
      ? Math.min(NAMED_SCORE, seq.score)
      : Math.max(NAMED_SCORE, seq.score - ESCAPED_DISCOUNT);
    if (containsAllowedPhrase(original.slice(start, end), ctx)) continue;
    out.push({
      score: Math.round(score * 100) / 100,
      message: `escaped terminal ${DESCRIBE[seq.kind] ?? seq.kind} (${m[0]} becomes ESC when printf, echo -e or a string decoder reads the output)`,
      span: { start, end, replacement: '' },
      evidence: { kinds: [seq.kind], escaped: m[0], inCode },
    });
  }
  return out;
}

/**
 * ANSI/VT escape sequences in output bound for a terminal or log viewer: CSI (colours, cursor movement,
 * erasing lines), OSC 8 hyperlinks whose target differs from their text, OSC 52 clipboard writes, device
 * control strings and bare ESC. Cursor moves, erases and concealment can hide text from the person reading;
 * OSC 52 plants a command in their clipboard. Each sequence is stripped (replacement is the empty string).
 */
export const ansiEscapeDetector: Detector = {
  meta,
  // Held from the last ESC or CSI byte in the window: a sequence may still be completing.
  pending: (tail) => {
    let at = Math.max(tail.lastIndexOf('\u001b'), tail.lastIndexOf('\u009b'));
    // An escaped ESC, finished or not, near the end: its parameters may still be arriving.
    const escaped = ESCAPED_TAIL.exec(tail)?.index ?? -1;
    if (escaped >= 0 && (at < 0 || escaped < at)) at = escaped;
    const lastSlash = Math.max(tail.lastIndexOf('\\'), tail.lastIndexOf('^['));
    if (lastSlash >= 0 && tail.length - lastSlash <= 40 && ESCAPED_ESC.test(tail.slice(lastSlash)))
      at = at < 0 ? lastSlash : Math.min(at, lastSlash);
    ESCAPED_ESC.lastIndex = 0;
    return at < 0 ? tail.length : at;
  },
  detect(text: PreparedText, ctx: DetectorContext): Detection[] {
    const original = text.original;
    const out: Detection[] = [];
    for (let at = 0; at < original.length; ) {
      if (!isIntroducer(original.charCodeAt(at))) {
        at++;
        continue;
      }
      const seq = parseSequence(original, at);
      const end = Math.max(seq.end, at + 1);
      const m = { index: at };
      at = end;
      const prev = out[out.length - 1];
      const prevKinds = prev?.evidence?.kinds;
      if (prev?.span && prev.span.end === m.index && Array.isArray(prevKinds)) {
        // Adjacent to the previous sequence: one detection, one stripped range.
        prev.span.end = end;
        if (!prevKinds.includes(seq.kind)) prevKinds.push(seq.kind);
        if (seq.score > prev.score) {
          prev.score = seq.score;
          prev.message = `terminal ${DESCRIBE[seq.kind] ?? seq.kind}`;
        }
        if (seq.host !== undefined) prev.evidence = { ...prev.evidence, host: seq.host };
        continue;
      }
      if (out.length >= MAX_SEQUENCES) break;
      if (containsAllowedPhrase(original.slice(m.index, end), ctx)) continue;
      out.push({
        score: seq.score,
        message: `terminal ${DESCRIBE[seq.kind] ?? seq.kind}`,
        span: { start: m.index, end, replacement: '' },
        evidence: seq.host === undefined ? { kinds: [seq.kind] } : { kinds: [seq.kind], host: seq.host },
      });
    }
    for (const d of escapedSequences(original, ctx)) if (out.length < MAX_SEQUENCES) out.push(d);
    return out;
  },
};
