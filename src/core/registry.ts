import type { RuleMeta } from './rule.ts';

/** An immutable id → rule map built from a plain array literal. */
export interface Registry<R extends { meta: RuleMeta }> {
  readonly all: readonly R[];
  get(id: string): R | undefined;
}

/**
 * Builds a registry and refuses duplicate or malformed ids at build time, so a copy-pasted rule
 * can never silently shadow another.
 */
export function createRegistry<R extends { meta: RuleMeta }>(rules: readonly R[]): Registry<R> {
  const byId = new Map<string, R>();
  for (const rule of rules) {
    const { id } = rule.meta;
    if (!/^[a-z]+\/[a-z0-9]+(-[a-z0-9]+)*$/.test(id)) throw new Error(`malformed rule id "${id}"`);
    if (byId.has(id)) throw new Error(`duplicate rule id "${id}"`);
    byId.set(id, rule);
  }
  return { all: rules, get: (id) => byId.get(id) };
}
