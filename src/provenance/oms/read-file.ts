/**
 * Reading the small files signing and verification take from the user (keys, certificates, bundles) with a
 * size cap checked before reading, so a wrong path to a multi-gigabyte weights file fails at once.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { describeError, ParapetError } from '../../core/errors.ts';

/**
 * The whole file at `path`, at most `maxBytes`. `what` names it in errors: NOT_FOUND when missing, USAGE
 * when it is not a regular file, `tooBig` (USAGE or LIMIT) when over the cap, UNREADABLE otherwise.
 */
export function readBoundedFile(
  path: string,
  what: string,
  maxBytes: number,
  tooBig: 'USAGE' | 'LIMIT' = 'USAGE',
): Buffer {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT')
      throw new ParapetError('NOT_FOUND', `${what} not found: ${path}`);
    throw new ParapetError('UNREADABLE', `cannot read ${what} ${path}: ${describeError(err)}`);
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new ParapetError('USAGE', `${what} ${path} is not a file`);
    if (stat.size > maxBytes)
      throw new ParapetError(tooBig, `${what} ${path} is ${stat.size} bytes, over the ${maxBytes}-byte cap`);
    const buf = Buffer.alloc(stat.size);
    let off = 0;
    while (off < buf.length) {
      const n = readSync(fd, buf, off, buf.length - off, off);
      if (n === 0) break;
      off += n;
    }
    return buf.subarray(0, off);
  } catch (err) {
    if (err instanceof ParapetError) throw err;
    throw new ParapetError('UNREADABLE', `cannot read ${what} ${path}: ${describeError(err)}`);
  } finally {
    closeSync(fd);
  }
}
