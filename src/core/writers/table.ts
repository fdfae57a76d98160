import pc from 'picocolors';
import { type Finding, formatLocation } from '../finding.ts';
import { type ScanResult, verdictOf } from '../result.ts';
import { type RuleMeta, ruleDocPath } from '../rule.ts';
import { SEVERITIES, type Severity } from '../severity.ts';
import {
  countBySeverity,
  DEFAULT_FAIL_ON,
  sortedByPath,
  sortedFindings,
  type WriterOptions,
} from './types.ts';

type Colors = ReturnType<typeof pc.createColors>;

const GAP = '  ';
const MIN_MESSAGE = 24;
const MIN_LOCATION = 16;
const MAX_RULE = 40;
// Beyond this many skipped files a list drowns the findings; group them by reason instead.
const MAX_SKIPPED_LISTED = 10;

/**
 * Makes untrusted text (member names, messages quoting file contents) inert on a terminal: control
 * characters and bidi overrides are shown escaped, so a crafted file name can neither inject ANSI
 * sequences nor fake extra lines of output, nor visually reorder what is printed.
 */
export function printable(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, (ch) => {
    const code = ch.codePointAt(0)!;
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`;
  });
}

// Code points, not UTF-16 units, so astral characters are not split by truncation.
function len(s: string): number {
  return [...s].length;
}

function pad(s: string, width: number): string {
  return s + ' '.repeat(Math.max(0, width - len(s)));
}

function truncateEnd(s: string, width: number): string {
  const cps = [...s];
  return cps.length <= width ? s : `${cps.slice(0, Math.max(0, width - 1)).join('')}…`;
}

function chunk(s: string, width: number): string[] {
  const cps = [...s];
  const out: string[] = [];
  for (let i = 0; i < cps.length; i += width) out.push(cps.slice(i, i + width).join(''));
  return out.length > 0 ? out : [''];
}

/** Word-wraps to `width` code points, hard-breaking words that are longer than a line. */
export function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter((w) => w.length > 0)) {
    let rest = word;
    while (len(rest) > width) {
      if (line !== '') lines.push(line);
      const cps = [...rest];
      lines.push(cps.slice(0, width).join(''));
      rest = cps.slice(width).join('');
      line = '';
    }
    if (line === '') line = rest;
    else if (len(line) + 1 + len(rest) <= width) line += ` ${rest}`;
    else {
      lines.push(line);
      line = rest;
    }
  }
  if (line !== '' || lines.length === 0) lines.push(line);
  return lines;
}

function paint(c: Colors, severity: Severity, s: string): string {
  switch (severity) {
    case 'critical':
      return c.bold(c.red(s));
    case 'high':
      return c.red(s);
    case 'medium':
      return c.yellow(s);
    default:
      return c.dim(s);
  }
}

function findingsTable(findings: readonly Finding[], columns: number, c: Colors): string[] {
  const rows: Row[] = findings.map((f) => ({
    severity: f.severity,
    rule: printable(f.ruleId),
    location: printable(formatLocation(f.location)),
    message: printable(f.message),
  }));
  const sevW = Math.max(...SEVERITIES.map(len), len('SEVERITY'));
  const available = columns - sevW - 3 * GAP.length;
  // Rule ids are short and listed in full under "How to fix", so they alone may be truncated.
  const ruleW = Math.min(MAX_RULE, Math.max(len('RULE'), ...rows.map((r) => len(r.rule))));
  const msgMin = Math.max(MIN_MESSAGE, Math.floor(available * 0.4));
  const locNatural = Math.max(len('LOCATION'), ...rows.map((r) => len(r.location)));
  const locW = Math.max(MIN_LOCATION, Math.min(locNatural, available - ruleW - msgMin));
  const msgW = available - ruleW - locW;
  if (msgW < MIN_MESSAGE) return stacked(rows, columns, c);

  const line = (cells: string[]) => cells.join(GAP).trimEnd();
  const out = [c.bold(line([pad('SEVERITY', sevW), pad('RULE', ruleW), pad('LOCATION', locW), 'MESSAGE']))];
  for (const r of rows) {
    // Locations wrap rather than truncate: which file is dangerous is the one thing not to elide.
    const locLines = chunk(r.location, locW);
    const msgLines = wrap(r.message, msgW);
    for (let i = 0; i < Math.max(locLines.length, msgLines.length); i++) {
      const sev = i === 0 ? paint(c, r.severity, pad(r.severity, sevW)) : pad('', sevW);
      const rule = i === 0 ? truncateEnd(r.rule, ruleW) : '';
      out.push(line([sev, pad(rule, ruleW), pad(locLines[i] ?? '', locW), msgLines[i] ?? '']));
    }
  }
  return out;
}

type Row = { severity: Severity; rule: string; location: string; message: string };

// Too narrow for four columns: one block per finding, severity and rule on top, details indented.
function stacked(rows: readonly Row[], columns: number, c: Colors): string[] {
  const width = Math.max(MIN_LOCATION, columns - 2);
  return rows.flatMap((r) => [
    `${paint(c, r.severity, pad(r.severity, len('critical')))}  ${r.rule}`,
    ...chunk(r.location, width).map((l) => `  ${l}`),
    ...wrap(r.message, width).map((l) => `  ${l}`),
  ]);
}

function fixHints(findings: readonly Finding[], rules: readonly RuleMeta[], columns: number): string[] {
  const byId = new Map(rules.map((r) => [r.id, r]));
  // Insertion order of a Set follows the sorted findings, so the worst rule's fix comes first.
  const fired = [...new Set(findings.map((f) => f.ruleId))];
  const out = ['', 'How to fix:'];
  for (const id of fired) {
    const meta = byId.get(id);
    out.push(`  ${printable(id)}${meta ? ` — ${printable(meta.title)}` : ''}`);
    if (meta) {
      // Continuation lines hang under the text, past "    fix: ".
      const [first = '', ...more] = wrap(printable(meta.fix), Math.max(MIN_MESSAGE, columns - 9));
      out.push(`    fix: ${first}`, ...more.map((l) => `         ${l}`));
    }
    out.push(`    docs: ${printable(ruleDocPath(id))}`);
  }
  return out;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/**
 * Human report: findings table (worst first), how to fix each rule that fired, files that could not
 * be analysed, skipped files, and a closing summary line plus verdict.
 */
export function writeTable(result: ScanResult, rules: readonly RuleMeta[], options: WriterOptions): string {
  const c = pc.createColors(options.color === true);
  const columns = Math.max(MIN_LOCATION + 2, options.columns ?? 120);
  const failOn = options.failOn ?? DEFAULT_FAIL_ON;
  const findings = sortedFindings(result.findings);
  const scanned = new Set(result.scanned).size;
  const noun = options.noun ?? 'file';
  const out: string[] = [];

  if (findings.length === 0) out.push(c.green(`No findings in ${plural(scanned, `scanned ${noun}`)}.`));
  else out.push(...findingsTable(findings, columns, c), ...fixHints(findings, rules, columns));

  if (result.errors.length > 0) {
    const n = plural(new Set(result.errors.map((e) => e.path)).size, 'file');
    out.push('', c.yellow(`${n} could not be analysed — the scan is incomplete:`));
    for (const e of sortedByPath(result.errors, (x) => x.error)) {
      out.push(`  ${printable(e.path)}: ${printable(e.error)}`);
    }
  }

  if (result.skipped.length > 0) {
    const skipped = sortedByPath(result.skipped, (s) => s.why);
    if (skipped.length <= MAX_SKIPPED_LISTED) {
      out.push('', c.dim(`Skipped ${plural(skipped.length, 'file')}:`));
      for (const s of skipped) out.push(c.dim(`  ${printable(s.path)} — ${printable(s.why)}`));
    } else {
      const reasons = new Map<string, number>();
      for (const s of skipped) reasons.set(s.why, (reasons.get(s.why) ?? 0) + 1);
      const byCount = [...reasons].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
      const detail = byCount.map(([why, n]) => `${n} ${printable(why)}`).join(', ');
      out.push('', c.dim(`Skipped ${plural(skipped.length, 'file')}: ${detail}`));
    }
  }

  const counts = countBySeverity(findings);
  const bySeverity = SEVERITIES.map((s) => `${counts[s]} ${s}`).join(', ');
  const verdict = verdictOf(result, failOn);
  const tone = verdict === 'findings' ? c.red : verdict === 'incomplete' ? c.yellow : c.green;
  const line = options.verdictLine;
  out.push(
    '',
    `scanned ${plural(scanned, noun)}: ${bySeverity}; ${result.errors.length} incomplete; ` +
      `${result.skipped.length} skipped`,
    line === undefined
      ? tone(`verdict: ${verdict} (fail-on ${failOn})`)
      : (line.failed ? c.red : c.green)(line.text),
  );
  return `${out.join('\n')}\n`;
}
