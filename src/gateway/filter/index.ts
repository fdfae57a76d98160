/**
 * The gateway's filtering layer: everything between parsed JSON payloads and `parapet/guard`. The app
 * parses HTTP, SSE and NDJSON and calls these with plain objects:
 *
 * - `createGatewayGuards(config.guard)` once, at start (and on reload);
 * - `filterRequest(kind, body, guards)` before forwarding: `block` → 400 `parapet_blocked`, else forward
 *   `verdict.body` and keep `verdict.context` for the response;
 * - `filterResponse(kind, body, guards, context)` for a complete response;
 * - `createStreamFilter(kind, guards, context)` for a streaming one: `push` each upstream payload, send what
 *   it returns, and `end` at the upstream's end marker; once `blocked`, send the end marker and close.
 */
export { canariesIn, outputContext } from './context.ts';
export { compileToolPolicy, createGatewayGuards } from './guards.ts';
export { filterRequest } from './request.ts';
export { filterResponse } from './response.ts';
export {
  GATEWAY_RULES,
  toolArgumentDeniedFinding,
  toolArgumentDeniedRule,
  toolNotAllowedFinding,
  toolNotAllowedRule,
} from './rules.ts';
export { spotlightMessages } from './spotlight.ts';
export { CONTENT_FILTER, createStreamFilter } from './stream.ts';
export { checkDeclaredTools, checkToolCall, MAX_TOOL_ARGUMENT_CHARS, type ToolCallVerdict } from './tools.ts';
export {
  type FilterAction,
  FilterInputError,
  type GatewayGuards,
  PAYLOAD_KINDS,
  type PayloadKind,
  type RequestVerdict,
  type ResponseVerdict,
  type StreamEmit,
  type StreamFilter,
  type ToolPolicy,
} from './types.ts';
