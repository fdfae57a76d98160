import { describeError } from '../../core/errors.ts';
import type { ByteSource } from '../../formats/byte-source.ts';
import { startsWithProto } from '../../formats/pickle/sniff.ts';
import { linkEscapes } from '../../formats/tar.ts';
import {
  crc32OfSource,
  openZipMember,
  readZipDirectory,
  type ZipAnomaly,
  type ZipEntry,
} from '../../formats/zip.ts';
import { chargeExpansion, type HandlerContext } from '../context.ts';
import { memberError, reportArchive } from './archive.ts';

/** Structure facts that are normal in real checkpoints (torch writes ZIP64 for large files). */
const BENIGN_KINDS = new Set<ZipAnomaly['kind']>(['zip64']);
/** Members read whole for the CRC check; larger ones are not re-read (torch never checks CRCs either). */
const CRC_CHECK_LIMIT = 64 * 1024 * 1024;

/** torch.save's tensor storages: `<archive>/data/<key>`. Raw numbers, not pickles, unless they say otherwise. */
function isTensorStorage(name: string): boolean {
  return /(^|\/)data\/[^/]+$/.test(name) && !name.endsWith('.pkl');
}

/**
 * A zip as torch.load reads it (central directory first), which also covers .npz, TorchScript, .keras and
 * generic archives: every member is dispatched by its own magic bytes, not only `data.pkl`.
 */
export async function handleZip(src: ByteSource, ctx: HandlerContext): Promise<void> {
  const dir = readZipDirectory(src);
  const anomalies = dir.anomalies.filter((a) => !BENIGN_KINDS.has(a.kind));
  // Compressed members that share bytes with another are the overlapping "better zip bomb": one stream
  // declared hundreds of times. They are not inflated again; the first owner of the bytes is.
  const overlapping = new Set(
    dir.anomalies.filter((a) => a.kind === 'overlapping-entries').map((a) => a.entry),
  );
  for (const entry of dir.entries) {
    if (entry.name.endsWith('/') && entry.uncompressedSize === 0) continue;
    if (entry.method !== 0 && overlapping.has(entry.name)) {
      memberError(
        ctx,
        entry.name,
        'shares its compressed bytes with another member (zip-bomb shape): not inflated again',
      );
      continue;
    }
    await scanMember(src, entry, ctx, anomalies);
  }
  reportArchive({ format: 'zip', anomalies }, ctx);
}

/** Members inflating past this size at more than RATIO_LIMIT:1 are reported: model data never compresses so well. */
const RATIO_MIN_BYTES = 16 * 1024 * 1024;
const RATIO_LIMIT = 200;
const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;

/** A member stored as a symbolic link: reported (and high when it leaves the root), never scanned as a file. */
function checkSymlink(src: ByteSource, entry: ZipEntry, anomalies: ZipAnomaly[]): boolean {
  if (entry.unixMode === undefined || (entry.unixMode & S_IFMT) !== S_IFLNK) return false;
  const target =
    entry.method === 0 && entry.dataOffset !== undefined
      ? new TextDecoder().decode(src.readAt(entry.dataOffset, Math.min(entry.compressedSize, 4096)))
      : '';
  anomalies.push({
    kind: 'symlink',
    entry: entry.name,
    detail: `member ${JSON.stringify(entry.name)} is a symbolic link to ${JSON.stringify(target)}`,
  });
  if (target !== '' && linkEscapes(entry.name, target)) {
    anomalies.push({
      kind: 'link-outside',
      entry: entry.name,
      detail: `symlink ${JSON.stringify(entry.name)} points outside the archive: ${JSON.stringify(target)}`,
    });
  }
  return true;
}

async function scanMember(
  src: ByteSource,
  entry: ZipEntry,
  ctx: HandlerContext,
  anomalies: ZipAnomaly[],
): Promise<void> {
  if (checkSymlink(src, entry, anomalies)) return;
  let member: ByteSource;
  try {
    member = openZipMember(src, entry);
    if (entry.method !== 0) {
      chargeExpansion(ctx, member.size, `zip member ${JSON.stringify(entry.name)}`);
      if (member.size >= RATIO_MIN_BYTES && member.size > RATIO_LIMIT * Math.max(1, entry.compressedSize)) {
        anomalies.push({
          kind: 'compression-ratio',
          entry: entry.name,
          detail: `member ${JSON.stringify(entry.name)} inflates ${entry.compressedSize} bytes to ${member.size} (over ${RATIO_LIMIT}:1), the shape of a zip bomb`,
        });
      }
    }
  } catch (err) {
    memberError(ctx, entry.name, describeError(err));
    return;
  }
  const encrypted = (entry.flags & 0x1) !== 0;
  // torch ignores the encryption bit and reads stored bytes as they are (CVE-2025-1945), so a member that
  // still starts like a pickle is analysed as one; real ciphertext cannot be analysed and says so.
  if (encrypted && !(entry.method === 0 && startsWithProto(member))) {
    memberError(
      ctx,
      entry.name,
      'encrypted zip member: its contents cannot be analysed without the password',
    );
    // Real encryption is not a parser trick: the flag matches the bytes, so it is not reported as one.
    for (let i = anomalies.length - 1; i >= 0; i--) {
      const a = anomalies[i]!;
      if (a.entry === entry.name && ['flag-bits', 'local-header-mismatch', 'size-mismatch'].includes(a.kind))
        anomalies.splice(i, 1);
    }
    return;
  }
  const outcome = await ctx.scanNested(member, entry.name, { tensorData: isTensorStorage(entry.name) });
  if (outcome === 'analysed' && member.size <= CRC_CHECK_LIMIT && crc32OfSource(member) !== entry.crc32) {
    anomalies.push({
      kind: 'bad-crc',
      entry: entry.name,
      detail: `member ${JSON.stringify(entry.name)} does not match its CRC-32: torch loads it anyway, strict readers refuse (CVE-2025-10156)`,
    });
  }
}
