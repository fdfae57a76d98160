import { constants, gunzipSync, inflateSync } from 'node:zlib';
import { ParapetError } from '../core/errors.ts';
import type { ByteSource } from './byte-source.ts';
import { decompressStream } from './sevenzip.ts';

/** Single-stream compressions a model file may be wrapped in (joblib's `compress=`, `.pt.gz` downloads). */
export type Compression = 'gzip' | 'zlib' | 'bz2' | 'xz' | 'lz4' | 'zstd';

/** Identifies a compressed stream by its magic bytes. */
export function detectCompression(src: ByteSource): Compression | undefined {
  const b = src.readAt(0, 6);
  if (b.length < 4) return undefined;
  if (b[0] === 0x1f && b[1] === 0x8b) return 'gzip';
  // zlib: CM=8 (deflate), CINFO <= 7, and the header checksum (FCHECK) makes the pair a multiple of 31.
  if (b[0] === 0x78 && ((b[0] << 8) | b[1]!) % 31 === 0) return 'zlib';
  if (b[0] === 0x42 && b[1] === 0x5a && b[2] === 0x68 && b[3]! >= 0x31 && b[3]! <= 0x39) return 'bz2';
  if (
    b.length >= 6 &&
    b[0] === 0xfd &&
    b[1] === 0x37 &&
    b[2] === 0x7a &&
    b[3] === 0x58 &&
    b[4] === 0x5a &&
    b[5] === 0
  )
    return 'xz';
  if (b[0] === 0x04 && b[1] === 0x22 && b[2] === 0x4d && b[3] === 0x18) return 'lz4';
  if (b[0] === 0x28 && b[1] === 0xb5 && b[2] === 0x2f && b[3] === 0xfd) return 'zstd';
  return undefined;
}

/**
 * Decompresses up to `maxBytes` of output: gzip and zlib with Node's zlib (a truncated stream yields what it
 * holds, as the loader would read that much too), bzip2, xz and lzma with 7-Zip's WASM build. Output past
 * the cap is a LIMIT error; lz4 is not supported and says so, so the file is reported as not analysed.
 */
export async function decompress(src: ByteSource, kind: Compression, maxBytes: number): Promise<Uint8Array> {
  if (src.size > maxBytes)
    throw new ParapetError('LIMIT', `${kind} stream of ${src.size} bytes is over the ${maxBytes}-byte cap`);
  if (kind === 'bz2' || kind === 'xz' || kind === 'zstd')
    return decompressStream(src.readAt(0, src.size), kind, maxBytes);
  if (kind !== 'gzip' && kind !== 'zlib') {
    throw new ParapetError('MALFORMED', `${kind}-compressed data cannot be decompressed by Parapet yet`);
  }
  if (src.size > maxBytes)
    throw new ParapetError('LIMIT', `${kind} stream of ${src.size} bytes is over the ${maxBytes}-byte cap`);
  const input = src.readAt(0, src.size);
  const options = { maxOutputLength: maxBytes, finishFlush: constants.Z_SYNC_FLUSH };
  try {
    return kind === 'gzip' ? gunzipSync(input, options) : inflateSync(input, options);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new ParapetError('LIMIT', `${kind} stream inflates past ${maxBytes} bytes`);
    }
    throw new ParapetError('MALFORMED', `corrupt ${kind} stream: ${(err as Error).message}`);
  }
}
