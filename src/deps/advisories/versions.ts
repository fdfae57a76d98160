import { parse as pep440Parse } from '@renovatebot/pep440';
import type { Ecosystem } from '../types.ts';

/**
 * Version ordering per ecosystem, as OSV ranges need it: PEP 440 for PyPI, SemVer 2.0 for npm. Ordering only,
 * never specifier matching: `2.6.0rc1` sorts before `2.6.0`, so a release candidate of a fixed version is still
 * affected, which PEP 440 specifier semantics (`<2.6.0` excludes pre-releases) would hide.
 */

/** True when `version` can be ordered in `ecosystem` (a valid PEP 440 or SemVer string). */
export function isValidVersion(ecosystem: Ecosystem, version: string): boolean {
  return ecosystem === 'npm' ? parseSemver(version) !== undefined : pep440Key(version) !== undefined;
}

/**
 * Sign of `a - b` in `ecosystem` order (-1, 0, 1). Both must be valid (see isValidVersion); OSV's
 * `introduced: "0"` is handled by the caller, not here.
 */
export function compareVersions(ecosystem: Ecosystem, a: string, b: string): number {
  if (ecosystem === 'npm') {
    const pa = parseSemver(a);
    const pb = parseSemver(b);
    if (pa === undefined || pb === undefined) throw new TypeError(`not a SemVer version: ${pa ? b : a}`);
    return compareSemver(pa, pb);
  }
  const ka = pep440Key(a);
  const kb = pep440Key(b);
  if (ka === undefined || kb === undefined) throw new TypeError(`not a PEP 440 version: ${ka ? b : a}`);
  return Math.sign(pyCompare(ka, kb));
}

// ---------------------------------------------------------------------------------------------------------
// PEP 440 ordering. @renovatebot/pep440's `compare` re-parses both strings on every call, which made index
// builds spend seconds in regexes; this is its sort key (packaging's _cmpkey, ported the same way), computed
// once per distinct string and cached. test/deps/advisories/versions.test.ts checks it against `compare`.

type KeyPart = number | string | KeyPart[];
const KEY_CACHE_MAX = 100_000;
const keyCache = new Map<string, KeyPart[] | null>();

function pep440Key(version: string): KeyPart[] | undefined {
  const cached = keyCache.get(version);
  if (cached !== undefined) return cached ?? undefined;
  if (keyCache.size >= KEY_CACHE_MAX) keyCache.clear();
  // The typings describe `explain`; `parse` returns the raw segments (checked in versions.test.ts).
  const parsed = version.length > 256 ? null : (pep440Parse(version) as unknown as ParsedPep440 | null);
  const key = parsed === null ? null : sortKey(parsed);
  keyCache.set(version, key);
  return key ?? undefined;
}

interface ParsedPep440 {
  epoch: number;
  release: number[];
  pre: [string, number] | null;
  post: [string, number] | null;
  dev: [string, number] | null;
  local: (string | number)[] | null;
}

function sortKey(v: ParsedPep440): KeyPart[] {
  const release = [...v.release];
  while (release.length > 0 && release[release.length - 1] === 0) release.pop(); // 1.0 == 1.0.0
  // 1.0.dev0 sorts before 1.0a0; a release without a pre-release sorts after its pre-releases.
  const pre: KeyPart = !v.pre && !v.post && v.dev ? -Infinity : v.pre ? [...v.pre] : Infinity;
  const post: KeyPart = v.post ? [...v.post] : -Infinity;
  const dev: KeyPart = v.dev ? [...v.dev] : Infinity;
  // A local label sorts after the same public version: 2.6.0+cu124 > 2.6.0.
  const local: KeyPart = v.local
    ? v.local.map((part) => (typeof part === 'number' ? [part, ''] : [-Infinity, part]))
    : -Infinity;
  return [v.epoch, release, pre, post, dev, local];
}

/** Python's tuple ordering with ±Infinity sentinels, as @renovatebot/pep440 implements it. */
function pyCompare(a: KeyPart, b: KeyPart): number {
  if (a === b) return 0;
  if (Array.isArray(a) !== Array.isArray(b)) {
    a = Array.isArray(a) ? a : [a];
    b = Array.isArray(b) ? b : [b];
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    const n = Math.min(a.length, b.length);
    for (let i = 0; i < n; i++) {
      const c = pyCompare(a[i] as KeyPart, b[i] as KeyPart);
      if (c !== 0) return c;
    }
    return a.length - b.length;
  }
  if (a === -Infinity || b === Infinity) return -1;
  if (a === Infinity || b === -Infinity) return 1;
  return a < b ? -1 : 1;
}

/** A parsed SemVer 2.0 version; build metadata is dropped because it never affects precedence. */
interface Semver {
  core: [string, string, string];
  pre: string[];
}

const SEMVER =
  /^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*)(?:\.(?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*))*))?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$/;

function parseSemver(version: string): Semver | undefined {
  if (version.length > 256) return undefined;
  const m = SEMVER.exec(version.trim());
  if (!m) return undefined;
  return { core: [m[1] ?? '0', m[2] ?? '0', m[3] ?? '0'], pre: m[4] === undefined ? [] : m[4].split('.') };
}

/** Compares digit strings without converting: npm versions may exceed 2^53. */
function compareNumeric(a: string, b: string): number {
  if (a.length !== b.length) return a.length < b.length ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareSemver(a: Semver, b: Semver): number {
  for (let i = 0; i < 3; i++) {
    const c = compareNumeric(a.core[i] ?? '0', b.core[i] ?? '0');
    if (c !== 0) return c;
  }
  // A version without pre-release identifiers has higher precedence than one with them.
  if (a.pre.length === 0 || b.pre.length === 0)
    return a.pre.length === b.pre.length ? 0 : a.pre.length === 0 ? 1 : -1;
  const n = Math.min(a.pre.length, b.pre.length);
  for (let i = 0; i < n; i++) {
    const x = a.pre[i] ?? '';
    const y = b.pre[i] ?? '';
    const xNum = /^\d+$/.test(x);
    const yNum = /^\d+$/.test(y);
    let c: number;
    if (xNum && yNum) c = compareNumeric(x, y);
    else if (xNum !== yNum)
      c = xNum ? -1 : 1; // numeric identifiers sort before alphanumeric ones
    else c = x < y ? -1 : x > y ? 1 : 0; // ASCII order
    if (c !== 0) return c;
  }
  return Math.sign(a.pre.length - b.pre.length);
}
