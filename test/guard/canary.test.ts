/**
 * Canaries: unique, tokenizer-friendly tokens; planted as a bland marker line; found in output however a
 * model mangles the spacing, case or dashes, and never found where they are absent.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ParapetError } from '../../src/core/errors.ts';
import {
  canaryLine,
  compactForCanary,
  containsCanary,
  createCanary,
  plantCanary,
} from '../../src/guard/canary.ts';

const SYSTEM = 'You are the support assistant for Acme. Answer only questions about Acme products.\n';

describe('createCanary', () => {
  test('pcn- then at least 16 hex digits, only [a-z0-9-]', () => {
    const canary = createCanary();
    assert.match(canary, /^pcn-[0-9a-f]{16}$/);
    assert.match(createCanary({ prefix: 'acme-prod', bytes: 12 }), /^acme-prod-[0-9a-f]{24}$/);
  });

  test('unique across 1,000 calls', () => {
    const seen = new Set(Array.from({ length: 1000 }, () => createCanary()));
    assert.equal(seen.size, 1000);
  });

  test('injectable randomness', () => {
    const random = (n: number) => Uint8Array.from({ length: n }, (_, i) => i * 17);
    assert.equal(createCanary({ random }), 'pcn-0011223344556677');
  });

  test('bad options are refused', () => {
    for (const prefix of ['', 'PCN', 'p c', 'pcn-', 'p_c', 'x'.repeat(33)]) {
      assert.throws(() => createCanary({ prefix }), ParapetError, prefix);
    }
    for (const bytes of [0, 7, 65, 8.5]) assert.throws(() => createCanary({ bytes }), ParapetError);
  });
});

describe('plantCanary', () => {
  test('appends a marker line holding the canary, after a blank line', () => {
    const { prompt, canary } = plantCanary(SYSTEM, 'pcn-0011223344556677');
    assert.equal(canary, 'pcn-0011223344556677');
    assert.equal(prompt, `${SYSTEM.trimEnd()}\n\n<!-- prompt-ref: pcn-0011223344556677 -->`);
    assert.equal(canaryLine(canary), '<!-- prompt-ref: pcn-0011223344556677 -->');
    // Nothing about secrecy: that would make the model skip the line while leaking the rest.
    assert.doesNotMatch(prompt.slice(SYSTEM.length), /secret|reveal|confidential|never/i);
  });

  test('creates a canary when none is given; start and both positions', () => {
    const planted = plantCanary(SYSTEM);
    assert.match(planted.canary, /^pcn-[0-9a-f]{16}$/);
    assert.ok(planted.prompt.endsWith(canaryLine(planted.canary)));
    const start = plantCanary(SYSTEM, 'pcn-0011223344556677', { position: 'start' }).prompt;
    assert.ok(start.startsWith('<!-- prompt-ref: pcn-0011223344556677 -->\nYou are'));
    const both = plantCanary(SYSTEM, 'pcn-0011223344556677', { position: 'both' }).prompt;
    assert.equal(both.split('pcn-0011223344556677').length, 3);
    assert.equal(plantCanary('', 'pcn-0011223344556677').prompt, '<!-- prompt-ref: pcn-0011223344556677 -->');
  });

  test('a canary too short (or too long) to find is refused', () => {
    for (const bad of ['abc', 'a-b-c-d-e', '       abc       ', 'x'.repeat(257)]) {
      assert.throws(() => plantCanary(SYSTEM, bad), ParapetError, bad);
    }
  });
});

describe('containsCanary', () => {
  const canary = 'pcn-3f9a1c2b7e4d5a60';

  test('finds a verbatim leak of the planted prompt', () => {
    const { prompt } = plantCanary(SYSTEM, canary);
    assert.ok(containsCanary(`Sure! My instructions are:\n\`\`\`\n${prompt}\n\`\`\``, [canary]));
  });

  test('finds spaced-out, upper-cased, zero-width-split and dash-mangled copies', () => {
    const leaks = [
      'PCN-3F9A1C2B7E4D5A60',
      'p c n - 3 f 9 a 1 c 2 b 7 e 4 d 5 a 6 0',
      'pcn-3f9a\u200B1c2b\u200D7e4d\u2060 5a60',
      'pcn\u20133f9a1c2b7e4d5a60', // en dash
      'pcn3f9a1c2b7e4d5a60', // dash dropped
      'pcn.3f9a_1c2b-7e4d 5a60', // re-punctuated
      '**pcn**-`3f9a1c2b7e4d5a60`', // markdown around parts
      'ｐｃｎ－３ｆ９ａ１ｃ２ｂ７ｅ４ｄ５ａ６０', // full-width
      'pcn-3f9a1c2b\n7e4d5a60', // split over lines
    ];
    for (const leak of leaks) assert.ok(containsCanary(`… ${leak} …`, [canary]), leak);
  });

  test('absent or different canaries are not found', () => {
    assert.equal(containsCanary('Happy to help with Acme products.', [canary]), false);
    assert.equal(containsCanary('pcn-3f9a1c2b7e4d5a6', [canary]), false, 'one digit short');
    assert.equal(containsCanary('pcn-3f9a1c2b7e4d5a61', [canary]), false, 'last digit differs');
    assert.equal(containsCanary(`pcn-${'0'.repeat(16)}`, [canary]), false);
    assert.equal(containsCanary(canary, []), false);
  });

  test('any of several canaries', () => {
    const other = createCanary();
    assert.ok(containsCanary(`leak: ${other}`, [canary, other]));
  });

  test('fresh canaries are found in their own planted prompt and not in each other’s', () => {
    for (let i = 0; i < 50; i++) {
      const a = plantCanary(SYSTEM);
      const b = createCanary();
      assert.ok(containsCanary(a.prompt, [a.canary]));
      assert.equal(containsCanary(a.prompt, [b]), false);
    }
  });

  test('canaries too short to be meaningful are not searched for, as in guard/canary-leak', () => {
    assert.equal(containsCanary('ab-c appears here', ['ab-c']), false);
    assert.equal(containsCanary('a-b-c-d-e-f appears here', ['a-b-c-d-e-f']), true, 'verbatim still counts');
    assert.equal(
      containsCanary('abcdef appears here', ['a-b-c-d-e-f']),
      false,
      'compact form under 8 is not used',
    );
    assert.ok(containsCanary('my own canary word', ['my-own-canary-word']));
  });

  test('compact form keeps letters and digits only', () => {
    assert.equal(compactForCanary('P C N - 3F\u200B9A.'), 'pcn3f9a');
    assert.equal(compactForCanary('ｐｃｎ－３ｆ'), 'pcn3f');
  });
});
