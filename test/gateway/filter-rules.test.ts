/**
 * The contract the gateway's own rules meet, like the scan rules' and guard detectors': id
 * `gateway/<name>` declared in src/gateway/filter/rules.ts, complete metadata, a documentation page with
 * every section that matches it, and a positive and a near-miss negative case through the real filter.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { ruleDocPath } from '../../src/core/rule.ts';
import {
  createGatewayGuards,
  filterResponse,
  GATEWAY_RULES,
  type ResponseVerdict,
} from '../../src/gateway/filter/index.ts';
import { PAGE_SECTIONS } from '../fixtures/finding-pages.ts';

const ROOT = new URL('../../', import.meta.url);
const read = (path: string): string => readFileSync(new URL(path, ROOT), 'utf8');

const guards = createGatewayGuards({
  input: { enabled: true, preset: 'balanced' },
  output: { enabled: true, preset: 'balanced' },
  tools: { allow: ['search'], denyArguments: ['rm\\s+-rf'] },
  spotlight: { roles: [], mode: 'datamark' },
});

function call(name: string, args: string): ResponseVerdict {
  const body = {
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: null,
          tool_calls: [{ id: 'c', type: 'function', function: { name, arguments: args } }],
        },
        finish_reason: 'tool_calls',
      },
    ],
  };
  return filterResponse('chat', body, guards, {});
}

const CASES: Record<string, { positive: () => ResponseVerdict; negative: () => ResponseVerdict }> = {
  'gateway/tool-not-allowed': {
    positive: () => call('searcher', '{"q":"x"}'),
    negative: () => call('search', '{"q":"x"}'),
  },
  'gateway/tool-argument-denied': {
    positive: () => call('search', '{"q":"then rm -rf /"}'),
    negative: () => call('search', '{"q":"how does rmdir work"}'),
  },
};

test('gateway rule ids are unique and every rule has cases', () => {
  const ids = GATEWAY_RULES.map((r) => r.id);
  assert.equal(new Set(ids).size, ids.length);
  assert.deepEqual(Object.keys(CASES).sort(), [...ids].sort());
});

for (const meta of GATEWAY_RULES) {
  const { id } = meta;
  test(`${id}: id, metadata and source`, () => {
    assert.match(id, /^gateway\/[a-z0-9]+(-[a-z0-9]+)*$/);
    assert.ok(read('src/gateway/filter/rules.ts').includes(`id: '${id}'`));
    assert.ok(meta.title.trim() !== '' && meta.fix.trim() !== '');
    assert.ok(meta.tags.length > 0 && meta.references.length > 0);
    for (const ref of meta.references) assert.match(ref, /^https:\/\/\S+$/);
  });

  test(`${id}: documentation page matches the metadata`, () => {
    const page = ruleDocPath(id);
    assert.ok(existsSync(new URL(page, ROOT)), `${page} does not exist`);
    const text = read(page);
    const first = text.split('\n')[0] ?? '';
    assert.ok(first.startsWith(`# ${id}`) && first.includes(meta.title), first);
    for (const section of PAGE_SECTIONS)
      assert.ok(text.includes(`\n${section}\n`), `${page} has no "${section}"`);
    assert.ok(text.includes(`**${meta.severity}**`));
    for (const tag of meta.tags) assert.ok(text.includes(tag), `${page} does not list tag ${tag}`);
    for (const ref of meta.references) assert.ok(text.includes(ref), `${page} does not list ${ref}`);
    const example = text.slice(text.indexOf('\n## Example\n'), text.indexOf('\n## False positives\n'));
    assert.ok(example.includes(id));
    // The fix in the docs is the fix in the metadata (the page quotes it, wrapped).
    const quoted = text
      .slice(text.indexOf('\n## How to fix\n'), text.indexOf('\n## Related rules\n'))
      .split('\n')
      .filter((l) => l.startsWith('>'))
      .map((l) => l.replace(/^>\s?/, ''))
      .join(' ');
    assert.equal(quoted.trim(), meta.fix);
  });

  test(`${id}: a positive case produces it at its severity, a near miss does not`, () => {
    const cases = CASES[id];
    assert.ok(cases);
    const hit = cases.positive();
    assert.equal(hit.action, 'block');
    assert.ok(hit.findings.some((f) => f.ruleId === id && f.severity === meta.severity && f.message !== ''));
    const miss = cases.negative();
    assert.deepEqual(
      miss.findings.filter((f) => f.ruleId === id),
      [],
    );
    assert.equal(miss.action, 'allow');
  });
}
