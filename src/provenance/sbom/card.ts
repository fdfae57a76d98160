/**
 * The model card's YAML front matter (README.md between `---` lines), as the Hub reads it: license,
 * datasets, base_model lineage, tags, language, pipeline_tag, library_name, metrics and model-index results.
 * The YAML is the card author's text: it is parsed as data only (core schema, no custom tags — an unknown
 * tag like `!!python/object` stays a plain string), with an alias budget and size caps, and every field is
 * type-checked. What cannot be read becomes a problem message; whatever was readable is still returned.
 */
import { parseDocument } from 'yaml';
import type { CardFacts } from './types.ts';

/** Front matter larger than this is not parsed (real cards are a few KiB; model-index tables, tens). */
export const MAX_FRONT_MATTER_BYTES = 256 * 1024;
/** Aliases expanded when converting (a "billion laughs" header stops here). */
const MAX_ALIASES = 100;
/** Entries kept per list and characters per string, so a hostile card cannot bloat the BOM. */
const MAX_LIST = 500;
const MAX_STRING = 1024;

/** An empty card: what a README without front matter yields. */
export function emptyCard(): CardFacts {
  return {
    licenses: [],
    datasets: [],
    baseModels: [],
    tags: [],
    languages: [],
    metricNames: [],
    results: [],
  };
}

/**
 * The YAML text between the opening `---` line and the next `---` (or `...`) line, or undefined when the
 * README has no front matter; `unterminated` when it opens one and never closes it.
 */
export function frontMatter(readme: string): string | 'unterminated' | undefined {
  const text = readme.startsWith('\uFEFF') ? readme.slice(1) : readme;
  const first = /^---[ \t]*\r?\n/.exec(text);
  if (first === null) return undefined;
  const rest = text.slice(first[0].length);
  const close = /^(?:---|\.\.\.)[ \t]*$/m.exec(rest);
  if (close === null) return 'unterminated';
  return rest.slice(0, close.index);
}

/** Reads the card facts from README text; `problems` says what could not be read. Never throws. */
export function parseCard(readme: string): { card: CardFacts; problems: string[] } {
  const card = emptyCard();
  const problems: string[] = [];
  const yamlText = frontMatter(readme);
  if (yamlText === undefined) return { card, problems };
  if (yamlText === 'unterminated') {
    problems.push('YAML front matter opens with --- but never closes; not read');
    return { card, problems };
  }
  if (Buffer.byteLength(yamlText) > MAX_FRONT_MATTER_BYTES) {
    problems.push(`YAML front matter is over ${MAX_FRONT_MATTER_BYTES} bytes; not read`);
    return { card, problems };
  }
  let root: unknown;
  try {
    const doc = parseDocument(yamlText, { schema: 'core', prettyErrors: false, uniqueKeys: false });
    const error = doc.errors[0];
    if (error !== undefined) {
      problems.push(`YAML front matter is not valid YAML: ${firstLine(error.message)}`);
      return { card, problems };
    }
    root = doc.toJS({ maxAliasCount: MAX_ALIASES });
  } catch (err) {
    problems.push(
      `YAML front matter could not be read: ${firstLine(err instanceof Error ? err.message : String(err))}`,
    );
    return { card, problems };
  }
  if (root === null || root === undefined) return { card, problems };
  if (typeof root !== 'object' || Array.isArray(root)) {
    problems.push('YAML front matter is not a mapping; not read');
    return { card, problems };
  }
  readFields(root as Record<string, unknown>, card, problems);
  return { card, problems };
}

function firstLine(s: string): string {
  const line = s.split('\n', 1)[0] ?? '';
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}

function clip(s: string): string {
  return s.length > MAX_STRING ? `${s.slice(0, MAX_STRING)}…` : s;
}

/** A scalar as text: strings as written, numbers and booleans as YAML would print them. */
function scalarText(v: unknown): string | undefined {
  if (typeof v === 'string') return v.trim() === '' ? undefined : clip(v.trim());
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}

/** A string or a list of strings (the Hub accepts both for most list fields). */
function stringList(data: Record<string, unknown>, key: string, problems: string[]): string[] {
  const v = data[key];
  if (v === undefined || v === null) return [];
  const items = Array.isArray(v) ? v : [v];
  const out: string[] = [];
  let bad = 0;
  for (const item of items) {
    const text = scalarText(item);
    if (text === undefined) bad++;
    else if (out.length < MAX_LIST && !out.includes(text)) out.push(text);
  }
  if (bad > 0) problems.push(`"${key}": ${bad} entr${bad === 1 ? 'y is' : 'ies are'} not a string; left out`);
  if (items.length > MAX_LIST) problems.push(`"${key}": only the first ${MAX_LIST} entries kept`);
  return out;
}

function oneString(data: Record<string, unknown>, key: string, problems: string[]): string | undefined {
  const v = data[key];
  if (v === undefined || v === null) return undefined;
  const text = scalarText(v);
  if (text === undefined) problems.push(`"${key}" is not a string; left out`);
  return text;
}

function readFields(data: Record<string, unknown>, card: CardFacts, problems: string[]): void {
  card.licenses = stringList(data, 'license', problems);
  const set = (
    key: 'licenseName' | 'licenseLink' | 'baseModelRelation' | 'pipelineTag' | 'libraryName',
    yamlKey: string,
  ) => {
    const v = oneString(data, yamlKey, problems);
    if (v !== undefined) card[key] = v;
  };
  set('licenseName', 'license_name');
  set('licenseLink', 'license_link');
  set('baseModelRelation', 'base_model_relation');
  set('pipelineTag', 'pipeline_tag');
  set('libraryName', 'library_name');
  card.datasets = stringList(data, 'datasets', problems);
  card.baseModels = stringList(data, 'base_model', problems);
  card.tags = stringList(data, 'tags', problems);
  card.languages = stringList(data, 'language', problems);
  card.metricNames = stringList(data, 'metrics', problems);
  readModelIndex(data['model-index'], card, problems);
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * `model-index: [{name, results: [{task: {type}, dataset: {name, type, split}, metrics: [{type, value}]}]}]`,
 * the Hub's evaluation-results format. Each metric with a value becomes one result; the dataset and split name
 * the slice it was measured on.
 */
function readModelIndex(index: unknown, card: CardFacts, problems: string[]): void {
  if (index === undefined || index === null) return;
  if (!Array.isArray(index)) {
    problems.push('"model-index" is not a list; left out');
    return;
  }
  let bad = 0;
  for (const model of index) {
    if (!isRecord(model) || !Array.isArray(model.results)) {
      bad++;
      continue;
    }
    for (const result of model.results) {
      if (!isRecord(result) || !Array.isArray(result.metrics)) {
        bad++;
        continue;
      }
      const dataset = isRecord(result.dataset) ? result.dataset : {};
      const name = scalarText(dataset.name) ?? scalarText(dataset.type);
      const split = scalarText(dataset.split);
      const slice = name === undefined ? undefined : split === undefined ? name : `${name} (${split})`;
      for (const metric of result.metrics) {
        const type = isRecord(metric) ? (scalarText(metric.type) ?? scalarText(metric.name)) : undefined;
        const value = isRecord(metric) ? scalarText(metric.value) : undefined;
        if (type === undefined || value === undefined) {
          bad++;
          continue;
        }
        if (card.results.length >= MAX_LIST) {
          problems.push(`"model-index": only the first ${MAX_LIST} results kept`);
          return;
        }
        card.results.push(slice === undefined ? { type, value } : { type, value, slice });
      }
    }
  }
  if (bad > 0)
    problems.push(
      `"model-index": ${bad} entr${bad === 1 ? 'y' : 'ies'} without a readable metric type and value; left out`,
    );
}
