import { Command } from 'commander';
import { describeError } from '../../core/errors.ts';
import { GatewayConfigError, loadGatewayConfig } from '../../gateway/config.ts';
import type { GatewayConfig } from '../../gateway/config-types.ts';
import { type RunningGateway, startGateway } from '../../gateway/server.ts';
import { type CliIO, EXIT } from '../io.ts';

interface GatewayFlags {
  config: string;
  host?: string;
  port?: string;
  check: boolean;
}

const HELP_AFTER = `
The gateway sits in front of Ollama, vLLM, llama.cpp or any OpenAI-compatible server: every request needs
an API key (create one with 'parapet keys create'), is rate-limited, filtered by the prompt guard on the way
in and out (streams too), and written to the audit log.

Example parapet.yaml:
  listen:
    host: 127.0.0.1          # the default; a public address should also get tls: {cert, key}
    port: 8080
  keys:
    store: ./parapet-keys.db
  upstreams:
    - name: ollama
      url: http://127.0.0.1:11434
      kind: ollama
      models: ["llama3*", "qwen2.5*"]
  limits:
    requestsPerMinute: 60
    tokensPerMinute: 100000
  guard:
    input: { preset: balanced }
    output: { preset: balanced }
  audit:
    path: ./parapet-audit.db

Signals:
  SIGHUP           reload the config file (an invalid file keeps the running config)
  SIGINT, SIGTERM  stop accepting, finish requests in flight, exit

Exit codes:
  0  stopped cleanly (or --check: the config is valid)
  2  usage error or invalid config (file:line: key: message)
  3  the server could not start (port in use, TLS files unreadable)

Config reference: docs/gateway-config.md; operations: docs/gateway.md
`;

/** Loopback addresses: binding anything else exposes the gateway to the network. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/**
 * `parapet gateway`: run the gateway in the foreground until SIGINT/SIGTERM. The promise returned by the
 * action settles only when the server has stopped, so `run()` returns the exit code then.
 */
export function gatewayCommand(
  io: CliIO,
  setExit: (code: number) => void,
  signals: NodeJS.EventEmitter = process,
): Command {
  return new Command('gateway')
    .description('Run the OpenAI/Ollama-compatible gateway: API keys, rate limits, filtering, audit log.')
    .requiredOption('-c, --config <file>', 'gateway config (YAML; see docs/gateway-config.md)')
    .option('--host <host>', 'listen address (overrides listen.host)')
    .option('--port <port>', 'listen port (overrides listen.port; 0 picks a free port)')
    .option('--check', 'validate the config and exit', false)
    .addHelpText('after', HELP_AFTER)
    .action(async (flags: GatewayFlags) => {
      const load = (): GatewayConfig => withOverrides(loadGatewayConfig(flags.config), flags);
      let config: GatewayConfig;
      try {
        config = load();
      } catch (err) {
        io.stderr(`parapet gateway: ${describeError(err)}\n`);
        setExit(EXIT.usage);
        return;
      }
      if (flags.check) {
        io.stdout(`${config.source ?? flags.config}: valid (${config.upstreams.length} upstream(s))\n`);
        setExit(EXIT.clean);
        return;
      }
      warnOnExposure(io, config);
      let running: RunningGateway;
      try {
        running = await startGateway(config);
      } catch (err) {
        io.stderr(`parapet gateway: could not start: ${describeError(err)}\n`);
        setExit(EXIT.incomplete);
        return;
      }
      io.stdout(`parapet gateway listening on ${running.url}\n`);
      await serveUntilStopped(io, signals, running, load);
      setExit(EXIT.clean);
    });
}

function withOverrides(config: GatewayConfig, flags: GatewayFlags): GatewayConfig {
  if (flags.host !== undefined) config.listen.host = flags.host;
  if (flags.port !== undefined) {
    const port = Number(flags.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      throw new GatewayConfigError(
        'USAGE',
        '--port',
        `must be an integer from 0 to 65535, got ${flags.port}`,
      );
    }
    config.listen.port = port;
  }
  return config;
}

function warnOnExposure(io: CliIO, config: GatewayConfig): void {
  if (isLoopback(config.listen.host)) return;
  if (config.listen.tls) {
    io.stderr(
      `parapet gateway: warning: listening on ${config.listen.host}, reachable from the network; keep the key store private.\n`,
    );
  } else {
    io.stderr(
      `parapet gateway: WARNING: listening on ${config.listen.host} WITHOUT TLS: API keys and prompts cross the network in clear text. Set listen.tls or put a TLS proxy in front.\n`,
    );
  }
}

/** Handles SIGHUP (reload) and SIGINT/SIGTERM (graceful stop) until the server has closed. */
function serveUntilStopped(
  io: CliIO,
  signals: NodeJS.EventEmitter,
  running: RunningGateway,
  load: () => GatewayConfig,
): Promise<void> {
  return new Promise((resolve) => {
    let reloading = Promise.resolve();
    const onHup = () => {
      reloading = reloading.then(async () => {
        try {
          const next = load();
          await running.reload(next);
          io.stderr('parapet gateway: config reloaded\n');
        } catch (err) {
          io.stderr(`parapet gateway: reload failed, keeping the running config: ${describeError(err)}\n`);
        }
      });
    };
    const onStop = (signal: string) => {
      signals.off('SIGHUP', onHup);
      signals.off('SIGINT', onInt);
      signals.off('SIGTERM', onTerm);
      io.stderr(`parapet gateway: ${signal}: finishing requests in flight\n`);
      running.close().then(
        () => {
          io.stderr('parapet gateway: stopped\n');
          resolve();
        },
        (err) => {
          io.stderr(`parapet gateway: error while stopping: ${describeError(err)}\n`);
          resolve();
        },
      );
    };
    const onInt = () => onStop('SIGINT');
    const onTerm = () => onStop('SIGTERM');
    signals.on('SIGHUP', onHup);
    signals.on('SIGINT', onInt);
    signals.on('SIGTERM', onTerm);
  });
}
