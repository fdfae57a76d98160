/**
 * The per-category chart as inline SVG, drawn from numbers alone (no script, no external font or image):
 * one bar per category for the attack success rate, with a whisker over its 95% confidence interval.
 */
import type { RateSummary } from '../types.ts';
import { escapeHtml } from './escape.ts';
import { formatPercent } from './format.ts';

/** The colours the chart draws with; the browser test looks for the bar colour in the screenshot. */
export const CHART_COLOURS = {
  bar: '#c62828',
  track: '#eceff1',
  whisker: '#263238',
  text: '#263238',
} as const;

const LABEL_WIDTH = 230;
const BAR_WIDTH = 360;
const ROW_HEIGHT = 30;
const BAR_HEIGHT = 16;
const TEXT_WIDTH = 300;
const TOP = 24;

/** A rate clamped to [0, 1]; anything not a finite number draws as 0. */
function unit(value: number): number {
  return Number.isFinite(value) ? Math.min(1, Math.max(0, value)) : 0;
}

const px = (n: number) => n.toFixed(1);

/** One SVG element charting each category's success rate and interval; categories in the order given. */
export function categoryChart(rows: readonly [string, RateSummary][]): string {
  const width = LABEL_WIDTH + BAR_WIDTH + TEXT_WIDTH;
  const height = TOP + rows.length * ROW_HEIGHT + 8;
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="13">`,
    '<title>Attack success rate per category, with 95% confidence intervals</title>',
  );
  // axis ticks at 0, 25, 50, 75, 100 %
  for (const tick of [0, 0.25, 0.5, 0.75, 1]) {
    const x = LABEL_WIDTH + tick * BAR_WIDTH;
    parts.push(
      `<line x1="${px(x)}" y1="${TOP - 6}" x2="${px(x)}" y2="${height - 8}" stroke="#cfd8dc" stroke-width="1"/>`,
      `<text x="${px(x)}" y="${TOP - 10}" text-anchor="middle" fill="${CHART_COLOURS.text}">${tick * 100}%</text>`,
    );
  }
  rows.forEach(([category, rate], i) => {
    const y = TOP + i * ROW_HEIGHT + (ROW_HEIGHT - BAR_HEIGHT) / 2;
    const mid = y + BAR_HEIGHT / 2;
    const barWidth = unit(rate.successRate) * BAR_WIDTH;
    const lo = LABEL_WIDTH + unit(rate.ci95[0]) * BAR_WIDTH;
    const hi = LABEL_WIDTH + unit(rate.ci95[1]) * BAR_WIDTH;
    const judged = rate.breached + rate.resisted;
    const errored = rate.errored > 0 ? `, ${rate.errored} errored` : '';
    parts.push(
      `<g class="bar" data-category="${escapeHtml(category)}">`,
      `<text x="${LABEL_WIDTH - 10}" y="${px(mid + 4)}" text-anchor="end" fill="${CHART_COLOURS.text}">${escapeHtml(category)}</text>`,
      `<rect x="${LABEL_WIDTH}" y="${px(y)}" width="${BAR_WIDTH}" height="${BAR_HEIGHT}" fill="${CHART_COLOURS.track}"/>`,
      `<rect class="rate" x="${LABEL_WIDTH}" y="${px(y)}" width="${px(barWidth)}" height="${BAR_HEIGHT}" fill="${CHART_COLOURS.bar}"/>`,
    );
    if (judged > 0) {
      parts.push(
        `<line x1="${px(lo)}" y1="${px(mid)}" x2="${px(hi)}" y2="${px(mid)}" stroke="${CHART_COLOURS.whisker}" stroke-width="1.5"/>`,
        `<line x1="${px(lo)}" y1="${px(mid - 5)}" x2="${px(lo)}" y2="${px(mid + 5)}" stroke="${CHART_COLOURS.whisker}" stroke-width="1.5"/>`,
        `<line x1="${px(hi)}" y1="${px(mid - 5)}" x2="${px(hi)}" y2="${px(mid + 5)}" stroke="${CHART_COLOURS.whisker}" stroke-width="1.5"/>`,
      );
    }
    const label =
      judged > 0
        ? `${formatPercent(rate.successRate)} (${formatPercent(rate.ci95[0])}–${formatPercent(rate.ci95[1])}) · ${rate.breached}/${judged}${errored}`
        : `not judged${errored}`;
    parts.push(
      `<text x="${LABEL_WIDTH + BAR_WIDTH + 10}" y="${px(mid + 4)}" fill="${CHART_COLOURS.text}">${escapeHtml(label)}</text>`,
      '</g>',
    );
  });
  parts.push('</svg>');
  return parts.join('');
}
