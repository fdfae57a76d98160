/**
 * Observations → findings. Each attempt is judged by where it landed: a write refused by the read-only
 * view, a write into the private /tmp that vanished with the sandbox, and a write into a --write
 * directory that really happened are the same rule at different severities, and the evidence says which.
 * Repeats (a loop writing one file a thousand times) become one finding with a count.
 */
import type { Finding } from '../core/finding.ts';
import type { RuleMeta } from '../core/rule.ts';
import type { Severity } from '../core/severity.ts';
import {
  SANDBOX_DELETE,
  SANDBOX_EXEC,
  SANDBOX_NETWORK,
  SANDBOX_PRIVILEGED_CALL,
  SANDBOX_RESOURCE_LIMIT,
  SANDBOX_SECRET_READ,
  SANDBOX_WRITE,
} from './findings.ts';
import { isLoopback, type Observation } from './observations.ts';
import { secretKind } from './sensitive-paths.ts';

export interface JudgeContext {
  profile: 'load' | 'serve';
  allowNet: 'none' | 'loopback';
  /** What ran: the model file, or the command line. Every finding is located here. */
  subject: string;
  /** Directories bound read-write (--write): changes there reach the host. */
  writable: readonly string[];
  /** Directories replaced by an empty tmpfs (/tmp, /home, /root, /run...): changes vanish with the sandbox. */
  privateRoots: readonly string[];
  /** Files replaced by /dev/null inside the sandbox (/etc/shadow...). */
  masked: readonly string[];
}

/** Distinct findings kept per rule; past that one more finding says how many were not listed. */
export const MAX_FINDINGS_PER_RULE = 100;

// Writes that are output, not changes: terminals, the null device, the process's own descriptors.
const HARMLESS_WRITE =
  /^\/dev\/(null|zero|full|tty|pts\/|stdout|stderr|fd\/)|^\/proc\/(self|thread-self|\d+)\/fd\//;
// glibc asks nscd before DNS; with /run hidden this is the shadow of a name lookup, not a connection.
const NSCD_SOCKET = /^\/(var\/)?run\/nscd\/socket$/;
const CRASH_SIGNALS = new Set([
  'SIGXCPU',
  'SIGXFSZ',
  'SIGSEGV',
  'SIGBUS',
  'SIGABRT',
  'SIGILL',
  'SIGSYS',
  'SIGFPE',
]);

function under(path: string, dirs: readonly string[]): boolean {
  return dirs.some((d) => d === '/' || path === d || path.startsWith(`${d}/`));
}

type Place = 'writable' | 'private' | 'host';

function placeOf(path: string, ctx: JudgeContext): Place {
  if (under(path, ctx.writable)) return 'writable';
  if (under(path, ctx.privateRoots) || path.startsWith('/dev/shm/') || path.startsWith('/proc/'))
    return 'private';
  return 'host';
}

function outcome(o: { ok: boolean; errno?: string }): string {
  return o.ok ? 'succeeded' : `failed with ${o.errno ?? 'an error'}`;
}

function clip(s: string, n = 240): string {
  return s.length > n ? `${s.slice(0, n)}...` : s;
}

interface Draft {
  meta: RuleMeta;
  key: string;
  severity: Severity;
  message: string;
  evidence: Record<string, unknown>;
}

function judgeOne(o: Observation, ctx: JudgeContext): Draft | undefined {
  if (o.kind === 'killed') {
    if (!CRASH_SIGNALS.has(o.signal)) return undefined;
    return {
      meta: SANDBOX_RESOURCE_LIMIT,
      key: o.signal,
      severity: SANDBOX_RESOURCE_LIMIT.severity,
      message: `a process was killed by ${o.signal}`,
      evidence: { signal: o.signal, pid: o.pid, traceLine: o.line },
    };
  }
  const common = { syscall: o.syscall, result: outcome(o), pid: o.pid, traceLine: o.line };
  if (o.kind === 'exec') {
    const command = clip(o.argv.length > 0 ? o.argv.join(' ') : o.path);
    return {
      meta: SANDBOX_EXEC,
      key: `${o.path}\0${command}`,
      severity: ctx.profile === 'load' ? 'critical' : 'high',
      message: `${o.ok ? 'started' : 'tried to start'} ${o.path}: ${command}`,
      evidence: {
        ...common,
        path: o.path,
        argv: o.argv,
        blocked: false,
        contained: 'ran inside the sandbox',
      },
    };
  }
  if (o.kind === 'read' || o.kind === 'write') {
    const secret = secretKind(o.path);
    if (secret !== undefined && o.kind === 'read') return judgeSecret(o, secret, ctx, common);
    if (o.kind === 'read') return undefined;
    if (HARMLESS_WRITE.test(o.path)) return undefined;
    return judgeChange(SANDBOX_WRITE, 'write to', o, o.path, ctx, common);
  }
  if (o.kind === 'delete') {
    const verb = o.to === undefined ? 'delete' : 'move';
    const draft = judgeChange(SANDBOX_DELETE, verb, o, o.path, ctx, common);
    if (o.to !== undefined) draft.evidence.to = o.to;
    return draft;
  }
  if (o.kind === 'network') return judgeNetwork(o, ctx, common);
  return {
    meta: SANDBOX_PRIVILEGED_CALL,
    key: o.syscall,
    severity: o.ok ? 'critical' : SANDBOX_PRIVILEGED_CALL.severity,
    message: `called ${o.syscall}(${clip(o.detail, 120)}), which ${outcome(o)}`,
    evidence: { ...common, arguments: o.detail, blocked: !o.ok },
  };
}

function judgeSecret(
  o: Observation & { kind: 'read' | 'write' },
  secret: string,
  ctx: JudgeContext,
  common: Record<string, unknown>,
): Draft {
  const masked = ctx.masked.includes(o.path);
  const place = placeOf(o.path, ctx);
  // An open that succeeded outside every hidden or masked place saw the real file.
  const exposed = o.ok && !masked && place === 'host';
  const how = masked
    ? 'masked: reads as an empty file inside the sandbox'
    : !o.ok
      ? `refused: ${o.errno ?? 'error'}${place === 'private' ? ' (this directory is hidden inside the sandbox)' : ''}`
      : place === 'private'
        ? 'opened a file the command created itself in a hidden directory'
        : 'NOT blocked: the file was readable inside the sandbox';
  return {
    meta: SANDBOX_SECRET_READ,
    key: o.path,
    severity: exposed ? 'critical' : SANDBOX_SECRET_READ.severity,
    message: `tried to read ${secret} at ${o.path} (${exposed ? 'it was readable' : 'blocked'})`,
    evidence: { ...common, path: o.path, secret, blocked: !exposed, how },
  };
}

function judgeChange(
  meta: RuleMeta,
  verb: string,
  o: { ok: boolean; errno?: string },
  path: string,
  ctx: JudgeContext,
  common: Record<string, unknown>,
): Draft {
  const place = placeOf(path, ctx);
  const severity: Severity =
    place === 'private'
      ? 'low'
      : place === 'writable'
        ? meta === SANDBOX_WRITE
          ? 'info'
          : 'medium'
        : o.ok
          ? 'critical'
          : 'high';
  const where =
    place === 'private'
      ? 'private to the sandbox, discarded when it ended'
      : place === 'writable'
        ? 'a --write directory: the change is real on the host'
        : o.ok
          ? 'the host file system: the change went through'
          : 'the read-only host file system: refused';
  return {
    meta,
    key: `${place}\0${path}`,
    severity,
    message: `tried to ${verb} ${path} (${where})`,
    evidence: {
      ...common,
      path,
      place,
      blocked: place === 'private' || (place === 'host' && !o.ok),
      how: where,
    },
  };
}

function judgeNetwork(
  o: Observation & { kind: 'network' },
  ctx: JudgeContext,
  common: Record<string, unknown>,
): Draft | undefined {
  const target =
    o.port === undefined ? o.address : `${o.address.includes(':') ? `[${o.address}]` : o.address}:${o.port}`;
  const contained = 'the sandbox has its own network namespace with only a loopback interface';
  if (o.family === 'AF_UNIX') {
    if (NSCD_SOCKET.test(o.address)) return undefined;
    // Listening on a socket file is how a served model is reached from the host (--write DIR): allowed with loopback.
    if (o.syscall === 'bind' && ctx.allowNet === 'loopback') return undefined;
    return {
      meta: SANDBOX_NETWORK,
      key: `unix\0${o.address}`,
      severity: 'medium',
      message: `${o.syscall} on the local socket ${o.address} ${outcome(o)}`,
      evidence: { ...common, family: o.family, address: o.address, blocked: !o.ok },
    };
  }
  const loopback = isLoopback(o.address) || (o.syscall === 'bind' && /^(0\.0\.0\.0|::)$/.test(o.address));
  if (loopback && ctx.allowNet === 'loopback') return undefined;
  const severity: Severity = loopback ? 'medium' : ctx.profile === 'load' ? 'critical' : 'high';
  const verb = o.syscall === 'bind' ? 'listen on' : o.syscall.startsWith('send') ? 'send to' : 'connect to';
  return {
    meta: SANDBOX_NETWORK,
    key: `${o.syscall}\0${target}`,
    severity,
    message: `tried to ${verb} ${target} (${o.ok ? "reached only the sandbox's own loopback" : `blocked: ${o.errno ?? 'error'}`})`,
    evidence: {
      ...common,
      family: o.family,
      address: o.address,
      port: o.port,
      blocked: true,
      how: contained,
    },
  };
}

/** The findings for a run's observations, one per distinct attempt, worst occurrence first within a key. */
export function judge(observations: readonly Observation[], ctx: JudgeContext): Finding[] {
  const byKey = new Map<string, { draft: Draft; count: number }>();
  const perRule = new Map<string, number>();
  const overflow = new Map<string, number>();
  for (const o of observations) {
    const draft = judgeOne(o, ctx);
    if (!draft) continue;
    const key = `${draft.meta.id}\0${draft.key}`;
    const seen = byKey.get(key);
    if (seen) {
      seen.count++;
      continue;
    }
    const n = perRule.get(draft.meta.id) ?? 0;
    if (n >= MAX_FINDINGS_PER_RULE) {
      overflow.set(draft.meta.id, (overflow.get(draft.meta.id) ?? 0) + 1);
      continue;
    }
    perRule.set(draft.meta.id, n + 1);
    byKey.set(key, { draft, count: 1 });
  }
  const findings: Finding[] = [...byKey.values()].map(({ draft, count }) => ({
    ruleId: draft.meta.id,
    severity: draft.severity,
    message: count > 1 ? `${draft.message}, ${count} times` : draft.message,
    location: { path: ctx.subject },
    evidence: { ...draft.evidence, count },
  }));
  for (const [id, n] of overflow)
    findings.push({
      ruleId: id,
      severity: 'info',
      message: `${n} more distinct attempts of this kind were observed and not listed`,
      location: { path: ctx.subject },
      evidence: { notListed: n },
    });
  return findings;
}
