/**
 * Classifies how one name differs from another by a single keyboard slip: one character deleted, inserted or
 * substituted, or two adjacent characters swapped. The delete index (matcher.ts) only proposes candidates; this
 * file decides what the difference actually is, so the index can stay loose and fast.
 */

/** The single slip that turns the popular name into the checked one. */
export type Edit =
  | { kind: 'deletion'; char: string; at: number }
  | { kind: 'insertion'; char: string; at: number }
  | { kind: 'substitution'; from: string; to: string; at: number }
  | { kind: 'transposition'; chars: string; at: number };

/**
 * How `name` differs from `target` by one slip, or undefined when they are equal or further apart.
 * `deletion` means `name` lacks a character of `target`; `insertion` means it has one more.
 */
export function classifyEdit(name: string, target: string): Edit | undefined {
  const n = name.length;
  const t = target.length;
  if (n === t) {
    let i = 0;
    while (i < n && name[i] === target[i]) i++;
    if (i === n) return undefined;
    if (name.slice(i + 1) === target.slice(i + 1))
      return { kind: 'substitution', from: target[i]!, to: name[i]!, at: i };
    if (
      i + 1 < n &&
      name[i] === target[i + 1] &&
      name[i + 1] === target[i] &&
      name.slice(i + 2) === target.slice(i + 2)
    ) {
      return { kind: 'transposition', chars: target.slice(i, i + 2), at: i };
    }
    return undefined;
  }
  if (Math.abs(n - t) !== 1) return undefined;
  const longer = n > t ? name : target;
  const shorter = n > t ? target : name;
  let i = 0;
  while (i < shorter.length && longer[i] === shorter[i]) i++;
  if (longer.slice(i + 1) !== shorter.slice(i)) return undefined;
  // `at` is the index in the longer string: in `name` for an insertion, in `target` for a deletion.
  const char = longer[i]!;
  return n > t ? { kind: 'insertion', char, at: i } : { kind: 'deletion', char, at: i };
}

export const isDigit = (c: string): boolean => c >= '0' && c <= '9';
