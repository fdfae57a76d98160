/**
 * Flag lookups over an argv, the way the servers' CLIs accept them: `--flag value` and `--flag=value` are the
 * same, and `_` and `-` inside a long flag name are interchangeable (vLLM's and click's parsers accept both).
 */

/** A flag occurrence: its value (undefined for a bare switch) and its argv index. */
export interface FlagHit {
  value: string | undefined;
  index: number;
}

const norm = (flag: string): string => flag.replaceAll('_', '-').toLowerCase();

/**
 * The last occurrence of any of `names` (last wins, as in argparse). With `takesValue`, a following word not
 * starting with `-` is the value; otherwise only `--flag=value` carries one.
 */
export function findFlag(
  argv: readonly string[],
  names: readonly string[],
  takesValue = true,
): FlagHit | undefined {
  const wanted = new Set(names.map(norm));
  let hit: FlagHit | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('-')) continue;
    const eq = a.indexOf('=');
    const name = norm(eq < 0 ? a : a.slice(0, eq));
    if (!wanted.has(name)) continue;
    if (eq >= 0) hit = { value: a.slice(eq + 1), index: i };
    else if (takesValue && i + 1 < argv.length && !argv[i + 1]!.startsWith('--'))
      hit = { value: argv[i + 1], index: i };
    else hit = { value: undefined, index: i };
  }
  return hit;
}

/** True when any of `names` appears as a switch (or with a value that is not false-like). */
export function hasSwitch(argv: readonly string[], names: readonly string[]): FlagHit | undefined {
  const hit = findFlag(argv, names, false);
  if (hit === undefined) return undefined;
  if (hit.value !== undefined && isFalse(hit.value)) return undefined;
  return hit;
}

/** `false`, `0`, `no`, `off` in any case. */
export function isFalse(value: string): boolean {
  return /^(false|0|no|off)$/i.test(value.trim());
}

/** `true`, `1`, `yes`, `on` in any case. */
export function isTrue(value: string): boolean {
  return /^(true|1|yes|on)$/i.test(value.trim());
}

/** Loopback host names and addresses (with or without a port, brackets or scheme). */
export function isLoopback(host: string): boolean {
  const h = stripHost(host);
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}

/** All-interfaces binds: empty host (`:8080`), `0.0.0.0`, `::`, `*`. */
export function isAllInterfaces(host: string): boolean {
  const h = stripHost(host);
  return h === '' || h === '0.0.0.0' || h === '::' || h === '*' || h === '[::]';
}

/** `http://0.0.0.0:11434` → `0.0.0.0`; `[::1]:80` → `::1`; `127.0.0.1` → itself. */
export function stripHost(host: string): string {
  let h = host.trim().replace(/^[a-z]+:\/\//i, '');
  h = h.replace(/\/.*$/, '');
  if (h.startsWith('[')) {
    const end = h.indexOf(']');
    return end < 0 ? h.slice(1) : h.slice(1, end);
  }
  const colons = h.split(':').length - 1;
  if (colons === 1) h = h.slice(0, h.indexOf(':'));
  return h.toLowerCase();
}

/** Resolves `${VAR:-default}` / `${VAR-default}` to its default; other `${...}` stay (unknown statically). */
export function resolveDefaults(text: string): string {
  return text.replace(/\$\{[A-Za-z_][A-Za-z0-9_]*:?-([^}]*)\}/g, '$1');
}
