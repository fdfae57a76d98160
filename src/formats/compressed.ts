import { constants, gunzipSync, inflateSync } from 'node:zlib';
import { ParapetError } from '../core/errors.ts';
import type { ByteSource } from './byte-source.ts';

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
 * Decompresses gzip or zlib up to `maxBytes` of output. A truncated stream yields what it holds (the loader
 * would run that much too); output past the cap is a LIMIT error. Other compressions are not supported yet
 * and say so, so the caller can report the file as not analysed instead of clean.
 */
export function decompress(src: ByteSource, kind: Compression, maxBytes: number): Uint8Array {
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
