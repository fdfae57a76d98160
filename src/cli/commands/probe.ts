import { readFileSync, writeFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { describeError, ParapetError } from '../../core/errors.ts';
import { verdictOf } from '../../core/result.ts';
import { isSeverity, SEVERITIES, type Severity } from '../../core/severity.ts';
import { isOutputFormat, WRITERS } from '../../core/writers/index.ts';
import { PROBE_RULE_METAS } from '../../probe/findings.ts';
import { type ProbeOptions, probeTargets } from '../../probe/runner.ts';
import { DEFAULT_PORTS, parseTargetList, planTargets } from '../../probe/targets.ts';
import { type CliIO, EXIT } from '../io.ts';
import { VERSION } from '../version.ts';

interface ProbeFlags {
  inputFile?: string;
  format: string;
  output?: string;
  failOn: string;
  concurrency: string;
  rate: string;
  timeout: string;
  deadline?: string;
  ports?: string;
  allowGenerate: boolean;
  header: string[];
}

const HELP_AFTER = `
Targets:
  http://10.0.0.5:11434        a URL (a path is a prefix the server is mounted under)
  10.0.0.5:8000                host:port
  gpu-box.lan                  a host: its default LLM ports (${DEFAULT_PORTS.join(', ')})
  10.0.0.0/24  10.0.0.0/24:11434   an IPv4 range of your own network (at most a /16), all or one port
  -i targets.txt               one target per line, # comments
  A target that does not parse is a usage error (exit 2): nothing is dropped silently.

What it sends (and never sends):
  GET requests to well-known read-only paths, each with "Origin: https://probe.invalid" (to see CORS),
  and POST {} - a deliberately invalid body - to generation endpoints, to tell "401, needs a key" from
  "422, validated my input". Never pull, push, create, copy, delete or load; never generation, unless
  --allow-generate, and then one request for one token to a model the server itself listed.

What it finds:
  probe/server-identified            which server answers, and its version           info
  probe/vulnerable-version           that version against known CVEs                 per CVE
  probe/unauthenticated-model-listing  /api/tags, /v1/models without a key           high
  probe/unauthenticated-generation   generation reachable without a key              high
  probe/open-management-endpoint     Ollama admin routes, llama.cpp /slots, Jupyter kernels, Ray  high/critical
  probe/cors-any-origin              any origin allowed (high with credentials)      medium/high
  probe/plain-http                   plain HTTP on a non-loopback address            medium
  probe/metrics-exposed              Prometheus /metrics without a key               low
  probe/open-signup                  Open WebUI without login / admin, or open sign-up  high/critical

Exit codes:
  0  every target answered or was closed, nothing at or above --fail-on
  1  findings at or above --fail-on (default: high)
  2  usage error (a bad target, flag or file)
  3  incomplete: a target timed out or did not speak HTTP - never "clean"

Examples:
  parapet probe 127.0.0.1:11434
  parapet probe 192.168.1.0/24 --format sarif --output probe.sarif
  parapet probe -i hosts.txt --concurrency 64 --rate 10 --deadline 600
  parapet probe https://llm.internal --header "Authorization: Bearer $KEY"
  Only probe networks and servers you are allowed to test.
  Finding documentation: docs/rules/probe/<name>.md, docs/probe.md
`;

function positiveInt(text: string, flag: string, max: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > max)
    throw new ParapetError('USAGE', `${flag} must be a whole number from 1 to ${max}, got "${text}"`);
  return n;
}

function positiveNumber(text: string, flag: string): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0)
    throw new ParapetError('USAGE', `${flag} must be a positive number, got "${text}"`);
  return n;
}

function parseHeader(text: string): [string, string] {
  const i = text.indexOf(':');
  const name = i > 0 ? text.slice(0, i).trim() : '';
  if (!/^[A-Za-z0-9-]+$/.test(name))
    throw new ParapetError('USAGE', `--header must be "Name: value", got "${text}"`);
  return [name.toLowerCase(), text.slice(i + 1).trim()];
}

/** `parapet probe`: the live audit of reachable LLM servers. */
export function probeCommand(io: CliIO, setExit: (code: number) => void): Command {
  return new Command('probe')
    .description(
      'Probe live LLM servers for open models, generation, management endpoints, CORS and known CVEs.',
    )
    .argument('[targets...]', 'URLs, host:port, hosts or IPv4 CIDR ranges')
    .option('-i, --input-file <file>', 'read targets from a file, one per line (# comments)')
    .addOption(
      new Option('-f, --format <format>', 'output format').choices(Object.keys(WRITERS)).default('table'),
    )
    .option('-o, --output <file>', 'write the report to a file instead of stdout')
    .addOption(
      new Option('--fail-on <severity>', 'lowest severity that makes the exit code 1')
        .choices([...SEVERITIES])
        .default('high'),
    )
    .option('-c, --concurrency <n>', 'targets probed at once', '32')
    .option('--rate <n>', 'requests per second to one host (all its ports together)', '20')
    .option('--timeout <ms>', 'longest wait for one answer, in milliseconds', '5000')
    .option('--deadline <seconds>', 'stop the whole probe after this long (what is left is reported, exit 3)')
    .option(
      '-p, --ports <list>',
      `ports for hosts and ranges given without one (default ${DEFAULT_PORTS.join(',')})`,
    )
    .option(
      '--allow-generate',
      'confirm open generation with exactly one one-token request per target',
      false,
    )
    .option(
      '-H, --header <header>',
      'extra request header, "Name: value" (repeatable)',
      (v: string, acc: string[]) => [...acc, v],
      [],
    )
    .addHelpText('after', HELP_AFTER)
    .action(async (targets: string[], flags: ProbeFlags) => {
      setExit(await runProbe(targets, flags, io));
    });
}

async function runProbe(targets: string[], flags: ProbeFlags, io: CliIO): Promise<number> {
  if (!isOutputFormat(flags.format) || !isSeverity(flags.failOn))
    throw new ParapetError('USAGE', 'bad --format or --fail-on');
  const failOn: Severity = flags.failOn;
  const specs = [...targets];
  if (flags.inputFile !== undefined) {
    let text: string;
    try {
      text = readFileSync(flags.inputFile, 'utf8');
    } catch (err) {
      throw new ParapetError('USAGE', `cannot read --input-file ${flags.inputFile}: ${describeError(err)}`);
    }
    specs.push(...parseTargetList(text));
  }
  const options: ProbeOptions = {
    concurrency: positiveInt(flags.concurrency, '--concurrency', 4096),
    ratePerHost: positiveNumber(flags.rate, '--rate'),
    timeoutMs: positiveInt(flags.timeout, '--timeout', 600_000),
    allowGenerate: flags.allowGenerate,
  };
  if (flags.deadline !== undefined) options.deadlineMs = positiveNumber(flags.deadline, '--deadline') * 1000;
  if (flags.ports !== undefined)
    options.ports = flags.ports.split(',').map((p) => positiveInt(p.trim(), '--ports', 65535));
  if (flags.header.length > 0) options.headers = Object.fromEntries(flags.header.map(parseHeader));
  // Validate every target before the first packet (a typo on the last line must not come after a sweep).
  const { count } = planTargets(specs, options.ports ?? DEFAULT_PORTS);
  if (flags.output !== undefined) {
    try {
      writeFileSync(flags.output, '');
    } catch (err) {
      throw new ParapetError('USAGE', `cannot write --output ${flags.output}: ${describeError(err)}`);
    }
  }
  if (io.stderrIsTTY) options.onProgress = (done, total) => io.stderr(`\r\x1b[K${progressBar(done, total)}`);
  const result = await probeTargets(specs, options);
  if (io.stderrIsTTY) io.stderr('\r\x1b[K');
  const text = WRITERS[flags.format](result, PROBE_RULE_METAS, {
    toolVersion: VERSION,
    color: io.color && flags.output === undefined && flags.format === 'table',
    failOn,
    cwd: io.cwd,
    columns: io.columns,
    noun: 'endpoint',
  });
  if (flags.output !== undefined) {
    writeFileSync(flags.output, text);
    io.stderr(`report written to ${flags.output} (${count} target(s))\n`);
  } else io.stdout(text);
  const verdict = verdictOf(result, failOn);
  return verdict === 'findings' ? EXIT.findings : verdict === 'incomplete' ? EXIT.incomplete : EXIT.clean;
}

/** `[#######.............] 35/100 targets` */
export function progressBar(done: number, total: number, width = 30): string {
  const filled = total === 0 ? width : Math.round((done / total) * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} targets`;
}
