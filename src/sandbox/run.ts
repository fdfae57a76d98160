/**
 * runSandboxed: plan the mounts, check the machine can isolate, then run
 *   prlimit (limits) → strace (observer, outside the sandbox) → bwrap (isolation) → the command
 * and judge what the strace log shows. strace runs outside the sandbox on purpose: the sandboxed code can
 * neither see, kill nor rewrite its observer or the log (the log lives in the host's /tmp, which the
 * sandbox hides). Killing strace kills the whole tree: bubblewrap dies with its parent, and with it the
 * sandbox's PID namespace and every process in it.
 */
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ParapetError } from '../core/errors.ts';
import type { Finding } from '../core/finding.ts';
import type { ScanResult } from '../core/result.ts';
import { bwrapArgv, limitArgv, straceArgv } from './bwrap-args.ts';
import { scrubEnv } from './env.ts';
import { SANDBOX_TIMEOUT } from './findings.ts';
import { judge } from './judge.ts';
import { LOADER_MISSING_EXIT, LOADER_MISSING_MARK, type LoaderName, loaderCommand } from './loaders.ts';
import { observe, TRACED_SYSCALLS } from './observations.ts';
import { planMounts, realPathOf, resolveExecutable } from './plan.ts';
import { checkSandbox, DEFAULT_TOOLS, type Tools } from './preflight.ts';
import { isPythonCommand, locatePython, type PythonInstall } from './python.ts';
import { parseStraceLog } from './strace-log.ts';

export interface SandboxOptions {
  /** The command and its arguments. Either this or `loader` with one model. */
  command?: readonly string[];
  /** A ready-made Python loader for `models[0]`. */
  loader?: LoaderName;
  /** Files or directories bound read-only (the first is the subject findings are located at). */
  models?: readonly string[];
  /** More paths bound read-only (a project directory, a virtualenv under $HOME). */
  read?: readonly string[];
  /** Directories bound read-write: the only places a change reaches the host. */
  write?: readonly string[];
  /** `load` (default): no network, 60 s timeout, exec is critical. `serve`: loopback, no timeout. */
  profile?: 'load' | 'serve';
  allowNet?: 'none' | 'loopback';
  /** Seconds before the whole tree is killed; 0 = none. */
  timeoutSeconds?: number;
  /** Address-space limit (RLIMIT_AS) in MiB; 0 = none. */
  memoryMb?: number;
  /** Environment variables passed through despite the scrubbing. */
  keepEnv?: readonly string[];
  /** Environment to scrub (default process.env). */
  env?: Readonly<Record<string, string | undefined>>;
  cwd?: string;
  /** Python for loaders and for `python*` commands (default python3 on PATH). */
  python?: string;
  /** false runs without strace: no observation, no findings. Only for measuring the observer's cost. */
  observe?: boolean;
  tools?: Partial<Tools>;
  /** Live output of the command, as it comes. */
  onOutput?: (stream: 'stdout' | 'stderr', text: string) => void;
  /** Kills the whole sandboxed tree (as --timeout does); the result says `interrupted` and is incomplete. */
  signal?: AbortSignal;
}

export interface SandboxResult {
  findings: Finding[];
  /** Reasons the observation is incomplete (timed out during a load, a loader's library missing...). */
  errors: string[];
  /** Where findings are located: the model, or the command line. */
  subject: string;
  /** What ran inside the sandbox. */
  command: string[];
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  /** Stopped by `signal` (Ctrl-C in the CLI): the whole tree was killed before the command ended. */
  interrupted: boolean;
  stdoutTail: string;
  stderrTail: string;
  /** Names of environment variables removed (never their values). */
  envRemoved: string[];
  /** The loader's missing Python module, when that is why it stopped. */
  loaderMissing?: string;
  /** Number of observations the findings were judged from. */
  observed: number;
  durationMs: number;
}

const TAIL_BYTES = 16 * 1024;
const MAX_LOG_BYTES = 64 * 1024 * 1024;
const DEFAULT_LOAD_TIMEOUT_S = 60;
const DEFAULT_LOAD_MEMORY_MB = 8192;

function tail(prev: string, chunk: string): string {
  const s = prev + chunk;
  return s.length > TAIL_BYTES ? s.slice(-TAIL_BYTES) : s;
}

function readLog(path: string): { text: string; clipped: boolean } {
  let size = 0;
  try {
    size = statSync(path).size;
  } catch {
    return { text: '', clipped: false };
  }
  const n = Math.min(size, MAX_LOG_BYTES);
  const buf = Buffer.alloc(n);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, buf, 0, n, 0);
  } finally {
    closeSync(fd);
  }
  return { text: buf.toString('utf8'), clipped: size > MAX_LOG_BYTES };
}

/** The result in the shape every writer takes. */
export function sandboxScanResult(r: SandboxResult): ScanResult {
  return {
    findings: r.findings,
    scanned: [r.subject],
    skipped: [],
    errors: r.errors.map((error) => ({ path: r.subject, error })),
  };
}

/** Runs one command (or loader) in the sandbox and reports what it tried. Throws only for usage errors and an unavailable sandbox. */
export async function runSandboxed(options: SandboxOptions): Promise<SandboxResult> {
  const started = performance.now();
  const profile = options.profile ?? 'load';
  const allowNet = options.allowNet ?? (profile === 'serve' ? 'loopback' : 'none');
  const timeoutS = options.timeoutSeconds ?? (profile === 'serve' ? 0 : DEFAULT_LOAD_TIMEOUT_S);
  const memoryMb = options.memoryMb ?? (profile === 'serve' ? 0 : DEFAULT_LOAD_MEMORY_MB);
  const cwd = options.cwd ?? process.cwd();
  const tools: Tools = { ...DEFAULT_TOOLS, ...options.tools };
  const models = options.models ?? [];
  const { env, removed } = scrubEnv(options.env ?? process.env, options.keepEnv ?? []);
  if (options.loader !== undefined && models.length !== 1)
    throw new ParapetError('USAGE', `--loader ${options.loader} needs exactly one --model FILE`);
  if (options.loader === undefined && (options.command === undefined || options.command.length === 0))
    throw new ParapetError('USAGE', 'nothing to run: give a command after -- or --loader with --model');
  if (options.loader !== undefined && options.command !== undefined && options.command.length > 0)
    throw new ParapetError('USAGE', 'give either --loader or a command after --, not both');

  // Python: find the real interpreter on the host, so shims under the hidden home are not needed inside.
  const arg0 = options.command?.[0];
  // Asked on the host with the user's own environment (PYENV_VERSION, VIRTUAL_ENV...): it is their interpreter.
  const hostEnv = { ...(options.env ?? process.env), HOME: process.env.HOME };
  let python: PythonInstall | undefined;
  if (options.loader !== undefined) python = await locatePython(options.python ?? 'python3', hostEnv);
  else if (arg0 !== undefined && isPythonCommand(arg0)) python = await locatePython(arg0, hostEnv);
  const plan = planMounts({
    cwd,
    home: env.HOME,
    models,
    read: options.read ?? [],
    write: options.write ?? [],
    support: python ? [python.executable, ...python.roots] : [],
  });
  let command: string[];
  if (options.loader !== undefined && python)
    command = loaderCommand(python.executable, options.loader, realPathOf(models[0] ?? '', cwd, '--model'));
  else {
    const given = options.command ?? [];
    const exe = python ? python.executable : resolveExecutable(given[0] ?? '', plan, cwd, env.PATH);
    command = [exe, ...given.slice(1)];
  }
  const subject = models[0] ?? (options.command ?? []).join(' ');

  const observing = options.observe !== false;
  // Always, observed or not: a sandbox that cannot be built must fail here, never run the command bare.
  await checkSandbox(tools);
  const workDir = mkdtempSync(join(tmpdir(), 'parapet-sandbox-'));
  const logPath = join(workDir, 'strace.log');
  const sandboxed = [tools.bwrap, ...bwrapArgv(plan, command)];
  const observed = observing ? [tools.strace, ...straceArgv(logPath, TRACED_SYSCALLS, sandboxed)] : sandboxed;
  const argv = limitArgv(memoryMb, observed);

  let stdoutTail = '';
  let stderrTail = '';
  let timedOut = false;
  let interrupted = false;
  const exit = await new Promise<{ code: number | null; signal: string | null; spawnError?: Error }>(
    (done) => {
      const child = spawn(tools.prlimit, argv, { env, cwd: workDir, stdio: ['ignore', 'pipe', 'pipe'] });
      const kill = () => child.kill('SIGKILL');
      const onTimeout = () => {
        timedOut = true;
        kill();
      };
      const timer = timeoutS > 0 ? setTimeout(onTimeout, timeoutS * 1000) : undefined;
      const onAbort = () => {
        interrupted = true;
        kill();
      };
      options.signal?.addEventListener('abort', onAbort, { once: true });
      // aborted before the start: the listener above will never fire, so end it now
      if (options.signal?.aborted) onAbort();
      child.stdout.setEncoding('utf8').on('data', (t: string) => {
        stdoutTail = tail(stdoutTail, t);
        options.onOutput?.('stdout', t);
      });
      child.stderr.setEncoding('utf8').on('data', (t: string) => {
        stderrTail = tail(stderrTail, t);
        options.onOutput?.('stderr', t);
      });
      child.on('error', (err) => {
        if (timer) clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
        done({ code: null, signal: null, spawnError: err });
      });
      child.on('close', (code, signal) => {
        if (timer) clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
        done({ code, signal });
      });
    },
  );
  if (exit.spawnError) {
    rmSync(workDir, { recursive: true, force: true });
    throw new ParapetError(
      'NOT_FOUND',
      `cannot start ${tools.prlimit} (util-linux): ${exit.spawnError.message}`,
    );
  }

  const errors: string[] = [];
  const findings: Finding[] = [];
  let count = 0;
  if (observing) {
    const log = readLog(logPath);
    if (log.clipped) errors.push('the observation log passed 64 MiB: only its first part was analysed');
    const seen = observe(parseStraceLog(log.text).events, { launcher: true, cwd: plan.chdir });
    count = seen.observations.length;
    if (!seen.launched)
      errors.push(
        `the command never started inside the sandbox${seen.launchError ? ` (${seen.launchError})` : ''}`,
      );
    findings.push(
      ...judge(seen.observations, {
        profile,
        allowNet,
        subject,
        writable: plan.writable,
        privateRoots: plan.hide,
        masked: plan.mask,
      }),
    );
  }
  rmSync(workDir, { recursive: true, force: true });

  if (timedOut) {
    findings.push({
      ruleId: SANDBOX_TIMEOUT.id,
      severity: profile === 'serve' ? 'info' : SANDBOX_TIMEOUT.severity,
      message: `still running after ${timeoutS} s: the whole process tree was killed`,
      location: { path: subject },
      evidence: { timeoutSeconds: timeoutS, profile },
    });
    if (profile === 'load')
      errors.push(`timed out after ${timeoutS} s: what ran after that was not observed`);
  }
  if (interrupted && !timedOut)
    errors.push(
      'interrupted: the whole process tree was killed; what it would have done next was not observed',
    );
  const result: SandboxResult = {
    findings,
    errors,
    subject,
    command,
    exitCode: exit.code,
    signal: exit.signal,
    timedOut,
    interrupted,
    stdoutTail,
    stderrTail,
    envRemoved: removed,
    observed: count,
    durationMs: performance.now() - started,
  };
  const missing = stderrTail.indexOf(LOADER_MISSING_MARK);
  if (options.loader !== undefined && exit.code === LOADER_MISSING_EXIT && missing >= 0) {
    const line = stderrTail.slice(missing + LOADER_MISSING_MARK.length).split('\n')[0] ?? '';
    result.loaderMissing = line.split(' ')[0] ?? '';
    errors.push(
      `the ${options.loader} loader cannot run: Python module ${line} is not installed for ${python?.executable}`,
    );
  } else if (options.loader !== undefined && !timedOut && !interrupted && exit.code !== 0) {
    // A load that failed did not run to its end: whatever the rest of the file holds was not observed.
    const last = stderrTail.trim().split('\n').pop() ?? '';
    const how = exit.code === null ? `was killed by ${exit.signal}` : `exited with status ${exit.code}`;
    errors.push(
      `the ${options.loader} loader ${how}: the file did not load completely${last ? ` (${last.slice(0, 200)})` : ''}`,
    );
  }
  return result;
}
