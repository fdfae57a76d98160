/** The data-set scanner's readers and record model (see types.ts for the vocabulary). */
export { datasetFormatOfName, detectBinaryDataset, detectTextDataset } from './detect.ts';
export { type Normalised, type NormaliseLimits, normaliseRecord } from './normalise.ts';
export { hasArrowFileMagic, looksLikeArrowStream, readArrow } from './readers/arrow.ts';
export { DatasetReadError, DEFAULT_READER_LIMITS } from './readers/common.ts';
export { readDelimited } from './readers/csv.ts';
export { readDatasetItems } from './readers/index.ts';
export { readJson } from './readers/json.ts';
export { readJsonl } from './readers/jsonl.ts';
export { hasParquetMagic, MAX_ROW_GROUP_BYTES, readParquet, readParquetMetadata } from './readers/parquet.ts';
export { dominantScript, SummaryAccumulator } from './summary.ts';
export type * from './types.ts';
