/**
 * Errors in OpenAI's wire format. Every refusal the gateway makes, whatever the route (Ollama's too, whose
 * clients show `error` as a string when they can), goes out as `{"error":{message,type,param,code}}` so an
 * OpenAI SDK raises an `APIError` with the right status and `code`.
 */

/** The error `type` strings OpenAI uses; clients branch on `code`, people read `message`. */
export type OpenAIErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'permission_error'
  | 'rate_limit_error'
  | 'api_error';

/** The stable `code` values the gateway sends (documented in docs/gateway.md). */
export type GatewayErrorCode =
  | 'invalid_api_key'
  | 'insufficient_scope'
  | 'model_not_allowed'
  | 'model_not_found'
  | 'missing_model'
  | 'wrong_api_for_model'
  | 'not_found'
  | 'request_too_large'
  | 'invalid_json'
  | 'invalid_request'
  | 'too_many_messages'
  | 'max_tokens_too_large'
  | 'rate_limit_exceeded'
  | 'parapet_blocked'
  | 'parapet_blocked_output'
  | 'upstream_unavailable'
  | 'upstream_timeout'
  | 'upstream_invalid_response'
  | 'upstream_response_too_large'
  | 'upstream_stream_error'
  | 'limiter_unavailable'
  | 'shutting_down'
  | 'internal_error';

/** A refusal or failure with its HTTP status; `app.ts` turns it into a response and an audit record. */
export class GatewayError extends Error {
  readonly status: number;
  readonly code: GatewayErrorCode;
  readonly type: OpenAIErrorType;
  readonly param: string | null;
  /** Extra fields merged into the error object (e.g. `rule_ids`). */
  readonly extra: Record<string, unknown> | undefined;
  /** Response headers to add (e.g. Retry-After). */
  readonly headers: Record<string, string> | undefined;
  constructor(
    status: number,
    code: GatewayErrorCode,
    message: string,
    options: {
      type?: OpenAIErrorType;
      param?: string | null;
      extra?: Record<string, unknown>;
      headers?: Record<string, string>;
      cause?: unknown;
    } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'GatewayError';
    this.status = status;
    this.code = code;
    this.type = options.type ?? defaultType(status);
    this.param = options.param ?? null;
    this.extra = options.extra;
    this.headers = options.headers;
  }

  /** The JSON body OpenAI clients parse. */
  body(): { error: Record<string, unknown> } {
    return {
      error: { message: this.message, type: this.type, param: this.param, code: this.code, ...this.extra },
    };
  }
}

function defaultType(status: number): OpenAIErrorType {
  // OpenAI sends invalid_request_error for 401 with a bad key; clients read `code`, so the type only
  // needs to be plausible. 5xx are api_error, 429 rate_limit_error.
  if (status === 429) return 'rate_limit_error';
  if (status === 403) return 'permission_error';
  if (status >= 500) return 'api_error';
  return 'invalid_request_error';
}

/** The 401 every missing, unknown or revoked key gets: the same text, so a caller learns nothing more. */
export function invalidKeyError(): GatewayError {
  return new GatewayError(
    401,
    'invalid_api_key',
    'Incorrect or missing API key. Send it as "Authorization: Bearer <key>".',
    { type: 'invalid_request_error' },
  );
}
