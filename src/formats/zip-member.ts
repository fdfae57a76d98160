import { crc32, inflateRawSync } from 'node:zlib';
import { describeError, ParapetError } from '../core/errors.ts';
import { type ByteSource, bufferSource, sliceSource } from './byte-source.ts';
import type { ZipEntry } from './zip-types.ts';

/** Per-member inflate cap. zlib collects output in chunks and concatenates, so the peak is about twice this. */
const DEFAULT_MAX_INFLATED = 128 * 1024 * 1024;
const CHUNK = 1024 * 1024;
const malformed = (msg: string) => new ParapetError('MALFORMED', msg);

/**
 * The member's uncompressed bytes. Stored members are a zero-copy window; deflate is inflated up to
 * `maxInflatedBytes` (default 128 MiB, LIMIT beyond). Encryption flags are not refused: torch reads such
 * members as plaintext, so the caller decides. Sizes are the central directory's, as miniz uses them.
 */
export function openZipMember(
  src: ByteSource,
  entry: ZipEntry,
  limits: { maxInflatedBytes?: number } = {},
): ByteSource {
  const max = limits.maxInflatedBytes ?? DEFAULT_MAX_INFLATED;
  if (!Number.isSafeInteger(max) || max < 1) throw new ParapetError('USAGE', `bad maxInflatedBytes: ${max}`);
  const what = JSON.stringify(entry.name);
  if (entry.dataOffset === undefined) throw malformed(`zip member ${what} has no readable local header`);
  if (entry.dataOffset + entry.compressedSize > src.size) {
    throw malformed(`zip member ${what} runs past the end of the file`);
  }
  if (entry.method === 0) return sliceSource(src, entry.dataOffset, entry.compressedSize);
  if (entry.method !== 8) {
    throw malformed(`unsupported compression method ${entry.method} in zip member ${what}`);
  }
  // Deflate never shrinks data by more than a few bytes per 64 KiB block, so a much larger input cannot
  // fit under the cap; refusing it early avoids reading gigabytes to find that out.
  if (entry.compressedSize > max + max / 256 + 1024) {
    throw new ParapetError(
      'LIMIT',
      `zip member ${what}: ${entry.compressedSize} compressed bytes exceed the cap`,
    );
  }
  const input = src.readAt(entry.dataOffset, entry.compressedSize);
  try {
    return bufferSource(inflateRawSync(input, { maxOutputLength: max }));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new ParapetError('LIMIT', `zip member ${what} inflates past ${max} bytes`, { cause: err });
    }
    const msg = `zip member ${what}: corrupt or truncated deflate data (${describeError(err)})`;
    throw new ParapetError('MALFORMED', msg, { cause: err });
  }
}

/** CRC-32 of a whole source, read in 1 MiB chunks; for callers that read a member fully anyway. */
export function crc32OfSource(src: ByteSource): number {
  let crc = 0;
  for (let at = 0; at < src.size; at += CHUNK) {
    const chunk = src.readAt(at, CHUNK);
    if (chunk.length === 0) break;
    crc = crc32(chunk, crc);
  }
  return crc;
}
