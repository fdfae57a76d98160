/**
 * What the sandbox shows of the host: which directories are hidden behind an empty tmpfs, which files are
 * masked, what is bound back on top, and where the command starts. Every path is checked on the host first,
 * so a typo is a usage error before anything runs, not a bubblewrap failure halfway.
 */
import { accessSync, constants, lstatSync, realpathSync, statSync } from 'node:fs';
import { delimiter, dirname, isAbsolute, resolve } from 'node:path';
import { ParapetError } from '../core/errors.ts';
import type { MountPlan } from './bwrap-args.ts';

/** Hidden behind an empty tmpfs when they exist as real directories: homes, temporary files, sockets, mounts. */
export const HIDDEN_DIRS = ['/home', '/root', '/tmp', '/var/tmp', '/run', '/mnt', '/media'];

/** Readable by root on the host; replaced by /dev/null inside. */
export const MASKED_FILES = ['/etc/shadow', '/etc/shadow-', '/etc/gshadow', '/etc/gshadow-', '/etc/sudoers'];

export function isUnder(path: string, dir: string): boolean {
  return dir === '/' || path === dir || path.startsWith(`${dir}/`);
}

function isRealDir(path: string): boolean {
  try {
    return lstatSync(path).isDirectory();
  } catch {
    return false;
  }
}

function exists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

/** Real path of a user-given path, or a NOT_FOUND error naming the flag. */
export function realPathOf(path: string, cwd: string, flag: string): string {
  try {
    return realpathSync(resolve(cwd, path));
  } catch {
    throw new ParapetError('NOT_FOUND', `${flag} ${path}: no such file or directory`);
  }
}

/** Drops paths inside another listed path (binding /a and /a/b is redundant) and duplicates. */
export function outermost(paths: readonly string[]): string[] {
  const sorted = [...new Set(paths)].sort((a, b) => a.length - b.length);
  const out: string[] = [];
  for (const p of sorted) if (!out.some((o) => isUnder(p, o))) out.push(p);
  return out;
}

export interface PlanInput {
  cwd: string;
  home?: string | undefined;
  models: readonly string[];
  read: readonly string[];
  write: readonly string[];
  /** Paths the command itself needs (a Python installation), bound only where they would be hidden. */
  support: readonly string[];
}

/** The mount plan. Models and --read paths are bound read-only, --write directories read-write. */
export function planMounts(input: PlanInput): MountPlan {
  const home = input.home !== undefined && isAbsolute(input.home) ? input.home : undefined;
  const homeReal = home !== undefined && isRealDir(home) ? realpathSync(home) : undefined;
  const candidates = homeReal !== undefined && homeReal !== '/' ? [...HIDDEN_DIRS, homeReal] : HIDDEN_DIRS;
  const hide = outermost(candidates.filter(isRealDir));
  const writable = input.write.map((w) => {
    const real = realPathOf(w, input.cwd, '--write');
    if (!statSync(real).isDirectory()) throw new ParapetError('USAGE', `--write ${w} is not a directory`);
    if (real === '/')
      throw new ParapetError('USAGE', '--write / would give the command the whole file system');
    return real;
  });
  const models = input.models.map((m) => realPathOf(m, input.cwd, '--model'));
  const reads = input.read.map((r) => realPathOf(r, input.cwd, '--read'));
  const hidden = (p: string) => hide.some((h) => isUnder(p, h));
  const support = input.support.filter((p) => exists(p) && hidden(p));
  const readOnly = outermost([...reads, ...support]).concat(
    models.filter((m) => !reads.some((r) => isUnder(m, r))),
  );
  const visible = (p: string) => !hidden(p) || [...readOnly, ...writable].some((b) => isUnder(p, b));
  // The command is told HOME=...; give it an empty one rather than a missing one.
  const create = home !== undefined && hidden(home) && !visible(home) ? [home] : [];
  let cwdReal: string;
  try {
    cwdReal = realpathSync(input.cwd);
  } catch {
    cwdReal = '/';
  }
  return {
    hide,
    mask: MASKED_FILES.filter((f) => exists(f) && !hidden(f)),
    create,
    readOnly: [...new Set(readOnly)],
    writable,
    chdir: visible(cwdReal) ? cwdReal : '/',
  };
}

/** True when `path` can be seen inside the sandbox the plan describes. */
export function visibleInside(plan: MountPlan, path: string): boolean {
  if (!plan.hide.some((h) => isUnder(path, h))) return true;
  return [...plan.readOnly, ...plan.writable, ...plan.create].some((b) => isUnder(path, b));
}

/**
 * The absolute executable for `arg0` as the sandbox will see it: a path is resolved on the host, a name
 * is looked up on the (scrubbed) PATH, skipping directories the sandbox hides. Resolving here means the
 * sandbox makes exactly one execve for the launch, and a missing command is a usage error up front.
 */
export function resolveExecutable(
  arg0: string,
  plan: MountPlan,
  cwd: string,
  path: string | undefined,
): string {
  const candidates = arg0.includes('/')
    ? [resolve(cwd, arg0)]
    : (path ?? '/usr/local/bin:/usr/bin:/bin')
        .split(delimiter)
        .filter((d) => d.startsWith('/'))
        .map((d) => `${d}/${arg0}`);
  for (const c of candidates) {
    try {
      accessSync(c, constants.X_OK);
      if (!statSync(c).isFile()) continue;
    } catch {
      continue;
    }
    if (visibleInside(plan, c) && visibleInside(plan, realpathSync(c))) return c;
    if (arg0.includes('/'))
      throw new ParapetError(
        'USAGE',
        `${arg0} is in a directory the sandbox hides (${dirname(c)}): expose it with --read ${dirname(c)}`,
      );
  }
  throw new ParapetError(
    'USAGE',
    `command not found inside the sandbox: ${arg0} (home directories, /tmp and /run are hidden; expose a directory with --read DIR or give a path)`,
  );
}
