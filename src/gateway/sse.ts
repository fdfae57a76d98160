/**
 * Framing for the two streaming wire formats the gateway relays: OpenAI's server-sent events
 * (`data: {...}\n\n`, ended by `data: [DONE]`) and Ollama's newline-delimited JSON. The stream filter works
 * on parsed JSON objects; these helpers turn upstream bytes into those objects and the filter's output back
 * into bytes. Both readers bound the memory one unfinished event or line may take.
 */
import { createParser, type EventSourceParser } from 'eventsource-parser';

const encoder = new TextEncoder();

/** `data: [DONE]`, the end of an OpenAI stream. */
export const SSE_DONE = encoder.encode('data: [DONE]\n\n');

/** One SSE event carrying a JSON payload. */
export function sseEvent(payload: unknown): Uint8Array {
  return encoder.encode(`data: ${JSON.stringify(payload)}\n\n`);
}

/** One NDJSON line. */
export function ndjsonLine(payload: unknown): Uint8Array {
  return encoder.encode(`${JSON.stringify(payload)}\n`);
}

/** Raised by the readers when the upstream sends something that is not the format it announced. */
export class FramingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FramingError';
  }
}

/** What a reader yields: a parsed JSON payload, or the end marker (`[DONE]` for SSE). */
export type StreamItem = { done: true } | { done: false; payload: unknown };

/** Incremental decoder: feed upstream chunks, get the parsed items each chunk completed. */
export interface StreamReader {
  feed(chunk: Uint8Array): StreamItem[];
  /** The upstream ended: any unfinished event or line is decoded (or rejected). */
  end(): StreamItem[];
}

/**
 * Reads OpenAI SSE. Comments and events without data are ignored; `data: [DONE]` becomes `{done:true}`;
 * any other data must be JSON or FramingError is thrown.
 */
export function createSseReader(maxEventBytes: number): StreamReader {
  const decoder = new TextDecoder();
  let out: StreamItem[] = [];
  let pendingChars = 0;
  let failure: FramingError | undefined;
  const parser: EventSourceParser = createParser({
    onEvent(event) {
      pendingChars = 0;
      if (failure) return;
      const data = event.data;
      if (data === '[DONE]') {
        out.push({ done: true });
        return;
      }
      if (data.trim() === '') return;
      try {
        out.push({ done: false, payload: JSON.parse(data) });
      } catch {
        failure = new FramingError(`upstream sent an SSE event that is not JSON: ${data.slice(0, 80)}`);
      }
    },
  });
  const take = (): StreamItem[] => {
    if (failure) throw failure;
    const items = out;
    out = [];
    return items;
  };
  return {
    feed(chunk) {
      const text = decoder.decode(chunk, { stream: true });
      // eventsource-parser keeps an unfinished event in memory; bound it as if it were a response body.
      pendingChars += text.length;
      parser.feed(text);
      if (pendingChars > maxEventBytes) throw new FramingError('upstream SSE event exceeds the size limit');
      return take();
    },
    end() {
      const rest = decoder.decode();
      if (rest) parser.feed(rest);
      // A final event with no blank line after it is still an event.
      parser.feed('\n\n');
      return take();
    },
  };
}

/** Reads NDJSON: every non-empty line must be JSON (FramingError otherwise). */
export function createNdjsonReader(maxLineBytes: number): StreamReader {
  const decoder = new TextDecoder();
  let buffered = '';
  const parseLine = (line: string, out: StreamItem[]): void => {
    const trimmed = line.trim();
    if (trimmed === '') return;
    try {
      out.push({ done: false, payload: JSON.parse(trimmed) });
    } catch {
      throw new FramingError(`upstream sent an NDJSON line that is not JSON: ${trimmed.slice(0, 80)}`);
    }
  };
  return {
    feed(chunk) {
      buffered += decoder.decode(chunk, { stream: true });
      const out: StreamItem[] = [];
      let newline = buffered.indexOf('\n');
      while (newline !== -1) {
        parseLine(buffered.slice(0, newline), out);
        buffered = buffered.slice(newline + 1);
        newline = buffered.indexOf('\n');
      }
      if (buffered.length > maxLineBytes)
        throw new FramingError('upstream NDJSON line exceeds the size limit');
      return out;
    },
    end() {
      buffered += decoder.decode();
      const out: StreamItem[] = [];
      parseLine(buffered, out);
      buffered = '';
      return out;
    },
  };
}
