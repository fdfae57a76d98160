/** Where the output stream must start holding text: each helper on open and closed constructs. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  lastUnclosed,
  openMarkdownLink,
  trailingNumberGroups,
  trailingTokenStart,
} from '../../src/guard/detectors/pending.ts';

test('trailingTokenStart holds the word being written and nothing after a space', () => {
  assert.equal(trailingTokenStart('the key is AKIA12'), 11);
  assert.equal(trailingTokenStart('done. '), 6);
  assert.equal(trailingTokenStart(''), 0);
});

test('lastUnclosed holds from an opener with no closer after it', () => {
  assert.equal(lastUnclosed('a -----BEGIN KEY----- body', '-----BEGIN', '-----END'), 2);
  const closed = '-----BEGIN X-----\nbody\n-----END X----- after';
  assert.equal(lastUnclosed(closed, '-----BEGIN', '-----END'), closed.length);
  assert.equal(lastUnclosed('x <img src="a"> y <b', '<', '>'), 18);
});

test('openMarkdownLink holds images and links until their brackets close', () => {
  assert.equal(openMarkdownLink('see ![logo'), 4);
  assert.equal(openMarkdownLink('see ![logo](https://x.example/?q='), 4);
  assert.equal(openMarkdownLink('see [docs]'), 4);
  const closed = 'see [docs](https://x.example) and more';
  assert.equal(openMarkdownLink(closed), closed.length);
  const prose = 'an array [1, 2] is fine';
  assert.equal(openMarkdownLink(prose), prose.length);
});

test('trailingNumberGroups holds groups that could belong to one card, IBAN or phone number', () => {
  assert.equal(trailingNumberGroups('card 4111 1111 11'), 5);
  assert.equal(trailingNumberGroups('iban DE89 3704 '), 5);
  assert.equal(trailingNumberGroups('call +1 (555) 123-45'), 5);
  const words = 'nothing numeric here ';
  assert.equal(trailingNumberGroups(words), words.length);
});
