/**
 * Measures the guard's input heuristic detectors on the prompt datasets: for each JSONL file (rows
 * `{text, label: "injection"|"jailbreak"|"benign", source, kind}`) and each detector, how many rows there
 * are and how often the detector fires (a detection at or above its default threshold) on attacks and on
 * benign rows, plus the union of all five. Each text is scanned as `runDetectors` in src/guard/guard.ts
 * scans input: the prepared text, then each decoded layer as its own view (invisible-text excepted).
 *
 *   npx tsx scripts/measure-heuristics.ts [DIR] [--examples N] [--detector ID] [--no-layers] [--dedupe-layers]
 *
 * DIR defaults to ../shared/datasets/prompts (a missing DIR prints a message and exits 0). `--examples N`
 * prints up to N benign rows each detector fired on (to review false positives); `--detector ID` limits the
 * run to one detector; `--no-layers` scans only the text itself; `--dedupe-layers` counts a detection in a
 * decoded layer only when its matched text does not also occur in the text itself (what the guard would
 * report if it ignored layer detections that add nothing the encoding hid).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { adversarialSuffixDetector } from '../src/guard/detectors/adversarial-suffix.ts';
import { instructionOverrideDetector } from '../src/guard/detectors/instruction-override.ts';
import { invisibleTextDetector } from '../src/guard/detectors/invisible-text.ts';
import { promptExtractionDetector } from '../src/guard/detectors/prompt-extraction.ts';
import { roleSpoofingDetector } from '../src/guard/detectors/role-spoofing.ts';
import { prepareText } from '../src/guard/prepare.ts';
import type { Detection, Detector, DetectorContext, PreparedText } from '../src/guard/types.ts';

const DETECTORS: readonly Detector[] = [
  instructionOverrideDetector,
  roleSpoofingDetector,
  promptExtractionDetector,
  invisibleTextDetector,
  adversarialSuffixDetector,
];

interface Row {
  text: string;
  label: string;
}

interface Counts {
  attacks: number;
  benign: number;
  attackHits: number;
  benignHits: number;
}

function parseArgs(argv: string[]): {
  dir: string;
  examples: number;
  layers: boolean;
  dedupe: boolean;
  only?: string;
} {
  let dir = '../shared/datasets/prompts';
  let examples = 0;
  let only: string | undefined;
  let layers = true;
  let dedupe = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    if (a === '--examples') examples = Number(argv[++i] ?? '0');
    else if (a === '--detector') only = argv[++i];
    else if (a === '--no-layers') layers = false;
    else if (a === '--dedupe-layers') dedupe = true;
    else dir = a;
  }
  return only === undefined ? { dir, examples, layers, dedupe } : { dir, examples, layers, dedupe, only };
}

/** One view of a row: the prepared text itself, or a decoded layer of it. */
interface View {
  prepared: PreparedText;
  layer?: string;
}

/** A text prepared as the guard prepares input: the text itself, then each decoded layer as guard.ts views it. */
function prepareAll(text: string, layers: boolean): View[] {
  const prepared = prepareText(text);
  if (!layers) return [{ prepared }];
  return [
    { prepared },
    ...prepared.decoded.map((layer) => ({
      prepared: {
        original: layer.text,
        normalized: layer.text,
        normalizedToOriginal: Uint32Array.from({ length: layer.text.length + 1 }, (_, i) => i),
        decoded: [],
      },
      layer: layer.encoding,
    })),
  ];
}

/**
 * The first detection at or above the detector's default threshold, on the text or a decoded layer. With
 * `dedupe`, a detection in a layer whose matched text also occurs in the text itself is not counted: it is
 * not new (the detector judged it there, with the line structure whole-text layers lose).
 */
function fires(
  detector: Detector,
  views: readonly View[],
  ctx: DetectorContext,
  dedupe: boolean,
): { detection: Detection; view: View } | undefined {
  const threshold = detector.meta.defaultThreshold;
  const base = views[0]?.prepared.normalized ?? '';
  for (const view of views) {
    // Invisible characters are judged on what the caller sent, not on a decoding of it (as guard.ts does).
    if (view.layer !== undefined && detector.meta.id === 'guard/invisible-text') continue;
    for (const d of detector.detect(view.prepared, ctx)) {
      if (d.score < threshold) continue;
      if (dedupe && view.layer !== undefined && d.span !== undefined) {
        const matched = prepareText(view.prepared.original.slice(d.span.start, d.span.end), {
          decode: false,
        });
        if (matched.normalized.length > 0 && base.includes(matched.normalized)) continue;
      }
      return { detection: d, view };
    }
  }
  return undefined;
}

function pct(n: number, d: number): string {
  return d === 0 ? '-' : `${((100 * n) / d).toFixed(2)}%`;
}

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

function main(): void {
  const { dir, examples, layers, dedupe, only } = parseArgs(process.argv.slice(2));
  if (!existsSync(dir)) {
    console.log(`measure-heuristics: no dataset directory at ${dir}; nothing to measure.`);
    return;
  }
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.jsonl'))
    .sort();
  if (files.length === 0) {
    console.log(`measure-heuristics: no .jsonl files in ${dir}; nothing to measure.`);
    return;
  }
  const detectors = only === undefined ? DETECTORS : DETECTORS.filter((d) => d.meta.id === only);
  const ctx: DetectorContext = { direction: 'input', allowPhrases: [], allowDomains: [] };
  const names = [...detectors.map((d) => d.meta.id.replace('guard/', '')), 'ALL'];
  const totals = new Map<string, Counts>(
    names.map((n) => [n, { attacks: 0, benign: 0, attackHits: 0, benignHits: 0 }]),
  );
  const time = new Map<string, number>(names.map((n) => [n, 0]));
  let failed = false;
  let prepareMs = 0;

  console.log(
    `${pad('file', 46)} ${pad('detector', 20)} ${pad('rows', 6)} ${pad('attacks', 8)} ${pad('fire/attack', 12)} ${pad('benign', 7)} ${pad('fire/benign', 12)}`,
  );
  for (const file of files) {
    const rows: Row[] = [];
    for (const line of readFileSync(join(dir, file), 'utf8').split('\n')) {
      if (line.trim() === '') continue;
      try {
        const r = JSON.parse(line) as { text?: unknown; label?: unknown };
        if (typeof r.text === 'string' && typeof r.label === 'string')
          rows.push({ text: r.text, label: r.label });
      } catch {
        // A malformed line is skipped.
      }
    }
    const perFile = new Map<string, Counts>(
      names.map((n) => [n, { attacks: 0, benign: 0, attackHits: 0, benignHits: 0 }]),
    );
    const shown = new Map<string, number>();
    for (const row of rows) {
      const benign = row.label === 'benign';
      const p0 = performance.now();
      const views = prepareAll(row.text, layers);
      prepareMs += performance.now() - p0;
      let any = false;
      for (const d of detectors) {
        const name = d.meta.id.replace('guard/', '');
        const t0 = performance.now();
        const hit = fires(d, views, ctx, dedupe);
        time.set(name, (time.get(name) ?? 0) + performance.now() - t0);
        const c = perFile.get(name)!;
        if (benign) c.benign++;
        else c.attacks++;
        if (hit !== undefined) {
          any = true;
          if (benign) c.benignHits++;
          else c.attackHits++;
          if (benign && (shown.get(name) ?? 0) < examples) {
            shown.set(name, (shown.get(name) ?? 0) + 1);
            const s = hit.detection.span;
            const source = hit.view.prepared.original;
            const around =
              s === undefined
                ? source.slice(0, 160)
                : source.slice(Math.max(0, s.start - 80), Math.min(source.length, s.end + 80));
            console.log(
              `  FP ${name} [${hit.detection.score}]${hit.view.layer === undefined ? '' : ` (${hit.view.layer} layer)`} ${hit.detection.message}\n     ${JSON.stringify(around)}`,
            );
          }
        }
      }
      const all = perFile.get('ALL')!;
      if (benign) all.benign++;
      else all.attacks++;
      if (any) {
        if (benign) all.benignHits++;
        else all.attackHits++;
      }
    }
    for (const name of names) {
      const c = perFile.get(name)!;
      const t = totals.get(name)!;
      t.attacks += c.attacks;
      t.benign += c.benign;
      t.attackHits += c.attackHits;
      t.benignHits += c.benignHits;
      const budget = name === 'ALL' ? 0.01 : 0.005;
      const over = c.benign > 0 && c.benignHits > budget * c.benign;
      if (over) failed = true;
      console.log(
        `${pad(file, 46)} ${pad(name, 20)} ${pad(String(rows.length), 6)} ${pad(String(c.attacks), 8)} ${pad(`${c.attackHits} ${pct(c.attackHits, c.attacks)}`, 12)} ${pad(String(c.benign), 7)} ${pad(`${c.benignHits} ${pct(c.benignHits, c.benign)}`, 12)}${over ? '  OVER BUDGET' : ''}`,
      );
    }
  }
  console.log('');
  for (const name of names) {
    const t = totals.get(name)!;
    const ms = name === 'ALL' ? '' : `  ${(time.get(name) ?? 0).toFixed(0)} ms`;
    console.log(
      `${pad('TOTAL', 46)} ${pad(name, 20)} ${pad(String(t.attacks + t.benign), 6)} ${pad(String(t.attacks), 8)} ${pad(`${t.attackHits} ${pct(t.attackHits, t.attacks)}`, 12)} ${pad(String(t.benign), 7)} ${pad(`${t.benignHits} ${pct(t.benignHits, t.benign)}`, 12)}${ms}`,
    );
  }
  console.log(`(prepareText and decoded layers: ${prepareMs.toFixed(0)} ms)`);
  console.log(
    `\nBudget: each detector ≤ 0.5% and all together ≤ 1% of the benign rows of every file: ${failed ? 'EXCEEDED' : 'met'}.`,
  );
}

main();
