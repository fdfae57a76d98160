import { ParapetError } from '../../core/errors.ts';
import { type ByteSource, bufferSource } from '../../formats/byte-source.ts';
import { type Compression, decompress } from '../../formats/compressed.ts';
import { chargeExpansion, type HandlerContext, type NestedOutcome } from '../context.ts';

/** Decompressed output is held in memory; past this the file is reported as not analysed. */
const MAX_DECOMPRESSED = 256 * 1024 * 1024;

/**
 * A gzip/zlib-wrapped file (joblib `compress=3`, `model.pt.gz`): decompressed in memory and dispatched again.
 * Compressions Parapet cannot open make the scan incomplete rather than silently clean; zlib's two-byte
 * header is weak evidence, so a "zlib" file that does not inflate is simply not a model format.
 */
export async function handleCompressed(
  src: ByteSource,
  kind: Compression,
  ctx: HandlerContext,
): Promise<NestedOutcome> {
  let data: Uint8Array;
  try {
    data = await decompress(src, kind, MAX_DECOMPRESSED);
  } catch (err) {
    if (kind === 'zlib' && err instanceof ParapetError && err.code === 'MALFORMED')
      return 'not-a-model-format';
    throw err;
  }
  chargeExpansion(ctx, data.length, `${kind} stream`);
  if (data.length === 0) return kind === 'zlib' ? 'not-a-model-format' : 'analysed';
  const outcome = await ctx.scanNested(bufferSource(data), `(${kind})`);
  return kind === 'zlib' ? outcome : 'analysed';
}
