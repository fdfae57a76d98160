/**
 * Trains the guard's embedded classifier from labelled JSONL prompt files and writes its weights to
 * src/guard/classifier/weights.data.ts (committed, so the guard works on a fresh install).
 *
 *   npm run train:guard -- ../shared/datasets/prompts [--epochs 12] [--seed 1] [--l2 1e-4] [--dry-run]
 *
 * Rows: {"text", "label": "injection"|"jailbreak"|"benign", ...}. Texts that hash into the held-out split
 * (classifier/split.ts) are never trained on; the script prints the classifier's own figures on them.
 * Deterministic: same files and options → byte-identical weights.
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { Classifier, documentSegments, packWeights } from '../src/guard/classifier/model.ts';
import { isHeldOut } from '../src/guard/classifier/split.ts';
import { type TrainingExample, train } from '../src/guard/classifier/train.ts';
import { normalizeText } from '../src/guard/normalize.ts';
import { augmentedDocumentSentences, augmentedExamples } from './guard-training/augment.ts';

interface Row {
  text: string;
  attack: boolean;
  file: string;
  /** `indirect`: the text is a document or tool result the model reads, not what the user typed. */
  indirect: boolean;
}

function usage(message: string): never {
  process.stderr.write(
    `train:guard: ${message}\nusage: npm run train:guard -- DIR_OR_FILE... [--epochs N] [--seed N] [--l2 X] [--mass-power P] [--no-augment] [--dry-run]\n`,
  );
  process.exit(2);
}

function parseArgs(argv: string[]): {
  inputs: string[];
  epochs: number;
  seed: number;
  dryRun: boolean;
  l2: number;
  massPower: number;
  augment: boolean;
} {
  const inputs: string[] = [];
  let epochs = 12;
  let seed = 1;
  let dryRun = false;
  let l2 = 1e-4;
  let massPower = 0.5;
  let augment = true;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    if (a === '--epochs') epochs = Number(argv[++i]);
    else if (a === '--seed') seed = Number(argv[++i]);
    else if (a === '--dry-run') dryRun = true;
    else if (a === '--l2') l2 = Number(argv[++i]);
    else if (a === '--no-augment') augment = false;
    else if (a === '--mass-power') massPower = Number(argv[++i]);
    else if (a.startsWith('--')) usage(`unknown option ${a}`);
    else inputs.push(a);
  }
  if (inputs.length === 0) usage('give a directory of .jsonl files (e.g. ../shared/datasets/prompts)');
  if (!Number.isInteger(epochs) || epochs < 1) usage('--epochs must be a positive integer');
  return { inputs, epochs, seed, dryRun, l2, massPower, augment };
}

function jsonlFiles(inputs: string[]): string[] {
  const files: string[] = [];
  for (const input of inputs) {
    let st: ReturnType<typeof statSync>;
    try {
      st = statSync(input);
    } catch {
      usage(`${input}: no such file or directory`);
    }
    if (st.isDirectory()) {
      for (const name of readdirSync(input).sort())
        if (name.endsWith('.jsonl')) files.push(join(input, name));
    } else files.push(input);
  }
  return files;
}

function readRows(files: string[]): Row[] {
  const rows: Row[] = [];
  const seen = new Set<string>();
  for (const file of files) {
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      if (line.trim() === '') continue;
      let parsed: { text?: unknown; label?: unknown; kind?: unknown };
      try {
        parsed = JSON.parse(line);
      } catch {
        continue;
      }
      if (typeof parsed.text !== 'string' || typeof parsed.label !== 'string') continue;
      const key = parsed.text.trim();
      if (seen.has(key)) continue;
      seen.add(key);
      rows.push({
        text: parsed.text,
        attack: parsed.label !== 'benign',
        file: basename(file),
        indirect: parsed.kind === 'indirect',
      });
    }
  }
  return rows;
}

/**
 * Indirect-injection sets (BIPIA) hold each document clean and with one attack inserted. Trained whole,
 * the injected copies teach the model that the documents themselves are attacks (each context recurs in
 * many injected rows and once clean). Where an attack row contains a benign row of the same file almost
 * whole, the attack is the difference: that part, with a little surrounding context, is the positive.
 */
type TwinIndex = Map<string, string[]>;
const TWIN_KEY = 48;

function benignTwinIndex(all: readonly Row[]): TwinIndex {
  const index: TwinIndex = new Map();
  for (const r of all) {
    if (r.attack || r.text.length < 2 * TWIN_KEY) continue;
    for (const key of [`${r.file}^${r.text.slice(0, TWIN_KEY)}`, `${r.file}$${r.text.slice(-TWIN_KEY)}`]) {
      const list = index.get(key) ?? [];
      list.push(r.text);
      index.set(key, list);
    }
  }
  return index;
}

function insertedPart(r: Row, twins: TwinIndex): string | undefined {
  const candidates = [
    ...(twins.get(`${r.file}^${r.text.slice(0, TWIN_KEY)}`) ?? []),
    ...(twins.get(`${r.file}$${r.text.slice(-TWIN_KEY)}`) ?? []),
  ];
  let best: { start: number; end: number } | undefined;
  for (const clean of candidates) {
    let p = 0;
    while (p < clean.length && p < r.text.length && clean[p] === r.text[p]) p++;
    let q = 0;
    while (
      q < clean.length - p &&
      q < r.text.length - p &&
      clean[clean.length - 1 - q] === r.text[r.text.length - 1 - q]
    )
      q++;
    // The twin must account for almost all of itself; otherwise it is a different document.
    if (p + q < clean.length * 0.9) continue;
    const span = { start: p, end: r.text.length - q };
    if (best === undefined || span.end - span.start < best.end - best.start) best = span;
  }
  if (best === undefined || best.end - best.start < 8) return undefined;
  return r.text.slice(best.start, best.end);
}

const args = parseArgs(process.argv.slice(2));
const rows = readRows(jsonlFiles(args.inputs));
const trainRows = rows.filter((r) => !isHeldOut(r.text));
const testRows = rows.filter((r) => isHeldOut(r.text));

// Each source file weighs in proportion to the square root of its size, spread evenly over its rows
// whatever their label: a file's clean and injected documents then differ only in the injected words,
// so the model learns those rather than the documents' style. Small hard-negative sets still count.
const fileSizes = new Map<string, number>();
for (const r of trainRows) fileSizes.set(r.file, (fileSizes.get(r.file) ?? 0) + 1);
const totalMass = [...fileSizes.values()].reduce((a, n) => a + n ** args.massPower, 0);
const twins = benignTwinIndex(rows);
let isolated = 0;
const promptExamples: TrainingExample[] = [];
const documentExamples: TrainingExample[] = [];
for (const r of trainRows) {
  const n = fileSizes.get(r.file) ?? 1;
  const inserted = r.attack ? insertedPart(r, twins) : undefined;
  if (inserted !== undefined) isolated++;
  const text = normalizeText(inserted ?? r.text).text;
  const weight = (n ** args.massPower / totalMass / n) * trainRows.length;
  // The prompt head learns what users type: attacks planted in documents are the document head's job
  // (many are harmless questions that are attacks only because they sit inside data).
  if (!(r.indirect && r.attack)) promptExamples.push({ text, attack: r.attack, weight });
  // The document head learns what an instruction aimed at the model looks like inside data: the inserted
  // sentences against clean documents' sentences, plus direct rows at a lower weight: an attack pasted
  // into a document is still one, and benign prompts' sentences (security questions, system prompts that
  // talk about passwords) keep it from flagging every document that mentions a password.
  if (r.indirect) documentExamples.push({ text, attack: r.attack, weight: 1 });
  else documentExamples.push({ text, attack: r.attack, weight: 0.3 });
}
process.stderr.write(`isolated the inserted attack in ${isolated} documents that have a clean twin\n`);
if (args.augment) {
  // Hand-written hard negatives and multilingual attacks (guard-training/augment.ts), weighed as one
  // more source file of their size.
  const extra = augmentedExamples();
  const weight = ((extra.length ** args.massPower / totalMass) * trainRows.length) / extra.length;
  for (const e of extra) promptExamples.push({ text: normalizeText(e.text).text, attack: e.attack, weight });
  for (const e of augmentedDocumentSentences())
    documentExamples.push({ text: normalizeText(e.text).text, attack: false, weight: 1 });
  process.stderr.write(`added ${extra.length} generated examples (guard-training/augment.ts)\n`);
}

process.stderr.write(
  `training on ${trainRows.length} rows (${testRows.length} held out), ${args.epochs} epochs\n`,
);
const onEpoch = (epoch: number, loss: number) =>
  process.stderr.write(`  epoch ${epoch + 1}: loss ${loss.toFixed(4)}\n`);
const promptModel = train(promptExamples, { epochs: args.epochs, seed: args.seed, l2: args.l2, onEpoch });
const documentModel = train(documentExamples, {
  epochs: args.epochs,
  seed: args.seed,
  onEpoch,
  segment: documentSegments,
  l2: args.l2,
});
const promptClassifier = new Classifier(promptModel);
const documentClassifier = new Classifier(documentModel, documentSegments);
const scoreRow = (r: Row): number => {
  const text = normalizeText(r.text).text;
  const prompt = promptClassifier.score(text).score;
  return r.indirect ? Math.max(prompt, documentClassifier.score(text).score) : prompt;
};
const byFile = new Map<string, { attack: number[]; benign: number[] }>();
for (const r of testRows) {
  const entry = byFile.get(r.file) ?? { attack: [], benign: [] };
  entry[r.attack ? 'attack' : 'benign'].push(scoreRow(r));
  byFile.set(r.file, entry);
}
const pct = (xs: number[], t: number) =>
  xs.length === 0
    ? '   -  '
    : `${((100 * xs.filter((x) => x >= t).length) / xs.length).toFixed(1).padStart(5)}%`;
process.stdout.write(
  'held-out split, classifier alone: detected (attacks) / flagged (benign) at thresholds 0.5 0.7 0.9\n',
);
for (const [file, s] of [...byFile].sort()) {
  const cells = [0.5, 0.7, 0.9].map((t) => `${pct(s.attack, t)} ${pct(s.benign, t)}`).join('   ');
  process.stdout.write(
    `${file.padEnd(48)} n=${String(s.attack.length + s.benign.length).padStart(4)}  ${cells}\n`,
  );
}

if (!args.dryRun) {
  const prompt = packWeights(promptModel);
  const document = packWeights(documentModel);
  const out = new URL('../src/guard/classifier/weights.data.ts', import.meta.url);
  writeFileSync(
    out,
    `// Generated by scripts/train-guard.ts from ${rows.length} labelled prompts (${trainRows.length} trained on). Do not edit.\n` +
      `// Rebuild: npm run train:guard -- ../shared/datasets/prompts --epochs ${args.epochs} --seed ${args.seed} --l2 ${args.l2} --mass-power ${args.massPower}${args.augment ? '' : ' --no-augment'}\n` +
      'export const EMBEDDED_MODEL = {\n' +
      ['prompt', 'document']
        .map((name) => {
          const p = name === 'prompt' ? prompt : document;
          return `  ${name}: {\n    scale: ${p.scale},\n    bias: ${p.bias},\n    data: '${p.data}',\n  },\n`;
        })
        .join('') +
      '};\n',
  );
  process.stderr.write(`wrote ${out.pathname}\n`);
}
