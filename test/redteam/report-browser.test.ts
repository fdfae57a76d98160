/**
 * The HTML report in real headless Chromium (playwright-core driving /usr/bin/chromium; nothing downloaded):
 * the numbers render, a probe opens to its attempts, hostile replies neither run nor fetch anything, and a
 * screenshot shows the chart.
 *
 * Screenshot check: the PNG is decoded here (report-png.ts, no image package) and must have the viewport's
 * size, many colours (not blank), and, in the chart's own screenshot, a run of the bar colour as long as the
 * top category's rate says (75% of the 360 px track = 270 px).
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { CHART_COLOURS } from '../../src/redteam/report/chart.ts';
import { renderHtmlReport } from '../../src/redteam/report/html.ts';
import { reportFixture } from './report-fixture.ts';
import { decodePng, pixelAt } from './report-png.ts';

const CHROMIUM = '/usr/bin/chromium';

interface PageState {
  pwned: unknown;
  scripts: number;
  images: number;
  iframes: number;
  text: string;
}
const skip = existsSync(CHROMIUM) ? false : `${CHROMIUM} is missing (scripts/system-deps.sh installs it)`;

describe('HTML report in headless Chromium', { skip, timeout: 120_000 }, () => {
  let browser: Browser;
  let page: Page;
  let dir: string;
  let fileUrl: string;
  let attacker: string;
  /** Every request Chromium made, and every hit on the loopback "attacker" the payloads point at. */
  const requests: string[] = [];
  const attackerHits: string[] = [];
  const server = createServer((req, res) => {
    attackerHits.push(req.url ?? '');
    res.end('pwned');
  });

  before(async () => {
    server.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    attacker = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const { summary, records } = reportFixture(attacker);
    dir = await mkdtemp(join(tmpdir(), 'parapet-report-'));
    const file = join(dir, 'report.html');
    await writeFile(file, renderHtmlReport(summary, records));
    fileUrl = pathToFileURL(file).href;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    page = await browser.newPage({ viewport: { width: 1100, height: 900 }, deviceScaleFactor: 1 });
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(fileUrl, { waitUntil: 'load' });
  });
  after(async () => {
    await browser?.close();
    server.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('renders the summary numbers', async () => {
    assert.equal(await page.textContent('#overall-rate'), '33.3%');
    assert.equal(await page.textContent('#overall-attempts'), '13');
    assert.equal(await page.textContent('#overall-breached'), '4');
    assert.equal(await page.textContent('#overall-resisted'), '8');
    assert.equal(await page.textContent('#overall-errored'), '1');
    assert.equal(await page.locator('svg.chart g.bar').count(), 3);
  });

  it('opens a probe from its overview row and shows its attempts and conversation', async () => {
    const section = page.locator('#probe-0');
    assert.equal(await section.getAttribute('open'), null, 'closed until clicked');
    assert.equal(await section.locator('tr.attempt').first().isVisible(), false);
    await page.locator('tr.probe-row', { hasText: 'exfiltration/markdown-image' }).click();
    assert.notEqual(await section.getAttribute('open'), null, 'the click (the report script) opened it');
    const firstAttempt = section.locator('tr.attempt.breached').first();
    assert.equal(await firstAttempt.isVisible(), true);
    await section.locator('details.attempt > summary').first().click();
    const reply = section.locator('pre.reply').first();
    assert.equal(await reply.isVisible(), true);
    assert.match(
      (await reply.textContent()) ?? '',
      /!\[status\]\(http:\/\/127\.0\.0\.1:\d+\/log\?d=CANARY-7f3a\)/,
    );
  });

  it('filters attempts by outcome (near miss: resisted rows hide, breached stay)', async () => {
    await page.click('#expand-all');
    await page.click('button[data-filter-value="breached"]');
    const section = page.locator('#probe-0'); // exfiltration: 1 breached, 3 resisted
    assert.equal(await section.locator('tr.attempt.breached').first().isVisible(), true);
    assert.equal(await section.locator('tr.attempt.resisted').first().isVisible(), false);
    await page.click('button[data-filter-value="all"]');
    assert.equal(await section.locator('tr.attempt.resisted').first().isVisible(), true);
  });

  it('shows hostile markup as text: no injected script ran, nothing left the page', async () => {
    await page.click('#expand-all');
    await page.evaluate(`document.querySelectorAll('details.attempt').forEach((d) => { d.open = true; })`);
    // page-side code as strings: the project's TypeScript has no DOM types
    const state = await page.evaluate<PageState>(`({
      pwned: window.__pwned,
      scripts: document.scripts.length,
      images: document.images.length,
      iframes: document.querySelectorAll('iframe, link, object, embed, image').length,
      text: document.body.innerText,
    })`);
    assert.equal(state.pwned, undefined, 'a hostile <script> or onerror ran');
    assert.equal(state.scripts, 1);
    assert.equal(state.images, 0);
    assert.equal(state.iframes, 0);
    assert.ok(
      state.text.includes("<script>window.__pwned = 'script'</script>"),
      'the payload is visible text',
    );
    assert.ok(state.text.includes('\u241B[31mRED'), 'ANSI shown as a visible ESC glyph');
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.deepEqual(requests, [fileUrl], `requests: ${requests.join(', ')}`);
    assert.deepEqual(attackerHits, []);
  });

  it('has a CSP that is a second wall: markup spliced in past the escaping still cannot run or fetch', async () => {
    const { summary, records } = reportFixture(attacker);
    const spliced = renderHtmlReport(summary, records).replace(
      '<h1>',
      `<script>window.__pwned = 'spliced'</script><img src="${attacker}/spliced.png"><h1>`,
    );
    const file = join(dir, 'spliced.html');
    await writeFile(file, spliced);
    const second = await browser.newPage();
    const seen: string[] = [];
    const failed: string[] = [];
    second.on('request', (r) => seen.push(r.url()));
    second.on('requestfailed', (r) => failed.push(r.url()));
    await second.goto(pathToFileURL(file).href, { waitUntil: 'load' });
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(await second.evaluate('window.__pwned'), undefined);
    // the report's own script (allowed by its hash) still ran: a click opens a probe
    await second.locator('tr.probe-row').first().click();
    assert.notEqual(await second.locator('#probe-0').getAttribute('open'), null);
    // Chromium reports the spliced image as a request, which the policy then cancels before any connection
    assert.deepEqual(
      seen.filter((url) => !url.startsWith('file:')),
      failed,
      'every remote request was blocked',
    );
    assert.deepEqual(attackerHits, []);
    await second.close();
  });

  it('takes a screenshot that is not blank and shows the chart bars', async () => {
    await page.click('#collapse-all');
    await page.evaluate('window.scrollTo(0, 0)');
    const shot = decodePng(await page.screenshot());
    assert.equal(shot.width, 1100);
    assert.equal(shot.height, 900);
    const colours = new Set<string>();
    for (let y = 0; y < shot.height; y += 3)
      for (let x = 0; x < shot.width; x += 3) colours.add(pixelAt(shot, x, y));
    assert.ok(colours.size > 20, `only ${colours.size} colours: blank or flat page`);

    const chart = decodePng(await page.locator('svg.chart').screenshot());
    let longest = 0;
    for (let y = 0; y < chart.height; y++) {
      let run = 0;
      for (let x = 0; x < chart.width; x++) {
        run = pixelAt(chart, x, y) === CHART_COLOURS.bar ? run + 1 : 0;
        longest = Math.max(longest, run);
      }
    }
    // prompt-injection: 3 of 4 judged breached → 0.75 × 360 px; allow a pixel of anti-aliasing each side
    assert.ok(Math.abs(longest - 270) <= 2, `longest bar-colour run ${longest} px, expected ~270`);
  });
});
