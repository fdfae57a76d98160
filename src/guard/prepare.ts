/**
 * Prepares a text once for every detector: the original, its normalised form with an offset map, and the
 * bounded decodings of encoded parts.
 */
import { decodeLayers } from './decode.ts';
import { normalizeText } from './normalize.ts';
import type { PreparedText, Span } from './types.ts';

export interface PrepareOptions {
  /** Decode base64, hex, URL encoding, rot13, leetspeak (default true). Output scanning turns it off. */
  decode?: boolean;
}

export function prepareText(original: string, options: PrepareOptions = {}): PreparedText {
  const norm = normalizeText(original);
  return {
    original,
    normalized: norm.text,
    normalizedToOriginal: norm.toOriginal,
    decoded: options.decode === false ? [] : decodeLayers(original, norm.text),
  };
}

/** Maps a [start, end) range of `normalized` back to a range of `original`. */
export function originalSpan(text: PreparedText, start: number, end: number): Span {
  const map = text.normalizedToOriginal;
  const s = map[Math.min(start, map.length - 1)] ?? 0;
  const lastIndex = Math.max(start, end - 1);
  const last = map[Math.min(lastIndex, map.length - 1)] ?? text.original.length;
  // The end maps to just past the original character the last normalised character came from.
  const cp = text.original.codePointAt(last) ?? 0;
  return { start: s, end: Math.min(text.original.length, end > start ? last + (cp > 0xffff ? 2 : 1) : s) };
}
