/**
 * Spotlighting of untrusted messages (see src/guard/spotlight.ts for the technique and its modes): every
 * message whose role is listed in `guard.spotlight.roles` has its text transformed, and one system message
 * tells the model how to read it. One delimiter (or marker) serves the whole request, so one instruction
 * covers every spotlighted message.
 */
import { datamark, delimit, encodeBase64, type SpotlightMode } from '../../guard/index.ts';
import type { SpotlightConfig } from '../config-types.ts';
import { isRecord } from './verdict.ts';

type Message = Record<string, unknown>;

/**
 * Returns the messages with the configured roles spotlighted and the instruction added, or undefined
 * when no message needed it. The instruction goes in its own system message right after the request's
 * leading system/developer messages: the caller's system prompt stays byte-for-byte what it sent (prefix
 * caches keep working), and the instruction still comes before any untrusted text.
 */
export function spotlightMessages(
  messages: readonly Message[],
  config: SpotlightConfig,
): Message[] | undefined {
  if (config.roles.length === 0) return undefined;
  const roles = new Set(config.roles);
  const targets = messages
    .map((m, i) => ({ m, i }))
    .filter(({ m }) => typeof m.role === 'string' && roles.has(m.role) && textsOf(m).length > 0);
  if (targets.length === 0) return undefined;

  const all = targets.flatMap(({ m }) => textsOf(m)).join('\n');
  const transform = transformer(all, config.mode);
  const out = messages.map((m) => m);
  for (const { m, i } of targets) out[i] = rewrite(m, transform.apply);

  let at = 0;
  while (at < out.length && (out[at]?.role === 'system' || out[at]?.role === 'developer')) at++;
  out.splice(at, 0, { role: 'system', content: transform.instruction });
  return out;
}

interface Transformer {
  instruction: string;
  apply(text: string): string;
}

/**
 * One transformation for every untrusted text of the request. The delimiter id and the datamark marker are
 * chosen against all the texts joined, so they occur in none of them; each text then reuses them.
 */
function transformer(all: string, mode: SpotlightMode): Transformer {
  switch (mode) {
    case 'delimit': {
      const first = delimit(all);
      // Replaying the chosen id as the random source makes every later call pick that same id, which is
      // absent from each text because it is absent from all of them.
      const id = Buffer.from(first.open.slice(first.open.lastIndexOf('-') + 1, -1), 'hex');
      return { instruction: first.instruction, apply: (text) => delimit(text, { random: () => id }).text };
    }
    case 'datamark': {
      const first = datamark(all);
      return {
        instruction: first.instruction,
        apply: (text) => datamark(text, { marker: first.marker }).text,
      };
    }
    case 'base64':
      return { instruction: encodeBase64('').instruction, apply: (text) => encodeBase64(text).text };
  }
}

/** The text parts of a message: its string content, or the `text` of each text part. */
function textsOf(message: Message): string[] {
  const content = message.content;
  if (typeof content === 'string') return content === '' ? [] : [content];
  if (!Array.isArray(content)) return [];
  return content.flatMap((part) =>
    isRecord(part) && typeof part.text === 'string' && part.text !== '' ? [part.text] : [],
  );
}

function rewrite(message: Message, apply: (text: string) => string): Message {
  const content = message.content;
  if (typeof content === 'string') return { ...message, content: apply(content) };
  if (!Array.isArray(content)) return message;
  return {
    ...message,
    content: content.map((part) =>
      isRecord(part) && typeof part.text === 'string' && part.text !== ''
        ? { ...part, text: apply(part.text) }
        : part,
    ),
  };
}
