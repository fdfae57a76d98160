/**
 * Typosquat checks for npm names, where scopes change the threat: only a scope's owner can publish inside it,
 * so `@langchain/cor` is a typo that fails to install, never a squat. What an attacker can register is a scope
 * that looks like a popular one (`@langchian/core`, `@anthropic/sdk` for `@anthropic-ai/sdk`) or an unscoped
 * name that looks like a popular unscoped one (`opneai`). npm names also keep their separators distinct
 * (`lodash.get` and `lodash-get` are different packages), so a changed separator is a trick here.
 */
import { createNameMatcher, type NameMatcher, type TyposquatMatch } from './matcher.ts';

/** The result of one check; the same shape as the PyPI index. */
export interface TyposquatIndex {
  /** The popular package `name` imitates, and how; undefined when it is popular itself or resembles none. */
  check(name: string): TyposquatMatch | undefined;
}

/** Words an impostor scope adds to or drops from a company scope (`@anthropic` for `@anthropic-ai`). */
const SCOPE_FILLER_WORDS = new Set([
  'ai',
  'js',
  'hq',
  'dev',
  'sdk',
  'io',
  'inc',
  'labs',
  'org',
  'team',
  'official',
  'app',
  'api',
]);

const MIN_EDIT_LENGTH = 5;
const SEPARATORS = '-._';

const normalizeNpmName = (name: string): string => name.trim().toLowerCase();

function splitScoped(name: string): { scope: string; pkg: string } | undefined {
  if (!name.startsWith('@')) return undefined;
  const slash = name.indexOf('/');
  if (slash < 2 || slash === name.length - 1) return undefined;
  return { scope: name.slice(1, slash), pkg: name.slice(slash + 1) };
}

/**
 * Builds an npm typosquat index over `popular` (scoped and unscoped names, most important first). Every scope
 * in the list is trusted.
 */
export function createNpmTyposquatIndex(popular: readonly string[]): TyposquatIndex {
  const names = [...new Set(popular.map(normalizeNpmName).filter((n) => n !== ''))];
  const known = new Set(names);
  const unscoped: string[] = [];
  const scopes: string[] = [];
  const packagesByScope = new Map<string, string[]>();
  for (const name of names) {
    const parts = splitScoped(name);
    if (parts === undefined) {
      unscoped.push(name);
      continue;
    }
    const list = packagesByScope.get(parts.scope);
    if (list === undefined) {
      packagesByScope.set(parts.scope, [parts.pkg]);
      scopes.push(parts.scope);
    } else list.push(parts.pkg);
  }
  const options = {
    normalize: normalizeNpmName,
    separators: SEPARATORS,
    pyAffixes: false,
    minEditLength: MIN_EDIT_LENGTH,
  };
  const unscopedMatcher = createNameMatcher(unscoped, options);
  // Scopes are short company names: compare them from four characters (`@xenova` → `@xenowa`).
  const scopeMatcher: NameMatcher = createNameMatcher(scopes, {
    ...options,
    minEditLength: MIN_EDIT_LENGTH - 1,
  });

  /** The popular name inside `scope` to name as the target: the same package if listed, else the scope. */
  const inScope = (scope: string, pkg: string): string => {
    const pkgs = packagesByScope.get(scope) ?? [];
    return pkgs.includes(pkg) ? `@${scope}/${pkg}` : `@${scope}/*`;
  };

  /** A trusted scope that differs from `scope` by one filler word (`anthropic` ↔ `anthropic-ai`). */
  const fillerScope = (scope: string): string | undefined => {
    const words = scope.split(/[-._]+/).filter(Boolean);
    for (const trusted of scopes) {
      const trustedWords = trusted.split(/[-._]+/).filter(Boolean);
      const [longer, shorter] =
        words.length > trustedWords.length ? [words, trustedWords] : [trustedWords, words];
      if (longer.length !== shorter.length + 1 || shorter.length === 0) continue;
      const extra = longer.filter((w) => !shorter.includes(w));
      if (
        extra.length === 1 &&
        SCOPE_FILLER_WORDS.has(extra[0]!) &&
        shorter.every((w) => longer.includes(w))
      ) {
        return trusted;
      }
    }
    return undefined;
  };

  return {
    check(raw) {
      const name = normalizeNpmName(raw);
      if (known.has(name)) return undefined;
      const parts = splitScoped(name);
      if (parts === undefined) return unscopedMatcher.check(name);
      // Inside a trusted scope only its owner publishes: a near-miss there cannot be someone else's package.
      if (packagesByScope.has(parts.scope)) return undefined;
      const scopeMatch = scopeMatcher.check(parts.scope);
      if (scopeMatch !== undefined) {
        return {
          target: inScope(scopeMatch.target, parts.pkg),
          trick: 'scope',
          detail: `scope "@${parts.scope}" imitates "@${scopeMatch.target}" (${scopeMatch.detail})`,
        };
      }
      const filler = fillerScope(parts.scope);
      if (filler !== undefined) {
        return {
          target: inScope(filler, parts.pkg),
          trick: 'scope',
          detail: `scope "@${parts.scope}" imitates "@${filler}" (a word added or dropped)`,
        };
      }
      return undefined;
    },
  };
}
