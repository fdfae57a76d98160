/**
 * Small, fast, seeded string hashing and a count-min sketch: the whole-set rules count millions of tokens
 * and answers in fixed memory instead of keeping them.
 */

/** 32-bit FNV-1a over UTF-16 code units, from a seed (different seeds give independent-enough hashes). */
export function hash32(text: string, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  // Final avalanche (murmur3 fmix32): FNV's low bits are weak for short keys.
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export const SEED_B = 0x9747b28c;

/** Two independent 32-bit hashes of one item (an answer, a feature). */
export interface Hash2 {
  a: number;
  b: number;
}

/** A 53-bit map key from two hashes: collisions are negligible at the sizes the rules keep. */
export function key53(a: number, b: number): number {
  return a * 0x200000 + (b & 0x1fffff);
}

/** The first hash of an ordered combination of two hashed items (a token and the next, a token and an answer). */
export function combineA(xa: number, ya: number): number {
  return mix(xa ^ Math.imul(ya, 0x9e3779b1) ^ 0x5bd1e995);
}

/** The second hash of the same combination, independent of the first. */
export function combineB(xb: number, yb: number): number {
  return mix(xb ^ Math.imul(yb, 0x85ebca77) ^ 0x27d4eb2f);
}

export function mix(h: number): number {
  let x = h >>> 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

/**
 * Count-min sketch with conservative update: estimates never undercount, and overcount only by collisions
 * (about total/width per row, minimised over `depth` rows). Memory is width × depth × 4 bytes.
 */
export class CountMinSketch {
  private readonly table: Uint32Array;
  private readonly mask: number;
  private readonly slots: number[];

  constructor(
    widthBits: number,
    private readonly depth = 4,
  ) {
    this.mask = (1 << widthBits) - 1;
    this.table = new Uint32Array((this.mask + 1) * depth);
    this.slots = new Array<number>(depth).fill(0);
  }

  private locate(a: number, b: number): void {
    const width = this.mask + 1;
    for (let i = 0; i < this.depth; i++) {
      // Kirsch–Mitzenmacher: row i uses a + i·b, as good as independent hashes for a sketch.
      this.slots[i] = i * width + ((a + Math.imul(i, b | 1)) & this.mask);
    }
  }

  /** Adds one occurrence of the item hashed to (a, b) and returns the new estimate. */
  add(a: number, b: number): number {
    this.locate(a, b);
    let min = 0xffffffff;
    for (const s of this.slots) min = Math.min(min, this.table[s] ?? 0);
    const next = min + 1;
    // Conservative update: only rows below the new estimate grow, which keeps collision noise down.
    for (const s of this.slots) if ((this.table[s] ?? 0) < next) this.table[s] = next;
    return next;
  }

  estimate(a: number, b: number): number {
    this.locate(a, b);
    let min = 0xffffffff;
    for (const s of this.slots) min = Math.min(min, this.table[s] ?? 0);
    return min;
  }
}

/**
 * Bloom filter answering "seen before?" for items hashed to (a, b). The count-min sketch cannot answer it once
 * it holds about as many distinct items as it is wide: by then most fresh items land on cells other items
 * already raised, so a first sighting reads as a repeat. With one bit per cell instead of 32 the filter is
 * 32 times wider in the same memory: at 2^26 bits (8 MiB) and 4 probes a million distinct items give false
 * repeats about 1 time in 100,000, and ten million still under 5%.
 */
export class SeenFilter {
  private readonly bits: Uint32Array;
  private readonly mask: number;

  constructor(
    widthBits = 26,
    private readonly probes = 4,
  ) {
    this.mask = 2 ** widthBits - 1;
    this.bits = new Uint32Array(2 ** (widthBits - 5));
  }

  /** Marks the item as seen; true when it (very likely) was seen before, false when certainly not. */
  add(a: number, b: number): boolean {
    let seen = true;
    for (let i = 0; i < this.probes; i++) {
      const bit = ((a + Math.imul(i, b | 1)) >>> 0) & this.mask;
      const word = bit >>> 5;
      const flag = 1 << (bit & 31);
      const old = this.bits[word] ?? 0;
      if ((old & flag) === 0) {
        seen = false;
        this.bits[word] = old | flag;
      }
    }
    return seen;
  }
}
