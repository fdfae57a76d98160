import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { classifyEdit } from '../../../src/deps/typosquat/edits.ts';
import {
  createNpmTyposquatIndex,
  createTyposquatIndex,
  defaultNpmTyposquatIndex,
  defaultTyposquatIndex,
  parseGuarddogTopList,
  parseNameList,
} from '../../../src/deps/typosquat/index.ts';
import { slipPair } from '../../../src/deps/typosquat/matcher.ts';

const POPULAR = [
  'requests',
  'numpy',
  'python-dateutil',
  'pyyaml',
  'scikit-learn',
  'six',
  'attrs',
  'attr',
  'boto3',
];

describe('classifyEdit', () => {
  it('names the one slip between two names', () => {
    assert.deepEqual(classifyEdit('reqests', 'requests'), { kind: 'deletion', char: 'u', at: 3 });
    assert.deepEqual(classifyEdit('requestss', 'requests'), { kind: 'insertion', char: 's', at: 8 });
    assert.deepEqual(classifyEdit('requezts', 'requests'), {
      kind: 'substitution',
      from: 's',
      to: 'z',
      at: 5,
    });
    assert.deepEqual(classifyEdit('reqeusts', 'requests'), { kind: 'transposition', chars: 'ue', at: 3 });
  });

  it('answers undefined for equal names and for two or more edits', () => {
    assert.equal(classifyEdit('requests', 'requests'), undefined);
    assert.equal(classifyEdit('reqeustz', 'requests'), undefined);
    assert.equal(classifyEdit('requ', 'requests'), undefined);
  });
});

describe('slipPair', () => {
  it('accepts keyboard neighbours and look-alikes, rejects other letters', () => {
    assert.ok(slipPair('s', 'a'));
    assert.ok(slipPair('m', 'n'));
    assert.ok(slipPair('l', '1'));
    assert.ok(!slipPair('l', 'r'), 'click/crick are not a slip');
    assert.ok(!slipPair('b', 's'), 'black/slack are not a slip');
  });
});

describe('createTyposquatIndex', () => {
  const index = createTyposquatIndex(POPULAR);

  it('flags one-slip names of popular packages with the trick', () => {
    const cases: [string, string, string][] = [
      ['reqeusts', 'requests', 'transposition'],
      ['reqests', 'requests', 'deletion'],
      ['requesrs', 'requests', 'substitution'],
      ['reqquests', 'requests', 'insertion'],
      ['requestss', 'requests', 'insertion'],
      ['numpu', 'numpy', 'substitution'],
      ['pythondateutil', 'python-dateutil', 'separator'],
      ['scikitlearn', 'scikit-learn', 'separator'],
      ['dateutil-python', 'python-dateutil', 'word-order'],
      ['yaml', 'pyyaml', 'py-affix'],
      ['python-yaml', 'pyyaml', 'py-affix'],
      ['dateutil', 'python-dateutil', 'py-affix'],
    ];
    for (const [name, target, trick] of cases) {
      const match = index.check(name);
      assert.equal(match?.target, target, `${name} should resemble ${target}`);
      assert.equal(match?.trick, trick, `${name}: trick`);
    }
  });

  it('normalises names per PEP 503 before comparing', () => {
    assert.equal(index.check('Reqeusts')?.target, 'requests');
    assert.equal(index.check('Python_DateUtil'), undefined, 'the same project under another spelling');
    assert.equal(index.check('scikit_learn'), undefined);
  });

  it('never reports a name that is on the list', () => {
    for (const name of POPULAR) assert.equal(index.check(name), undefined, name);
    assert.equal(index.check('attr'), undefined, 'attr and attrs are both listed');
  });

  it('ignores digit edits, letters added or dropped at either end, and non-slip substitutions', () => {
    assert.equal(index.check('boto'), undefined, 'boto/boto3: a version family');
    assert.equal(index.check('boto2'), undefined);
    assert.equal(index.check('request'), undefined, 'a letter missing at the end');
    assert.equal(index.check('grequests'), undefined, 'a letter added at the start');
    assert.equal(index.check('requestsx'), undefined, 'a letter added at the end');
    assert.equal(index.check('rumpy'), undefined, 'n → r is not a slip');
    assert.equal(index.check('mumpy'), undefined, 'the first letter replaced');
  });

  it('does not compare short names by edits', () => {
    assert.equal(index.check('sux'), undefined);
    assert.equal(index.check('sxi'), undefined);
  });

  it('only imitates the first `targets` names, while every listed name stays safe', () => {
    const small = createTyposquatIndex(['requests', 'tomlkit'], { targets: 1 });
    assert.equal(small.check('reqeusts')?.target, 'requests');
    assert.equal(small.check('tomlkti'), undefined, 'tomlkit is known but not a target');
    assert.equal(small.check('tomlkit'), undefined);
  });

  it('protects listed names more closely: shorter names, end letters, an added py affix', () => {
    const ml = createTyposquatIndex(POPULAR, { protected: ['vllm', 'anthropic', 'transformers'] });
    assert.equal(ml.check('vlml')?.target, 'vllm');
    assert.equal(ml.check('anthropick')?.target, 'anthropic');
    assert.equal(ml.check('transformer')?.target, 'transformers');
    assert.equal(ml.check('python-transformers')?.trick, 'py-affix');
    assert.equal(ml.check('vllm-python')?.trick, 'py-affix');
    // The same tricks against an unprotected name are legitimate naming.
    assert.equal(ml.check('python-requests'), undefined);
  });

  it('never reports a known-legitimate pair', () => {
    const withLegit = createTyposquatIndex(POPULAR, { knownLegit: [['reqeusts', 'requests']] });
    assert.equal(withLegit.check('reqeusts'), undefined);
    assert.equal(withLegit.check('reqests')?.target, 'requests');
  });

  it('handles empty, odd and very long names without throwing', () => {
    assert.equal(index.check(''), undefined);
    assert.equal(index.check('-'), undefined);
    assert.equal(index.check('a'.repeat(5000)), undefined);
    assert.equal(createTyposquatIndex([]).check('requests'), undefined);
  });
});

describe('defaultTyposquatIndex (bundled lists)', () => {
  const index = defaultTyposquatIndex();

  it('loads the top-15,000 list and the ML list once', () => {
    assert.ok(index.size >= 15000, `size ${index.size}`);
    assert.equal(defaultTyposquatIndex(), index, 'cached');
    assert.ok(index.isPopular('guidance'), 'a protected ML name outside the top list');
  });

  it('flags known typos of ML and popular packages', () => {
    const cases: [string, string][] = [
      ['reqeusts', 'requests'],
      ['transfomers', 'transformers'],
      ['langchian', 'langchain'],
      ['llama-cpp-pyhton', 'llama-cpp-python'],
      ['dateutil-python', 'python-dateutil'],
      ['hugginface-hub', 'huggingface-hub'],
      ['safetensor', 'safetensors'],
      ['litelm', 'litellm'],
      ['antrhopic', 'anthropic'],
      ['tourch', 'torch'],
      ['python-transformers', 'transformers'],
    ];
    for (const [name, target] of cases) assert.equal(index.check(name)?.target, target, name);
  });

  it('leaves legitimate look-alike pairs alone', () => {
    for (const name of [
      'torchx',
      'attr',
      'attrs',
      'jinja2',
      'jinja',
      'pillow',
      'pyyaml',
      'fastai',
      'mlx-vlm',
      'llm',
    ]) {
      assert.equal(index.check(name), undefined, name);
    }
  });

  it('does not report torchtriton or pytorch-nightly: they are malicious-package and confusion cases', () => {
    assert.equal(index.check('torchtriton'), undefined);
    assert.equal(index.check('pytorch-nightly'), undefined);
  });

  it('reports none of a real ML application lock file (322 names)', () => {
    const names = parseNameList(readFileSync(fixture('ml-app-lock-names.txt'), 'utf8'));
    assert.ok(names.length >= 300);
    assert.deepEqual(
      names.filter((n) => index.check(n) !== undefined),
      [],
    );
  });

  it('reports none of 160 legitimate, less downloaded ML packages, many not on the lists', () => {
    const names = parseNameList(readFileSync(fixture('ml-less-popular-names.txt'), 'utf8'));
    assert.ok(names.filter((n) => !index.isPopular(n)).length >= 15, 'the corpus exercises unknown names');
    assert.deepEqual(
      names.filter((n) => index.check(n) !== undefined),
      [],
    );
  });

  it('keeps the false-positive rate on legitimate unlisted names under 0.5%', () => {
    // Every bundled name beyond the targets is a legitimate project: pretend each is unknown (matches() skips
    // the "listed names are safe" shortcut) and count those that resemble a target.
    const top = parseGuarddogTopList(
      readFileSync(new URL('../../../data/popular/pypi-top-guarddog.json', import.meta.url), 'utf8'),
    );
    const ml = new Set(
      parseNameList(readFileSync(new URL('../../../data/popular/pypi-ml.txt', import.meta.url), 'utf8')),
    );
    const corpus = top.slice(1000).filter((n) => !ml.has(n));
    const flagged = corpus.filter((n) => index.matches(n).length > 0);
    assert.ok(
      flagged.length / corpus.length < 0.005,
      `${flagged.length}/${corpus.length}: ${flagged.slice(0, 20).join(', ')}`,
    );
  });
});

describe('npm typosquat index', () => {
  const index = createNpmTyposquatIndex([
    'openai',
    '@anthropic-ai/sdk',
    '@langchain/core',
    'lodash.get',
    'axios',
    'ai',
  ]);

  it('flags unscoped look-alikes, separator changes and impostor scopes', () => {
    assert.equal(index.check('opneai')?.target, 'openai');
    assert.equal(index.check('axois')?.target, 'axios');
    assert.equal(index.check('lodash-get')?.trick, 'separator');
    assert.deepEqual(index.check('@langchian/core'), {
      target: '@langchain/core',
      trick: 'scope',
      detail: 'scope "@langchian" imitates "@langchain" (adjacent "ai" swapped to "ia")',
    });
    assert.equal(index.check('@anthropic/sdk')?.target, '@anthropic-ai/sdk');
    assert.equal(index.check('@anthropic-ai-sdk/sdk')?.target, '@anthropic-ai/sdk');
    assert.equal(index.check('@langchian/other')?.target, '@langchain/*');
  });

  it('trusts every name inside a listed scope and never reports a listed name', () => {
    assert.equal(index.check('@langchain/cor'), undefined, 'only the scope owner can publish there');
    assert.equal(index.check('@anthropic-ai/sdkk'), undefined);
    assert.equal(index.check('openai'), undefined);
    assert.equal(index.check('@types/node'), undefined, 'an unrelated scope');
    assert.equal(index.check('ai'), undefined);
    assert.equal(index.check('aj'), undefined, 'short names are not compared');
  });

  it('bundled list: flags opneai and @antrhopic-ai/sdk, not the real names', () => {
    const npm = defaultNpmTyposquatIndex();
    assert.equal(npm.check('opneai')?.target, 'openai');
    assert.equal(npm.check('@antrhopic-ai/sdk')?.target, '@anthropic-ai/sdk');
    for (const name of [
      'openai',
      '@anthropic-ai/sdk',
      'langchain',
      '@langchain/langgraph',
      'zod',
      'react',
      'ollama',
    ]) {
      assert.equal(npm.check(name), undefined, name);
    }
  });
});

function fixture(name: string): URL {
  return new URL(`../../fixtures/deps/rules/${name}`, import.meta.url);
}
