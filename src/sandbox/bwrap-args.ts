/**
 * The bubblewrap command line for one run, built from a plan of paths as pure data (tests read it without
 * running anything). Order matters to bubblewrap: mounts apply left to right, so the read-only root comes
 * first, the tmpfs that hide home directories and /tmp next, and the --write, model and --read binds last,
 * on top of whatever they sit in.
 */

export interface MountPlan {
  /** Directories replaced by an empty tmpfs (only existing real directories: bubblewrap will not cover a symlink). */
  hide: string[];
  /** Files replaced by /dev/null. */
  mask: string[];
  /** Directories to create inside the sandbox after hiding (the HOME the command is told about). */
  create: string[];
  /** Bound read-only on top (models, --read paths, the Python installation). */
  readOnly: string[];
  /** Bound read-write (--write). */
  writable: string[];
  /** Working directory inside the sandbox. */
  chdir: string;
}

/** `bwrap` arguments (without the program name) up to and including `--`, followed by the command. */
export function bwrapArgv(plan: MountPlan, command: readonly string[]): string[] {
  const args = [
    // Every namespace bubblewrap supports: user (if allowed), IPC, PID, network, UTS, cgroup (if allowed).
    '--unshare-all',
    // A network namespace of its own with only loopback, whatever the profile (see docs/sandbox.md).
    '--die-with-parent',
    // setsid(): the command cannot reach the terminal's input with TIOCSTI.
    '--new-session',
    // No capabilities, even for root inside the namespace; bubblewrap always sets PR_SET_NO_NEW_PRIVS.
    '--cap-drop',
    'ALL',
    '--hostname',
    'parapet-sandbox',
    '--ro-bind',
    '/',
    '/',
    '--dev',
    '/dev',
    '--proc',
    '/proc',
  ];
  for (const dir of plan.hide) args.push('--tmpfs', dir);
  for (const file of plan.mask) args.push('--ro-bind', '/dev/null', file);
  for (const dir of plan.create) args.push('--dir', dir);
  // Writable first, read-only on top: a model inside a --write directory stays read-only.
  for (const dir of plan.writable) args.push('--bind', dir, dir);
  for (const path of plan.readOnly) args.push('--ro-bind', path, path);
  args.push('--chdir', plan.chdir, '--', ...command);
  return args;
}

/** strace arguments (without the program name) that log to `logPath` and run `argv`. */
export function straceArgv(logPath: string, syscalls: readonly string[], argv: readonly string[]): string[] {
  return [
    '-f', // follow every fork, clone and vfork
    '-q', // no attach/detach notices (exit and kill lines stay)
    '-y', // print the path behind every descriptor, to resolve relative paths
    '-s',
    '4096', // long enough for argv and paths; longer strings end in "..."
    '--seccomp-bpf', // stop only on the traced calls: much cheaper than stopping on every one
    '-e',
    `trace=${syscalls.join(',')}`,
    // No `-e signal=none`: it also drops the "+++ killed by SIGSEGV +++" lines that show crashes.
    '-o',
    logPath,
    '--',
    ...argv,
  ];
}

/** prlimit arguments (without the program name) for the limits, then `argv`; no limits → `argv` as is. */
export function limitArgv(memoryMb: number | undefined, argv: readonly string[]): string[] {
  const limits = ['--core=0'];
  if (memoryMb !== undefined && memoryMb > 0) limits.push(`--as=${Math.round(memoryMb * 1024 * 1024)}`);
  return [...limits, '--', ...argv];
}
