import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { PROBE_RULE_METAS } from '../../src/probe/findings.ts';
import { assertFindingPage, REPO } from '../fixtures/finding-pages.ts';

describe('probe finding pages', () => {
  for (const meta of PROBE_RULE_METAS)
    it(`${meta.id} is documented like a scan rule`, () => {
      assert.match(meta.id, /^probe\/[a-z]+(-[a-z]+)*$/);
      assertFindingPage(meta);
    });

  it('docs/probe.md links every finding', () => {
    const overview = readFileSync(`${REPO}docs/probe.md`, 'utf8');
    for (const meta of PROBE_RULE_METAS) assert.ok(overview.includes(`(rules/${meta.id}.md)`), meta.id);
  });
});
