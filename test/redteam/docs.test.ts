import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { probeAnchor, renderProbeCatalogue } from '../../src/redteam/catalogue.ts';
import { PROBES } from '../../src/redteam/probes/index.ts';

const PAGE = new URL('../../docs/redteam/probes.md', import.meta.url);

describe('probe documentation', () => {
  it('docs/redteam/probes.md is generated from the probes (UPDATE_DOCS=1 rewrites it)', () => {
    const rendered = renderProbeCatalogue(PROBES);
    if (process.env.UPDATE_DOCS === '1') writeFileSync(PAGE, rendered);
    assert.equal(readFileSync(PAGE, 'utf8'), rendered);
  });
  it('has an anchor, a section and sources for every probe id', () => {
    const page = readFileSync(PAGE, 'utf8');
    for (const { meta } of PROBES) {
      assert.ok(page.includes(`<a id="${probeAnchor(meta.id)}"></a>`), meta.id);
      assert.ok(page.includes(`## ${meta.id} — ${meta.title}`), meta.id);
      for (const s of meta.sources) assert.ok(page.includes(s.url), `${meta.id} ${s.url}`);
    }
    // invisible characters are shown escaped, never written raw
    assert.doesNotMatch(page, /[\u{E0000}-\u{E007F}]/u);
    assert.match(page, /\\u\{E00[0-7][0-9A-F]\}/);
  });
  it('docs/redteam.md links the catalogue and documents the CLI', () => {
    const page = readFileSync(new URL('../../docs/redteam.md', import.meta.url), 'utf8');
    assert.match(page, /redteam\/probes\.md/);
    for (const flag of [
      '--target',
      '--probes',
      '--fail-above',
      '--records',
      '--output-dir',
      '--judge',
      'compare',
    ])
      assert.ok(page.includes(flag), flag);
  });
});
