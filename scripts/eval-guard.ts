/**
 * Guard evaluation: `npm run eval:guard -- FILE.jsonl... [--split test|all] [--preset balanced] [--json]`.
 *
 * Each FILE holds one JSON object per line: `{text, label: 'injection'|'jailbreak'|'benign', source, kind}`.
 * With `--split test` (the default) only rows whose text falls in the held-out split (`isHeldOut`, one text
 * in five by hash, never trained on) are used; `--split all` uses every row.
 *
 * For each file, and pooled over all of them, it prints for Parapet's `scanInput` (detected = action is
 * `flag` or `block`; `redact` passes the text on with secrets masked; rows of kind `indirect` are scanned
 * as documents, `source: 'document'`) and for the two npm peers (`vard`, `llm_guardrail`, see guard-peers.ts), in the same run:
 *   detection rate on injection + jailbreak rows, false-positive rate on benign rows, balanced accuracy
 *   (mean of TPR and TNR; n/a when only one kind of label is present), latency p50/p99 per row
 *   (performance.now around each call, after a warm-up of 50 calls).
 * The verdict column says, per file, whether Parapet's FP rate is at most 2% (files with benign rows) and
 * whether Parapet beats, ties or loses to each peer: by BA on mixed files, detection on attack-only files,
 * FP rate on benign-only files.
 *
 * Exit code 0 whatever the numbers; 2 for a usage error or a file that does not exist. Lines that are not
 * valid JSON, or lack a string `text` or a known `label`, are counted and reported, not fatal.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isHeldOut } from '../src/guard/classifier/split.ts';
import { createGuard } from '../src/guard/guard.ts';
import type { PresetName } from '../src/guard/policy-types.ts';
import { peerSystems } from './guard-peers.ts';

// ---- rows ----------------------------------------------------------------------------------------

export type Label = 'injection' | 'jailbreak' | 'benign';
const LABELS: readonly Label[] = ['injection', 'jailbreak', 'benign'];

export interface Row {
  text: string;
  label: Label;
  source?: string;
  kind?: string;
}

export interface ParsedRows {
  rows: Row[];
  /** Non-empty lines that are not JSON. */
  badJson: number;
  /** JSON lines without a string `text` or with a label other than injection / jailbreak / benign. */
  badShape: number;
  /** 1-based line numbers of the first few invalid lines. */
  invalidLines: number[];
}

export function parseJsonl(content: string): ParsedRows {
  const out: ParsedRows = { rows: [], badJson: 0, badShape: 0, invalidLines: [] };
  const lines = content.split('\n');
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      out.badJson++;
      if (out.invalidLines.length < 10) out.invalidLines.push(i + 1);
      return;
    }
    const o = value as Partial<Record<keyof Row, unknown>> | null;
    if (
      typeof o !== 'object' ||
      o === null ||
      typeof o.text !== 'string' ||
      !LABELS.includes(o.label as Label)
    ) {
      out.badShape++;
      if (out.invalidLines.length < 10) out.invalidLines.push(i + 1);
      return;
    }
    const row: Row = { text: o.text, label: o.label as Label };
    if (typeof o.source === 'string') row.source = o.source;
    if (typeof o.kind === 'string') row.kind = o.kind;
    out.rows.push(row);
  });
  return out;
}

export type Split = 'test' | 'all';

export function selectRows(rows: readonly Row[], split: Split): Row[] {
  return split === 'all' ? [...rows] : rows.filter((r) => isHeldOut(r.text));
}

// ---- systems -------------------------------------------------------------------------------------

/** A system's answer: detected or not, with the rule ids that fired when the system names them. */
export type SystemAnswer = boolean | { detected: boolean; rules?: readonly string[] };

export interface EvalSystem {
  name: string;
  version: string;
  /** `indirect` is true for rows the dataset marks as documents the model reads (kind: indirect). */
  detect(text: string, indirect?: boolean): SystemAnswer | Promise<SystemAnswer>;
}

export function parapetSystem(preset: PresetName): EvalSystem {
  const guard = createGuard(preset);
  return {
    name: 'parapet',
    version: `parapet guard, preset ${preset}, scanInput (detected = action is flag or block)`,
    detect: (text, indirect) => {
      // Indirect rows are documents the model reads, which is what `source: 'document'` tells the guard.
      const r = guard.scanInput(text, indirect ? { source: 'document' } : {});
      // `redact` lets the text through with secrets or personal data masked: not a detection of an attack.
      return {
        detected: r.action === 'block' || r.action === 'flag',
        rules: r.findings.map((f) => f.ruleId),
      };
    },
  };
}

// ---- metrics -------------------------------------------------------------------------------------

/** Raw tallies of one system over some rows. */
export interface Tally {
  /** Rows per label, and how many of them the system detected. */
  byLabel: Record<Label, { n: number; detected: number }>;
  /** Milliseconds per row (warm-up calls excluded). */
  latenciesMs: number[];
  /** Rule ids that fired, counted once per row, split by whether the row was an attack or benign. */
  rulesOnAttacks: Record<string, number>;
  rulesOnBenign: Record<string, number>;
}

export function emptyTally(): Tally {
  return {
    byLabel: {
      injection: { n: 0, detected: 0 },
      jailbreak: { n: 0, detected: 0 },
      benign: { n: 0, detected: 0 },
    },
    latenciesMs: [],
    rulesOnAttacks: {},
    rulesOnBenign: {},
  };
}

export function mergeTallies(tallies: readonly Tally[]): Tally {
  const out = emptyTally();
  for (const t of tallies) {
    for (const l of LABELS) {
      out.byLabel[l].n += t.byLabel[l].n;
      out.byLabel[l].detected += t.byLabel[l].detected;
    }
    for (const x of t.latenciesMs) out.latenciesMs.push(x);
    for (const [k, v] of Object.entries(t.rulesOnAttacks))
      out.rulesOnAttacks[k] = (out.rulesOnAttacks[k] ?? 0) + v;
    for (const [k, v] of Object.entries(t.rulesOnBenign))
      out.rulesOnBenign[k] = (out.rulesOnBenign[k] ?? 0) + v;
  }
  return out;
}

export interface Metrics {
  attacks: number;
  detected: number;
  /** detected / attacks (the TPR); null without attack rows. */
  detectionRate: number | null;
  benign: number;
  flagged: number;
  /** flagged / benign (1 − TNR); null without benign rows. */
  fpRate: number | null;
  /** (TPR + TNR) / 2 when both kinds of rows are present, else null. */
  balancedAccuracy: number | null;
  p50Ms: number | null;
  p99Ms: number | null;
  meanMs: number | null;
}

/** Nearest-rank percentile (p in [0, 1]) of an ascending array; null when empty. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.max(1, Math.ceil(p * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1] ?? null;
}

export function metrics(t: Tally): Metrics {
  const attacks = t.byLabel.injection.n + t.byLabel.jailbreak.n;
  const detected = t.byLabel.injection.detected + t.byLabel.jailbreak.detected;
  const benign = t.byLabel.benign.n;
  const flagged = t.byLabel.benign.detected;
  const detectionRate = attacks > 0 ? detected / attacks : null;
  const fpRate = benign > 0 ? flagged / benign : null;
  const balancedAccuracy =
    detectionRate !== null && fpRate !== null ? (detectionRate + (1 - fpRate)) / 2 : null;
  const sorted = [...t.latenciesMs].sort((a, b) => a - b);
  const meanMs = sorted.length > 0 ? sorted.reduce((a, b) => a + b, 0) / sorted.length : null;
  return {
    attacks,
    detected,
    detectionRate,
    benign,
    flagged,
    fpRate,
    balancedAccuracy,
    p50Ms: percentile(sorted, 0.5),
    p99Ms: percentile(sorted, 0.99),
    meanMs,
  };
}

// ---- running -------------------------------------------------------------------------------------

export const WARMUP_CALLS = 50;

/** Runs one system over the rows: a warm-up of `warmup` calls (cycling the rows), then one timed call per row. */
export async function runSystem(
  system: EvalSystem,
  rows: readonly Row[],
  warmup = WARMUP_CALLS,
): Promise<Tally> {
  const tally = emptyTally();
  if (rows.length === 0) return tally;
  for (let i = 0; i < warmup; i++) {
    const warm = rows[i % rows.length]!;
    const a = system.detect(warm.text, warm.kind === 'indirect');
    if (a instanceof Promise) await a;
  }
  for (const row of rows) {
    const t0 = performance.now();
    let a = system.detect(row.text, row.kind === 'indirect');
    if (a instanceof Promise) a = await a;
    const ms = performance.now() - t0;
    const detected = typeof a === 'boolean' ? a : a.detected;
    const rules = typeof a === 'boolean' ? [] : (a.rules ?? []);
    tally.latenciesMs.push(ms);
    const slot = tally.byLabel[row.label];
    slot.n++;
    if (detected) slot.detected++;
    const bucket = row.label === 'benign' ? tally.rulesOnBenign : tally.rulesOnAttacks;
    for (const rule of new Set(rules)) bucket[rule] = (bucket[rule] ?? 0) + 1;
  }
  return tally;
}

export type Outcome = 'beats' | 'ties' | 'loses' | 'n/a';

export interface Verdict {
  /** Which number decided: BA on mixed files, detection on attack-only, FP rate on benign-only. */
  basis: 'balanced accuracy' | 'detection' | 'false positives' | 'none';
  /** Parapet's FP rate ≤ 2%; null when the file has no benign rows. */
  fpWithin2Percent: boolean | null;
  vs: Record<string, Outcome>;
}

export const FP_TARGET = 0.02;

function compare(mine: number | null, theirs: number | null, higherIsBetter: boolean): Outcome {
  if (mine === null || theirs === null) return 'n/a';
  const d = higherIsBetter ? mine - theirs : theirs - mine;
  return Math.abs(d) < 1e-12 ? 'ties' : d > 0 ? 'beats' : 'loses';
}

/** Parapet (the first system) against each other system. */
export function verdict(bySystem: ReadonlyMap<string, Metrics>, reference = 'parapet'): Verdict {
  const mine = bySystem.get(reference);
  const vs: Record<string, Outcome> = {};
  if (mine === undefined) return { basis: 'none', fpWithin2Percent: null, vs };
  const basis: Verdict['basis'] =
    mine.balancedAccuracy !== null
      ? 'balanced accuracy'
      : mine.detectionRate !== null
        ? 'detection'
        : mine.fpRate !== null
          ? 'false positives'
          : 'none';
  for (const [name, m] of bySystem) {
    if (name === reference) continue;
    vs[name] =
      basis === 'balanced accuracy'
        ? compare(mine.balancedAccuracy, m.balancedAccuracy, true)
        : basis === 'detection'
          ? compare(mine.detectionRate, m.detectionRate, true)
          : basis === 'false positives'
            ? compare(mine.fpRate, m.fpRate, false)
            : 'n/a';
  }
  return { basis, fpWithin2Percent: mine.fpRate === null ? null : mine.fpRate <= FP_TARGET, vs };
}

export interface FileReport {
  file: string;
  path: string;
  /** Valid rows in the file, and those the split kept. */
  rowsValid: number;
  rowsUsed: number;
  badJson: number;
  badShape: number;
  invalidLines: number[];
  systems: Record<
    string,
    Metrics & { rulesOnAttacks: Record<string, number>; rulesOnBenign: Record<string, number> }
  >;
  verdict: Verdict;
}

export interface EvalReport {
  split: Split;
  systems: { name: string; version: string }[];
  files: FileReport[];
  pooled: Omit<FileReport, 'file' | 'path' | 'invalidLines'> & { file: string };
}

function report(
  file: string,
  path: string,
  parsed: Omit<ParsedRows, 'rows'>,
  rowsValid: number,
  rowsUsed: number,
  tallies: ReadonlyMap<string, Tally>,
): FileReport {
  const systems: FileReport['systems'] = {};
  const byName = new Map<string, Metrics>();
  for (const [name, t] of tallies) {
    const m = metrics(t);
    byName.set(name, m);
    systems[name] = { ...m, rulesOnAttacks: t.rulesOnAttacks, rulesOnBenign: t.rulesOnBenign };
  }
  return {
    file,
    path,
    rowsValid,
    rowsUsed,
    badJson: parsed.badJson,
    badShape: parsed.badShape,
    invalidLines: parsed.invalidLines,
    systems,
    verdict: verdict(byName, [...tallies.keys()][0]),
  };
}

/** The core: parses each file, keeps the split, runs every system, and computes per-file and pooled figures. */
export async function evaluateFiles(
  paths: readonly string[],
  systems: readonly EvalSystem[],
  options: { split: Split; warmup?: number },
): Promise<EvalReport> {
  const files: FileReport[] = [];
  const all = new Map<string, Tally[]>(systems.map((s) => [s.name, []]));
  let valid = 0;
  let used = 0;
  let badJson = 0;
  let badShape = 0;
  for (const path of paths) {
    const parsed = parseJsonl(readFileSync(path, 'utf8'));
    const rows = selectRows(parsed.rows, options.split);
    const tallies = new Map<string, Tally>();
    for (const system of systems) {
      const t = await runSystem(system, rows, options.warmup ?? WARMUP_CALLS);
      tallies.set(system.name, t);
      all.get(system.name)!.push(t);
    }
    files.push(report(basename(path), path, parsed, parsed.rows.length, rows.length, tallies));
    valid += parsed.rows.length;
    used += rows.length;
    badJson += parsed.badJson;
    badShape += parsed.badShape;
  }
  const pooledTallies = new Map([...all].map(([name, ts]) => [name, mergeTallies(ts)]));
  const pooled = report('pooled', '', { badJson, badShape, invalidLines: [] }, valid, used, pooledTallies);
  return {
    split: options.split,
    systems: systems.map((s) => ({ name: s.name, version: s.version })),
    files,
    pooled: {
      file: pooled.file,
      rowsValid: pooled.rowsValid,
      rowsUsed: pooled.rowsUsed,
      badJson: pooled.badJson,
      badShape: pooled.badShape,
      systems: pooled.systems,
      verdict: pooled.verdict,
    },
  };
}

// ---- printing ------------------------------------------------------------------------------------

const pct = (x: number | null): string => (x === null ? '—' : `${(x * 100).toFixed(1)}%`);
const ms = (x: number | null): string => (x === null ? '—' : x < 10 ? x.toFixed(3) : x.toFixed(1));
const frac = (n: number, d: number, rate: number | null): string =>
  d === 0 ? '—' : `${n}/${d} ${pct(rate)}`;

function verdictText(v: Verdict): string {
  const parts: string[] = [];
  if (v.fpWithin2Percent !== null) parts.push(`FP≤2% ${v.fpWithin2Percent ? 'yes' : 'NO'}`);
  const vs = Object.entries(v.vs);
  if (vs.length > 0 && v.basis !== 'none') {
    const short = v.basis === 'balanced accuracy' ? 'BA' : v.basis === 'detection' ? 'det' : 'FP';
    parts.push(`${short}: ${vs.map(([name, o]) => `${o} ${name}`).join(', ')}`);
  }
  return parts.join(' · ');
}

function topRules(rules: Record<string, number>, n = 4): string {
  return Object.entries(rules)
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([r, c]) => `${r} ${c}`)
    .join(', ');
}

export function formatReport(r: EvalReport): string {
  type Line = {
    file: string;
    rows: string;
    system: string;
    det: string;
    fp: string;
    ba: string;
    p50: string;
    p99: string;
    verdict: string;
  };
  const lines: Line[] = [];
  const notes: string[] = [];
  const add = (f: Pick<FileReport, 'file' | 'rowsUsed' | 'rowsValid' | 'systems' | 'verdict'>) => {
    Object.entries(f.systems).forEach(([name, m], i) => {
      lines.push({
        file: i === 0 ? f.file : '',
        rows: i === 0 ? `${f.rowsUsed}/${f.rowsValid}` : '',
        system: name,
        det: frac(m.detected, m.attacks, m.detectionRate),
        fp: frac(m.flagged, m.benign, m.fpRate),
        ba: m.balancedAccuracy === null ? 'n/a' : m.balancedAccuracy.toFixed(3),
        p50: ms(m.p50Ms),
        p99: ms(m.p99Ms),
        verdict: i === 0 ? verdictText(f.verdict) : '',
      });
    });
  };
  for (const f of r.files) {
    add(f);
    if (f.badJson + f.badShape > 0) {
      notes.push(
        `${f.file}: ${f.badJson + f.badShape} invalid row(s) skipped (${f.badJson} not JSON, ${f.badShape} without text/label; ` +
          `line${f.invalidLines.length > 1 ? 's' : ''} ${f.invalidLines.join(', ')}${f.badJson + f.badShape > f.invalidLines.length ? ', …' : ''})`,
      );
    }
    const first = Object.entries(f.systems)[0];
    if (first !== undefined && first[1].flagged > 0) {
      notes.push(`${f.file}: ${first[0]} rules on benign rows: ${topRules(first[1].rulesOnBenign)}`);
    }
  }
  add({ ...r.pooled, file: 'pooled (all files)' });
  const head: Line = {
    file: 'file',
    rows: `rows (${r.split})`,
    system: 'system',
    det: 'detection',
    fp: 'false positives',
    ba: 'BA',
    p50: 'p50 ms',
    p99: 'p99 ms',
    verdict: 'verdict (parapet)',
  };
  const keys = Object.keys(head) as (keyof Line)[];
  const width = Object.fromEntries(
    keys.map((k) => [k, Math.max(head[k].length, ...lines.map((l) => l[k].length))]),
  );
  const right = new Set<keyof Line>(['rows', 'det', 'fp', 'ba', 'p50', 'p99']);
  const fmt = (l: Line) =>
    keys
      .map((k) => (right.has(k) ? l[k].padStart(width[k]!) : l[k].padEnd(width[k]!)))
      .join('  ')
      .trimEnd();
  const out: string[] = [];
  out.push(
    `split: ${r.split === 'test' ? 'test (held-out: one text in five by hash, never trained on)' : 'all rows'}`,
  );
  for (const s of r.systems) out.push(`  ${s.name.padEnd(14)} ${s.version}`);
  out.push('');
  out.push(fmt(head));
  let previousFile = '';
  for (const l of lines) {
    if (l.file !== '' && previousFile !== '') out.push('');
    if (l.file !== '') previousFile = l.file;
    out.push(fmt(l));
  }
  out.push('');
  out.push(
    'detection = attack rows (injection + jailbreak) flagged or blocked; false positives = benign rows flagged or blocked; indirect rows scanned as documents; ' +
      'BA = (TPR + TNR) / 2, n/a on single-label files;',
  );
  out.push(
    `latency per row after ${WARMUP_CALLS} warm-up calls; verdict: FP≤2% on files with benign rows, and parapet vs each peer ` +
      'by BA (mixed files), det (attack-only) or FP (benign-only).',
  );
  if (notes.length > 0) {
    out.push('');
    for (const n of notes) out.push(n);
  }
  return out.join('\n');
}

// ---- command line --------------------------------------------------------------------------------

const USAGE =
  'usage: npm run eval:guard -- FILE.jsonl... [--split test|all] [--preset strict|balanced|permissive] [--json]';
const PRESETS: readonly PresetName[] = ['strict', 'balanced', 'permissive'];

function usage(message: string): never {
  process.stderr.write(`eval-guard: ${message}\n${USAGE}\n`);
  process.exit(2);
}

export interface CliOptions {
  files: string[];
  split: Split;
  preset: PresetName;
  json: boolean;
}

/** Parses the arguments; a string is a usage error. */
export function parseArgs(argv: readonly string[]): CliOptions | string {
  const opts: CliOptions = { files: [], split: 'test', preset: 'balanced', json: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const [name, inline] =
      a.startsWith('--') && a.includes('=')
        ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)]
        : [a, undefined];
    const value = (): string | undefined => inline ?? argv[++i];
    if (name === '--json') opts.json = true;
    else if (name === '--split') {
      const v = value();
      if (v !== 'test' && v !== 'all') return `--split must be test or all (got ${v ?? 'nothing'})`;
      opts.split = v;
    } else if (name === '--preset') {
      const v = value();
      if (!PRESETS.includes(v as PresetName))
        return `--preset must be one of ${PRESETS.join(', ')} (got ${v ?? 'nothing'})`;
      opts.preset = v as PresetName;
    } else if (name === '--help' || name === '-h') return 'help';
    else if (name.startsWith('-')) return `unknown option ${name}`;
    else opts.files.push(a);
  }
  if (opts.files.length === 0) return 'no FILE.jsonl given';
  return opts;
}

async function main(): Promise<void> {
  const parsed = parseArgs(process.argv.slice(2));
  if (parsed === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (typeof parsed === 'string') usage(parsed);
  for (const f of parsed.files) {
    if (!existsSync(f)) usage(`${f}: no such file`);
    if (!statSync(f).isFile()) usage(`${f}: not a file`);
  }
  const systems: EvalSystem[] = [parapetSystem(parsed.preset), ...(await peerSystems())];
  const t0 = performance.now();
  const result = await evaluateFiles(
    parsed.files.map((f) => resolve(f)),
    systems,
    { split: parsed.split },
  );
  const seconds = (performance.now() - t0) / 1000;
  if (parsed.json) {
    process.stdout.write(`${JSON.stringify({ preset: parsed.preset, seconds, ...result }, null, 2)}\n`);
  } else {
    process.stdout.write(`parapet guard eval: preset ${parsed.preset}, ${parsed.files.length} file(s)\n`);
    process.stdout.write(`${formatReport(result)}\n`);
    process.stdout.write(`eval time ${seconds.toFixed(1)} s\n`);
  }
}

const invoked = process.argv[1];
if (invoked !== undefined && import.meta.url === pathToFileURL(resolve(invoked)).href) {
  await main();
}
