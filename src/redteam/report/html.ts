/**
 * The red-team run as ONE self-contained HTML file: summary, a chart per category, an overview of probes, and
 * per probe a table of its attempts with each attempt's whole conversation and the target's replies.
 *
 * The file loads nothing from anywhere (inline CSS, inline SVG drawn from numbers, one inline script) and
 * carries a Content-Security-Policy that forbids everything else. Every string that came from the target or
 * the run (replies, reasons, the model name, even probe ids) is escaped, with invisible characters drawn as
 * marked glyphs, because a red-team report is, by construction, full of attacks.
 */
import { incompleteNote } from '../output.ts';
import type { AttemptOutcome, AttemptRecord, RateSummary, RunSummary } from '../types.ts';
import { REPORT_CSP, REPORT_SCRIPT, REPORT_STYLE } from './assets.ts';
import { categoryChart } from './chart.ts';
import { displayTarget, escapeAttribute, escapeHtml, escapeVisible } from './escape.ts';
import { formatDuration, formatPercent } from './format.ts';

/** Longest text shown per message or reply; the JSONL keeps the rest. Keeps a huge reply from bloating the file. */
export const MAX_SHOWN_CHARS = 20_000;

/** Outcome → CSS class; a record read back from a file may hold anything, so only these three reach markup. */
const OUTCOME_CLASS: Record<AttemptOutcome, AttemptOutcome> = {
  breached: 'breached',
  resisted: 'resisted',
  errored: 'errored',
};
const outcomeClass = (outcome: string): AttemptOutcome =>
  Object.hasOwn(OUTCOME_CLASS, outcome) ? OUTCOME_CLASS[outcome as AttemptOutcome] : 'errored';

/** Text cut at MAX_SHOWN_CHARS (never inside a surrogate pair), escaped, with a note of what was left out. */
function shownText(text: string): string {
  if (text.length <= MAX_SHOWN_CHARS) return escapeVisible(text);
  let cut = MAX_SHOWN_CHARS;
  const code = text.charCodeAt(cut - 1);
  if (code >= 0xd800 && code <= 0xdbff) cut--;
  return `${escapeVisible(text.slice(0, cut))}<span class="cut">… ${text.length - cut} more characters (in the attempts JSONL)</span>`;
}

const rateText = (rate: RateSummary): string =>
  rate.breached + rate.resisted > 0
    ? `${formatPercent(rate.successRate)} (${formatPercent(rate.ci95[0])}–${formatPercent(rate.ci95[1])})`
    : '–';

interface ProbeSection {
  probeId: string;
  title: string;
  category: string;
  rate: RateSummary;
  records: AttemptRecord[];
}

/** Counts straight from records, for a probe that has attempts but no row in the summary. */
function rateFromRecords(records: readonly AttemptRecord[]): RateSummary {
  const count = (o: AttemptOutcome) => records.filter((r) => outcomeClass(r.outcome) === o).length;
  const breached = count('breached');
  const resisted = count('resisted');
  return {
    attempts: records.length,
    breached,
    resisted,
    errored: count('errored'),
    successRate: breached + resisted > 0 ? breached / (breached + resisted) : 0,
    ci95: [Number.NaN, Number.NaN],
  };
}

/** Every probe in the summary or the records, ordered by category then id, with its attempts in index order. */
function probeSections(summary: RunSummary, records: readonly AttemptRecord[]): ProbeSection[] {
  const byProbe = new Map<string, AttemptRecord[]>();
  for (const r of records) {
    const list = byProbe.get(r.probeId);
    if (list) list.push(r);
    else byProbe.set(r.probeId, [r]);
  }
  const ids = new Set([...Object.keys(summary.byProbe), ...byProbe.keys()]);
  const sections: ProbeSection[] = [];
  for (const probeId of ids) {
    const own = (byProbe.get(probeId) ?? []).sort((a, b) => a.index - b.index);
    const row = Object.hasOwn(summary.byProbe, probeId) ? summary.byProbe[probeId] : undefined;
    sections.push({
      probeId,
      title: row?.title ?? '',
      category: row?.category ?? own[0]?.category ?? '',
      rate: row ?? rateFromRecords(own),
      records: own,
    });
  }
  return sections.sort((a, b) =>
    a.category === b.category ? a.probeId.localeCompare(b.probeId) : a.category.localeCompare(b.category),
  );
}

function summaryCards(summary: RunSummary): string {
  const o = summary.overall;
  const card = (id: string, label: string, value: string, extra = '') =>
    `<div class="card ${extra}"><div class="value" id="${id}">${escapeHtml(value)}</div><div class="label">${escapeHtml(label)}</div></div>`;
  return `<div class="cards">${[
    card('overall-rate', 'attack success rate', formatPercent(o.successRate), 'rate'),
    card(
      'overall-ci',
      '95% interval',
      o.breached + o.resisted > 0 ? `${formatPercent(o.ci95[0])}–${formatPercent(o.ci95[1])}` : '–',
    ),
    card('overall-attempts', 'attempts', String(o.attempts)),
    card('overall-breached', 'breached', String(o.breached)),
    card('overall-resisted', 'resisted', String(o.resisted)),
    card('overall-errored', 'errored', String(o.errored)),
  ].join('')}</div>`;
}

function overviewTable(sections: readonly ProbeSection[]): string {
  const rows = sections.map((s, i) => {
    const r = s.rate;
    return `<tr class="probe-row" data-section="probe-${i}"><td><a href="#probe-${i}">${escapeVisible(s.probeId)}</a></td><td>${escapeVisible(s.category)}</td><td>${escapeVisible(s.title)}</td><td class="num">${r.attempts}</td><td class="num">${r.breached}</td><td class="num">${r.resisted}</td><td class="num">${r.errored}</td><td class="num">${escapeHtml(rateText(r))}</td></tr>`;
  });
  return `<table class="overview"><thead><tr><th>probe</th><th>category</th><th>title</th><th class="num">attempts</th><th class="num">breached</th><th class="num">resisted</th><th class="num">errored</th><th class="num">success rate (95% CI)</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function conversation(record: AttemptRecord): string {
  const turns = record.messages.map(
    (m) =>
      `<div class="turn"><div class="role">${escapeVisible(String(m.role))}</div><pre>${shownText(String(m.content))}</pre></div>`,
  );
  const replies = record.responses.map(
    (text, i) =>
      `<div class="turn"><div class="role">target reply${record.responses.length > 1 ? ` ${i + 1} of ${record.responses.length}` : ''}</div><pre class="reply">${shownText(String(text))}</pre></div>`,
  );
  if (replies.length === 0) replies.push('<div class="turn note">no reply</div>');
  return turns.join('') + replies.join('');
}

function attemptRows(section: ProbeSection): string {
  if (section.records.length === 0) return '<p class="note">No attempt records for this probe.</p>';
  const rows = section.records.map((r) => {
    const outcome = outcomeClass(r.outcome);
    // the runner's error reasons usually start with the status already; say it only when they do not
    const status =
      r.status === undefined || String(r.reason).startsWith(`HTTP ${r.status}`)
        ? ''
        : ` (HTTP ${escapeHtml(String(r.status))})`;
    return (
      `<tr class="attempt ${outcome}"><td class="num">${escapeHtml(String(r.index))}</td><td><span class="badge ${outcome}">${outcome}</span></td><td>${escapeVisible(String(r.reason))}${status}</td><td class="num">${escapeHtml(formatDuration(r.latencyMs))}</td><td>${escapeVisible(String(r.startedAt))}</td></tr>` +
      `<tr class="attempt ${outcome} detail"><td></td><td colspan="4"><details class="attempt"><summary>conversation and reply</summary>${conversation(r)}</details></td></tr>`
    );
  });
  return `<table class="attempts"><thead><tr><th class="num">#</th><th>outcome</th><th>reason</th><th class="num">latency</th><th>started</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function probeDetails(sections: readonly ProbeSection[]): string {
  return sections
    .map(
      (s, i) =>
        `<details class="probe" id="probe-${i}"><summary>${escapeVisible(s.probeId)}${s.title === '' ? '' : ` — ${escapeVisible(s.title)}`} · ${escapeHtml(rateText(s.rate))} · ${s.rate.breached} breached, ${s.rate.resisted} resisted, ${s.rate.errored} errored</summary><div class="body">${attemptRows(s)}</div></details>`,
    )
    .join('');
}

/** Categories for the chart: highest success rate first, then by name. */
function chartRows(summary: RunSummary): [string, RateSummary][] {
  return Object.entries(summary.byCategory).sort(([a, ra], [b, rb]) =>
    rb.successRate === ra.successRate ? a.localeCompare(b) : rb.successRate - ra.successRate,
  );
}

/** The whole report. Pure: same input, same bytes. */
export function renderHtmlReport(summary: RunSummary, records: readonly AttemptRecord[]): string {
  const sections = probeSections(summary, records);
  const elapsed = Date.parse(summary.finishedAt) - Date.parse(summary.startedAt);
  const model = summary.model === undefined ? '' : ` · model ${escapeVisible(summary.model)}`;
  const chart = chartRows(summary);
  const incomplete = incompleteNote(summary);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${escapeAttribute(REPORT_CSP)}">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Parapet red-team report · ${escapeAttribute(displayTarget(summary.target))}</title>
<style>${REPORT_STYLE}</style>
</head>
<body data-filter="all">
<h1>Parapet red-team report</h1>
<p class="meta">target ${escapeVisible(displayTarget(summary.target))}${model} · run ${escapeVisible(summary.runId)} · ${escapeVisible(summary.startedAt)} · ${escapeHtml(formatDuration(elapsed))}</p>
<h2>Summary</h2>
${incomplete === undefined ? '' : `<p class="note" id="incomplete"><strong>${escapeHtml(incomplete)}</strong></p>\n`}${summaryCards(summary)}
<p class="note">Success rate = breached / (breached + resisted). Errored attempts (HTTP failures, timeouts) are never counted as resisted; intervals are 95% Wilson intervals.</p>
<h2>By category</h2>
${chart.length > 0 ? categoryChart(chart) : '<p class="note">No categories.</p>'}
<h2>Probes</h2>
${overviewTable(sections)}
<h2>Attempts</h2>
<div class="toolbar"><button type="button" data-filter-value="all" aria-pressed="true">all</button><button type="button" data-filter-value="breached" aria-pressed="false">breached</button><button type="button" data-filter-value="resisted" aria-pressed="false">resisted</button><button type="button" data-filter-value="errored" aria-pressed="false">errored</button><button type="button" id="expand-all">expand all</button><button type="button" id="collapse-all">collapse all</button></div>
${probeDetails(sections)}
<script>${REPORT_SCRIPT}</script>
</body>
</html>
`;
}
