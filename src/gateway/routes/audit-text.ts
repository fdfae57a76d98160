/**
 * Prompt and completion text for the audit log (only when `audit.logText` is on): the readable text of a
 * request or response body, with secrets and personal data redacted by the guard's own secret and PII
 * detectors, whatever the filtering policy says. Capped so one huge prompt cannot bloat the log.
 */
import { piiDetector } from '../../guard/detectors/pii.ts';
import { secretDetector } from '../../guard/detectors/secret.ts';
import { createGuard } from '../../guard/guard.ts';

/** Longest text stored per record, in characters. */
export const MAX_AUDIT_TEXT = 16_384;

/** Returns the redacted text of a body (request side or response side). */
export type AuditTextExtractor = (body: unknown) => string;

/** Builds the redactor once (the guard compiles its patterns at creation). */
export function createAuditTextExtractor(): AuditTextExtractor {
  const guard = createGuard(
    {
      preset: 'balanced',
      detectors: {
        'guard/secret': { enabled: true, action: 'redact', threshold: 0 },
        'guard/pii': { enabled: true, action: 'redact', threshold: 0 },
      },
    },
    { detectors: [secretDetector, piiDetector] },
  );
  return (body) => {
    const text = bodyText(body, []).join('\n').slice(0, MAX_AUDIT_TEXT);
    if (text === '') return '';
    return guard.scanOutput(text).redacted ?? text;
  };
}

/** The human-readable strings of a request or response body, in order. */
export function bodyText(body: unknown, out: string[]): string[] {
  if (!body || typeof body !== 'object') return out;
  const b = body as Record<string, unknown>;
  if (Array.isArray(b.messages)) for (const m of b.messages) messageText(m, out);
  pushText(b.prompt, out);
  pushText(b.input, out);
  pushText(b.system, out);
  // Responses: OpenAI choices, Ollama message / response.
  if (Array.isArray(b.choices)) {
    for (const choice of b.choices) {
      if (!choice || typeof choice !== 'object') continue;
      const ch = choice as Record<string, unknown>;
      messageText(ch.message, out);
      messageText(ch.delta, out);
      pushText(ch.text, out);
    }
  }
  messageText(b.message, out);
  pushText(b.response, out);
  return out;
}

function messageText(message: unknown, out: string[]): void {
  if (!message || typeof message !== 'object') return;
  const content = (message as Record<string, unknown>).content;
  if (typeof content === 'string') out.push(content);
  else if (Array.isArray(content)) {
    for (const part of content) {
      if (part && typeof part === 'object' && typeof (part as { text?: unknown }).text === 'string') {
        out.push((part as { text: string }).text);
      }
    }
  }
}

function pushText(value: unknown, out: string[]): void {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const v of value) if (typeof v === 'string') out.push(v);
}
