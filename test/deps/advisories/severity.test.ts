/** CVSS v3.1 base scores against FIRST's published values, the v4 approximation, labels and the fallback. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  cvss3BaseScore,
  cvss4ApproximateScore,
  recordSeverity,
  severityFromScore,
} from '../../../src/deps/advisories/severity.ts';

test('CVSS v3.x base scores', () => {
  const cases: [string, number][] = [
    ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', 9.8],
    ['CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H', 8.8],
    ['CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:H/I:H/A:H', 9.6],
    ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H', 10],
    ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N', 7.5],
    ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:N', 5.3],
    ['CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N', 6.1],
    ['CVSS:3.1/AV:L/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H', 7.8],
    ['CVSS:3.1/AV:N/AC:H/PR:L/UI:R/S:U/C:H/I:H/A:H', 7.1],
    ['CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:L/I:L/A:N', 6.4],
    ['CVSS:3.1/AV:A/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H', 8.0],
    ['CVSS:3.0/AV:N/AC:L/PR:N/UI:R/S:U/C:N/I:N/A:H', 6.5],
    ['CVSS:3.1/AV:P/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N', 1.6],
    ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N', 0],
  ];
  for (const [vector, score] of cases) assert.equal(cvss3BaseScore(vector), score, vector);
});

test('malformed or non-v3 vectors score nothing', () => {
  for (const bad of [
    'CVSS:2.0/AV:N/AC:L/Au:N/C:P/I:P/A:P',
    'AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H',
    'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:X/C:H/I:H/A:H',
    'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H',
    'CVSS:3.1/AV:N/AV:L/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H',
    '',
  ])
    assert.equal(cvss3BaseScore(bad), undefined, bad);
});

test('score bands', () => {
  assert.equal(severityFromScore(10), 'critical');
  assert.equal(severityFromScore(9.0), 'critical');
  assert.equal(severityFromScore(8.9), 'high');
  assert.equal(severityFromScore(7.0), 'high');
  assert.equal(severityFromScore(6.9), 'medium');
  assert.equal(severityFromScore(4.0), 'medium');
  assert.equal(severityFromScore(3.9), 'low');
  assert.equal(severityFromScore(0), 'low');
});

test('CVSS v4 vectors are approximated into the right band', () => {
  const critical = cvss4ApproximateScore('CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N');
  assert.ok(critical !== undefined && critical >= 9, String(critical));
  const low = cvss4ApproximateScore('CVSS:4.0/AV:P/AC:H/AT:P/PR:H/UI:A/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N');
  assert.ok(low !== undefined && low < 4, String(low));
  assert.equal(cvss4ApproximateScore('CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H'), undefined);
});

test('record severity: v3 score, then the GitHub label, then v4, then medium', () => {
  const v3 = [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:N' }];
  const v4 = [{ type: 'CVSS_V4', score: 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N' }];
  assert.deepEqual(recordSeverity(v3, 'CRITICAL'), { severity: 'medium', basis: 'cvss3', score: 5.3 });
  assert.equal(recordSeverity(v4, 'MODERATE').severity, 'medium', 'the label beats a v4 approximation');
  assert.equal(recordSeverity([], 'LOW').severity, 'low');
  assert.equal(recordSeverity(v4, undefined).basis, 'cvss4');
  assert.equal(recordSeverity(v4, undefined).severity, 'critical');
  assert.deepEqual(recordSeverity([], undefined), { severity: 'medium', basis: 'unknown' });
  assert.deepEqual(recordSeverity([{ type: 'CVSS_V3', score: 'garbage' }], 'nonsense'), {
    severity: 'medium',
    basis: 'unknown',
  });
  // Two v3 vectors (NVD and the CNA): the worse one counts.
  const both = [...v3, { type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' }];
  assert.equal(recordSeverity(both, undefined).severity, 'critical');
});
