import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

/**
 * Random access to a byte range: a file, a window of a file (a stored zip member), or an in-memory buffer.
 * Reads are synchronous and bounded by the caller, so a parser never holds more than it asked for.
 */
export interface ByteSource {
  /** Total length in bytes. */
  readonly size: number;
  /** Up to `length` bytes starting at `offset`; shorter only at the end of the source. */
  readAt(offset: number, length: number): Uint8Array;
}

/** A source over an in-memory buffer (no copy). */
export function bufferSource(buf: Uint8Array): ByteSource {
  return {
    size: buf.length,
    readAt: (offset, length) => buf.subarray(Math.max(0, offset), Math.min(buf.length, offset + length)),
  };
}

/** A source over `[start, start + size)` of an open file descriptor. */
export function fdSource(fd: number, start: number, size: number): ByteSource {
  return {
    size,
    readAt(offset, length) {
      const n = Math.max(0, Math.min(length, size - offset));
      const out = Buffer.allocUnsafe(n);
      let got = 0;
      while (got < n) {
        const r = readSync(fd, out, got, n - got, start + offset + got);
        if (r === 0) break;
        got += r;
      }
      return got === n ? out : out.subarray(0, got);
    },
  };
}

/** A window `[start, start + size)` of another source. */
export function sliceSource(src: ByteSource, start: number, size: number): ByteSource {
  const clamped = Math.max(0, Math.min(size, src.size - start));
  return {
    size: clamped,
    readAt: (offset, length) => src.readAt(start + offset, Math.max(0, Math.min(length, clamped - offset))),
  };
}

/** An open file as a ByteSource; call `close()` when done. */
export interface FileSource extends ByteSource {
  close(): void;
}

/** Opens a file read-only as a ByteSource. Throws the usual Node errors (ENOENT, EACCES...). */
export function openFileSource(path: string): FileSource {
  const fd = openSync(path, 'r');
  try {
    const { size } = fstatSync(fd);
    const src = fdSource(fd, 0, size);
    return { size, readAt: src.readAt, close: () => closeSync(fd) };
  } catch (err) {
    closeSync(fd);
    throw err;
  }
}
