import type { RuleContext } from '../../rule.ts';

/**
 * The context to report a manifest entry in: the included file when the entry comes from one (a `-r` include
 * names its own path in `file`), else the manifest's own location. The line then refers to that file.
 */
export function entryContext(ctx: RuleContext, file: string | undefined): RuleContext {
  return file === undefined ? ctx : { ...ctx, location: { path: file } };
}

/** At most `cap` items, for evidence lists that must stay readable on a lock file of thousands of entries. */
export function capped<T>(items: readonly T[], cap: number): T[] {
  return items.slice(0, cap);
}

/** `a, b, c and 4 more` for messages. */
export function listNames(names: readonly string[], shown = 5): string {
  if (names.length <= shown) return names.join(', ');
  return `${names.slice(0, shown).join(', ')} and ${names.length - shown} more`;
}
