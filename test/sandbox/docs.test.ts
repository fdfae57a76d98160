import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { SANDBOX_RULE_METAS } from '../../src/sandbox/findings.ts';
import { assertFindingPage, REPO } from '../fixtures/finding-pages.ts';

describe('sandbox finding pages', () => {
  for (const meta of SANDBOX_RULE_METAS)
    it(`${meta.id} is documented like a scan rule`, () => {
      assert.match(meta.id, /^sandbox\/[a-z]+(-[a-z]+)*$/);
      assertFindingPage(meta, { titleLine: true });
    });

  it('docs/sandbox.md links every finding', () => {
    const overview = readFileSync(`${REPO}docs/sandbox.md`, 'utf8');
    for (const meta of SANDBOX_RULE_METAS) assert.ok(overview.includes(`(rules/${meta.id}.md)`), meta.id);
  });
});
