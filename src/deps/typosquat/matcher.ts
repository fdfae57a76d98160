/**
 * The typosquat matcher: is a dependency name one slip away from a popular package it is not?
 *
 * Heuristics follow DataDog GuardDog's typosquatting detector (Apache-2.0): one edit (deletion, insertion,
 * substitution), an adjacent swap, separator and word-order permutations, and `py`/`python` affixes. Two things
 * differ, for speed and for fewer false positives on real lock files:
 *
 * - Speed: GuardDog compares each name with all 15,000 popular names (tens of milliseconds per name). Here a
 *   symmetric-delete index maps every target name and each of its one-character deletions to the name, built
 *   once. A name within one edit or one adjacent swap of a target always shares a key with it, so a check costs
 *   `length + 1` map look-ups plus an exact classification of the few candidates.
 * - Precision, measured on legitimate names (docs/rules/deps/typosquat.md): only the most downloaded names are
 *   targets (squatters imitate those; the long tail of a top-15,000 list is full of legitimate near-neighbours),
 *   edits are not used against short names, edits of digits (`boto`/`boto3`), letters added or removed at
 *   either end (`cattrs`/`attrs`, `torchx`/`torch`, `dataset`/`datasets`) and substitutions of letters that are
 *   neither neighbours on a keyboard nor look-alikes (`click`/`crick`) are ignored, and a name that is itself on
 *   the popular list is never a typosquat.
 */
import { classifyEdit, type Edit, isDigit } from './edits.ts';

/** How a name imitates the package it resembles. */
export type TyposquatTrick =
  /** A character of the popular name is missing (`reqests`). */
  | 'deletion'
  /** A character is added (`requesets`, `torchh`). */
  | 'insertion'
  /** One character is replaced by a keyboard neighbour or a look-alike (`requesrs`, `l` → `1`). */
  | 'substitution'
  /** Two adjacent characters are swapped (`reqeusts`). */
  | 'transposition'
  /** A separator is added, removed or changed (`pythondateutil`; on npm `lodash_get` for `lodash.get`). */
  | 'separator'
  /** The same words in another order (`dateutil-python`). */
  | 'word-order'
  /** A `py`/`python` prefix or suffix is missing, swapped or (for protected names) added (`yaml` → `pyyaml`). */
  | 'py-affix'
  /** An npm scope that imitates a popular scope (`@langchian/core`, `@anthropic/sdk`). */
  | 'scope';

/** One resemblance: the popular package and the trick that relates the checked name to it. */
export interface TyposquatMatch {
  /** The popular package the name resembles, normalised. */
  target: string;
  trick: TyposquatTrick;
  /** What exactly differs, for the message (`adjacent "ue" swapped to "eu"`). */
  detail: string;
}

/** Knobs that differ between ecosystems and lists. */
export interface MatcherOptions {
  /** Canonical form of a name (PEP 503 for PyPI; lower-case for npm). */
  normalize(name: string): string;
  /** Characters that separate words after normalisation (`-` for PyPI; `-._` for npm). */
  separators: string;
  /** Check `py`/`python` affixes (PyPI only). */
  pyAffixes: boolean;
  /** Targets shorter than this are never matched by an edit or swap: short words are too close to each other. */
  minEditLength: number;
  /**
   * Only the first `targets` names are imitated targets; the rest are only known to be legitimate (never
   * reported, never targets). Default: every name.
   */
  targets?: number;
  /**
   * The first `protectedCount` names are protected more closely: edits from one character shorter than
   * `minEditLength`, and a `py`/`python` affix added to them (`python-transformers`) counts too.
   */
  protectedCount?: number;
  /** `name → targets` pairs known to be distinct legitimate projects; never reported. */
  knownLegit?: ReadonlyMap<string, ReadonlySet<string>>;
}

/** A built matcher. `matches` is for measurement: it skips the "popular names are safe" shortcut. */
export interface NameMatcher {
  /** The best resemblance of `name` to a target it is not, or undefined (always for a popular name). */
  check(name: string): TyposquatMatch | undefined;
  /** Every resemblance of `name` to targets other than itself, most popular first. */
  matches(name: string): TyposquatMatch[];
  /** Whether `name` is on the list (after normalisation). */
  isPopular(name: string): boolean;
  /** Number of distinct names known. */
  readonly size: number;
}

const TRICK_ORDER: Record<TyposquatTrick, number> = {
  transposition: 0,
  deletion: 1,
  insertion: 2,
  substitution: 3,
  separator: 4,
  'word-order': 5,
  'py-affix': 6,
  scope: 7,
};

/**
 * Builds the matcher over `names`, most important first (the order decides which target is named when a name
 * resembles several, and which names are targets). Duplicates after normalisation are dropped.
 */
export function createNameMatcher(names: readonly string[], options: MatcherOptions): NameMatcher {
  const { normalize, separators, pyAffixes, minEditLength } = options;
  const knownLegit = options.knownLegit;
  const list: string[] = [];
  const rank = new Map<string, number>();
  for (const raw of names) {
    const name = normalize(raw.trim());
    if (name === '' || rank.has(name)) continue;
    rank.set(name, list.length);
    list.push(name);
  }
  const targetCount = Math.min(options.targets ?? list.length, list.length);
  const protectedCount = Math.min(options.protectedCount ?? 0, targetCount);
  const minLength = (id: number): number => (id < protectedCount ? minEditLength - 1 : minEditLength);

  // Symmetric-delete index over the targets: the hash of each target and of each one-character deletion of it
  // → target ids. Hashing the deletions with prefix and suffix sums (deletionHashes) instead of slicing strings
  // makes a look-up cost a few integer operations; a hash collision only costs one exact classifyEdit.
  // Values are a number for the common single owner, an array only on collision, to keep the map small.
  const deleteIndex = new Map<number, number | number[]>();
  const add = (key: number, id: number): void => {
    const prev = deleteIndex.get(key);
    if (prev === undefined) deleteIndex.set(key, id);
    else if (typeof prev === 'number') {
      if (prev !== id) deleteIndex.set(key, [prev, id]);
    } else if (prev[prev.length - 1] !== id) prev.push(id);
  };
  // Word-order index: sorted words → ids of targets with two or more words.
  const wordIndex = new Map<string, number[]>();
  // Affix index: the core of each target that has a `py`/`python` affix (`yaml` for `pyyaml`) → its affixes.
  const affixIndex = new Map<string, { id: number; affix: string; prefix: boolean }[]>();
  const hashes = new HashScratch();
  for (let id = 0; id < targetCount; id++) {
    const name = list[id]!;
    if (name.length >= minLength(id)) {
      const n = hashes.compute(name);
      for (let i = 0; i <= n; i++) add(hashes.out[i]!, id);
    }
    const words = splitWords(name, separators);
    if (words.length >= 2) {
      const key = words.slice().sort().join(' ');
      const ids = wordIndex.get(key);
      if (ids === undefined) wordIndex.set(key, [id]);
      else ids.push(id);
    }
    if (pyAffixes) {
      for (const { core, affix, prefix } of strippedAffixes(name)) {
        const entries = affixIndex.get(core);
        if (entries === undefined) affixIndex.set(core, [{ id, affix, prefix }]);
        else entries.push({ id, affix, prefix });
      }
    }
  }

  const isSep = (c: string): boolean => separators.includes(c);

  function collect(name: string): Map<number, TyposquatMatch> | undefined {
    let found: Map<number, TyposquatMatch> | undefined;
    const consider = (id: number, trick: TyposquatTrick, detail: string): void => {
      const target = list[id]!;
      if (target === name || knownLegit?.get(name)?.has(target)) return;
      found ??= new Map();
      const prev = found.get(id);
      if (prev === undefined || TRICK_ORDER[trick] < TRICK_ORDER[prev.trick])
        found.set(id, { target, trick, detail });
    };
    const tryEdit = (id: number): void => {
      if (found?.has(id)) return;
      const target = list[id]!;
      const edit = classifyEdit(name, target);
      if (edit === undefined || ignorableEdit(edit, name, target, isSep, id < protectedCount)) return;
      const { trick, detail } = describeEdit(edit, isSep);
      consider(id, trick, detail);
    };

    // One edit or adjacent swap: the name itself (it is a deletion of a target: the target had one more
    // character) and each deletion of the name (it has one more character, or one other, or a swap).
    if (name.length + 2 >= minEditLength) {
      const n = hashes.compute(name);
      for (let i = 0; i <= n; i++) {
        const hit = deleteIndex.get(hashes.out[i]!);
        if (hit === undefined) continue;
        if (typeof hit === 'number') tryEdit(hit);
        else for (const id of hit) tryEdit(id);
      }
    }

    // Same words in another order (`dateutil-python`), or only the separators changed (npm `lodash_get`).
    if (wordIndex.size > 0 && hasSeparator(name, separators)) {
      const words = splitWords(name, separators);
      const ids = words.length >= 2 ? wordIndex.get(words.slice().sort().join(' ')) : undefined;
      for (const id of ids ?? []) {
        const sameOrder = splitWords(list[id]!, separators).join(' ') === words.join(' ');
        if (sameOrder) consider(id, 'separator', 'separators changed');
        else consider(id, 'word-order', 'the same words in another order');
      }
    }

    if (pyAffixes) {
      // The affix missing: `yaml` for `pyyaml`, `dateutil` for `python-dateutil`.
      for (const e of affixIndex.get(name) ?? []) {
        consider(e.id, 'py-affix', `"${e.affix}" ${e.prefix ? 'prefix' : 'suffix'} missing`);
      }
      for (const { core, affix, prefix } of strippedAffixes(name)) {
        const where = prefix ? 'prefix' : 'suffix';
        // Added to a protected name: `python-transformers`, `vllm-python`.
        const id = rank.get(core);
        if (id !== undefined && id < protectedCount) consider(id, 'py-affix', `"${affix}" ${where} added`);
        // Swapped on the same side: `python-yaml` for `pyyaml`.
        for (const e of affixIndex.get(core) ?? []) {
          if (e.prefix === prefix && e.affix !== affix)
            consider(e.id, 'py-affix', `"${affix}" ${where} instead of "${e.affix}"`);
        }
      }
      // A `py`/`python` word inside the name swapped: `google-py-auth` for `google-python-auth`.
      if (name.includes('-py')) {
        const words = name.split('-');
        for (let i = 1; i < words.length - 1; i++) {
          const w = words[i]!;
          if (w !== 'py' && w !== 'python') continue;
          const other = w === 'py' ? 'python' : 'py';
          const id = rank.get([...words.slice(0, i), other, ...words.slice(i + 1)].join('-'));
          if (id !== undefined && id < targetCount) consider(id, 'py-affix', `"${w}" instead of "${other}"`);
        }
      }
    }
    return found;
  }

  const sorted = (found: Map<number, TyposquatMatch>): TyposquatMatch[] =>
    [...found.entries()]
      .sort(([a, ma], [b, mb]) => a - b || TRICK_ORDER[ma.trick] - TRICK_ORDER[mb.trick])
      .map(([, m]) => m);

  return {
    size: list.length,
    isPopular: (name) => rank.has(normalize(name)),
    matches: (raw) => {
      const found = collect(normalize(raw));
      return found === undefined ? [] : sorted(found);
    },
    check(raw) {
      const name = normalize(raw);
      if (rank.has(name)) return undefined;
      const found = collect(name);
      return found === undefined ? undefined : sorted(found)[0];
    },
  };
}

function splitWords(name: string, separators: string): string[] {
  const words: string[] = [];
  let start = 0;
  for (let i = 0; i <= name.length; i++) {
    if (i === name.length || separators.includes(name[i]!)) {
      if (i > start) words.push(name.slice(start, i));
      start = i + 1;
    }
  }
  return words;
}

/**
 * Edits that relate distinct legitimate projects far more often than they make a typosquat (each measured on
 * the popular list, see the rule's page):
 * - a digit changed, added or removed: version families (`boto`/`boto3`, `urllib2`/`urllib3`);
 * - a letter added at either end (`cattrs`/`attrs`, `torchx`/`torch`, `ipytest`/`pytest`) unless it doubles its
 *   neighbour (`torchh`), and a letter missing at either end (`dataset`/`datasets`, `authlib`/`oauthlib`):
 *   derived and sibling projects are named that way. Protected names of seven letters or more are spared
 *   this exception (`anthropick`, `safetensor`), short ones are not (`torchx`, `wand`, `llm` are real);
 * - a substitution of the first letter (`jinja`/`ninja`, `black`/`slack`, `ujson`/`ijson`), or of letters that
 *   are neither keyboard neighbours nor look-alikes (`click`/`crick`): real words one letter apart, not slips.
 */
function ignorableEdit(
  edit: Edit,
  name: string,
  target: string,
  isSep: (c: string) => boolean,
  protectedTarget: boolean,
): boolean {
  switch (edit.kind) {
    case 'deletion':
      if (isSep(edit.char)) return false;
      if (isDigit(edit.char)) return true;
      return !closeWatch(protectedTarget, target) && (edit.at === 0 || edit.at === target.length - 1);
    case 'insertion': {
      if (isSep(edit.char)) return false;
      if (isDigit(edit.char)) return true;
      const atEnd = edit.at === 0 || edit.at === name.length - 1;
      const doubles = name[edit.at - 1] === edit.char || name[edit.at + 1] === edit.char;
      return !closeWatch(protectedTarget, target) && atEnd && !doubles;
    }
    case 'substitution':
      if (isSep(edit.from) && isSep(edit.to)) return false;
      if (isDigit(edit.from) && isDigit(edit.to)) return true;
      return edit.at === 0 || !slipPair(edit.from, edit.to);
    case 'transposition':
      return false;
  }
}

/** Protected names long enough to be distinctive keep even their end letters (`anthropick`, `safetensor`). */
const CLOSE_WATCH_LENGTH = 7;
const closeWatch = (protectedTarget: boolean, target: string): boolean =>
  protectedTarget && target.length >= CLOSE_WATCH_LENGTH;

function describeEdit(edit: Edit, isSep: (c: string) => boolean): Omit<TyposquatMatch, 'target'> {
  switch (edit.kind) {
    case 'deletion':
      return isSep(edit.char)
        ? { trick: 'separator', detail: `separator "${edit.char}" removed` }
        : { trick: 'deletion', detail: `"${edit.char}" missing` };
    case 'insertion':
      return isSep(edit.char)
        ? { trick: 'separator', detail: `separator "${edit.char}" added` }
        : { trick: 'insertion', detail: `extra "${edit.char}"` };
    case 'substitution':
      return isSep(edit.from) && isSep(edit.to)
        ? { trick: 'separator', detail: `separator "${edit.from}" replaced by "${edit.to}"` }
        : { trick: 'substitution', detail: `"${edit.from}" replaced by "${edit.to}"` };
    case 'transposition':
      return {
        trick: 'transposition',
        detail: `adjacent "${edit.chars}" swapped to "${edit.chars[1]}${edit.chars[0]}"`,
      };
  }
}

/** QWERTY rows; each row below sits half a key to the right of the one above. */
const KEY_ROWS = ['1234567890', 'qwertyuiop', 'asdfghjkl', 'zxcvbnm'];
const KEY_POSITION = new Map<string, [number, number]>();
KEY_ROWS.forEach((row, r) => {
  for (let c = 0; c < row.length; c++) KEY_POSITION.set(row[c]!, [r, c]);
});
/** Characters that look alike in a package name. */
const LOOK_ALIKES = new Set(['l1', '1l', 'il', 'li', 'i1', '1i', 'o0', '0o']);

/** True when typing `b` for `a` is a plausible slip: keyboard neighbours, or look-alike characters. */
export function slipPair(a: string, b: string): boolean {
  if (LOOK_ALIKES.has(a + b)) return true;
  const pa = KEY_POSITION.get(a);
  const pb = KEY_POSITION.get(b);
  if (pa === undefined || pb === undefined) return false;
  const dr = pb[0] - pa[0];
  const dc = pb[1] - pa[1];
  if (dr === 0) return dc === 1 || dc === -1;
  if (dr === 1) return dc === 0 || dc === -1;
  if (dr === -1) return dc === 0 || dc === 1;
  return false;
}

const PY_PREFIXES = ['python-', 'python', 'py-', 'py'] as const;
const PY_SUFFIXES = ['-python', 'python', '-py', 'py'] as const;
/** A core shorter than this is not worth an affix comparison (`py` + `pi`, `python` + `x`). */
const MIN_AFFIX_CORE = 4;

/** Each `py`/`python` affix `name` has, with the rest of the name when that rest is long enough to compare. */
function strippedAffixes(name: string): { core: string; affix: string; prefix: boolean }[] {
  if (!name.startsWith('py') && !name.endsWith('py') && !name.endsWith('python')) return [];
  const out: { core: string; affix: string; prefix: boolean }[] = [];
  for (const affix of PY_PREFIXES) {
    if (name.startsWith(affix)) out.push({ core: name.slice(affix.length), affix, prefix: true });
  }
  for (const affix of PY_SUFFIXES) {
    if (name.endsWith(affix)) out.push({ core: name.slice(0, -affix.length), affix, prefix: false });
  }
  return out.filter(
    ({ core }) => core.length >= MIN_AFFIX_CORE && core[0] !== '-' && core[core.length - 1] !== '-',
  );
}

function hasSeparator(name: string, separators: string): boolean {
  for (let i = 0; i < name.length; i++) if (separators.includes(name[i]!)) return true;
  return false;
}

/**
 * Hashes of a string and of each of its one-character deletions, without building those strings: with the
 * polynomial hash h(s) = Σ s[k]·B^(n-1-k) (mod 2^32), deleting s[i] gives pre(i)·B^(n-1-i) + suf(i+1), where pre
 * and suf are the hashes of the prefix before i and of the suffix after it. `out[0]` is the whole string,
 * `out[i + 1]` the string without character i.
 */
class HashScratch {
  out = new Int32Array(64);
  private pre = new Int32Array(65);
  private suf = new Int32Array(65);
  private pow = new Int32Array(65);

  /** Fills `out` and returns the string's length (so `out[0..length]` are valid). */
  compute(s: string): number {
    const n = s.length;
    if (n + 1 > this.out.length) this.grow(n + 1);
    const { pre, suf, pow, out } = this;
    pre[0] = 0;
    pow[0] = 1;
    for (let k = 0; k < n; k++) {
      pre[k + 1] = (Math.imul(pre[k]!, HASH_BASE) + s.charCodeAt(k)) | 0;
      pow[k + 1] = Math.imul(pow[k]!, HASH_BASE);
    }
    suf[n] = 0;
    for (let k = n - 1; k >= 0; k--) suf[k] = (Math.imul(s.charCodeAt(k), pow[n - 1 - k]!) + suf[k + 1]!) | 0;
    out[0] = pre[n]!;
    for (let i = 0; i < n; i++) out[i + 1] = (Math.imul(pre[i]!, pow[n - 1 - i]!) + suf[i + 1]!) | 0;
    return n;
  }

  private grow(size: number): void {
    this.out = new Int32Array(size);
    this.pre = new Int32Array(size + 1);
    this.suf = new Int32Array(size + 1);
    this.pow = new Int32Array(size + 1);
  }
}

/** An odd multiplier with well-mixed bits (the 32-bit golden ratio). */
const HASH_BASE = 0x9e3779b1 | 0;
