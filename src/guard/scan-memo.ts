/**
 * A small least-recently-used memo of input verdicts, per guard. Chat clients resend the whole conversation
 * with every turn, so turn N would otherwise rescan N-1 messages it has already judged; detectors are pure
 * functions of the text and the context, so a repeat is answered from here. Bounded by entries and by the
 * characters held, so a stream of unique huge prompts cannot grow it.
 */
export class ScanMemo<V> {
  private readonly entries = new Map<string, { value: V; chars: number }>();
  private chars = 0;

  constructor(
    private readonly maxEntries: number,
    private readonly maxChars: number,
  ) {}

  get(key: string): V | undefined {
    const hit = this.entries.get(key);
    if (hit === undefined) return undefined;
    // Re-inserting moves the key to the end: Map iteration order is insertion order, so the first key is the
    // least recently used.
    this.entries.delete(key);
    this.entries.set(key, hit);
    return hit.value;
  }

  set(key: string, value: V): void {
    if (this.maxEntries <= 0 || key.length > this.maxChars / 8) return;
    const old = this.entries.get(key);
    if (old !== undefined) {
      this.entries.delete(key);
      this.chars -= old.chars;
    }
    this.entries.set(key, { value, chars: key.length });
    this.chars += key.length;
    for (const [k, entry] of this.entries) {
      if (this.entries.size <= this.maxEntries && this.chars <= this.maxChars) break;
      this.entries.delete(k);
      this.chars -= entry.chars;
    }
  }

  get size(): number {
    return this.entries.size;
  }
}
