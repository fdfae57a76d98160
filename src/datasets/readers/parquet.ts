/**
 * Parquet through hyparquet (pure JS) and its compressors (snappy, gzip, brotli, zstd, lz4). The footer is
 * read first; then one row group at a time, through an AsyncBuffer that reads only the byte ranges hyparquet
 * asks for, so memory follows the largest row group, never the file. Row groups too large to hold are
 * reported and skipped rather than read.
 */
import {
  type AsyncBuffer,
  type FileMetaData,
  parquetMetadataAsync,
  parquetRead,
  type RowGroup,
} from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import type { ByteSource } from '../../formats/byte-source.ts';
import type { ReaderItem, ReaderLimits } from '../types.ts';
import { DatasetReadError, DEFAULT_READER_LIMITS, recordItems, stoppedAt } from './common.ts';

/**
 * Bytes of one row group held at once: its raw column chunks when it is read in slices (flat, multi-page
 * columns), else its whole uncompressed size. Larger groups are reported as not read rather than risk
 * exhausting memory. Memory follows the row group: measured with the whole-set rules (npm run bench:datasets,
 * --rows-per-group), peak RSS is 277 MB with 8.5 MB groups on a 1 GB file, 283 MB with 21 MB groups and
 * 346 MB with 60 MB groups, so the 300 MB bound holds for groups up to about 20 MB. Reading larger groups page
 * by page (hyparquet needs an offset index for that) is not done yet.
 */
export const MAX_ROW_GROUP_BYTES = 64 * 1024 * 1024;

const MAGIC = [0x50, 0x41, 0x52, 0x31]; // PAR1

/** True when `src` starts and ends with the Parquet magic (`PAR1`). */
export function hasParquetMagic(src: ByteSource): boolean {
  if (src.size < 12) return false;
  const head = src.readAt(0, 4);
  const tail = src.readAt(src.size - 4, 4);
  return MAGIC.every((b, i) => head[i] === b && tail[i] === b);
}

/**
 * Uncompressed bytes decoded per read inside a row group, when its columns are flat (see readParquet). 2 MiB,
 * measured against 8 MiB on a file of 21 MB row groups (bench/datasets-worker.mjs): peak RSS of a plain read
 * 238 -> 184 MB, with the whole-set rules 305 -> 283 MB, at the same speed.
 */
const SLICE_BYTES = 2 * 1024 * 1024;

/**
 * hyparquet's view of the source: exact ArrayBuffers of the ranges it asks for. Ranges are remembered until
 * `forget()`, so reading one row group in slices fetches its column chunks once, not once per slice.
 */
function asyncBufferOf(src: ByteSource): AsyncBuffer & { forget(): void } {
  let cache = new Map<string, ArrayBuffer>();
  const read = (start: number, stop: number): ArrayBuffer => {
    const bytes = src.readAt(start, Math.max(0, stop - start));
    if (
      bytes.byteOffset === 0 &&
      bytes.byteLength === bytes.buffer.byteLength &&
      bytes.buffer instanceof ArrayBuffer
    ) {
      return bytes.buffer;
    }
    // A copy: Node Buffers are often views into a shared pool, and Buffer#slice does not copy.
    return new Uint8Array(bytes).buffer;
  };
  return {
    byteLength: src.size,
    slice(start: number, end?: number): ArrayBuffer {
      const stop = Math.min(end ?? src.size, src.size);
      const key = `${start}:${stop}`;
      let buffer = cache.get(key);
      if (buffer === undefined) {
        buffer = read(start, stop);
        cache.set(key, buffer);
      }
      return buffer;
    },
    forget() {
      cache = new Map();
    },
  };
}

/** Every column is a top-level leaf (no lists or structs): hyparquet then decodes only the pages a row range needs. */
function isFlat(metadata: FileMetaData): boolean {
  return metadata.schema
    .slice(1)
    .every((e) => (e.num_children ?? 0) === 0 && e.repetition_type !== 'REPEATED');
}

/**
 * How many row slices a row group is decoded in. Slicing pays only when every column has several data pages
 * (pyarrow writes ~1 MiB pages and says how many in `encoding_stats`): a page is decoded whole, so slicing a
 * one-page column decodes it once per slice and saves nothing. Unknown page counts mean one slice.
 */
function slicesOf(metadata: FileMetaData, group: RowGroup): number {
  if (!isFlat(metadata)) return 1;
  let pages = Number.POSITIVE_INFINITY;
  for (const chunk of group.columns) {
    const stats = chunk.meta_data?.encoding_stats;
    if (stats === undefined) return 1;
    const data = stats.filter((s) => s.page_type === 'DATA_PAGE' || s.page_type === 'DATA_PAGE_V2');
    pages = Math.min(
      pages,
      data.reduce((n, s) => n + s.count, 0),
    );
  }
  const wanted = Math.ceil(Number(group.total_byte_size) / SLICE_BYTES);
  return Math.max(1, Math.min(wanted, pages));
}

/** The footer, or a DatasetReadError saying why it cannot be read (a truncated file loses its footer first). */
export async function readParquetMetadata(src: ByteSource): Promise<FileMetaData> {
  if (!hasParquetMagic(src)) {
    throw new DatasetReadError('no PAR1 magic at both ends: the Parquet file is truncated or not Parquet');
  }
  try {
    return await parquetMetadataAsync(asyncBufferOf(src));
  } catch (err) {
    throw new DatasetReadError(`the Parquet footer cannot be read: ${(err as Error).message}`);
  }
}

/** Every row as a record, one row group at a time. */
export async function* readParquet(
  src: ByteSource,
  limits: ReaderLimits = DEFAULT_READER_LIMITS,
  maxRowGroupBytes = MAX_ROW_GROUP_BYTES,
): AsyncGenerator<ReaderItem> {
  const metadata = await readParquetMetadata(src);
  const file = asyncBufferOf(src);
  let rowStart = 0;
  let index = 0;
  for (const [g, group] of metadata.row_groups.entries()) {
    const rows = Number(group.num_rows);
    const rowEnd = rowStart + rows;
    // Flat multi-page columns are decoded a slice of rows at a time (hyparquet skips the pages outside the
    // range), so only the raw chunks and one slice's values are held: the cap is then on the raw (compressed)
    // bytes. Other row groups are decoded whole, and the cap is on their uncompressed size.
    const slices = slicesOf(metadata, group);
    const held =
      slices > 1
        ? group.columns.reduce((n, c) => n + Number(c.meta_data?.total_compressed_size ?? 0), 0)
        : Number(group.total_byte_size);
    if (held > maxRowGroupBytes) {
      const what = slices > 1 ? 'compressed' : 'uncompressed';
      yield {
        kind: 'error',
        error: {
          index: rowStart,
          message: `row group ${g} (rows ${rowStart}-${rowEnd - 1}) is ${held} bytes ${what}, over the ${maxRowGroupBytes}-byte cap: not read`,
          skippedRecords: rows,
        },
      };
      index += rows;
      rowStart = rowEnd;
      continue;
    }
    const step = Math.max(1, Math.ceil(rows / slices));
    for (let from = rowStart; from < rowEnd; from += step) {
      let values: Record<string, unknown>[] = [];
      try {
        await parquetRead({
          file,
          metadata,
          rowStart: from,
          rowEnd: Math.min(rowEnd, from + step),
          rowFormat: 'object',
          compressors,
          // Byte arrays without a string annotation stay bytes: checks look at them as blobs (pickles, code).
          utf8: false,
          onComplete: (got) => {
            values = got;
          },
        });
      } catch (err) {
        throw new DatasetReadError(`row group ${g} cannot be read: ${(err as Error).message}`);
      }
      for (const value of values) {
        yield* recordItems(value, index++, limits);
        if (limits.maxRecords !== undefined && index >= limits.maxRecords) {
          yield stoppedAt(limits.maxRecords);
          return;
        }
      }
    }
    file.forget();
    rowStart = rowEnd;
  }
}
