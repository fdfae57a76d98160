/**
 * Every help link in a red-team SARIF report must open an existing page at an existing anchor: probes are
 * documented as anchors of docs/redteam/probes.md, not as docs/rules/<id>.md pages (which do not exist).
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { RuleMeta } from '../../src/core/rule.ts';
import { writeSarif } from '../../src/core/writers/sarif.ts';
import { probeRuleMeta, runToScanResult } from '../../src/redteam/output.ts';
import { PROBES } from '../../src/redteam/probes/index.ts';
import { summarizeRun } from '../../src/redteam/scoring.ts';
import type { AttemptRecord } from '../../src/redteam/types.ts';

const ROOT = new URL('../../', import.meta.url);
const BLOB = 'https://github.com/parapet-dev/parapet/blob/main/';

/** Why a help link does not resolve inside this checkout, or undefined when it does. */
function brokenLink(uri: string): string | undefined {
  if (!uri.startsWith(BLOB)) return `not a link into the repository: ${uri}`;
  const [file = '', anchor] = uri.slice(BLOB.length).split('#');
  const path = new URL(file, ROOT);
  if (!existsSync(path)) return `no file ${file}`;
  if (anchor !== undefined && !readFileSync(path, 'utf8').includes(`<a id="${anchor}"></a>`))
    return `no anchor #${anchor} in ${file}`;
  return undefined;
}

/** One breached attempt of every probe in the catalogue: a report that cites every probe. */
function everyProbeBreached(): AttemptRecord[] {
  return PROBES.map((p) => ({
    runId: 'run-1',
    probeId: p.meta.id,
    category: p.meta.category,
    index: 0,
    messages: [{ role: 'user', content: 'attack' }],
    responses: ['obeyed'],
    outcome: 'breached',
    reason: 'fixture',
    latencyMs: 1,
    startedAt: '2026-01-01T00:00:00.000Z',
  }));
}

interface SarifRule {
  id: string;
  helpUri: string;
  help: { markdown: string };
}

function reportRules(records: AttemptRecord[]): SarifRule[] {
  const summary = summarizeRun(records, {
    runId: 'run-1',
    target: 'http://127.0.0.1:1',
    startedAt: '2026-01-01T00:00:00.000Z',
    finishedAt: '2026-01-01T00:00:01.000Z',
  });
  const { result, rules } = runToScanResult(summary, records, PROBES);
  const log = JSON.parse(writeSarif(result, rules, { toolVersion: '0.0.0', cwd: '/tmp' })) as {
    runs: { tool: { driver: { rules: SarifRule[] } } }[];
  };
  return log.runs[0]?.tool.driver.rules ?? [];
}

describe('red-team SARIF help links', () => {
  it('point every probe at its anchor in docs/redteam/probes.md, and that anchor exists', () => {
    const rules = reportRules(everyProbeBreached());
    assert.equal(rules.length, PROBES.length);
    for (const rule of rules) {
      assert.match(rule.helpUri, /docs\/redteam\/probes\.md#/, rule.id);
      assert.equal(brokenLink(rule.helpUri), undefined, rule.id);
      const markdownLinks = [...rule.help.markdown.matchAll(/\]\((https:[^)]+)\)/g)].map((m) => m[1] ?? '');
      assert.deepEqual(markdownLinks, [rule.helpUri], rule.id);
    }
  });

  it('the link check itself rejects a missing page and a missing anchor', () => {
    assert.match(brokenLink(`${BLOB}docs/rules/exfiltration/markdown-image.md`) ?? '', /no file/);
    assert.match(brokenLink(`${BLOB}docs/redteam/probes.md#exfiltration-nope`) ?? '', /no anchor/);
    assert.equal(brokenLink(`${BLOB}docs/redteam/probes.md#exfiltration-markdown-image`), undefined);
  });

  it('rules without a docPath keep their docs/rules/<id>.md link (scan output unchanged)', () => {
    const scanRule: RuleMeta = {
      id: 'deps/typosquat',
      title: 'Typosquat',
      severity: 'high',
      tags: [],
      references: [],
      fix: 'Fix it.',
    };
    const probe = PROBES[0];
    assert.ok(probe);
    const result = {
      findings: [
        { ruleId: 'deps/typosquat', severity: 'high' as const, message: 'm', location: { path: 'a' } },
      ],
      scanned: ['a'],
      skipped: [],
      errors: [],
    };
    const log = JSON.parse(writeSarif(result, [scanRule], { toolVersion: '0', cwd: '/tmp' })) as {
      runs: { tool: { driver: { rules: SarifRule[] } } }[];
    };
    assert.equal(log.runs[0]?.tool.driver.rules[0]?.helpUri, `${BLOB}docs/rules/deps/typosquat.md`);
    assert.equal(probeRuleMeta(probe).docPath?.startsWith('docs/redteam/probes.md#'), true);
  });
});
