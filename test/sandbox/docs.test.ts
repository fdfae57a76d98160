import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ruleDocPath } from '../../src/core/rule.ts';
import { SANDBOX_RULE_METAS } from '../../src/sandbox/findings.ts';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const SECTIONS = [
  '## What it detects',
  '## Why it matters',
  '## Example',
  '## False positives',
  '## How to fix',
  '## Related rules',
];

describe('sandbox finding pages', () => {
  for (const meta of SANDBOX_RULE_METAS)
    it(`${meta.id} is documented like a scan rule`, () => {
      assert.match(meta.id, /^sandbox\/[a-z]+(-[a-z]+)*$/);
      const path = REPO + ruleDocPath(meta.id);
      assert.ok(existsSync(path), path);
      const page = readFileSync(path, 'utf8');
      assert.ok(page.startsWith(`# ${meta.id} — ${meta.title}\n`), `${meta.id}: title line`);
      for (const s of SECTIONS) assert.ok(page.includes(s), `${meta.id}: ${s}`);
      assert.ok(page.includes(`**${meta.severity}**`), `${meta.id}: severity`);
      for (const t of meta.tags) assert.ok(page.includes(t), `${meta.id}: tag ${t}`);
      for (const r of meta.references) assert.ok(page.includes(r), `${meta.id}: reference ${r}`);
      const example = page.split('## Example')[1]!.split('## ')[0]!;
      assert.ok(example.includes(meta.id), `${meta.id}: example shows the id`);
      assert.ok(page.includes(meta.fix), `${meta.id}: fix text matches the code`);
    });

  it('docs/sandbox.md links every finding', () => {
    const overview = readFileSync(`${REPO}docs/sandbox.md`, 'utf8');
    for (const meta of SANDBOX_RULE_METAS) assert.ok(overview.includes(`(rules/${meta.id}.md)`), meta.id);
  });
});
