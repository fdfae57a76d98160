import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse } from 'smol-toml';
import { parseTomlSubset } from '../../../src/deps/manifests/toml-fast.ts';
import { bigUvLock } from '../../fixtures/deps/manifests/big-lock.ts';
import {
  PDM_PYPROJECT,
  POETRY_PYPROJECT,
  POETRY2_PYPROJECT,
  UV_PYPROJECT,
} from '../../fixtures/deps/manifests/pyproject.ts';
import {
  PDM_LOCK,
  POETRY_LOCK_1_1,
  POETRY_LOCK_2_0,
  POETRY_LOCK_2_1,
  UV_LOCK,
} from '../../fixtures/deps/manifests/python-locks.ts';
import { mulberry32 } from '../../fixtures/prng.ts';

/** smol-toml's result as plain data (it builds null-prototype tables), or 'error'. */
function reference(text: string): unknown {
  try {
    return JSON.parse(JSON.stringify(parse(text)));
  } catch {
    return 'error';
  }
}

function fast(text: string): unknown {
  const result = parseTomlSubset(text);
  return result === undefined ? undefined : JSON.parse(JSON.stringify(result));
}

const FIXTURES: Record<string, string> = {
  POETRY_LOCK_2_0,
  POETRY_LOCK_2_1,
  POETRY_LOCK_1_1,
  UV_LOCK,
  PDM_LOCK,
  UV_PYPROJECT,
  POETRY_PYPROJECT,
  POETRY2_PYPROJECT,
  PDM_PYPROJECT,
};

test('the fast subset reads every lock fixture, with exactly the result smol-toml gives', () => {
  for (const [name, text] of Object.entries(FIXTURES)) {
    const result = fast(text);
    assert.notEqual(result, undefined, `${name} should be inside the subset`);
    assert.deepEqual(result, reference(text), name);
  }
  const big = bigUvLock(300);
  assert.deepEqual(fast(big), reference(big));
});

test('outside the subset it declines (and smol-toml decides), never guesses', () => {
  const outside = [
    'a = 1.5\n',
    'a = 1979-05-27\n',
    'a = 1e3\n',
    'a = 0x1F\n',
    'a = 1_000\n',
    'a = inf\n',
    'a.b = 1\n',
    'a = """\nmulti\n"""\n',
    "a = '''x'''\n",
    'a = 1\na = 2\n',
    '[t]\n[t]\n',
    'a = { b = 1, }\n',
    'a = {\n b = 1 }\n',
    'a = 1 b\n',
    '"a\\q" = 1\n',
    'a = "\\x41"\n',
    '__proto__ = 1\n',
    'a = 99999999999999999\n',
    'a = 01\n',
    `a = ${'['.repeat(40)}${']'.repeat(40)}\n`,
    'a = "unterminated\n',
    'a = [1, 2\n',
    '[a]\nb = 1\n[a.b]\n',
    'a = [1]\n[[a]]\n',
  ];
  for (const text of outside) assert.equal(parseTomlSubset(text), undefined, JSON.stringify(text));
});

test('inside the subset: escapes, comments, CRLF, BOM, literal strings, nested tables, booleans', () => {
  const texts = [
    '# comment\r\nkey = "v\\"al\\\\ue\\n\\u00e9\\U0001F600" # trailing\r\n',
    "\uFEFFa = 'lit\\eral'\nb = true\nc = false\nd = -7\ne = 0\n",
    '[a.b]\nc = 1\n[a]\nd = 2\n',
    '[[p]]\nn = "x"\n[p.s]\nk = 1\n[[p]]\nn = "y"\n',
    'arr = [\n  1, # one\n  2,\n]\nempty = []\nt = {}\n',
    '"quoted key" = 1\n\'lit key\' = 2\n[ "a" . b ]\nc = 3\n',
  ];
  for (const text of texts) {
    const result = fast(text);
    assert.notEqual(result, undefined, JSON.stringify(text));
    assert.deepEqual(result, reference(text), JSON.stringify(text));
  }
});

test('fuzz: for mutated lock files the fast path either declines or agrees with smol-toml', () => {
  const random = mulberry32(20260806);
  const alphabet = [
    '"',
    "'",
    '[',
    ']',
    '{',
    '}',
    '=',
    ',',
    '.',
    '\n',
    ' ',
    '#',
    '\\',
    'a',
    '1',
    '-',
    '\t',
    '\r',
  ];
  const seeds = [POETRY_LOCK_2_1, UV_LOCK, PDM_LOCK, POETRY_PYPROJECT];
  let accepted = 0;
  for (let k = 0; k < 1500; k++) {
    const seed = seeds[k % seeds.length]!;
    let text = seed;
    const edits = 1 + Math.floor(random() * 3);
    for (let e = 0; e < edits; e++) {
      const at = Math.floor(random() * text.length);
      const op = random();
      const ch = alphabet[Math.floor(random() * alphabet.length)]!;
      if (op < 0.4) text = text.slice(0, at) + ch + text.slice(at);
      else if (op < 0.8) text = text.slice(0, at) + text.slice(at + 1);
      else text = text.slice(0, at) + ch + text.slice(at + 1);
    }
    const mine = fast(text);
    if (mine === undefined) continue;
    accepted++;
    assert.deepEqual(mine, reference(text), `mutation ${k} disagrees: ${JSON.stringify(text.slice(0, 200))}`);
  }
  assert.ok(accepted > 100, `the fast path should accept many harmless mutations (accepted ${accepted})`);
});
