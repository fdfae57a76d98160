/**
 * Typosquat detection for dependency names: `createTyposquatIndex` over any list of popular PyPI names, and
 * `defaultTyposquatIndex` / `defaultNpmTyposquatIndex` over the lists bundled in `data/popular/` (loaded and
 * indexed once, at first use). See matcher.ts for the heuristics and docs/rules/deps/typosquat.md for the
 * measured false-positive rate.
 */
import { readFileSync } from 'node:fs';
import { normalizePypiName } from '../pep503.ts';
import { createNameMatcher, type NameMatcher, type TyposquatMatch } from './matcher.ts';
import { createNpmTyposquatIndex, type TyposquatIndex } from './npm.ts';

export { normalizePypiName } from '../pep503.ts';
export type { TyposquatMatch, TyposquatTrick } from './matcher.ts';
export { createNpmTyposquatIndex, type TyposquatIndex } from './npm.ts';

/**
 * How many of the most downloaded names are imitated targets. Measured on the bundled top-15,000 list
 * (docs/rules/deps/typosquat.md): with the top 1,000 plus the protected ML names, 0.34% of the other listed
 * (legitimate) names resemble a target; with all 15,000, 9%.
 */
export const DEFAULT_TARGETS = 1000;

/** Targets shorter than this are not matched by an edit or swap (protected names: one shorter). */
const MIN_EDIT_LENGTH = 5;

/** Options of `createTyposquatIndex`. */
export interface TyposquatIndexOptions {
  /**
   * Names protected more closely, checked first: edits from four characters, and `python-`/`py` added to
   * them counts. Default: none.
   */
  protected?: readonly string[];
  /** How many leading names of `popular` are imitated targets; the rest are only known-legitimate. */
  targets?: number;
  /** Pairs `[name, target]` of distinct legitimate projects that resemble each other; never reported. */
  knownLegit?: readonly (readonly [string, string])[];
}

/** The PyPI index: `check` answers for one dependency name (normalised here per PEP 503). */
export interface PypiTyposquatIndex extends TyposquatIndex {
  /** Whether `name` is on the popular or protected list. */
  isPopular(name: string): boolean;
  /** Every resemblance, ignoring the "popular names are safe" shortcut: for measuring false positives. */
  matches(name: string): TyposquatMatch[];
  /** Distinct names known. */
  readonly size: number;
}

/**
 * Builds a PyPI typosquat index. `popular` is ordered most downloaded first; its first `targets` names (default
 * 1,000) and every `protected` name are targets, and every listed name is safe. A name on the list is never a
 * typosquat.
 */
export function createTyposquatIndex(
  popular: readonly string[],
  options: TyposquatIndexOptions = {},
): PypiTyposquatIndex {
  const protectedNames = dedupe((options.protected ?? []).map(normalizePypiName));
  const protectedSet = new Set(protectedNames);
  const rest = dedupe(popular.map(normalizePypiName)).filter((n) => !protectedSet.has(n));
  const top = rest.slice(0, options.targets ?? DEFAULT_TARGETS);
  const knownLegit = new Map<string, Set<string>>();
  for (const [name, target] of options.knownLegit ?? []) {
    const key = normalizePypiName(name);
    const set = knownLegit.get(key) ?? new Set<string>();
    set.add(normalizePypiName(target));
    knownLegit.set(key, set);
  }
  const matcher: NameMatcher = createNameMatcher([...protectedNames, ...rest], {
    normalize: normalizePypiName,
    separators: '-',
    pyAffixes: true,
    minEditLength: MIN_EDIT_LENGTH,
    targets: protectedNames.length + top.length,
    protectedCount: protectedNames.length,
    knownLegit,
  });
  return { check: matcher.check, matches: matcher.matches, isPopular: matcher.isPopular, size: matcher.size };
}

function dedupe(names: readonly string[]): string[] {
  return [...new Set(names.filter((n) => n !== ''))];
}

// ---- bundled lists ---------------------------------------------------------------------------------

/** `data/popular/` beside `src/` (in the repository) or `dist/` (in the package). */
const DATA_DIR = new URL('../../../data/popular/', import.meta.url);

/** One name (or `name target` pair) per line; `#` comments and blank lines ignored. */
export function parseNameList(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.replace(/#.*/, '').trim())
    .filter((line) => line !== '');
}

/** The names of GuardDog's `top_pypi_packages.json` (`{ packages: string[] }`), most downloaded first. */
export function parseGuarddogTopList(text: string): string[] {
  const data = JSON.parse(text) as unknown;
  const packages = (data as { packages?: unknown } | null)?.packages;
  if (!Array.isArray(packages) || !packages.every((p) => typeof p === 'string')) {
    throw new Error('popular PyPI list: expected { "packages": [string, ...] }');
  }
  return packages as string[];
}

function readData(file: string): string {
  try {
    return readFileSync(new URL(file, DATA_DIR), 'utf8');
  } catch (err) {
    throw new Error(
      `cannot read the bundled popular-package list data/popular/${file}: ${(err as Error).message}`,
    );
  }
}

let pypiIndex: PypiTyposquatIndex | undefined;
let npmIndex: TyposquatIndex | undefined;

/**
 * The PyPI index over the bundled lists: GuardDog's top 15,000 (Apache-2.0, `data/popular/GUARDDOG-LICENSE.txt`),
 * the hand-made ML-stack list `pypi-ml.txt` (protected) and the known-legitimate pairs
 * `pypi-known-legit.txt`. Built once, at the first call; throws when the bundled data is missing or corrupt.
 */
export function defaultTyposquatIndex(): PypiTyposquatIndex {
  if (pypiIndex === undefined) {
    const top = parseGuarddogTopList(readData('pypi-top-guarddog.json'));
    const ml = parseNameList(readData('pypi-ml.txt'));
    const knownLegit = parseNameList(readData('pypi-known-legit.txt')).map((line) => {
      const [name, target, extra] = line.split(/\s+/);
      if (name === undefined || target === undefined || extra !== undefined) {
        throw new Error(`data/popular/pypi-known-legit.txt: expected "name target", got "${line}"`);
      }
      return [name, target] as const;
    });
    pypiIndex = createTyposquatIndex(top, { protected: ml, knownLegit });
  }
  return pypiIndex;
}

/** The npm index over the bundled `data/popular/npm-llm.txt`. Built once, at the first call. */
export function defaultNpmTyposquatIndex(): TyposquatIndex {
  npmIndex ??= createNpmTyposquatIndex(parseNameList(readData('npm-llm.txt')));
  return npmIndex;
}
