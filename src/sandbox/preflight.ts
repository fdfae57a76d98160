/**
 * Can this machine build the sandbox? Runs `/bin/true` through the same bubblewrap namespaces and the same
 * strace observer before the real command, and when either refuses, says what to enable. There is no
 * fallback: a command that cannot be isolated and observed is not run at all.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { bwrapArgv, straceArgv } from './bwrap-args.ts';

/** The sandbox cannot be built here. The message names the setting to change. */
export class SandboxUnavailableError extends Error {
  override readonly name = 'SandboxUnavailableError';
}

export interface Tools {
  bwrap: string;
  strace: string;
  prlimit: string;
}

export const DEFAULT_TOOLS: Tools = { bwrap: 'bwrap', strace: 'strace', prlimit: 'prlimit' };

function runQuiet(
  cmd: string,
  args: string[],
): Promise<{ code: number | null; stderr: string; missing: boolean }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => {
      if (stderr.length < 4096) stderr += b.toString('utf8');
    });
    child.on('error', (err: NodeJS.ErrnoException) =>
      resolve({ code: null, stderr: err.message, missing: err.code === 'ENOENT' }),
    );
    child.on('close', (code) => resolve({ code, stderr: stderr.trim(), missing: false }));
  });
}

function sysctl(path: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return 'absent';
  }
}

/** The kernel and container settings that decide whether unprivileged namespaces work, as text. */
export function namespaceSettings(): string {
  const inContainer = existsSync('/.dockerenv') || existsSync('/run/.containerenv');
  return [
    `kernel.unprivileged_userns_clone=${sysctl('/proc/sys/kernel/unprivileged_userns_clone')}`,
    `user.max_user_namespaces=${sysctl('/proc/sys/user/max_user_namespaces')}`,
    `kernel.apparmor_restrict_unprivileged_userns=${sysctl('/proc/sys/kernel/apparmor_restrict_unprivileged_userns')}`,
    `kernel.yama.ptrace_scope=${sysctl('/proc/sys/kernel/yama/ptrace_scope')}`,
    `in a container: ${inContainer ? 'yes' : 'not detected'}`,
  ].join(', ');
}

const NAMESPACE_HELP = `To enable it:
  - sysctl -w kernel.unprivileged_userns_clone=1        (Debian/Ubuntu kernels that have the switch)
  - sysctl -w user.max_user_namespaces=15000            (when it is 0)
  - sysctl -w kernel.apparmor_restrict_unprivileged_userns=0, or an AppArmor profile for bwrap (Ubuntu 23.10+)
  - in Docker: run the container with --security-opt seccomp=unconfined (the default profile refuses
    unshare/clone of namespaces) and --security-opt apparmor=unconfined, or --privileged; in Kubernetes
    the same through the pod's securityContext (seccompProfile: Unconfined)`;

const PTRACE_HELP = `To enable it:
  - sysctl -w kernel.yama.ptrace_scope=1 (3 forbids ptrace entirely until reboot; 2 needs CAP_SYS_PTRACE)
  - in Docker: --cap-add SYS_PTRACE, and --security-opt seccomp=unconfined on kernels before 4.8`;

let cached: Promise<void> | undefined;
let cachedKey = '';

/** Resolves when bubblewrap and strace both work; rejects with SandboxUnavailableError otherwise. Memoized. */
export function checkSandbox(tools: Tools = DEFAULT_TOOLS): Promise<void> {
  const key = JSON.stringify(tools);
  if (cached === undefined || key !== cachedKey) {
    cachedKey = key;
    cached = probe(tools);
    // A failure is not cached: the user may fix the setting and retry in the same process.
    cached.catch(() => {
      cached = undefined;
    });
  }
  return cached;
}

async function probe(tools: Tools): Promise<void> {
  const plan = { hide: [], mask: [], create: [], readOnly: [], writable: [], chdir: '/' };
  const bwrap = await runQuiet(tools.bwrap, bwrapArgv(plan, ['/bin/true']));
  if (bwrap.missing)
    throw new SandboxUnavailableError(
      `bubblewrap (${tools.bwrap}) is not installed: apt-get install bubblewrap (Fedora: dnf install bubblewrap). Nothing was run.`,
    );
  if (bwrap.code !== 0)
    throw new SandboxUnavailableError(
      `the kernel or container refused to create the sandbox's namespaces, so nothing was run.\n` +
        `bubblewrap said: ${bwrap.stderr || `exit ${bwrap.code}`}\nSettings: ${namespaceSettings()}\n${NAMESPACE_HELP}`,
    );
  const strace = await runQuiet(
    tools.strace,
    straceArgv('/dev/null', ['execve'], [tools.bwrap, ...bwrapArgv(plan, ['/bin/true'])]),
  );
  if (strace.missing)
    throw new SandboxUnavailableError(
      `strace (${tools.strace}) is not installed: apt-get install strace. Without it nothing can be observed, so nothing was run.`,
    );
  if (strace.code !== 0)
    throw new SandboxUnavailableError(
      `strace cannot trace the sandbox (ptrace refused), so nothing was run.\nstrace said: ${strace.stderr || `exit ${strace.code}`}\n` +
        `Settings: ${namespaceSettings()}\n${PTRACE_HELP}`,
    );
}
