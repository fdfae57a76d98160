import type { ByteSource } from '../../formats/byte-source.ts';
import { sliceSource } from '../../formats/byte-source.ts';
import { parseNpyHeader } from '../../formats/npy.ts';
import { childMember, type HandlerContext } from '../context.ts';
import { NPY_RULES } from '../rules/index.ts';
import { handlePickle } from './pickle.ts';

/** A .npy file: numeric arrays are plain data; object arrays carry a pickle that np.load(allow_pickle=True) runs. */
export function handleNpy(src: ByteSource, ctx: HandlerContext): void {
  const header = parseNpyHeader(src);
  if (!header.isObject) return;
  const ruleCtx = { location: ctx.location, strict: ctx.strict };
  for (const rule of NPY_RULES) ctx.result.findings.push(...rule.check(header, ruleCtx));
  const data = sliceSource(src, header.dataOffset, src.size - header.dataOffset);
  // Pickle offsets count from the data section, so findings name it as a member: "x.npy!data@27".
  const dataCtx = {
    ...ctx,
    location: { path: ctx.location.path, member: childMember(ctx.location, 'data') },
  };
  if (!handlePickle(data, dataCtx, false)) {
    ctx.result.errors.push({ path: ctx.location.path, error: 'object array data is not a readable pickle' });
  }
}
