/**
 * The report's own style sheet and script, and the Content-Security-Policy that allows exactly these two and
 * nothing else: no remote resource of any kind, images only from `data:`, no inline event handlers, no
 * injected `<script>` (a hostile reply is escaped anyway; the policy is the second wall if escaping ever
 * failed). Hashes rather than a nonce because the report is a static file: the same bytes every time.
 */
import { createHash } from 'node:crypto';
import { CHART_COLOURS } from './chart.ts';

export const REPORT_STYLE = `
:root { color-scheme: light; --breached: ${CHART_COLOURS.bar}; --resisted: #2e7d32; --errored: #8d6e00; --ink: #263238; --line: #cfd8dc; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, sans-serif; color: var(--ink); margin: 0 auto; padding: 24px; max-width: 1200px; background: #fff; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 17px; margin: 28px 0 10px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
.meta { color: #546e7a; margin: 0 0 16px; word-break: break-all; }
.cards { display: flex; gap: 12px; flex-wrap: wrap; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: 10px 14px; min-width: 130px; }
.card .value { font-size: 22px; font-weight: 600; }
.card .label { color: #546e7a; font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
.card.rate .value { color: var(--breached); }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid #eceff1; vertical-align: top; }
th { background: #f5f7f8; font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.probe-row { cursor: pointer; }
tr.probe-row:hover { background: #f5f7f8; }
.badge { display: inline-block; padding: 0 7px; border-radius: 9px; color: #fff; font-size: 12px; font-weight: 600; }
.badge.breached { background: var(--breached); }
.badge.resisted { background: var(--resisted); }
.badge.errored { background: var(--errored); }
details.probe { border: 1px solid var(--line); border-radius: 6px; margin: 8px 0; }
details.probe > summary { padding: 8px 12px; cursor: pointer; font-weight: 600; }
details.probe[open] > summary { border-bottom: 1px solid var(--line); }
details.probe > .body { padding: 8px 12px; }
details.attempt > summary { cursor: pointer; color: #37474f; }
.turn { margin: 6px 0; }
.role { font-size: 12px; font-weight: 600; text-transform: uppercase; color: #546e7a; }
pre { white-space: pre-wrap; word-break: break-word; background: #f5f7f8; border: 1px solid #eceff1; border-radius: 4px; padding: 6px 8px; margin: 2px 0; font: 12.5px/1.4 ui-monospace, monospace; max-height: 360px; overflow: auto; }
pre.reply { background: #fff8e1; }
.ctl { background: #ffcdd2; color: #b71c1c; border-radius: 2px; padding: 0 1px; }
.cut { color: #8d6e00; font-style: italic; }
.toolbar { margin: 8px 0; display: flex; gap: 6px; flex-wrap: wrap; }
.toolbar button { font: inherit; padding: 3px 10px; border: 1px solid var(--line); background: #fff; border-radius: 4px; cursor: pointer; }
.toolbar button[aria-pressed="true"] { background: var(--ink); color: #fff; }
body[data-filter="breached"] tr.attempt:not(.breached), body[data-filter="resisted"] tr.attempt:not(.resisted), body[data-filter="errored"] tr.attempt:not(.errored) { display: none; }
.note { color: #546e7a; font-size: 12.5px; }
svg.chart { max-width: 100%; height: auto; }
`;

/** Outcome filter, expand/collapse, and "click a probe in the overview to open its attempts". */
export const REPORT_SCRIPT = `
(function () {
  'use strict';
  var body = document.body;
  var filters = document.querySelectorAll('[data-filter-value]');
  filters.forEach(function (button) {
    button.addEventListener('click', function () {
      body.setAttribute('data-filter', button.getAttribute('data-filter-value'));
      filters.forEach(function (b) { b.setAttribute('aria-pressed', String(b === button)); });
    });
  });
  function setAll(open) {
    document.querySelectorAll('details.probe').forEach(function (d) { d.open = open; });
  }
  var expand = document.getElementById('expand-all');
  var collapse = document.getElementById('collapse-all');
  if (expand) expand.addEventListener('click', function () { setAll(true); });
  if (collapse) collapse.addEventListener('click', function () { setAll(false); });
  function reveal(id) {
    var section = document.getElementById(id);
    if (!section || section.tagName !== 'DETAILS') return;
    section.open = true;
    section.scrollIntoView({ block: 'start' });
  }
  document.querySelectorAll('tr.probe-row').forEach(function (row) {
    row.addEventListener('click', function (event) {
      event.preventDefault();
      var id = row.getAttribute('data-section');
      if (id) { reveal(id); history.replaceState(null, '', '#' + id); }
    });
  });
  if (location.hash.length > 1) reveal(location.hash.slice(1));
})();
`;

const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

/** The policy for the report's `<meta http-equiv>`: only the two blocks above may apply. */
export const REPORT_CSP = [
  "default-src 'none'",
  `script-src ${sha256(REPORT_SCRIPT)}`,
  `style-src ${sha256(REPORT_STYLE)}`,
  'img-src data:',
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');
