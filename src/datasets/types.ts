/**
 * The data-set scanner's vocabulary. Readers (one per container format: JSONL/JSON, CSV/TSV, Parquet, Arrow
 * IPC) turn a file into a stream of DatasetRecords in one shape, whatever the schema (chat `messages`,
 * Alpaca `instruction`/`input`/`output`, `prompt`/`completion`, ShareGPT `conversations`, plain columns).
 * Record checks judge one record at a time; set analysers see every record once and report at the end
 * (backdoor triggers, repeated answers, label flips). Neither ever holds the whole file.
 */
import type { Finding, Location } from '../core/finding.ts';
import type { RuleMeta } from '../core/rule.ts';

/** The container a reader understands, decided from the bytes (and the name only for CSV vs TSV). */
export type DatasetFormat = 'jsonl' | 'json' | 'csv' | 'tsv' | 'parquet' | 'arrow';

/** The record layout recognised from its keys; `columns` when nothing more specific matched. */
export type DatasetSchema =
  | 'chat'
  | 'alpaca'
  | 'prompt-completion'
  | 'sharegpt'
  | 'text'
  | 'classification'
  | 'columns';

/**
 * Which side of the training pair a text is on. `prompt` is what the model is shown (system, user, tool,
 * instruction, input); `answer` is what the model is taught to say (assistant, output, completion, chosen).
 * Checks treat them differently: an injection in an answer teaches the model to obey it.
 */
export type TextRole = 'system' | 'prompt' | 'answer' | 'other';

/** One text field of a record. */
export interface RecordText {
  /** Where the text sits in the record, as a path a user can find: `messages[2].content`, `output`, `text`. */
  field: string;
  role: TextRole;
  text: string;
}

/** One record (a JSONL line, a CSV row, a Parquet/Arrow row), normalised. */
export interface DatasetRecord {
  /** 0-based index of the record in its file (JSONL: non-empty line number; CSV: data row; Parquet: row). */
  index: number;
  /** 1-based line in the file, for line-oriented formats (JSONL, CSV/TSV); absent for binary ones. */
  line?: number;
  schema: DatasetSchema;
  /** Every string field, in record order (nested chat turns flattened in order). */
  texts: RecordText[];
  /** The class label of a classification record (`label`, `labels`, `class`, `category`...) as a string. */
  label?: string;
  /**
   * Non-text values worth a look that are not in `texts`: binary cells (Parquet BYTE_ARRAY without a UTF-8
   * annotation, Arrow Binary) and long base64-looking strings. Checks look for pickles and encoded code here.
   */
  blobs?: { field: string; bytes: Uint8Array }[];
}

/** A problem reading the file that is not fatal to the scan: a bad JSONL line, a ragged CSV row. */
export interface RecordError {
  index?: number;
  line?: number;
  message: string;
  /**
   * Records this error kept from being read at all, when more than the one it is about (a Parquet row group
   * over the memory cap): the handler counts them toward the unread share.
   */
  skippedRecords?: number;
}

/** What a reader yields: records, and per-record problems as they come. */
export type ReaderItem = { kind: 'record'; record: DatasetRecord } | { kind: 'error'; error: RecordError };

/** Bounds every reader honours so a hostile file cannot exhaust memory or time. */
export interface ReaderLimits {
  /** A single record (line, row, cell) larger than this is reported and skipped (default 16 MiB). */
  maxRecordBytes: number;
  /** Stop after this many records and say so (default unlimited). */
  maxRecords?: number;
  /** JSON nesting deeper than this is reported, not followed (default 64). */
  maxDepth: number;
}

/** Where a record check fired: the file (and archive member) plus the record and the field. */
export interface RecordLocation {
  /** The file the record is in, as the scan's Location (path, member). */
  file: Location;
  record: DatasetRecord;
}

/**
 * A record rule's state for one file: the guard instance it reuses for every record (created lazily, so a
 * file with no text that needs it never builds one) and caps on how many records it reports one by one.
 */
export interface RecordPass {
  check(record: DatasetRecord, where: RecordLocation): Finding[];
  /** After the last record: one total for what the pass stopped reporting record by record, if anything. */
  finish?(file: Location): Finding[];
  /**
   * True when the record just checked was flagged, even if `check` returned nothing because the pass is past
   * its report cap. The handler's summary counts flagged records with it; without it, only reported ones.
   */
  lastFlagged?(): boolean;
}

/**
 * A rule on one record (`dataset/<name>`, source at src/scan/rules/dataset/<name>.ts). Pure: no I/O, bounded
 * time, and it never keeps the record.
 *
 * Rules with per-file state implement `start`: the handler calls it once per file and uses the pass (its
 * `check` for every record, its `finish` at the end) instead of `check`; `startRecordPasses` in
 * src/scan/rules/dataset/index.ts does that for the registry. `check` alone stays correct (a fresh pass per
 * call) but pays the set-up every time.
 */
export interface RecordRule {
  meta: RuleMeta;
  check(record: DatasetRecord, where: RecordLocation): Finding[];
  start?(): RecordPass;
}

/**
 * One pass over the whole set: `observe` sees each record once in order and keeps only bounded state
 * (counters, hashes, small samples); `finish` reports.
 */
export interface SetPass {
  observe(record: DatasetRecord): void;
  finish(file: Location): Finding[];
}

/** A whole-set rule (`dataset/<name>`): a fresh pass per file scanned. */
export interface SetRule {
  meta: RuleMeta;
  start(): SetPass;
}

/** The set summary the handler reports at the end (`dataset/summary`, info). */
export interface DatasetSummary {
  format: DatasetFormat;
  schema: DatasetSchema;
  records: number;
  /** Records with at least one record-check finding. */
  flaggedRecords: number;
  /** Share of records per detected script/language family (`latin`, `cyrillic`, `cjk`...), most common first. */
  languages: { name: string; share: number }[];
  /** Field names seen, most common first (capped). */
  fields: string[];
  readErrors: number;
}
