/**
 * Guard policy: strict validation that names the key path (and line) of every mistake, the `guard:`
 * wrapper, YAML hazards (syntax errors, alias bombs), presets and per-detector overrides. The detectors
 * are tiny fakes: resolution depends only on their metadata.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { ParapetError } from '../../src/core/errors.ts';
import type { Severity } from '../../src/core/severity.ts';
import {
  closest,
  loadPolicyFile,
  loadPolicyYaml,
  normalizeHost,
  PolicyError,
  parsePolicy,
  presetSetting,
  resolvePolicy,
} from '../../src/guard/policy.ts';
import type { Detector, GuardAction } from '../../src/guard/types.ts';

function fakeDetector(
  id: string,
  severity: Severity,
  defaultAction: GuardAction,
  defaultThreshold: number,
): Detector {
  return {
    meta: {
      id,
      title: id,
      severity,
      tags: [],
      references: [],
      fix: '',
      directions: ['input'],
      defaultAction,
      defaultThreshold,
      window: 100,
    },
    detect: () => [],
  };
}

const DETECTORS = [
  fakeDetector('guard/secret', 'high', 'flag', 0.7),
  fakeDetector('guard/canary-leak', 'critical', 'block', 0.9),
  fakeDetector('guard/jailbreak', 'medium', 'block', 0.6),
];
const IDS = DETECTORS.map((d) => d.meta.id);

const TMP = mkdtempSync(join(tmpdir(), 'parapet-policy-'));
after(() => rmSync(TMP, { recursive: true, force: true }));

/** The error's lines; fails the test if `fn` does not throw a PolicyError with `code`. */
function problems(fn: () => unknown, code = 'USAGE'): string[] {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof PolicyError, `expected PolicyError, got ${String(err)}`);
    assert.ok(err instanceof ParapetError);
    assert.equal(err.code, code);
    assert.equal(err.message, err.problems.join('\n'));
    return [...err.problems];
  }
  assert.fail('expected an error');
}

describe('parsePolicy', () => {
  test('accepts a full policy and returns it typed, hosts normalised', () => {
    const policy = parsePolicy({
      preset: 'strict',
      detectors: { 'guard/secret': { enabled: false, threshold: 0.5, action: 'redact' } },
      allow: {
        domains: ['Docs.Example.COM', 'docs.example.com.', 'bücher.de'],
        phrases: ['  ignore the   draft '],
      },
    });
    assert.deepEqual(policy, {
      preset: 'strict',
      detectors: { 'guard/secret': { enabled: false, threshold: 0.5, action: 'redact' } },
      allow: { domains: ['docs.example.com', 'xn--bcher-kva.de'], phrases: ['ignore the draft'] },
    });
    assert.deepEqual(parsePolicy({}), {});
  });

  test('wrong type names the key path', () => {
    assert.deepEqual(
      problems(() => parsePolicy({ detectors: { 'guard/secret': { threshold: 'high' } } })),
      ['policy.detectors["guard/secret"].threshold: expected a number from 0 to 1, got "high"'],
    );
    assert.deepEqual(
      problems(() => parsePolicy({ detectors: { 'guard/secret': { enabled: 'no' } } })),
      [
        'policy.detectors["guard/secret"].enabled: expected true or false, got "no" (write true or false, unquoted)',
      ],
    );
    assert.deepEqual(
      problems(() => parsePolicy({ allow: { domains: 'example.com' } })),
      ['policy.allow.domains: expected a list of host names (like example.com), got "example.com"'],
    );
    assert.deepEqual(
      problems(() => parsePolicy({ detectors: ['guard/secret'] })),
      ['policy.detectors: expected a mapping from detector ids (like guard/secret) to settings, got a list'],
    );
    assert.deepEqual(
      problems(() => parsePolicy('strict')),
      ['policy: expected a mapping with preset, detectors, allow, got "strict"'],
    );
    assert.deepEqual(
      problems(() => parsePolicy({ allow: { phrases: [42] } })),
      ['policy.allow.phrases[0]: expected a phrase (a string), got 42'],
    );
  });

  test('out of range names the key path, with a hint for percentages', () => {
    assert.deepEqual(
      problems(() => parsePolicy({ detectors: { 'guard/secret': { threshold: 80 } } })),
      [
        'policy.detectors["guard/secret"].threshold: expected a number from 0 to 1, got 80 (scores are fractions: write 0.8 for 80%)',
      ],
    );
    assert.deepEqual(
      problems(() => parsePolicy({ detectors: { 'guard/secret': { threshold: -0.1 } } })),
      ['policy.detectors["guard/secret"].threshold: expected a number from 0 to 1, got -0.1'],
    );
    assert.deepEqual(
      problems(() => parsePolicy({ detectors: { 'guard/secret': { threshold: Number.NaN } } })),
      ['policy.detectors["guard/secret"].threshold: expected a number from 0 to 1, got NaN'],
    );
  });

  test('unknown keys are rejected with a suggestion', () => {
    assert.deepEqual(
      problems(() => parsePolicy({ alow: { domains: [] } })),
      ['policy.alow: unknown key (did you mean "allow"?)'],
    );
    assert.deepEqual(
      problems(() => parsePolicy({ detectors: { 'guard/secret': { treshold: 0.5 } } })),
      ['policy.detectors["guard/secret"].treshold: unknown key (did you mean "threshold"?)'],
    );
    assert.deepEqual(
      problems(() => parsePolicy({ allow: { hosts: [] } })),
      ['policy.allow.hosts: unknown key (expected domains, phrases)'],
    );
  });

  test('bad preset and bad action list the allowed values', () => {
    assert.deepEqual(
      problems(() => parsePolicy({ preset: 'paranoid' })),
      ['policy.preset: expected one of strict, balanced, permissive, got "paranoid"'],
    );
    assert.deepEqual(
      problems(() => parsePolicy({ preset: 'stric' })),
      ['policy.preset: expected one of strict, balanced, permissive, got "stric" (did you mean "strict"?)'],
    );
    assert.deepEqual(
      problems(() => parsePolicy({ preset: null })),
      ['policy.preset: expected one of strict, balanced, permissive, got null'],
    );
    assert.deepEqual(
      problems(() => parsePolicy({ detectors: { 'guard/secret': { action: 'deny' } } })),
      ['policy.detectors["guard/secret"].action: expected one of allow, flag, redact, block, got "deny"'],
    );
    assert.deepEqual(
      problems(() => parsePolicy({ detectors: { 'guard/secret': { action: 'blok' } } })),
      [
        'policy.detectors["guard/secret"].action: expected one of allow, flag, redact, block, got "blok" (did you mean "block"?)',
      ],
    );
  });

  test('every problem is reported at once, one per line', () => {
    const lines = problems(() =>
      parsePolicy({
        preset: 'paranoid',
        alow: {},
        detectors: { 'guard/secret': { threshold: 2, action: 'deny' } },
        allow: { domains: ['https://x.com'] },
      }),
    );
    assert.equal(lines.length, 5);
    assert.match(lines[0] ?? '', /^policy\.preset: /);
    assert.match(lines[4] ?? '', /^policy\.alow: unknown key/);
  });

  test('source names the root', () => {
    assert.deepEqual(
      problems(() => parsePolicy({ preset: 1 }, 'options.policy')),
      ['options.policy.preset: expected one of strict, balanced, permissive, got 1'],
    );
  });

  test('detector ids: malformed ids are rejected; unknown ones when the ids are given', () => {
    assert.deepEqual(
      problems(() => parsePolicy(JSON.parse('{"detectors": {"__proto__": {"enabled": false}}}'))),
      ['policy.detectors.__proto__: not a detector id (ids are lower-case, like guard/secret)'],
    );
    assert.deepEqual(
      problems(() => parsePolicy({ detectors: { 'Guard/Secret': {} } })),
      ['policy.detectors["Guard/Secret"]: not a detector id (ids are lower-case, like guard/secret)'],
    );
    // Without the list of ids a well-formed unknown id passes (resolvePolicy catches it later).
    assert.deepEqual(parsePolicy({ detectors: { 'guard/secrte': {} } }), {
      detectors: { 'guard/secrte': {} },
    });
    assert.deepEqual(
      problems(() => parsePolicy({ detectors: { 'guard/secrte': {} } }, 'policy', { detectorIds: IDS })),
      ['policy.detectors["guard/secrte"]: unknown detector (did you mean "guard/secret"?)'],
    );
  });

  test('allowed domains are bare host names; a URL suggests its host', () => {
    const cases: [string, string][] = [
      ['https://x.com', 'expected a host name without a scheme, got "https://x.com" (did you mean "x.com"?)'],
      [
        'https://X.com/path?q=1',
        'expected a host name without a scheme, got "https://X.com/path?q=1" (did you mean "x.com"?)',
      ],
      ['//cdn.x.com', 'expected a host name without a scheme, got "//cdn.x.com" (did you mean "cdn.x.com"?)'],
      ['x.com/docs', 'expected a host name without a path, got "x.com/docs" (did you mean "x.com"?)'],
      ['x.com:443', 'expected a host name without a port, got "x.com:443" (did you mean "x.com"?)'],
      [
        '*.x.com',
        'expected a host name without a wildcard (subdomains are always included), got "*.x.com" (did you mean "x.com"?)',
      ],
      ['user@x.com', 'expected a host name without a user name, got "user@x.com" (did you mean "x.com"?)'],
      ['not a host', 'expected a host name (like example.com), got "not a host"'],
      ['-x.com', 'expected a host name (like example.com), got "-x.com"'],
      ['', 'expected a host name (like example.com), got ""'],
    ];
    for (const [domain, message] of cases) {
      assert.deepEqual(
        problems(() => parsePolicy({ allow: { domains: ['ok.com', domain] } })),
        [`policy.allow.domains[1]: ${message}`],
        domain,
      );
    }
    assert.equal(normalizeHost('LOCALHOST'), 'localhost');
    assert.equal(normalizeHost('10.0.0.1'), '10.0.0.1');
  });

  test('phrases too short to be safe are rejected', () => {
    assert.deepEqual(
      problems(() => parsePolicy({ allow: { phrases: ['ok', ' a '] } })),
      [
        'policy.allow.phrases[0]: expected a phrase of at least 3 characters (a shorter one would match almost any text), got "ok"',
        'policy.allow.phrases[1]: expected a phrase of at least 3 characters (a shorter one would match almost any text), got " a "',
      ],
    );
  });
});

describe('loadPolicyYaml / loadPolicyFile', () => {
  const FULL = `# parapet guard policy
preset: strict
detectors:
  guard/secret:
    action: redact
  guard/jailbreak:
    threshold: 0.75
    enabled: true
allow:
  domains: [docs.example.com]
  phrases:
    - ignore the previous draft
`;

  test('parses YAML', () => {
    assert.deepEqual(loadPolicyYaml(FULL, 'guard.yaml', { detectorIds: IDS }), {
      preset: 'strict',
      detectors: {
        'guard/secret': { action: 'redact' },
        'guard/jailbreak': { threshold: 0.75, enabled: true },
      },
      allow: { domains: ['docs.example.com'], phrases: ['ignore the previous draft'] },
    });
  });

  test('validation errors carry the file, line and column of the key or value', () => {
    const text = 'preset: strict\ndetectors:\n  guard/secret:\n    threshold: high\nalow:\n  domains: []\n';
    assert.deepEqual(
      problems(() => loadPolicyYaml(text, 'guard.yaml')),
      [
        'guard.yaml:4:16: policy.detectors["guard/secret"].threshold: expected a number from 0 to 1, got "high"',
        'guard.yaml:5:1: policy.alow: unknown key (did you mean "allow"?)',
      ],
    );
    assert.deepEqual(
      problems(() =>
        loadPolicyYaml('detectors:\n  guard/secrte:\n    enabled: false\n', 'g.yml', { detectorIds: IDS }),
      ),
      ['g.yml:2:3: policy.detectors["guard/secrte"]: unknown detector (did you mean "guard/secret"?)'],
    );
    assert.deepEqual(
      problems(() => loadPolicyYaml('allow:\n  domains:\n    - ok.com\n    - https://x.com\n', 'g.yml')),
      [
        'g.yml:4:7: policy.allow.domains[1]: expected a host name without a scheme, got "https://x.com" (did you mean "x.com"?)',
      ],
    );
  });

  test('YAML syntax errors report the line and the file name', () => {
    const text = 'preset: strict\ndetectors:\n  guard/secret: {threshold: 0.5\nallow: [\n';
    const lines = problems(() => loadPolicyYaml(text, 'bad.yaml'));
    assert.ok(lines.length > 0);
    for (const line of lines) assert.match(line, /^bad\.yaml:\d+:\d+: YAML syntax error: /);
    assert.ok(
      lines.some((l) => l.startsWith('bad.yaml:3:') || l.startsWith('bad.yaml:4:')),
      lines.join('\n'),
    );
    assert.deepEqual(
      problems(() => loadPolicyYaml('preset: strict\npreset: balanced\n', 'dup.yaml')),
      ['dup.yaml:2:1: YAML syntax error: Map keys must be unique'],
    );
    assert.match(
      problems(() => loadPolicyYaml('preset: !!js/function x\n', 'tag.yaml'))[0] ?? '',
      /^tag\.yaml:1:9: YAML /,
    );
  });

  test('alias bombs are rejected; a few aliases are fine', () => {
    const bomb = [
      'a: &a ["x","x","x","x","x","x","x","x","x"]',
      'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]',
      'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]',
      'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]',
      'e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]',
      'f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]',
      'g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]',
    ].join('\n');
    assert.match(
      problems(() => loadPolicyYaml(bomb, 'bomb.yaml'), 'LIMIT')[0] ?? '',
      /^bomb\.yaml: YAML aliases expand/,
    );
    const shared =
      'detectors:\n  guard/secret: &loud {action: block, threshold: 0.5}\n  guard/jailbreak: *loud\n';
    assert.deepEqual(loadPolicyYaml(shared, 'shared.yaml'), {
      detectors: {
        'guard/secret': { action: 'block', threshold: 0.5 },
        'guard/jailbreak': { action: 'block', threshold: 0.5 },
      },
    });
  });

  test('a top-level guard: key is accepted, and its paths say guard', () => {
    const gateway =
      'listen: 127.0.0.1:8080\nupstream: http://localhost:11434\nguard:\n  preset: permissive\n';
    assert.deepEqual(loadPolicyYaml(gateway, 'gateway.yaml'), { preset: 'permissive' });
    assert.deepEqual(
      problems(() => loadPolicyYaml('guard:\n  preset: paranoid\n', 'gateway.yaml')),
      ['gateway.yaml:2:11: guard.preset: expected one of strict, balanced, permissive, got "paranoid"'],
    );
    assert.deepEqual(
      problems(() => loadPolicyYaml('guard:\n', 'gateway.yaml')),
      ['gateway.yaml:1:7: guard: expected a mapping with preset, detectors, allow, got null'],
    );
  });

  test('empty document is the empty policy; a BOM is skipped', () => {
    assert.deepEqual(loadPolicyYaml('', 'empty.yaml'), {});
    assert.deepEqual(loadPolicyYaml('# nothing yet\n', 'empty.yaml'), {});
    assert.deepEqual(loadPolicyYaml('\uFEFFpreset: strict\n', 'bom.yaml'), { preset: 'strict' });
  });

  test('files: YAML and JSON, missing file is NOT_FOUND', () => {
    const yamlPath = join(TMP, 'parapet-guard.yaml');
    writeFileSync(yamlPath, FULL);
    assert.equal(loadPolicyFile(yamlPath).preset, 'strict');

    const jsonPath = join(TMP, 'parapet-guard.json');
    writeFileSync(
      jsonPath,
      JSON.stringify(
        { guard: { preset: 'balanced', detectors: { 'guard/secret': { threshold: 0.9 } } } },
        null,
        '\t',
      ),
    );
    assert.deepEqual(loadPolicyFile(jsonPath, { detectorIds: IDS }), {
      preset: 'balanced',
      detectors: { 'guard/secret': { threshold: 0.9 } },
    });

    const badJson = join(TMP, 'bad.json');
    writeFileSync(
      badJson,
      '{\n  "preset": "strict",\n  "detectors": {"guard/secret": {"threshold": 1.5}}\n}\n',
    );
    assert.deepEqual(
      problems(() => loadPolicyFile(badJson)),
      [`${badJson}:3:47: policy.detectors["guard/secret"].threshold: expected a number from 0 to 1, got 1.5`],
    );

    const missing = join(TMP, 'missing.yaml');
    assert.deepEqual(
      problems(() => loadPolicyFile(missing), 'NOT_FOUND'),
      [`no such policy file: ${missing}`],
    );
    assert.match(problems(() => loadPolicyFile(TMP), 'UNREADABLE')[0] ?? '', /^cannot read policy file /);
  });

  test('oversized input is refused before parsing', () => {
    assert.match(
      problems(() => loadPolicyYaml(`# ${'x'.repeat(1024 * 1024)}\n`, 'big.yaml'), 'LIMIT')[0] ?? '',
      /limit/,
    );
  });
});

describe('resolvePolicy', () => {
  test('balanced (the default) uses each detector’s defaults, all enabled', () => {
    const resolved = resolvePolicy(undefined, DETECTORS);
    assert.equal(resolved.preset, 'balanced');
    assert.deepEqual(
      [...resolved.detectors],
      [
        ['guard/secret', { enabled: true, threshold: 0.7, action: 'flag' }],
        ['guard/canary-leak', { enabled: true, threshold: 0.9, action: 'block' }],
        ['guard/jailbreak', { enabled: true, threshold: 0.6, action: 'block' }],
      ],
    );
    assert.deepEqual(resolved.allowDomains, []);
    assert.deepEqual(resolved.allowPhrases, []);
    assert.deepEqual(resolvePolicy({ preset: 'balanced' }, DETECTORS).detectors, resolved.detectors);
  });

  test('strict lowers thresholds (floor 0.1) and blocks what high and critical detectors flag', () => {
    const resolved = resolvePolicy({ preset: 'strict' }, DETECTORS);
    assert.deepEqual(resolved.detectors.get('guard/secret'), {
      enabled: true,
      threshold: 0.56,
      action: 'block',
    });
    assert.deepEqual(resolved.detectors.get('guard/canary-leak'), {
      enabled: true,
      threshold: 0.72,
      action: 'block',
    });
    assert.deepEqual(resolved.detectors.get('guard/jailbreak'), {
      enabled: true,
      threshold: 0.48,
      action: 'block',
    });
    // A medium detector's flag stays a flag; thresholds never drop below 0.1 (nor rise to it).
    const low = fakeDetector('guard/low', 'medium', 'flag', 0.1);
    const tiny = fakeDetector('guard/tiny', 'low', 'flag', 0.05);
    assert.deepEqual(presetSetting('strict', low.meta), { enabled: true, threshold: 0.1, action: 'flag' });
    assert.deepEqual(presetSetting('strict', tiny.meta), { enabled: true, threshold: 0.05, action: 'flag' });
    assert.equal(presetSetting('strict', fakeDetector('guard/x', 'low', 'flag', 0.12).meta).threshold, 0.1);
  });

  test('permissive raises thresholds and flags what non-critical detectors block', () => {
    const resolved = resolvePolicy({ preset: 'permissive' }, DETECTORS);
    assert.deepEqual(resolved.detectors.get('guard/secret'), {
      enabled: true,
      threshold: 0.82,
      action: 'flag',
    });
    assert.deepEqual(resolved.detectors.get('guard/canary-leak'), {
      enabled: true,
      threshold: 0.94,
      action: 'block',
    });
    assert.deepEqual(resolved.detectors.get('guard/jailbreak'), {
      enabled: true,
      threshold: 0.76,
      action: 'flag',
    });
    // redact is not an over-reaction to soften: it stays.
    assert.equal(
      presetSetting('permissive', fakeDetector('guard/pii', 'high', 'redact', 0.5).meta).action,
      'redact',
    );
  });

  test('per-detector overrides win over the preset', () => {
    const resolved = resolvePolicy(
      {
        preset: 'permissive',
        detectors: {
          'guard/jailbreak': { action: 'block', threshold: 0.3 },
          'guard/secret': { enabled: false },
        },
        allow: { domains: ['Example.com'], phrases: ['our draft'] },
      },
      DETECTORS,
    );
    assert.deepEqual(resolved.detectors.get('guard/jailbreak'), {
      enabled: true,
      threshold: 0.3,
      action: 'block',
    });
    assert.deepEqual(resolved.detectors.get('guard/secret'), {
      enabled: false,
      threshold: 0.82,
      action: 'flag',
    });
    assert.deepEqual(resolved.allowDomains, ['example.com']);
    assert.deepEqual(resolved.allowPhrases, ['our draft']);
  });

  test('an unknown detector id is an error with the closest id suggested', () => {
    assert.deepEqual(
      problems(() => resolvePolicy({ detectors: { 'guard/secrets': { enabled: false } } }, DETECTORS)),
      ['policy.detectors["guard/secrets"]: unknown detector (did you mean "guard/secret"?)'],
    );
    assert.deepEqual(
      problems(() => resolvePolicy({ detectors: { 'guard/jailbraek': {} } }, DETECTORS)),
      ['policy.detectors["guard/jailbraek"]: unknown detector (did you mean "guard/jailbreak"?)'],
    );
    assert.deepEqual(
      problems(() => resolvePolicy({ detectors: { 'canary-leak': {} } }, DETECTORS)),
      ['policy.detectors["canary-leak"]: unknown detector (did you mean "guard/canary-leak"?)'],
    );
    assert.deepEqual(
      problems(() => resolvePolicy({ detectors: { 'guard/pii': {} } }, DETECTORS)),
      [
        'policy.detectors["guard/pii"]: unknown detector (known: guard/secret, guard/canary-leak, guard/jailbreak)',
      ],
    );
  });

  test('extra detectors (added beside the guard) are valid ids and get a setting', () => {
    const classifier = fakeDetector('guard/transformer-classifier', 'high', 'flag', 0.5).meta;
    const policy = {
      preset: 'strict',
      detectors: { 'guard/transformer-classifier': { threshold: 0.9 } },
    } as const;
    assert.throws(() => resolvePolicy(policy, DETECTORS), PolicyError);
    const resolved = resolvePolicy(policy, DETECTORS, { extra: [classifier] });
    assert.deepEqual(resolved.detectors.get('guard/transformer-classifier'), {
      enabled: true,
      threshold: 0.9,
      action: 'block',
    });
    assert.equal(resolved.detectors.size, 4);
  });

  test('a programmatic policy is validated like a file', () => {
    const policy = { preset: 'strict', detectors: { 'guard/secret': { threshold: 1.5 } } } as const;
    assert.deepEqual(
      problems(() => resolvePolicy(policy, DETECTORS)),
      ['policy.detectors["guard/secret"].threshold: expected a number from 0 to 1, got 1.5'],
    );
  });
});

test('closest: typos within a third of the length, never wild guesses', () => {
  assert.equal(closest('alow', ['preset', 'detectors', 'allow']), 'allow');
  assert.equal(closest('detector', ['preset', 'detectors', 'allow']), 'detectors');
  assert.equal(closest('prseet', ['preset', 'detectors', 'allow']), 'preset');
  assert.equal(closest('xyz', ['preset', 'detectors', 'allow']), undefined);
  assert.equal(closest('x'.repeat(100_000), ['preset']), undefined);
});
