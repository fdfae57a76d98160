import { ParapetError } from '../../core/errors.ts';
import type { ByteSource } from '../../formats/byte-source.ts';
import { bufferSource } from '../../formats/byte-source.ts';
import { listAndExtractSevenZip } from '../../formats/sevenzip.ts';
import { chargeExpansion, type HandlerContext } from '../context.ts';
import { memberError, reportArchive } from './archive.ts';

/** 7z archives are read whole into memory; past this they are reported as not analysed. */
const MAX_ARCHIVE_BYTES = 256 * 1024 * 1024;

/** A 7z archive (the nullifAI container): extracted in memory inside 7-Zip's WASM sandbox, then dispatched. */
export async function handleSevenZip(src: ByteSource, ctx: HandlerContext): Promise<void> {
  if (src.size > MAX_ARCHIVE_BYTES) {
    throw new ParapetError(
      'LIMIT',
      `7z archive of ${src.size} bytes is over the ${MAX_ARCHIVE_BYTES}-byte analysis cap`,
    );
  }
  const { entries, anomalies } = await listAndExtractSevenZip(src.readAt(0, src.size));
  for (const e of entries) {
    if (e.data === undefined) {
      if (e.skippedWhy !== undefined && e.skippedWhy !== 'encrypted')
        memberError(ctx, e.name, `not extracted: ${e.skippedWhy}`);
      continue;
    }
    chargeExpansion(ctx, e.data.length, `7z entry ${JSON.stringify(e.name)}`);
    await ctx.scanNested(bufferSource(e.data), e.name);
  }
  reportArchive({ format: '7z', anomalies }, ctx);
}
