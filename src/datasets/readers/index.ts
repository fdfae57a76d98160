/** One entry point over every reader: the format decides which one turns the bytes into records. */
import type { ByteSource } from '../../formats/byte-source.ts';
import type { DatasetFormat, ReaderItem, ReaderLimits } from '../types.ts';
import { readArrow } from './arrow.ts';
import { DEFAULT_READER_LIMITS } from './common.ts';
import { readDelimited } from './csv.ts';
import { readJson } from './json.ts';
import { readJsonl } from './jsonl.ts';
import { readParquet } from './parquet.ts';

/** The records of `src` read as `format`; throws DatasetReadError (on iteration) when the file is unreadable. */
export function readDatasetItems(
  src: ByteSource,
  format: DatasetFormat,
  limits: ReaderLimits = DEFAULT_READER_LIMITS,
): Iterable<ReaderItem> | AsyncIterable<ReaderItem> {
  switch (format) {
    case 'jsonl':
      return readJsonl(src, limits);
    case 'json':
      return readJson(src, limits);
    case 'csv':
      return readDelimited(src, ',', limits);
    case 'tsv':
      return readDelimited(src, '\t', limits);
    case 'parquet':
      return readParquet(src, limits);
    case 'arrow':
      return readArrow(src, limits);
  }
}
