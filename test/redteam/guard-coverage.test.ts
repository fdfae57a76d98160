/**
 * The contract behind `guardCovers`: a probe may claim the guard stops it only if parapet/guard's balanced
 * preset (the gateway's default) blocks or redacts every planned attack on input, or every breaching reply on
 * output. A probe not claiming coverage may still be partly stopped; flip its flag when the guard catches all.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PROBES } from '../../src/redteam/probes/index.ts';
import { guardCoverage } from '../fixtures/redteam/guard-coverage.ts';

describe('guardCovers is what the guard actually stops', () => {
  for (const probe of PROBES.filter((p) => p.meta.guardCovers)) {
    it(`${probe.meta.id} is stopped by parapet/guard (balanced)`, () => {
      const { covered, gaps } = guardCoverage(probe);
      assert.ok(covered, `slipped through:\n${gaps.join('\n')}`);
    });
  }

  it('covers at least one probe of the categories the gateway is built for', () => {
    const covered = new Set(PROBES.filter((p) => p.meta.guardCovers).map((p) => p.meta.category));
    for (const category of [
      'exfiltration',
      'system-prompt-extraction',
      'jailbreak',
      'insecure-output',
      'data-leakage',
    ])
      assert.ok(covered.has(category as never), category);
  });

  it('a probe the guard does not fully stop is found as such (the check can fail)', () => {
    const shell = PROBES.find((p) => p.meta.id === 'insecure-output/shell-injection');
    assert.ok(shell);
    const { covered, gaps } = guardCoverage(shell);
    assert.equal(covered, false);
    assert.ok(gaps.length > 0);
  });
});
