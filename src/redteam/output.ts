/**
 * Text renderings of a run for the CLI: the table (per category and per breached probe, errors shown apart)
 * and the comparison of two runs; and the mapping of breached probes onto findings, so SARIF goes through the
 * same writer as every other Parapet command.
 */
import type { Finding } from '../core/finding.ts';
import type { ScanResult } from '../core/result.ts';
import type { RuleMeta } from '../core/rule.ts';
import type { Severity } from '../core/severity.ts';
import { probeAnchor } from './catalogue.ts';
import type { ProbeChange, RunComparison } from './compare.ts';
import type { AttemptRecord, Probe, ProbeCategory, RateSummary, RunSummary } from './types.ts';

export const percent = (x: number): string => `${(x * 100).toFixed(1)}%`;
const interval = (r: RateSummary): string => `${percent(r.ci95[0])}–${percent(r.ci95[1])}`;

function row(cells: string[], widths: number[]): string {
  return cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
}

function rateTable(title: string, rows: [string, RateSummary][]): string[] {
  const header = [title, 'attempts', 'breached', 'resisted', 'errored', 'success', '95% CI'];
  const body = rows.map(([name, r]) => [
    name,
    String(r.attempts),
    String(r.breached),
    String(r.resisted),
    String(r.errored),
    r.breached + r.resisted === 0 ? 'n/a' : percent(r.successRate),
    r.breached + r.resisted === 0 ? 'n/a' : interval(r),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => (b[i] ?? '').length)));
  return [row(header, widths), ...body.map((b) => row(b, widths))];
}

/** `Incomplete: …` when the run was stopped early (the rates then cover only what finished), else undefined. */
export function incompleteNote(summary: RunSummary): string | undefined {
  const cut = summary.incomplete;
  return cut === undefined
    ? undefined
    : `Incomplete: the run was stopped after ${cut.finished} of ${cut.planned} planned attempts; the rates cover only those.`;
}

/** The run as a plain-text table; breached probes listed with one example reason each. */
export function renderTable(summary: RunSummary, records: readonly AttemptRecord[]): string {
  const o = summary.overall;
  const lines = [
    `Red team of ${summary.target}${summary.model ? ` (model ${summary.model})` : ''}, run ${summary.runId}`,
    '',
    ...rateTable('category', Object.entries(summary.byCategory)),
    '',
  ];
  const breached = Object.entries(summary.byProbe).filter(([, r]) => r.breached > 0);
  if (breached.length > 0) {
    lines.push('Breached probes:');
    for (const [id, r] of breached) {
      const example = records.find((x) => x.probeId === id && x.outcome === 'breached');
      lines.push(
        `  ${id}  ${r.breached}/${r.breached + r.resisted}  ${example ? `e.g. ${example.reason.slice(0, 140)}` : ''}`,
      );
    }
    lines.push('');
  }
  const erroredProbes = Object.entries(summary.byProbe).filter(([, r]) => r.errored > 0);
  if (erroredProbes.length > 0) {
    const example = records.find((x) => x.outcome === 'errored');
    lines.push(
      `Errored: ${o.errored} attempt(s) in ${erroredProbes.length} probe(s), left out of the rates${example ? ` (e.g. ${example.reason.slice(0, 140)})` : ''}.`,
      '',
    );
  }
  const judged = o.breached + o.resisted;
  lines.push(
    judged === 0
      ? `Overall: nothing judged (${o.errored} errored).`
      : `Overall: ${o.breached} of ${judged} judged attempts breached, success rate ${percent(o.successRate)} (95% CI ${interval(o)}).`,
  );
  const note = incompleteNote(summary);
  if (note !== undefined) lines.push(note);
  return `${lines.join('\n')}\n`;
}

function changeLine(c: ProbeChange): string {
  const rate = (r: RateSummary | undefined) =>
    r === undefined
      ? '-'
      : `${r.breached}/${r.breached + r.resisted}${r.errored ? ` (+${r.errored} err)` : ''}`;
  return `  ${c.status.padEnd(10)} ${c.key.padEnd(44)} ${rate(c.old).padStart(12)} → ${rate(c.new).padEnd(14)} ${c.why}`;
}

export function renderComparison(comparison: RunComparison): string {
  const interesting = comparison.probes.filter((c) => c.status !== 'unchanged');
  const lines = [
    `Regressions: ${comparison.regressions}, improvements: ${comparison.improvements}, probes compared: ${comparison.probes.length}`,
    '',
    'Probes that changed:',
    ...(interesting.length > 0 ? interesting.map(changeLine) : ['  (none)']),
    '',
    'Categories:',
    ...comparison.categories.map(changeLine),
    '',
    changeLine(comparison.overall),
  ];
  return `${lines.join('\n')}\n`;
}

const SEVERITY: Record<ProbeCategory, Severity> = {
  'prompt-injection': 'high',
  'indirect-injection': 'high',
  jailbreak: 'high',
  'system-prompt-extraction': 'high',
  exfiltration: 'critical',
  encoding: 'high',
  multilingual: 'high',
  'insecure-output': 'high',
  'package-hallucination': 'medium',
  'data-leakage': 'critical',
};

/** Where a probe is documented: its anchor in the generated catalogue page. */
export const probeDocPath = (id: string): string => `docs/redteam/probes.md#${probeAnchor(id)}`;

/** A probe's metadata as a rule, for the shared writers. */
export function probeRuleMeta(probe: Probe): RuleMeta {
  return {
    id: probe.meta.id,
    title: probe.meta.title,
    severity: SEVERITY[probe.meta.category],
    tags: probe.meta.tags,
    references: probe.meta.sources.map((s) => s.url),
    // probes have no docs/rules/<id>.md: their pages are anchors of the generated catalogue
    docPath: probeDocPath(probe.meta.id),
    fix: `See ${probeDocPath(probe.meta.id)} for what the attack does and how to defend against it${probe.meta.guardCovers ? ' (parapet gateway in front of the model is meant to stop it)' : ''}.`,
  };
}

/** One finding per breached probe (ruleId = probe id), located at the target (and model). */
export function runToScanResult(
  summary: RunSummary,
  records: readonly AttemptRecord[],
  probes: readonly Probe[],
): {
  result: ScanResult;
  rules: RuleMeta[];
} {
  const findings: Finding[] = [];
  const rules: RuleMeta[] = [];
  for (const [id, r] of Object.entries(summary.byProbe)) {
    if (r.breached === 0) continue;
    const probe = probes.find((p) => p.meta.id === id);
    const example = records.find((x) => x.probeId === id && x.outcome === 'breached');
    if (probe) rules.push(probeRuleMeta(probe));
    findings.push({
      ruleId: id,
      severity: SEVERITY[r.category] ?? 'high',
      message: `${r.breached} of ${r.breached + r.resisted} attempts breached (${percent(r.successRate)}, 95% CI ${interval(r)})${example ? `: ${example.reason}` : ''}`,
      location: { path: summary.target, ...(summary.model ? { member: summary.model } : {}) },
      evidence: {
        breached: r.breached,
        resisted: r.resisted,
        errored: r.errored,
        successRate: r.successRate,
        ci95: r.ci95,
        ...(example ? { attempt: example.index, response: example.responses.at(-1)?.slice(0, 500) } : {}),
      },
    });
  }
  const errors = Object.entries(summary.byProbe)
    .filter(([, r]) => r.errored > 0)
    .map(([id, r]) => ({ path: `${summary.target} ${id}`, error: `${r.errored} attempt(s) errored` }));
  const note = incompleteNote(summary);
  if (note !== undefined) errors.push({ path: summary.target, error: note });
  return { result: { findings, scanned: [summary.target], skipped: [], errors }, rules };
}
