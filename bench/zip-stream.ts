/**
 * A streaming zip writer for benchmark inputs too big to build in memory (test/fixtures/zip-writer.ts
 * builds in memory). It writes STORED members the way torch.save lays them out (data aligned to 64 bytes
 * through an 'FB' local extra field) and switches to ZIP64 per field as Python's zipfile does: any size or
 * offset above 2^31 - 1 goes into a ZIP64 extra, and the archive gets a ZIP64 end record and locator when
 * the central directory starts or ends past that limit.
 */
import { closeSync, openSync, renameSync, writeSync } from 'node:fs';
import { crc32 } from 'node:zlib';

/** zipfile.ZIP64_LIMIT: values above it need ZIP64 structures. */
const ZIP64_LIMIT = 0x7fffffff;
const FF32 = 0xffffffff;
const ALIGN = 64;
const DOS_TIME = 0;
const DOS_DATE = 0x21; // 1980-01-01, what torch.save writes

/** One member: in-memory bytes, or `size` bytes produced chunk by chunk (never held whole). */
export type StreamMember =
  | { name: string; data: Uint8Array }
  | { name: string; size: number; chunks: () => Iterable<Uint8Array> };

/** Where each member landed, and the archive's total size. */
export interface ZipLayout {
  members: { name: string; headerOffset: number; dataOffset: number; size: number }[];
  centralOffset: number;
  centralSize: number;
  zip64End: boolean;
  totalSize: number;
}

const sizeOf = (m: StreamMember) => ('data' in m ? m.data.length : m.size);
const big = (n: number) => n > ZIP64_LIMIT;

/** Little-endian byte builder for headers. */
class Bytes {
  private readonly buf: Buffer;
  private at = 0;
  constructor(size: number) {
    this.buf = Buffer.alloc(size);
  }
  u16(n: number): this {
    this.at = this.buf.writeUInt16LE(n, this.at);
    return this;
  }
  u32(n: number): this {
    this.at = this.buf.writeUInt32LE(n >>> 0, this.at);
    return this;
  }
  u64(n: number): this {
    this.at = this.buf.writeBigUInt64LE(BigInt(n), this.at);
    return this;
  }
  raw(b: Uint8Array): this {
    this.buf.set(b, this.at);
    this.at += b.length;
    return this;
  }
  done(): Buffer {
    if (this.at !== this.buf.length) throw new Error(`header built ${this.at} of ${this.buf.length} bytes`);
    return this.buf;
  }
}

/** Local extra fields: a ZIP64 extra (sizes) when the member is big, then torch's 'FB' alignment padding. */
function localExtraLength(headerOffset: number, name: Uint8Array, size: number): number {
  const z64 = big(size) ? 20 : 0;
  const before = headerOffset + 30 + name.length + z64 + 4; // + the FB field's own 4-byte header
  return z64 + 4 + ((ALIGN - (before % ALIGN)) % ALIGN);
}

/** The ZIP64 fields a central record needs, in the spec's order (uncompressed, compressed, offset). */
function centralZip64Fields(size: number, headerOffset: number): number[] {
  return [...(big(size) ? [size, size] : []), ...(big(headerOffset) ? [headerOffset] : [])];
}

/** Computes where everything goes without writing anything: the expected size of a finished archive. */
export function planZip(members: readonly StreamMember[]): ZipLayout {
  const enc = new TextEncoder();
  let pos = 0;
  const placed: ZipLayout['members'] = [];
  for (const m of members) {
    const name = enc.encode(m.name);
    const headerOffset = pos;
    const dataOffset = pos + 30 + name.length + localExtraLength(pos, name, sizeOf(m));
    placed.push({ name: m.name, headerOffset, dataOffset, size: sizeOf(m) });
    pos = dataOffset + sizeOf(m);
  }
  const centralOffset = pos;
  for (const p of placed) {
    const fields = centralZip64Fields(p.size, p.headerOffset);
    pos += 46 + enc.encode(p.name).length + (fields.length > 0 ? 4 + 8 * fields.length : 0);
  }
  const centralSize = pos - centralOffset;
  const zip64End = big(centralOffset) || big(pos) || members.length > 0xffff;
  const totalSize = pos + (zip64End ? 56 + 20 : 0) + 22;
  return { members: placed, centralOffset, centralSize, zip64End, totalSize };
}

/**
 * Writes `members` to `path` through a temporary file renamed at the end, so an interrupted run never leaves
 * a half-written archive under the final name. Returns the layout (equal to planZip's).
 */
export function writeZipStreaming(path: string, members: readonly StreamMember[]): ZipLayout {
  const layout = planZip(members);
  const enc = new TextEncoder();
  const tmp = `${path}.partial`;
  const fd = openSync(tmp, 'w');
  let pos = 0;
  const put = (b: Uint8Array, at?: number): void => {
    let done = 0;
    while (done < b.length) {
      const n = writeSync(fd, b, done, b.length - done, at === undefined ? pos + done : at + done);
      done += n;
    }
    if (at === undefined) pos += b.length;
  };
  try {
    const crcs: number[] = [];
    for (const [i, m] of members.entries()) {
      const p = layout.members[i]!;
      const name = enc.encode(m.name);
      const size = sizeOf(m);
      const extraLen = localExtraLength(p.headerOffset, name, size);
      const z64 = big(size);
      const pad = extraLen - (z64 ? 20 : 0) - 4;
      const initialCrc = 'data' in m ? crc32(m.data) : 0; // streamed: patched in after the data
      const header = new Bytes(30 + name.length + extraLen)
        .u32(0x04034b50)
        .u16(z64 ? 45 : 20)
        .u16(0)
        .u16(0)
        .u16(DOS_TIME)
        .u16(DOS_DATE)
        .u32(initialCrc)
        .u32(z64 ? FF32 : size)
        .u32(z64 ? FF32 : size)
        .u16(name.length)
        .u16(extraLen)
        .raw(name);
      if (z64) header.u16(1).u16(16).u64(size).u64(size);
      header.u16(0x4246).u16(pad).raw(Buffer.alloc(pad, 'Z'));
      if (pos !== p.headerOffset) throw new Error(`layout drift at ${m.name}`);
      put(header.done());
      if ('data' in m) {
        put(m.data);
        crcs.push(initialCrc);
      } else {
        let crc = 0;
        let written = 0;
        for (const chunk of m.chunks()) {
          crc = crc32(chunk, crc);
          put(chunk);
          written += chunk.length;
        }
        if (written !== size) throw new Error(`${m.name}: produced ${written} bytes, declared ${size}`);
        put(new Bytes(4).u32(crc).done(), p.headerOffset + 14);
        crcs.push(crc);
      }
    }
    if (pos !== layout.centralOffset) throw new Error('layout drift before the central directory');
    for (const [i, p] of layout.members.entries()) {
      const name = enc.encode(p.name);
      const fields = centralZip64Fields(p.size, p.headerOffset);
      const extraLen = fields.length > 0 ? 4 + 8 * fields.length : 0;
      const rec = new Bytes(46 + name.length + extraLen)
        .u32(0x02014b50)
        .u16(fields.length > 0 ? 45 : 20)
        .u16(fields.length > 0 ? 45 : 20)
        .u16(0)
        .u16(0)
        .u16(DOS_TIME)
        .u16(DOS_DATE)
        .u32(crcs[i]!)
        .u32(big(p.size) ? FF32 : p.size)
        .u32(big(p.size) ? FF32 : p.size)
        .u16(name.length)
        .u16(extraLen)
        .u16(0)
        .u16(0)
        .u16(0)
        .u32(0)
        .u32(big(p.headerOffset) ? FF32 : p.headerOffset)
        .raw(name);
      if (fields.length > 0) {
        rec.u16(1).u16(8 * fields.length);
        for (const f of fields) rec.u64(f);
      }
      put(rec.done());
    }
    const count = members.length;
    const { centralOffset, centralSize } = layout;
    if (layout.zip64End) {
      const end64At = pos;
      put(
        new Bytes(56)
          .u32(0x06064b50)
          .u64(44)
          .u16(45)
          .u16(45)
          .u32(0)
          .u32(0)
          .u64(count)
          .u64(count)
          .u64(centralSize)
          .u64(centralOffset)
          .done(),
      );
      put(new Bytes(20).u32(0x07064b50).u32(0).u64(end64At).u32(1).done());
    }
    const count16 = Math.min(count, 0xffff);
    put(
      new Bytes(22)
        .u32(0x06054b50)
        .u16(0)
        .u16(0)
        .u16(count16)
        .u16(count16)
        .u32(big(centralSize) ? FF32 : centralSize)
        .u32(big(centralOffset) ? FF32 : centralOffset)
        .u16(0)
        .done(),
    );
    if (pos !== layout.totalSize) throw new Error(`wrote ${pos} bytes, planned ${layout.totalSize}`);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  return layout;
}
