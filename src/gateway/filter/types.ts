/**
 * The filtering layer's vocabulary: which API a payload belongs to, the guards built once from the config,
 * and the verdicts handed back to the app. Everything here is plain data: the app parses HTTP, SSE and
 * NDJSON framing and calls the filter with JSON objects.
 */
import { ParapetError } from '../../core/errors.ts';
import type { Finding } from '../../core/finding.ts';
import type { Guard, GuardAction, GuardContext } from '../../guard/index.ts';
import type { SpotlightConfig } from '../config-types.ts';

/**
 * Which API a payload belongs to: OpenAI's `/v1/chat/completions`, `/v1/completions` and `/v1/embeddings`,
 * Ollama's `/api/chat` and `/api/generate`.
 */
export type PayloadKind = 'chat' | 'completion' | 'embedding' | 'ollama-chat' | 'ollama-generate';

export const PAYLOAD_KINDS: readonly PayloadKind[] = [
  'chat',
  'completion',
  'embedding',
  'ollama-chat',
  'ollama-generate',
];

/** A verdict's action: the guard's, or `skipped` when that side's guard is off and no policy applied. */
export type FilterAction = GuardAction | 'skipped';

/** The tool policy, compiled once. */
export interface ToolPolicy {
  /** Function names the model may call or be offered; empty means any. */
  readonly allow: ReadonlySet<string>;
  /** `guard.tools.denyArguments`, compiled; a call whose JSON arguments match one is blocked. */
  readonly denyArguments: readonly RegExp[];
}

/** The guards and policies for every request, built once by `createGatewayGuards` (all stateless). */
export interface GatewayGuards {
  /** Undefined when `guard.input.enabled` is false. */
  readonly input?: Guard;
  /** Undefined when `guard.output.enabled` is false. */
  readonly output?: Guard;
  readonly tools: ToolPolicy;
  readonly spotlight: SpotlightConfig;
  /** The configured system prompt, used for leak detection when a request carries none. */
  readonly systemPrompt?: string;
}

/** What `filterRequest` decided. */
export interface RequestVerdict {
  /** `block`: refuse with 400 `parapet_blocked` and `ruleIds`; otherwise forward `body`. */
  action: FilterAction;
  /** The distinct rule ids of `findings`, in the order first seen. */
  ruleIds: string[];
  findings: Finding[];
  /** What to forward: the very object passed in when nothing changed, else a rewritten copy. */
  body: Record<string, unknown>;
  /** Pass this to `filterResponse` / `createStreamFilter`: the system prompt and canaries for leak checks. */
  context: GuardContext;
}

/** What `filterResponse` decided about a complete (non-streaming) response. */
export interface ResponseVerdict {
  /** `block`: send the client an error instead of `body`. */
  action: FilterAction;
  ruleIds: string[];
  findings: Finding[];
  /** What to send: the very object passed in when nothing changed, else a redacted copy. */
  body: Record<string, unknown>;
}

/** One step of a stream filter: the payloads to send downstream now, in order. */
export interface StreamEmit {
  emit: Record<string, unknown>[];
  /** True once the response is blocked: the app sends its end marker (`[DONE]`) and closes. */
  blocked: boolean;
}

/** Filters one streaming response, payload by payload. See `createStreamFilter`. */
export interface StreamFilter {
  /**
   * One upstream event payload (an OpenAI `chat.completion.chunk` or `text_completion` chunk, or one Ollama
   * NDJSON object). Returns what to send downstream now: possibly nothing while text is held back, possibly
   * rewritten chunks.
   */
  push(payload: Record<string, unknown>): StreamEmit;
  /**
   * Upstream finished (its end marker was seen, or the app hit EOF). Returns the last payloads: held text
   * released, withheld tool calls, deferred usage chunks.
   */
  end(): StreamEmit;
  readonly action: FilterAction;
  readonly ruleIds: string[];
  readonly findings: Finding[];
  /** The released (redacted) completion text, for the audit log; choices joined by a newline. */
  readonly completionText: string;
  readonly usage?: { promptTokens?: number; completionTokens?: number } | undefined;
}

/**
 * A request the filter cannot judge: a field of the wrong type, or text given in a form it cannot read
 * (token ids). The app answers 400 `invalid_request_error` with `param`. Filtering fails closed: what
 * cannot be scanned is not forwarded.
 */
export class FilterInputError extends ParapetError {
  /** The offending field, e.g. `messages[2].content`. */
  readonly param: string;
  constructor(param: string, message: string) {
    super('USAGE', `${param}: ${message}`);
    this.name = 'FilterInputError';
    this.param = param;
  }
}
