/**
 * Fine-tuning and RAG data sets (JSONL, JSON, CSV/TSV, Parquet, Arrow IPC). The file is streamed record by
 * record: each record goes through the record rules and is shown once to every whole-set rule's pass, which
 * reports at the end; nothing holds the whole file. Findings per rule are capped per file (a poisoned 1 GB
 * file must not emit millions), a `dataset/summary` says what the set holds, and a file that claims to be a
 * data set but cannot be read is reported as `dataset/unreadable`, never passed over as clean.
 */
import type { Finding } from '../../core/finding.ts';
import { maxSeverity, type Severity } from '../../core/severity.ts';
import { detectBinaryDataset, detectTextDataset } from '../../datasets/detect.ts';
import { DEFAULT_READER_LIMITS } from '../../datasets/readers/common.ts';
import { readDatasetItems } from '../../datasets/readers/index.ts';
import { SummaryAccumulator } from '../../datasets/summary.ts';
import type {
  DatasetFormat,
  DatasetRecord,
  DatasetSummary,
  ReaderItem,
  ReaderLimits,
  RecordError,
  RecordPass,
  RecordRule,
  SetPass,
  SetRule,
} from '../../datasets/types.ts';
import type { ByteSource } from '../../formats/byte-source.ts';
import { baseNameOf, type HandlerContext, type NestedOutcome } from '../context.ts';
import type { FormatHandler } from '../format-handler.ts';
import { DATASET_RECORD_RULES, DATASET_SET_RULES, startRecordPasses } from '../rules/dataset/index.ts';
import { datasetSummaryMeta } from '../rules/dataset/summary.ts';
import { datasetUnreadableMeta } from '../rules/dataset/unreadable.ts';

/** Findings one rule may report one by one per file; the rest become a single "+N more" finding. */
export const MAX_FINDINGS_PER_RULE = 100;
/** A file with more than this share of unreadable records is reported unreadable rather than summarised. */
const MAX_UNREAD_SHARE = 0.1;
/** ...provided at least this many failed: two bad lines in a ten-line file are a typo, not a broken file. */
const MIN_UNREAD_FOR_SHARE = 3;
/** Read errors quoted in the summary and unreadable evidence. */
const ERROR_EXAMPLES = 5;
/** Records between two yields to the event loop, so timers and progress output keep running. */
const YIELD_EVERY = 4096;

/** What a caller may change about one data-set scan (tests inject rules, the bench turns them off). */
export interface DatasetScanOptions {
  recordRules?: readonly RecordRule[];
  setRules?: readonly SetRule[];
  limits?: Partial<ReaderLimits>;
  /** Bytes of the file read so far, as reading goes (for a progress bar). */
  onProgress?: (doneBytes: number, totalBytes: number) => void;
  maxFindingsPerRule?: number;
}

/** What one data-set scan found, beyond the findings pushed into the context's result. */
export interface DatasetScanReport {
  summary: DatasetSummary;
  /** Why the file is unreadable, when it is. */
  unreadable?: string;
}

/** Parquet and Arrow IPC, recognised by their bytes (goes in BINARY_FORMATS). */
export const datasetBinaryFormat: FormatHandler = {
  id: 'dataset-binary',
  detect: (src) => detectBinaryDataset(src) !== undefined,
  handle: async (src, ctx) => {
    const format = detectBinaryDataset(src);
    if (format === undefined) return 'not-a-model-format';
    await scanDataset(src, ctx, format, { ...progressOf(ctx) });
    return 'analysed';
  },
};

/**
 * JSONL and JSON by their content, CSV/TSV by name plus the header, and any file NAMED as a data set
 * (`*.parquet`, `*.jsonl`...) whose bytes did not match, so it is reported as unreadable (goes in TEXT_FORMATS).
 */
export const datasetTextFormat: FormatHandler = {
  id: 'dataset',
  detect: (src, name) => detectTextDataset(src, name) !== undefined,
  handle: async (src, ctx): Promise<NestedOutcome> => {
    const format = detectTextDataset(src, baseNameOf(ctx.location));
    if (format === undefined) return 'not-a-model-format';
    await scanDataset(src, ctx, format, { ...progressOf(ctx) });
    return 'analysed';
  },
};

/** The scan's progress hook (ScanOptions.onProgress), told which file this is. */
function progressOf(ctx: HandlerContext): Pick<DatasetScanOptions, 'onProgress'> {
  const progress = ctx.services.progress;
  if (progress === undefined) return {};
  const location = { ...ctx.location };
  return { onProgress: (done, total) => progress(location, done, total) };
}

/**
 * Streams `src` as a `format` data set through the record and set rules, pushing findings (capped per rule),
 * the summary and, when the file cannot be read in full, `dataset/unreadable` into `ctx.result`.
 */
export async function scanDataset(
  src: ByteSource,
  ctx: HandlerContext,
  format: DatasetFormat,
  options: DatasetScanOptions = {},
): Promise<DatasetScanReport> {
  const limits: ReaderLimits = { ...DEFAULT_READER_LIMITS, ...options.limits };
  const sink = new CappedFindings(ctx, options.maxFindingsPerRule ?? MAX_FINDINGS_PER_RULE);
  const recordPasses = startGuarded(
    options.recordRules ?? DATASET_RECORD_RULES,
    (rules) => startRecordPasses(rules),
    ctx,
  );
  const setPasses = startGuarded(
    options.setRules ?? DATASET_SET_RULES,
    (rules) => rules.map((r) => r.start()),
    ctx,
  );
  const stats = new SummaryAccumulator(format);
  const errors: RecordError[] = [];
  let skippedRecords = 0;
  let fatal: string | undefined;

  const onRecord = (record: DatasetRecord): void => {
    const where = { file: ctx.location, record };
    let flagged = false;
    for (const p of recordPasses) {
      const found = p.run((pass: RecordPass) => pass.check(record, where), `record ${record.index}`);
      if (found !== undefined && found.length > 0) {
        flagged = true;
        sink.push(found);
      } else if (
        p.run((pass: RecordPass) => pass.lastFlagged?.() === true, `record ${record.index}`) === true
      ) {
        flagged = true; // past the rule's own report cap: counted, not reported
      }
    }
    for (const p of setPasses) p.run((pass: SetPass) => pass.observe(record), `record ${record.index}`);
    stats.observe(record, flagged);
  };
  const onItem = (item: ReaderItem): void => {
    if (item.kind === 'record') onRecord(item.record);
    else {
      stats.readError();
      skippedRecords += item.error.skippedRecords ?? 0;
      if (errors.length < ERROR_EXAMPLES) errors.push(item.error);
    }
  };

  const source = options.onProgress === undefined ? src : withProgress(src, options.onProgress);
  try {
    const items = readDatasetItems(source, format, limits);
    let n = 0;
    if (Symbol.asyncIterator in items) {
      for await (const item of items) onItem(item);
    } else {
      for (const item of items) {
        onItem(item);
        if (++n % YIELD_EVERY === 0) await new Promise((resolve) => setImmediate(resolve));
      }
    }
  } catch (err) {
    fatal = err instanceof Error ? err.message : String(err);
  }

  for (const p of recordPasses)
    sink.push(p.run((pass: RecordPass) => pass.finish?.(ctx.location) ?? [], 'the end') ?? []);
  for (const p of setPasses) sink.push(p.run((pass: SetPass) => pass.finish(ctx.location), 'the end') ?? []);
  sink.flush();

  const summary = stats.summary();
  const unread = stats.errorCount + skippedRecords;
  const attempted = stats.recordCount + unread;
  let unreadable = fatal;
  if (unreadable === undefined && unread > 0) {
    if (stats.recordCount === 0) unreadable = `none of its ${stats.errorCount} records could be read`;
    else if (unread >= MIN_UNREAD_FOR_SHARE && unread / attempted > MAX_UNREAD_SHARE) {
      unreadable = `${unread} of ${attempted} records could not be read`;
    }
  }
  const examples = errors.map(describeRecordError);
  if (unreadable !== undefined) {
    ctx.result.findings.push({
      ruleId: datasetUnreadableMeta.id,
      severity: datasetUnreadableMeta.severity,
      message: `${FORMAT_NAMES[format]} data set could not be read in full (${stats.recordCount} records checked): ${unreadable}`,
      location: { ...ctx.location },
      evidence: {
        format,
        reason: unreadable,
        recordsRead: stats.recordCount,
        readErrors: stats.errorCount,
        examples,
      },
    });
  }
  // A file with nothing read is fully described by its unreadable finding; an empty summary adds nothing.
  if (unreadable === undefined || stats.recordCount > 0) pushSummary(ctx, summary, examples);
  const report: DatasetScanReport = { summary };
  if (unreadable !== undefined) report.unreadable = unreadable;
  return report;
}

function pushSummary(ctx: HandlerContext, summary: DatasetSummary, examples: readonly string[]): void {
  ctx.result.findings.push({
    ruleId: datasetSummaryMeta.id,
    severity: datasetSummaryMeta.severity,
    message: summaryMessage(summary),
    location: { ...ctx.location },
    evidence: { ...summary, ...(examples.length > 0 ? { readErrorExamples: examples } : {}) },
  });
}

const FORMAT_NAMES: Record<DatasetFormat, string> = {
  jsonl: 'JSONL',
  json: 'JSON',
  csv: 'CSV',
  tsv: 'TSV',
  parquet: 'Parquet',
  arrow: 'Arrow IPC',
};

function summaryMessage(s: DatasetSummary): string {
  const share = s.records === 0 ? 0 : (100 * s.flaggedRecords) / s.records;
  const languages = s.languages
    .slice(0, 3)
    .map((l) => `${l.name} ${Math.round(l.share * 100)}%`)
    .join(', ');
  return (
    `${FORMAT_NAMES[s.format]} data set: ${s.records} records (${s.schema}), ` +
    `${s.flaggedRecords} flagged (${share.toFixed(share > 0 && share < 1 ? 2 : 0)}%)` +
    (languages === '' ? '' : `, ${languages}`) +
    (s.readErrors > 0 ? `, ${s.readErrors} read errors` : '')
  );
}

function describeRecordError(e: RecordError): string {
  const where =
    e.line !== undefined ? `line ${e.line}` : e.index !== undefined ? `record ${e.index}` : 'file';
  return `${where}: ${e.message}`;
}

/** A ByteSource that reports how many bytes have been read, capped at its size (footers are read twice). */
function withProgress(src: ByteSource, onProgress: (done: number, total: number) => void): ByteSource {
  let done = 0;
  return {
    size: src.size,
    readAt(offset, length) {
      const bytes = src.readAt(offset, length);
      done = Math.min(src.size, done + bytes.length);
      onProgress(done, src.size);
      return bytes;
    },
  };
}

/**
 * A rule's pass that cannot take the scan down: a rule that throws is reported once as a scan error (the scan
 * becomes incomplete) and is not run again on this file.
 */
interface GuardedPass<P> {
  run<T>(step: (pass: P) => T, at: string): T | undefined;
}

function startGuarded<R extends { meta: { id: string } }, P>(
  rules: readonly R[],
  start: (rules: readonly R[]) => P[],
  ctx: HandlerContext,
): GuardedPass<P>[] {
  return rules.flatMap((rule) => {
    let pass: P | undefined;
    const fail = (err: unknown, at: string): undefined => {
      pass = undefined;
      ctx.result.errors.push({
        path:
          ctx.location.member === undefined
            ? ctx.location.path
            : `${ctx.location.path}!${ctx.location.member}`,
        error: `rule ${rule.meta.id} failed at ${at} and was not applied to the rest of the file: ${err instanceof Error ? err.message : String(err)}`,
      });
      return undefined;
    };
    try {
      pass = start([rule])[0];
    } catch (err) {
      fail(err, 'the start');
      return [];
    }
    return [
      {
        run<T>(step: (p: P) => T, at: string): T | undefined {
          if (pass === undefined) return undefined;
          try {
            return step(pass);
          } catch (err) {
            return fail(err, at);
          }
        },
      },
    ];
  });
}

/** Findings per rule for one file: the first `cap` pushed as they come, the rest counted into one "+N more". */
class CappedFindings {
  private readonly counts = new Map<string, number>();
  private readonly overflow = new Map<string, { more: number; severity: Severity; records: number[] }>();

  constructor(
    private readonly ctx: HandlerContext,
    private readonly cap: number,
  ) {}

  push(findings: readonly Finding[]): void {
    for (const f of findings) {
      const n = (this.counts.get(f.ruleId) ?? 0) + 1;
      this.counts.set(f.ruleId, n);
      if (n <= this.cap) {
        this.ctx.result.findings.push(f);
        continue;
      }
      const o = this.overflow.get(f.ruleId) ?? { more: 0, severity: 'info' as Severity, records: [] };
      o.more++;
      o.severity = maxSeverity(o.severity, f.severity);
      const record = f.evidence?.record;
      if (typeof record === 'number' && o.records.length < 20) o.records.push(record);
      this.overflow.set(f.ruleId, o);
    }
  }

  flush(): void {
    for (const [ruleId, o] of this.overflow) {
      this.ctx.result.findings.push({
        ruleId,
        severity: o.severity,
        message: `+${o.more} more ${ruleId} findings in this data set, not listed one by one (the first ${this.cap} are)`,
        location: { ...this.ctx.location },
        evidence: {
          more: o.more,
          listed: this.cap,
          ...(o.records.length > 0 ? { moreRecords: o.records } : {}),
        },
      });
    }
  }
}
