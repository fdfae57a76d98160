/**
 * The output side's context, taken from the request: the system prompt in use (so a response that leaks
 * it is caught) and any canaries planted in it with `plantCanary` (so a verbatim leak is blocked outright).
 */
import { canaryLine, MAX_CANARY_LENGTH, MIN_CANARY_LENGTH } from '../../guard/canary.ts';
import type { GuardContext } from '../../guard/index.ts';

/** Canaries taken from one system prompt; more would only make every output scan slower. */
const MAX_CANARIES = 32;

/** `<!-- prompt-ref: pcn-... -->`, the line `plantCanary` writes, with the token captured. */
const CANARY_LINE = (() => {
  const sample = canaryLine('TOKEN');
  const [before, after] = sample.split('TOKEN') as [string, string];
  // Spaces in the line may be any run of whitespace (or none): a model or an editor may reflow it.
  const literal = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/ /g, '\\s*');
  return new RegExp(`${literal(before)}([a-z0-9]+(?:-[a-z0-9]+)*)${literal(after)}`, 'g');
})();

/** The canaries planted in a prompt (see `plantCanary`), valid lengths only, at most 32. */
export function canariesIn(prompt: string): string[] {
  const found = new Set<string>();
  for (const m of prompt.matchAll(CANARY_LINE)) {
    const token = m[1] ?? '';
    if (token.length >= MIN_CANARY_LENGTH && token.length <= MAX_CANARY_LENGTH) found.add(token);
    if (found.size >= MAX_CANARIES) break;
  }
  return [...found];
}

/**
 * The context for the output side: the request's own system prompt when it has one, else the configured
 * one; canaries from whichever is used (and from the configured one, which the upstream may add itself).
 */
export function outputContext(
  requestPrompt: string | undefined,
  configPrompt: string | undefined,
): GuardContext {
  const systemPrompt = requestPrompt !== undefined && requestPrompt !== '' ? requestPrompt : configPrompt;
  const context: GuardContext = {};
  if (systemPrompt === undefined || systemPrompt === '') return context;
  context.systemPrompt = systemPrompt;
  const canaries = new Set(canariesIn(systemPrompt));
  if (configPrompt !== undefined && configPrompt !== systemPrompt) {
    for (const c of canariesIn(configPrompt)) canaries.add(c);
  }
  if (canaries.size > 0) context.canaries = [...canaries].slice(0, MAX_CANARIES);
  return context;
}
