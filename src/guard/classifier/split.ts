/**
 * The train/test split of the prompt datasets, by a hash of each text: deterministic, independent of file
 * order, and identical texts (which recur across public collections) always fall on the same side.
 */

/** FNV-1a over UTF-16 code units. */
export function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** One text in five is held out for evaluation and never trained on. */
export function isHeldOut(text: string): boolean {
  return fnv1a(text.trim()) % 5 === 0;
}
