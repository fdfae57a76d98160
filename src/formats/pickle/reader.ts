import type { ByteSource } from '../byte-source.ts';

const WINDOW = 1 << 20;

/** Thrown when the input ends inside an opcode or its argument. */
export class TruncatedError extends Error {
  constructor(what: string) {
    super(`input ends inside ${what}`);
  }
}

/** A literal read from the stream: its full length and the first bytes kept in memory. */
export interface Chunk {
  length: number;
  head: Uint8Array;
}

/**
 * Sequential reader over a ByteSource with a 1 MiB window, so a 2 GiB member costs 1 MiB of memory
 * and a long literal is skipped rather than materialised: only its first `keep` bytes are copied.
 */
export class PickleReader {
  pos: number;
  private win: Uint8Array = new Uint8Array(0);
  private winStart = 0;

  constructor(
    private readonly src: ByteSource,
    start = 0,
  ) {
    this.pos = start;
  }

  get size(): number {
    return this.src.size;
  }

  atEnd(): boolean {
    return this.pos >= this.src.size;
  }

  /** Next byte, or -1 at the end. */
  byte(): number {
    const i = this.pos - this.winStart;
    if (i >= 0 && i < this.win.length) {
      this.pos++;
      return this.win[i]!;
    }
    if (this.pos >= this.src.size) return -1;
    this.win = this.src.readAt(this.pos, WINDOW);
    this.winStart = this.pos;
    if (this.win.length === 0) return -1;
    this.pos++;
    return this.win[0]!;
  }

  /** Peeks at the byte at `pos` without moving. */
  peek(): number {
    const b = this.byte();
    if (b >= 0) this.pos--;
    return b;
  }

  /** One byte of a fixed-width argument (no view allocated: this is the hot path). */
  u8(what: string): number {
    const b = this.byte();
    if (b < 0) throw new TruncatedError(what);
    return b;
  }

  /** Little-endian unsigned integer of 2 or 4 bytes, read byte by byte from the window. */
  uintLE(n: 2 | 4, what: string): number {
    let v = 0;
    for (let i = 0; i < n; i++) v += this.u8(what) * 2 ** (8 * i);
    return v;
  }

  /** Exactly `n` bytes (n is small: fixed-width arguments). */
  fixed(n: number, what: string): Uint8Array {
    if (this.pos + n > this.src.size) throw new TruncatedError(what);
    const i = this.pos - this.winStart;
    let out: Uint8Array;
    if (i >= 0 && i + n <= this.win.length) out = this.win.subarray(i, i + n);
    else out = this.src.readAt(this.pos, n);
    this.pos += n;
    return out;
  }

  /** A length-prefixed literal of `n` bytes, keeping at most `keep` of them. */
  literal(n: number, keep: number, what: string): Chunk {
    if (n < 0 || this.pos + n > this.src.size) throw new TruncatedError(what);
    const k = Math.min(n, keep);
    const i = this.pos - this.winStart;
    const head =
      i >= 0 && i + k <= this.win.length
        ? this.win.slice(i, i + k)
        : Uint8Array.from(this.src.readAt(this.pos, k));
    this.pos += n;
    return { length: n, head };
  }

  /** Bytes up to (not including) the next '\n'; the newline is consumed. Lines longer than `max` are an error. */
  line(max: number, what: string): Uint8Array {
    const start = this.pos;
    const parts: Uint8Array[] = [];
    let total = 0;
    for (;;) {
      if (this.byte() < 0) throw new TruncatedError(what);
      this.pos--; // the window now covers pos; search it directly instead of byte by byte
      const i = this.pos - this.winStart;
      const nl = this.win.indexOf(0x0a, i);
      const end = nl < 0 ? this.win.length : nl;
      total += end - i;
      if (total > max) {
        this.pos = start;
        throw new LineTooLongError(what, max);
      }
      parts.push(this.win.subarray(i, end));
      this.pos += end - i;
      if (nl >= 0) {
        this.pos++;
        return parts.length === 1 ? parts[0]!.slice() : Buffer.concat(parts);
      }
    }
  }
}

/** A newline-terminated argument longer than the parser accepts. */
export class LineTooLongError extends Error {
  constructor(what: string, max: number) {
    super(`${what} argument longer than ${max} bytes`);
  }
}
