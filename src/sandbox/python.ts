/**
 * Finding the real Python behind `python3`. Version managers (pyenv, asdf) put shims on PATH that need
 * their home directory, which the sandbox hides; so the interpreter is asked once, on the host, where it
 * lives (only `sys` attributes are printed: nothing of the model is involved), and the sandbox runs that
 * executable with its installation bound read-only.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { ParapetError } from '../core/errors.ts';

const run = promisify(execFile);

export interface PythonInstall {
  executable: string;
  /** sys.prefix, sys.base_prefix and sys.path entries: what the sandbox must be able to read. */
  roots: string[];
}

const PROBE = 'import sys, json; print(json.dumps([sys.executable, sys.prefix, sys.base_prefix] + sys.path))';

/** True for python, python3, python3.11 (a bare name or a path ending in one). */
export function isPythonCommand(arg0: string): boolean {
  return /(^|\/)python(\d+(\.\d+)?)?$/.test(arg0);
}

// One question per interpreter and PATH per process: repeated runs (a batch, the benchmark) do not pay twice.
const located = new Map<string, Promise<PythonInstall>>();

/** Asks `python` (a name on PATH or a path) where it is installed. Memoized; a failure is not. */
export function locatePython(python: string, env: NodeJS.ProcessEnv): Promise<PythonInstall> {
  const key = `${python}\0${env.PATH ?? ''}`;
  let found = located.get(key);
  if (found === undefined) {
    found = ask(python, env);
    located.set(key, found);
    found.catch(() => located.delete(key));
  }
  return found;
}

async function ask(python: string, env: NodeJS.ProcessEnv): Promise<PythonInstall> {
  let stdout: string;
  try {
    ({ stdout } = await run(python, ['-I', '-c', PROBE], { env, timeout: 15_000 }));
  } catch (err) {
    throw new ParapetError(
      'NOT_FOUND',
      `cannot run ${python} to locate the Python installation: ${(err as Error).message.split('\n')[0]}`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(stdout.trim().split('\n').pop() ?? '');
  } catch {
    parsed = undefined;
  }
  if (!Array.isArray(parsed) || parsed.length < 3 || !parsed.every((p) => typeof p === 'string'))
    throw new ParapetError('NOT_FOUND', `${python} did not say where it is installed`);
  const [executable, ...rest] = parsed as string[];
  if (!executable?.startsWith('/'))
    throw new ParapetError('NOT_FOUND', `${python} has no absolute sys.executable`);
  return { executable, roots: rest.filter((p) => p.startsWith('/')) };
}
