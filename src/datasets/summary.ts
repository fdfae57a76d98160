/**
 * The running summary of one data set: record count, the most common schema, which scripts its texts are in,
 * which fields it has, how many records were flagged and how many could not be read. Bounded state only.
 */
import type { DatasetFormat, DatasetRecord, DatasetSchema, DatasetSummary } from './types.ts';

/** Characters of each record looked at to tell its script: enough to decide, cheap for millions of records. */
const SCRIPT_SAMPLE_CHARS = 400;
/** Distinct field names tracked; a set with more columns than this is summarised by the first ones seen. */
const MAX_FIELDS_TRACKED = 1000;
const FIELDS_REPORTED = 50;

/** Unicode ranges of the scripts a data set's language is told by, checked in order. */
const SCRIPTS: readonly [string, number, number][] = [
  ['latin', 0x41, 0x24f],
  ['greek', 0x370, 0x3ff],
  ['cyrillic', 0x400, 0x52f],
  ['armenian', 0x530, 0x58f],
  ['hebrew', 0x590, 0x5ff],
  ['arabic', 0x600, 0x6ff],
  ['devanagari', 0x900, 0x97f],
  ['bengali', 0x980, 0x9ff],
  ['thai', 0xe00, 0xe7f],
  ['georgian', 0x10a0, 0x10ff],
  ['hangul', 0x1100, 0x11ff],
  ['latin', 0x1e00, 0x1eff],
  ['kana', 0x3040, 0x30ff],
  ['cjk', 0x3400, 0x9fff],
  ['hangul', 0xac00, 0xd7af],
];

/** Script names, one slot each in the per-text counts (a name listed twice in SCRIPTS shares its slot). */
const SCRIPT_NAMES = [...new Set(SCRIPTS.map(([name]) => name))];
const SCRIPT_SLOT = SCRIPTS.map(([name]) => SCRIPT_NAMES.indexOf(name));
const LATIN = SCRIPT_NAMES.indexOf('latin');
const CJK = SCRIPT_NAMES.indexOf('cjk');
const KANA = SCRIPT_NAMES.indexOf('kana');

/** The script most letters of `text` are in, or undefined when it has no letters (numbers, code, empty). */
export function dominantScript(text: string): string | undefined {
  // Counts in a typed array indexed by script, ASCII letters decided inline: this runs on every record.
  const counts = new Uint16Array(SCRIPT_NAMES.length);
  const n = Math.min(text.length, SCRIPT_SAMPLE_CHARS);
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c < 0xc0) {
      if ((c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a)) counts[LATIN] = (counts[LATIN] ?? 0) + 1;
      continue; // other ASCII and Latin-1 punctuation are not letters
    }
    for (let s = 0; s < SCRIPTS.length; s++) {
      const range = SCRIPTS[s];
      if (range !== undefined && c >= range[1] && c <= range[2]) {
        const slot = SCRIPT_SLOT[s] ?? LATIN;
        counts[slot] = (counts[slot] ?? 0) + 1;
        break;
      }
    }
  }
  let best = -1;
  let most = 0;
  for (let s = 0; s < counts.length; s++) {
    const count = counts[s] ?? 0;
    if (count > most) [best, most] = [s, count];
  }
  // Japanese text mixes kana and kanji: any real share of kana makes it Japanese rather than Chinese.
  if (best === CJK && (counts[KANA] ?? 0) * 5 >= most) return 'kana';
  return best === -1 ? undefined : SCRIPT_NAMES[best];
}

/** The top-level column of a field path: `messages[2].content` → `messages`. */
function columnOf(field: string): string {
  const cut = field.search(/[[.]/);
  return cut === -1 ? field : field.slice(0, cut);
}

function ranked<K extends string>(counts: Map<K, number>): [K, number][] {
  return [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

/** Accumulates a DatasetSummary record by record. */
export class SummaryAccumulator {
  private records = 0;
  private flagged = 0;
  private errors = 0;
  private readonly schemas = new Map<DatasetSchema, number>();
  private readonly scripts = new Map<string, number>();
  private readonly fields = new Map<string, number>();

  constructor(private readonly format: DatasetFormat) {}

  observe(record: DatasetRecord, flagged: boolean): void {
    this.records++;
    if (flagged) this.flagged++;
    this.schemas.set(record.schema, (this.schemas.get(record.schema) ?? 0) + 1);
    const seen = new Set<string>();
    for (const t of record.texts) seen.add(columnOf(t.field));
    for (const b of record.blobs ?? []) seen.add(columnOf(b.field));
    for (const f of seen) {
      if (this.fields.has(f) || this.fields.size < MAX_FIELDS_TRACKED)
        this.fields.set(f, (this.fields.get(f) ?? 0) + 1);
    }
    // The record's language is that of its longest texts: sample them until enough characters are seen.
    let sample = '';
    for (const t of record.texts) {
      if (t.role === 'other') continue;
      sample += `${t.text.slice(0, SCRIPT_SAMPLE_CHARS - sample.length)} `;
      if (sample.length >= SCRIPT_SAMPLE_CHARS) break;
    }
    const script = dominantScript(sample.length > 1 ? sample : (record.texts[0]?.text ?? ''));
    if (script !== undefined) this.scripts.set(script, (this.scripts.get(script) ?? 0) + 1);
  }

  readError(): void {
    this.errors++;
  }

  get recordCount(): number {
    return this.records;
  }

  get errorCount(): number {
    return this.errors;
  }

  summary(): DatasetSummary {
    const total = this.records;
    return {
      format: this.format,
      schema: ranked(this.schemas)[0]?.[0] ?? 'columns',
      records: total,
      flaggedRecords: this.flagged,
      languages: ranked(this.scripts).map(([name, n]) => ({ name, share: round(n / Math.max(1, total)) })),
      fields: ranked(this.fields)
        .slice(0, FIELDS_REPORTED)
        .map(([f]) => f),
      readErrors: this.errors,
    };
  }
}

function round(share: number): number {
  return Math.round(share * 10_000) / 10_000;
}
