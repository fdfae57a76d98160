import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SeenFilter } from '../../src/datasets/checks/hashing.ts';
import { splitWords } from '../../src/datasets/checks/words.ts';
import { mulberry32 } from '../fixtures/prng.ts';

/** The definition splitWords replaces for speed: it must split every text exactly as this does. */
const WORD = /[\p{L}\p{N}]+(?:[-_'.][\p{L}\p{N}]+)*/gu;

describe('splitWords', () => {
  it('keeps inner connectors and drops outer ones', () => {
    assert.deepEqual(splitWords("Use cf-7741, don't -x v1.2. end_"), [
      'Use',
      'cf-7741',
      "don't",
      'x',
      'v1.2',
      'end',
    ]);
  });

  it('counts non-Latin and astral letters as letters, marks and lone surrogates as breaks', () => {
    assert.deepEqual(splitWords('привет 中文 𝐀𝐁 e\u0301t \ud800x'), ['привет', '中文', '𝐀𝐁', 'e', 't', 'x']);
  });

  it('stops at the limit', () => {
    assert.deepEqual(splitWords('a b c d', 2), ['a', 'b']);
  });

  it('splits 100,000 random texts exactly as the Unicode regex does', () => {
    const alphabet = [
      'a',
      'Z',
      '7',
      '-',
      '_',
      "'",
      '.',
      ' ',
      'é',
      'ж',
      '中',
      '😀',
      '𝐀',
      '\ud800',
      '\udc00',
      '٣',
      '\u0301',
      '!',
      '\n',
      'ß',
    ];
    const random = mulberry32(5);
    for (let t = 0; t < 100_000; t++) {
      let text = '';
      const length = Math.floor(random() * 20);
      for (let i = 0; i < length; i++) text += alphabet[Math.floor(random() * alphabet.length)];
      assert.deepEqual(splitWords(text), text.match(WORD) ?? [], JSON.stringify(text));
    }
  });
});

describe('SeenFilter', () => {
  it('says "not seen" for every first sighting and "seen" for every repeat', () => {
    const filter = new SeenFilter(20);
    const random = mulberry32(9);
    const items = Array.from(
      { length: 1000 },
      () => [Math.floor(random() * 2 ** 32), Math.floor(random() * 2 ** 32)] as const,
    );
    const falseRepeats = items.filter(([a, b]) => filter.add(a, b)).length;
    assert.ok(falseRepeats <= 1, `${falseRepeats} false repeats among 1,000 items in 2^20 bits`);
    for (const [a, b] of items) assert.equal(filter.add(a, b), true);
  });

  it('stays nearly free of false repeats at a million distinct items (where a count-min sketch of the same memory is not)', () => {
    const filter = new SeenFilter();
    const random = mulberry32(3);
    let falseRepeats = 0;
    for (let i = 0; i < 1_000_000; i++)
      if (filter.add(Math.floor(random() * 2 ** 32), Math.floor(random() * 2 ** 32))) falseRepeats++;
    assert.ok(falseRepeats < 200, `${falseRepeats} false repeats`);
  });
});
