/**
 * The guard's vocabulary. A detector looks at one prepared text and returns detections; the policy turns
 * each detection into an action; the guard folds them into one verdict. Findings are the shared Finding
 * type, so a guard result can be written by the same table/JSON/SARIF writers as a scan.
 */
import type { Finding } from '../core/finding.ts';
import type { RuleMeta } from '../core/rule.ts';

/** What the caller should do with the text, from least to most severe. */
export type GuardAction = 'allow' | 'flag' | 'redact' | 'block';

/** Which side of the model a text is on. Detectors declare which sides they understand. */
export type Direction = 'input' | 'output';

/** A chat message as OpenAI-compatible APIs carry it; only string content (or text parts) is scanned. */
export interface GuardMessage {
  role: string;
  content: string | readonly { type: string; text?: string }[] | null;
  name?: string;
}

/** What the caller knows about the exchange; every field is optional. */
export interface GuardContext {
  /** The system prompt in use: output leaking it is detected, and it is never scanned as user input. */
  systemPrompt?: string;
  /** Canary tokens planted in the prompt (see `plantCanary`); any of them in the output is a leak. */
  canaries?: readonly string[];
  /**
   * Where the text came from: `user` (typed by the user), `document` (retrieved, tool or web content),
   * `tool` (a tool result). Detectors are stricter about instructions inside `document` and `tool` text.
   */
  source?: 'user' | 'document' | 'tool';
}

/** A range of the original text, in UTF-16 code units, with what to put there when redacting. */
export interface Span {
  start: number;
  end: number;
  /** Replacement text for redaction, e.g. `[REDACTED:email]`. Omitted → the detector's default label. */
  replacement?: string;
}

/** One thing a detector saw. `score` is its confidence in [0, 1], compared with the policy's threshold. */
export interface Detection {
  score: number;
  message: string;
  /** Where in the original text (UTF-16 offsets); omitted for whole-text judgements like the classifier's. */
  span?: Span;
  evidence?: Record<string, unknown>;
}

/**
 * A text prepared once and shared by every detector, so normalisation and decoding are paid once.
 * `original` is what the caller passed; `normalized` folds case, width, homoglyphs and invisible characters
 * for matching; `decoded` holds bounded decodings (base64, hex, rot13, URL encoding, leetspeak) of parts of it.
 */
export interface PreparedText {
  original: string;
  /** NFKC, invisible characters removed, homoglyphs folded to ASCII, lower-cased, whitespace collapsed. */
  normalized: string;
  /** For each UTF-16 index of `normalized`, the index in `original` it came from (for spans). */
  normalizedToOriginal: Uint32Array;
  /** Decoded layers found in the text, each already normalised like `normalized`. */
  decoded: readonly DecodedLayer[];
}

/** Text recovered by decoding part of the input; detectors re-scan it. */
export interface DecodedLayer {
  encoding: 'base64' | 'hex' | 'rot13' | 'url' | 'leetspeak' | 'unicode-tags' | 'spacing';
  /** The decoded text, normalised. */
  text: string;
  /** The encoded range in the original text. */
  span: Span;
}

/** Everything a detector may consult besides the text. */
export interface DetectorContext extends GuardContext {
  direction: Direction;
  /** Phrases the policy allows: a detection whose matched text contains one of them is dropped. */
  allowPhrases: readonly string[];
  /** Hosts (and their subdomains) that URLs in output may point at. */
  allowDomains: readonly string[];
}

/** Detector metadata: a rule's metadata plus how the detector runs by default. */
export interface DetectorMeta extends RuleMeta {
  /** Sides of the model this detector scans. */
  directions: readonly Direction[];
  /** Action taken when a detection's score reaches the threshold, unless the policy says otherwise. */
  defaultAction: GuardAction;
  /** Score at or above which a detection counts, unless the policy says otherwise. */
  defaultThreshold: number;
  /**
   * Longest stretch of text (UTF-16 units) one detection can need. The output stream holds back this much,
   * so a match split across chunks is still seen whole before any of it is released. Whole-text detectors
   * (a classifier) set `Infinity` and are not run on streams until the end.
   */
  window: number;
  /**
   * For detectors with `pending`: how much already-released text a match completed later can still start in
   * (the `api_key = ` before a value that is still arriving). Defaults to `window`.
   */
  lookback?: number;
}

/** A detector: metadata beside one pure, synchronous check. */
export interface Detector {
  meta: DetectorMeta;
  detect(text: PreparedText, ctx: DetectorContext): Detection[];
  /**
   * Streams only: the offset in `tail` (the last `window` characters produced so far) from which a match
   * may still be forming, or `tail.length` when nothing is in progress. Lets the output stream release
   * text at once instead of holding a whole window: a secret is held only while a token-like run or an
   * unclosed `-----BEGIN` is open, a markdown link only while its brackets are open. Without it the stream
   * holds back `window` characters.
   */
  pending?(tail: string, ctx: DetectorContext): number;
}

/** What `scanInput` / `scanOutput` return. */
export interface GuardResult {
  action: GuardAction;
  /** The highest score any detector gave (0 to 1), whether or not it reached that detector's threshold. */
  score: number;
  /** One finding per detection that reached its threshold. */
  findings: Finding[];
  /** The text with every span whose action is `redact` replaced; present when there was one. */
  redacted?: string;
  /** For a chat request: the messages with redactions applied, present when any message was redacted. */
  redactedMessages?: GuardMessage[];
}
