/**
 * `parapet/gateway`: an OpenAI- and Ollama-compatible front door for self-hosted models, with API keys,
 * rate limits, prompt/response filtering and an audit log.
 *
 * @example
 * import { loadGatewayConfig, startGateway } from 'parapet/gateway';
 * const running = await startGateway(loadGatewayConfig('parapet.yaml'));
 * console.log(`listening on ${running.url}`);
 */
export { createGateway, type Gateway, type GatewayOptions } from './app.ts';
export { GatewayConfigError, loadGatewayConfig, parseGatewayConfig, resolveGatewayConfig } from './config.ts';
export type * from './config-types.ts';
export type * from './contracts.ts';
export { GatewayError, type GatewayErrorCode } from './errors.ts';
export { type RunningGateway, type StartOptions, startGateway } from './server.ts';
