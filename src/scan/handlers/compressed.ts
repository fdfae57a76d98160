import { ParapetError } from '../../core/errors.ts';
import { type ByteSource, bufferSource } from '../../formats/byte-source.ts';
import { type Compression, decompress } from '../../formats/compressed.ts';
import { baseNameOf, chargeExpansion, type HandlerContext, type NestedOutcome } from '../context.ts';

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
  const outcome = await ctx.scanNested(bufferSource(data), innerName(ctx, kind));
  return kind === 'zlib' ? outcome : 'analysed';
}

/**
 * The decompressed file's name: `train.csv.gz` holds `(gzip)/train.csv`, so handlers that go by name (CSV
 * data sets, `config.json`) still recognise it. A name without a compression suffix gives `(gzip)` alone.
 */
function innerName(ctx: HandlerContext, kind: Compression): string {
  const base = baseNameOf(ctx.location);
  const stem = base.replace(/\.(gz|gzip|z|zz|zlib)$/i, '');
  return stem === base || stem === '' ? `(${kind})` : `(${kind})/${stem}`;
}
