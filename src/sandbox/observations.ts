/**
 * From raw strace events to what the sandboxed command tried to do: executions, reads, writes, deletes,
 * network attempts, privileged calls and deaths by signal. The launcher's own calls (bubblewrap setting up
 * mounts, writing uid maps, bringing up loopback) are cut off here, so nothing below is the sandbox's doing.
 */
import { posix } from 'node:path';
import {
  decodeFdPath,
  decodeString,
  decodeStringArray,
  type SyscallEvent,
  type TraceEvent,
} from './strace-log.ts';

interface Base {
  pid: number;
  syscall: string;
  /** True when the kernel said yes. A failed attempt is still an observation. */
  ok: boolean;
  errno?: string;
  /** Line in the strace log, for evidence. */
  line: number;
}

export type Observation =
  | (Base & { kind: 'exec'; path: string; argv: string[] })
  | (Base & { kind: 'read'; path: string })
  | (Base & { kind: 'write'; path: string })
  | (Base & { kind: 'delete'; path: string; to?: string })
  | (Base & { kind: 'network'; family: string; address: string; port?: number })
  | (Base & { kind: 'privileged'; detail: string })
  | { kind: 'killed'; pid: number; signal: string; line: number };

/** Every system call the observer asks strace for: the argument to `-e trace=`. */
export const TRACED_SYSCALLS = [
  'execve',
  'execveat',
  'open',
  'openat',
  'openat2',
  'creat',
  'truncate',
  'mkdir',
  'mkdirat',
  'link',
  'linkat',
  'symlink',
  'symlinkat',
  'chmod',
  'fchmodat',
  'unlink',
  'unlinkat',
  'rmdir',
  'rename',
  'renameat',
  'renameat2',
  'connect',
  'bind',
  'sendto',
  'sendmsg',
  'sendmmsg',
  'mount',
  'umount2',
  'pivot_root',
  'chroot',
  'ptrace',
  'setns',
  'unshare',
  'init_module',
  'finit_module',
  'kexec_load',
  'bpf',
] as const;

const PRIVILEGED = new Set([
  'mount',
  'umount2',
  'pivot_root',
  'chroot',
  'ptrace',
  'setns',
  'unshare',
  'init_module',
  'finit_module',
  'kexec_load',
  'bpf',
]);

/** Where the path argument sits, and which argument is its directory fd (-1: none). */
const PATH_ARG: Record<string, { dirfd: number; path: number }> = {
  open: { dirfd: -1, path: 0 },
  creat: { dirfd: -1, path: 0 },
  truncate: { dirfd: -1, path: 0 },
  mkdir: { dirfd: -1, path: 0 },
  chmod: { dirfd: -1, path: 0 },
  unlink: { dirfd: -1, path: 0 },
  rmdir: { dirfd: -1, path: 0 },
  openat: { dirfd: 0, path: 1 },
  openat2: { dirfd: 0, path: 1 },
  mkdirat: { dirfd: 0, path: 1 },
  fchmodat: { dirfd: 0, path: 1 },
  unlinkat: { dirfd: 0, path: 1 },
  // link/symlink create their second path.
  link: { dirfd: -1, path: 1 },
  symlink: { dirfd: -1, path: 1 },
  linkat: { dirfd: 2, path: 3 },
  symlinkat: { dirfd: 1, path: 2 },
};

/** Which argument holds the socket address of each network call. */
const ADDRESS_ARG: Record<string, number> = { connect: 1, bind: 1, sendto: 4, sendmsg: 1, sendmmsg: 1 };

const WRITE_FLAGS = /\b(O_WRONLY|O_RDWR|O_CREAT|O_TRUNC|O_APPEND)\b/;

/**
 * Turns the events of a `strace -f` log of `bwrap ... -- COMMAND` into observations of COMMAND and its
 * descendants. The first execve is bubblewrap's own; the next execve attempts by one process, up to the
 * first that succeeds, are the launch of COMMAND. Processes seen before the launch are the launcher
 * (bubblewrap's outer process and its pid-1 reaper) and are ignored afterwards; every process that
 * appears later descends from COMMAND, because the launcher forks nothing else.
 *
 * With `launcher: false` (a log of COMMAND traced directly) the first execve is already COMMAND.
 */
export function observe(
  events: readonly TraceEvent[],
  options: { launcher: boolean; cwd: string },
): { observations: Observation[]; launched: boolean; launchError?: string } {
  const launcherPids = new Set<number>();
  let execsBeforeLaunch = options.launcher ? 1 : 0;
  let launchPid: number | undefined;
  let launched = false;
  let launchError: string | undefined;
  const cwdOf = new Map<number, string>();
  const out: Observation[] = [];
  for (const ev of events) {
    if (!launched) {
      if (ev.kind === 'syscall' && ev.name.startsWith('execve')) {
        if (execsBeforeLaunch > 0) {
          execsBeforeLaunch--;
          launcherPids.add(ev.pid);
          continue;
        }
        if (launchPid === undefined || launchPid === ev.pid) {
          launchPid = ev.pid;
          if (ev.errno === undefined) {
            launched = true;
            launcherPids.delete(ev.pid);
          } else launchError = `${ev.errno} executing ${pathOf(ev, 0) ?? '?'}`;
          continue;
        }
      }
      launcherPids.add(ev.pid);
      continue;
    }
    if (launcherPids.has(ev.pid)) continue;
    if (ev.kind === 'exit') {
      if (ev.signal !== undefined)
        out.push({ kind: 'killed', pid: ev.pid, signal: ev.signal, line: ev.line });
      continue;
    }
    const at = fdCwd(ev);
    if (at !== undefined) cwdOf.set(ev.pid, at);
    const obs = classify(ev, cwdOf.get(ev.pid) ?? options.cwd);
    if (obs) out.push(obs);
  }
  const result: { observations: Observation[]; launched: boolean; launchError?: string } = {
    observations: out,
    launched,
  };
  if (!launched && launchError !== undefined) result.launchError = launchError;
  return result;
}

function base(ev: SyscallEvent): Base {
  const b: Base = { pid: ev.pid, syscall: ev.name, ok: ev.errno === undefined, line: ev.line };
  if (ev.errno !== undefined) b.errno = ev.errno;
  return b;
}

/** The working directory strace -y printed in `AT_FDCWD</dir>`, if this call has one. */
function fdCwd(ev: SyscallEvent): string | undefined {
  const first = ev.args[0] ?? '';
  return first.startsWith('AT_FDCWD<') ? decodeFdPath(first) : undefined;
}

function pathOf(ev: SyscallEvent, index: number): string | undefined {
  const d = decodeString(ev.args[index] ?? '');
  return d ? d.text : undefined;
}

/** Absolute, normalized path: relative paths are joined to their directory fd or the process's cwd. */
function resolvePath(path: string, dir: string | undefined, cwd: string): string {
  if (path.startsWith('/')) return posix.normalize(path);
  return posix.normalize(posix.join(dir ?? cwd, path));
}

function classify(ev: SyscallEvent, cwd: string): Observation | undefined {
  const b = base(ev);
  if (ev.name === 'execve' || ev.name === 'execveat') {
    const pathIndex = ev.name === 'execveat' ? 1 : 0;
    const path = pathOf(ev, pathIndex) ?? '?';
    return { ...b, kind: 'exec', path, argv: decodeStringArray(ev.args[pathIndex + 1] ?? '') };
  }
  if (ev.name in ADDRESS_ARG) {
    // sendmsg/sendmmsg carry the address inside the message header (msg_name={sa_family=...}).
    const addr = ev.args[ADDRESS_ARG[ev.name]!] ?? '';
    const parsed = parseSockaddr(addr);
    // sendto on a connected socket carries no address: the connect was already observed.
    if (!parsed) return undefined;
    return { ...b, kind: 'network', ...parsed };
  }
  if (PRIVILEGED.has(ev.name)) return { ...b, kind: 'privileged', detail: ev.args.slice(0, 3).join(', ') };
  if (ev.name === 'rename' || ev.name === 'renameat' || ev.name === 'renameat2') {
    const twoDirs = ev.name !== 'rename';
    const from = pathOf(ev, twoDirs ? 1 : 0);
    const to = pathOf(ev, twoDirs ? 3 : 1);
    if (from === undefined) return undefined;
    const fromDir = twoDirs ? decodeFdPath(ev.args[0] ?? '') : undefined;
    const toDir = twoDirs ? decodeFdPath(ev.args[2] ?? '') : undefined;
    const obs: Observation = { ...b, kind: 'delete', path: resolvePath(from, fromDir, cwd) };
    if (to !== undefined) obs.to = resolvePath(to, toDir, cwd);
    return obs;
  }
  const spec = PATH_ARG[ev.name];
  if (!spec) return undefined;
  const raw = pathOf(ev, spec.path);
  if (raw === undefined) return undefined;
  const dir = spec.dirfd >= 0 ? decodeFdPath(ev.args[spec.dirfd] ?? '') : undefined;
  const path = resolvePath(raw, dir, cwd);
  if (ev.name === 'unlink' || ev.name === 'unlinkat' || ev.name === 'rmdir')
    return { ...b, kind: 'delete', path };
  if (ev.name === 'open' || ev.name === 'openat' || ev.name === 'openat2') {
    const flags = ev.args[spec.path + 1] ?? '';
    return { ...b, kind: WRITE_FLAGS.test(flags) ? 'write' : 'read', path };
  }
  return { ...b, kind: 'write', path };
}

/**
 * `{sa_family=AF_INET, sin_port=htons(80), sin_addr=inet_addr("1.2.3.4")}`, the AF_INET6 form with
 * `inet_pton(AF_INET6, "::1", ...)` and AF_UNIX `sun_path="/run/x"` (or `@"abstract"`). Netlink (the
 * C library asking the kernel for interfaces) and NULL addresses are not network attempts.
 */
export function parseSockaddr(text: string): { family: string; address: string; port?: number } | undefined {
  const family = /sa_family=(AF_[A-Z0-9]+)/.exec(text)?.[1];
  if (family === undefined || family === 'AF_NETLINK' || family === 'AF_UNSPEC') return undefined;
  if (family === 'AF_UNIX') {
    const m = /sun_path=(@?)("(?:[^"\\]|\\.)*")/.exec(text);
    const path = m ? decodeString(m[2]!)?.text : undefined;
    return { family, address: path === undefined ? '(unnamed)' : `${m?.[1] ?? ''}${path}` };
  }
  const port = /sin6?_port=htons\((\d+)\)/.exec(text)?.[1];
  const v4 = /inet_addr\("([^"]*)"\)/.exec(text)?.[1];
  const v6 = /inet_pton\(AF_INET6, "([^"]*)"/.exec(text)?.[1];
  const out: { family: string; address: string; port?: number } = { family, address: v4 ?? v6 ?? '?' };
  if (port !== undefined) out.port = Number(port);
  return out;
}

/** 127.0.0.0/8, ::1 and the IPv4-mapped loopback. */
export function isLoopback(address: string): boolean {
  return /^127\./.test(address) || address === '::1' || /^::ffff:127\./i.test(address);
}
