import type { ByteSource } from '../../formats/byte-source.ts';
import { sliceSource } from '../../formats/byte-source.ts';
import { readTarEntries } from '../../formats/tar.ts';
import type { HandlerContext } from '../context.ts';
import { reportArchive } from './archive.ts';

/** A tar (legacy torch 0.1 checkpoints are tars of pickles): every regular file is dispatched by its magic. */
export async function handleTar(src: ByteSource, ctx: HandlerContext): Promise<void> {
  const { entries, anomalies } = readTarEntries(src);
  for (const e of entries) {
    if (e.type !== '0' && e.type !== '\0' && e.type !== '7') continue;
    await ctx.scanNested(sliceSource(src, e.dataOffset, e.size), e.name);
  }
  reportArchive({ format: 'tar', anomalies }, ctx);
}
