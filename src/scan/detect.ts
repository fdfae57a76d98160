import type { ByteSource } from '../formats/byte-source.ts';
import { detectCompression } from '../formats/compressed.ts';
import { isNpy } from '../formats/npy.ts';
import { mayStartProto0, startsWithProto } from '../formats/pickle/sniff.ts';
import { isSevenZip } from '../formats/sevenzip.ts';
import { isTar } from '../formats/tar.ts';
import { isZip } from '../formats/zip.ts';

/** A format Parapet can analyse, told by magic bytes, never by file name. */
export type DetectedFormat =
  | 'zip'
  | '7z'
  | 'tar'
  | 'npy'
  | 'pickle'
  | 'compressed'
  | 'maybe-pickle'
  | 'unknown';

/**
 * Order matters: specific signatures first; "maybe-pickle" (protocol 0/1, no header) last, because it is only a
 * guess the pickle handler confirms by parsing.
 */
export function detectFormat(src: ByteSource): DetectedFormat {
  if (src.size === 0) return 'unknown';
  if (isNpy(src)) return 'npy';
  if (isSevenZip(src)) return '7z';
  if (startsWithProto(src)) return 'pickle';
  if (isZip(src)) return 'zip';
  if (isTar(src)) return 'tar';
  if (detectCompression(src) !== undefined) return 'compressed';
  if (mayStartProto0(src)) return 'maybe-pickle';
  return 'unknown';
}
