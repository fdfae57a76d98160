/**
 * deps/known-vulnerability and deps/malicious-package over hand-built manifests (the lock-file parsers are
 * tested on their own): one finding per affected dependency at its line and file, the worst severity, the
 * lowest version that fixes everything (skipping a fix a later range re-opens), --online results merged with
 * the local index, malicious releases kept apart from vulnerabilities, and the near misses that stay quiet.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { Finding } from '../../../src/core/finding.ts';
import { buildAdvisoryIndex } from '../../../src/deps/advisories/build.ts';
import { loadBundledIndex } from '../../../src/deps/advisories/bundled.ts';
import { loadAdvisoryIndex } from '../../../src/deps/advisories/index-file.ts';
import type { Advisory, Dependency, DepsSubject, Manifest } from '../../../src/deps/types.ts';
import type { RuleContext } from '../../../src/scan/rule.ts';
import { knownVulnerability } from '../../../src/scan/rules/deps/known-vulnerability.ts';
import { maliciousPackage } from '../../../src/scan/rules/deps/malicious-package.ts';
import { ghsaRecord, malRecord } from '../../fixtures/deps/advisories/osv-records.ts';

const TMP = mkdtempSync(join(tmpdir(), 'parapet-deps-rules-'));
after(() => rmSync(TMP, { recursive: true, force: true }));

/** A small index: torch with two CVEs, a package with a regression that re-opens a fixed range, MAL records. */
function smallIndex() {
  const dir = join(TMP, 'records');
  mkdirSync(dir, { recursive: true });
  const records = [
    ghsaRecord({
      id: 'GHSA-53q9-r3pm-6pq6',
      pkg: 'torch',
      events: [{ introduced: '0' }, { fixed: '2.6.0' }],
      aliases: ['CVE-2025-32434'],
      label: 'CRITICAL',
      summary: 'torch.load with weights_only=True leads to remote code execution',
    }),
    ghsaRecord({
      id: 'GHSA-63cw-57p8-fm3p',
      pkg: 'torch',
      events: [{ introduced: '0' }, { fixed: '2.10.0' }],
      aliases: ['CVE-2026-24747'],
      label: 'HIGH',
    }),
    // Fixed in 1.2.5, broken again in 1.2.6, fixed for good in 1.3.2.
    ghsaRecord({
      id: 'GHSA-aaaa-bbbb-cccc',
      pkg: 'flaky-lib',
      events: [{ introduced: '0' }, { fixed: '1.2.5' }, { introduced: '1.2.6' }, { fixed: '1.3.2' }],
      label: 'MODERATE',
    }),
    ghsaRecord({
      id: 'GHSA-dddd-eeee-ffff',
      pkg: 'flaky-lib',
      events: [{ introduced: '0' }, { fixed: '1.2.6' }],
      label: 'LOW',
    }),
    ghsaRecord({
      id: 'GHSA-gggg-hhhh-jjjj',
      pkg: 'unfixed-lib',
      events: [{ introduced: '0' }],
      label: 'HIGH',
    }),
    ghsaRecord({
      id: 'GHSA-kkkk-mmmm-nnnn',
      pkg: 'express',
      ecosystem: 'npm',
      events: [{ introduced: '0' }, { fixed: '4.20.0' }],
      label: 'HIGH',
    }),
    malRecord({ id: 'MAL-2026-2144', pkg: 'litellm', versions: ['1.82.7', '1.82.8'] }),
    malRecord({ id: 'MAL-2022-7426', pkg: 'torchtriton' }),
  ];
  for (const r of records) writeFileSync(join(dir, `${r.id}.json`), JSON.stringify(r));
  return loadAdvisoryIndex(buildAdvisoryIndex(dir, join(TMP, 'small.ndjson')).out);
}
const index = smallIndex();

function dep(
  name: string,
  version: string | undefined,
  line: number,
  extra: Partial<Dependency> = {},
): Dependency {
  const d: Dependency = {
    ecosystem: 'PyPI',
    name,
    rawName: name,
    source: 'registry',
    hashes: [],
    direct: true,
    line,
    ...extra,
  };
  if (version !== undefined) d.version = version;
  else d.specifier = '>=0';
  return d;
}

function subject(dependencies: Dependency[], extra: Partial<DepsSubject> = {}): DepsSubject {
  const manifest: Manifest = {
    kind: 'requirements',
    path: 'requirements.txt',
    locked: false,
    dependencies,
    indexes: [],
    problems: [],
  };
  return { manifest, advisories: index, ...extra };
}

const ctx: RuleContext = { location: { path: 'requirements.txt' }, strict: false };

/** A finding's evidence, typed for the assertion at hand; fails when there is no finding. */
function ev<T>(finding: Finding | undefined): T {
  assert.ok(finding, 'expected a finding');
  return finding.evidence as T;
}

test('a pinned vulnerable dependency: one finding at its line, worst severity, lowest version fixing all', () => {
  const findings = knownVulnerability.check(
    subject([dep('requests', '2.32.3', 1), dep('torch', '2.5.1', 3)]),
    ctx,
  );
  assert.equal(findings.length, 1);
  const [f] = findings;
  assert.equal(f?.ruleId, 'deps/known-vulnerability');
  assert.equal(f?.severity, 'critical');
  assert.deepEqual(f?.location, { path: 'requirements.txt', line: 3 });
  assert.equal(
    f?.message,
    'torch 2.5.1: 2 known vulnerabilities: CVE-2025-32434 (critical), CVE-2026-24747 (high); upgrade to 2.10.0 or later',
  );
  const evidence = f?.evidence as {
    package: string;
    version: string;
    fixedIn: string;
    advisories: Advisory[];
  };
  assert.equal(evidence.package, 'torch');
  assert.equal(evidence.version, '2.5.1');
  assert.equal(evidence.fixedIn, '2.10.0', '2.6.0 fixes one of the two only');
  assert.deepEqual(
    evidence.advisories.map((a) => [a.id, a.aliases, a.fixed]),
    [
      ['GHSA-53q9-r3pm-6pq6', ['CVE-2025-32434'], ['2.6.0']],
      ['GHSA-63cw-57p8-fm3p', ['CVE-2026-24747'], ['2.10.0']],
    ],
  );
  assert.equal(
    evidence.advisories[0]?.summary,
    'torch.load with weights_only=True leads to remote code execution',
  );
});

test('fixedIn skips a release that a later range re-opens', () => {
  const [f] = knownVulnerability.check(subject([dep('flaky-lib', '1.2.0', 7)]), ctx);
  assert.equal(f?.severity, 'medium');
  assert.equal(ev<{ fixedIn: string }>(f).fixedIn, '1.3.2', '1.2.6 fixes GHSA-dddd but re-opens GHSA-aaaa');
  const [unfixed] = knownVulnerability.check(subject([dep('unfixed-lib', '0.1', 2)]), ctx);
  assert.equal(ev<{ fixedIn?: string }>(unfixed).fixedIn, undefined);
  assert.match(unfixed?.message ?? '', /the advisories record no fixed version: read them$/);
});

test('near misses stay quiet: fixed versions, local labels, unpinned entries, no index', () => {
  const quiet = [
    dep('torch', '2.10.0', 1),
    dep('torch', '2.10.0+cu124', 2),
    dep('torch', undefined, 3),
    dep('flaky-lib', '1.3.2', 4),
    dep('requests', '2.0.0', 5),
  ];
  assert.deepEqual(knownVulnerability.check(subject(quiet), ctx), []);
  assert.deepEqual(maliciousPackage.check(subject(quiet), ctx), []);
  const noIndex = subject([dep('torch', '2.5.1', 1)]);
  delete noIndex.advisories;
  assert.deepEqual(
    knownVulnerability.check(noIndex, ctx),
    [],
    'no index: the scan reports that, not the rule',
  );
});

test('a dependency from an included file is reported in that file', () => {
  const [f] = knownVulnerability.check(
    subject([dep('torch', '2.5.1', 12, { file: 'requirements/base.txt' })]),
    ctx,
  );
  assert.deepEqual(f?.location, { path: 'requirements/base.txt', line: 12 });
});

test('npm dependencies match npm records', () => {
  const express = dep('express', '4.19.2', 9, { ecosystem: 'npm' });
  const [f] = knownVulnerability.check(subject([express, dep('express', '4.19.2', 10)]), ctx);
  assert.equal(ev<{ ecosystem: string }>(f).ecosystem, 'npm');
  assert.equal(
    knownVulnerability.check(subject([dep('express', '4.19.2', 10)]), ctx).length,
    0,
    'not a PyPI record',
  );
});

test('--online results merge with the local index by id and alias', () => {
  const online = new Map<string, Advisory[]>([
    [
      'PyPI:torch@2.5.1',
      [
        // The same CVE under the PYSEC id: merged, not reported twice.
        {
          id: 'PYSEC-2025-41',
          aliases: ['CVE-2025-32434', 'GHSA-53q9-r3pm-6pq6'],
          summary: '',
          severity: 'critical',
          fixed: ['2.6.0'],
          malicious: false,
          references: [],
        },
        // Only OSV knows this one.
        {
          id: 'GHSA-new0-0000-0000',
          aliases: ['CVE-2099-9'],
          summary: 'online only',
          severity: 'low',
          fixed: ['2.7.0'],
          malicious: false,
          references: [],
        },
      ],
    ],
  ]);
  const [f] = knownVulnerability.check(subject([dep('torch', '2.5.1', 3)], { online }), ctx);
  const ids = ev<{ advisories: Advisory[] }>(f).advisories.map((a) => a.id);
  assert.deepEqual(ids, ['GHSA-53q9-r3pm-6pq6', 'GHSA-63cw-57p8-fm3p', 'GHSA-new0-0000-0000']);
  // Online results alone, with no local index, still report.
  const onlineOnly = subject([dep('torch', '2.5.1', 3)], { online });
  delete onlineOnly.advisories;
  const [g] = knownVulnerability.check(onlineOnly, ctx);
  assert.equal(ev<{ fixedIn: string }>(g).fixedIn, '2.7.0');
});

test('malicious releases are critical in deps/malicious-package, never in deps/known-vulnerability', () => {
  const deps = [dep('litellm', '1.82.7', 4), dep('litellm', '1.82.6', 5), dep('torchtriton', undefined, 6)];
  assert.deepEqual(knownVulnerability.check(subject(deps), ctx), []);
  const findings = maliciousPackage.check(subject(deps), ctx);
  assert.deepEqual(
    findings.map((f) => [f.ruleId, f.severity, f.location.line, (f.evidence as { pinned: boolean }).pinned]),
    [
      ['deps/malicious-package', 'critical', 4, true],
      ['deps/malicious-package', 'critical', 6, false],
    ],
  );
  assert.match(
    findings[0]?.message ?? '',
    /^litellm 1\.82\.7 is a known malicious or compromised release \(MAL-2026-2144\)/,
  );
  assert.match(findings[1]?.message ?? '', /^torchtriton \(every version\)/);
  // A versions-only record never fires for an unpinned dependency: any version could be installed.
  assert.deepEqual(maliciousPackage.check(subject([dep('litellm', undefined, 1)]), ctx), []);
});

test('the bundled snapshot: torch 2.5.1 and litellm 1.82.7 as a lock file would list them', () => {
  const bundled = subject([dep('torch', '2.5.1', 10), dep('litellm', '1.82.7', 11)], {
    advisories: loadBundledIndex(),
  });
  const vulns = knownVulnerability.check(bundled, ctx);
  assert.equal(vulns.length, 1);
  assert.match(vulns[0]?.message ?? '', /CVE-2025-32434 \(critical\)/);
  assert.equal(ev<{ fixedIn: string }>(vulns[0]).fixedIn, '2.10.0');
  const malicious = maliciousPackage.check(bundled, ctx);
  assert.deepEqual(
    malicious.map((f) => f.location.line),
    [11],
  );
});
