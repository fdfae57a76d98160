import assert from 'node:assert/strict';
import { test } from 'node:test';
import { analyseTemplate, type TemplateAnalysis } from '../../src/scan/chat-template.ts';
import { scanBytes } from '../../src/scan/engine.ts';
import { yamlTemplateValues } from '../../src/scan/handlers/yaml-scan.ts';
import { BENIGN_TEMPLATES, ESCAPE_TEMPLATES, SUSPICIOUS_TEMPLATES } from '../fixtures/chat-templates.ts';
import { mulberry32 } from '../fixtures/prng.ts';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const kinds = (a: TemplateAnalysis): string[] => a.issues.map((i) => i.kind);
const show = (a: TemplateAnalysis): string => JSON.stringify(a.issues, null, 1);

for (const [name, template] of Object.entries(BENIGN_TEMPLATES)) {
  test(`benign ${name} template parses and has no issue`, () => {
    const a = analyseTemplate(template);
    assert.equal(a.method, 'ast');
    assert.deepEqual(a.issues, [], show(a));
  });
}

for (const [name, template] of Object.entries(ESCAPE_TEMPLATES)) {
  test(`escape ${name} is reported as reaching Python internals`, () => {
    const a = analyseTemplate(template);
    assert.ok(kinds(a).includes('escape'), show(a));
  });
}

for (const [name, template] of Object.entries(SUSPICIOUS_TEMPLATES)) {
  test(`suspicious ${name} is reported as suspicious, not as an escape`, () => {
    const a = analyseTemplate(template);
    assert.ok(kinds(a).includes('suspicious'), show(a));
    assert.ok(!kinds(a).includes('escape'), show(a));
  });
}

test('the JS parser rejects `()` but the lexical fallback still finds the chain, and says it fell back', () => {
  const a = analyseTemplate(ESCAPE_TEMPLATES.tupleUnparsed!);
  assert.equal(a.method, 'lexical');
  assert.ok(kinds(a).includes('parse-failure'));
  assert.ok(a.issues.some((i) => i.kind === 'escape' && i.evidence === '__subclasses__'));
});

test('string-built names are folded: concatenation, join and format name the dunder they build', () => {
  for (const name of ['attrConcat', 'joinBuilt', 'formatBuilt'] as const) {
    const a = analyseTemplate(ESCAPE_TEMPLATES[name]!);
    assert.ok(
      a.issues.some((i) => i.kind === 'escape' && /built from strings/.test(i.message)),
      `${name}: ${show(a)}`,
    );
  }
});

test('namespace() used the normal way and a locally bound `config` are not gadgets', () => {
  const t = "{% set ns = namespace(found=false) %}{% set config = {'a': 1} %}{{ config.a }}{{ ns.found }}";
  assert.deepEqual(analyseTemplate(t).issues, []);
});

test('context variables named like Python builtins (input, dir) are not calls of them', () => {
  assert.deepEqual(analyseTemplate('{{ input }}{{ dir ~ "/" ~ messages[0].content }}').issues, []);
  assert.ok(analyseTemplate("{{ getattr(messages, 'x') }}").issues.some((i) => i.kind === 'suspicious'));
});

test('a dunder printed as text outside tags is not code', () => {
  assert.deepEqual(analyseTemplate('Say __class__ literally. {{ messages[0].content }}').issues, []);
});

test('huge templates are scanned lexically and reported', () => {
  const big = `${'x'.repeat(1024 * 1024 + 1)}{{ cycler.__init__ }}`;
  const a = analyseTemplate(big);
  assert.equal(a.method, 'lexical');
  assert.ok(kinds(a).includes('suspicious') && kinds(a).includes('escape'));
});

test('deeply nested expressions never throw (parser stack overflow is a parse failure)', () => {
  const a = analyseTemplate(`{{ ${'('.repeat(50_000)}1${')'.repeat(50_000)} }}`);
  assert.ok(a.issues.length >= 0);
});

test('tokenizer_config.json: chat_template critical, list form named, other keys dormant (medium)', async () => {
  const json = JSON.stringify({
    tokenizer_class: 'LlamaTokenizer',
    chat_template: [
      { name: 'default', template: BENIGN_TEMPLATES.chatml },
      { name: 'tool_use', template: ESCAPE_TEMPLATES.cycler },
    ],
    custom_prompt: ESCAPE_TEMPLATES.lipsum,
  });
  const r = await scanBytes(enc(json), 'tokenizer_config.json');
  assert.deepEqual(r.errors, []);
  const escapes = r.findings.filter((f) => f.ruleId === 'model/chat-template-sandbox-escape');
  assert.equal(escapes.length, 2, JSON.stringify(r.findings));
  assert.ok(
    escapes.some((f) => f.severity === 'critical' && f.message.startsWith('chat_template[tool_use]')),
  );
  assert.ok(escapes.some((f) => f.severity === 'medium' && f.message.startsWith('custom_prompt')));
});

test('JSON and YAML without templates raise nothing and stay skipped (not counted as clean)', async () => {
  for (const [text, name] of [
    ['{"model_type": "llama", "hidden_size": 4096}', 'generation.json'],
    ['model: llama\nlr: 0.1\n', 'train.yaml'],
  ] as const) {
    const r = await scanBytes(enc(text), name);
    assert.deepEqual(r.findings, []);
    assert.deepEqual(r.errors, []);
    assert.deepEqual(r.scanned, []);
  }
});

test('a malformed chat template is reported low, never silently clean', async () => {
  const r = await scanBytes(enc('{"chat_template": "{{ unclosed"}'), 'tokenizer_config.json');
  assert.deepEqual(
    r.findings.map((f) => [f.ruleId, f.severity]),
    [['model/chat-template-suspicious', 'low']],
  );
});

test('standalone .jinja files are templates; YAML values are found with their line', async () => {
  const jinja = await scanBytes(enc(ESCAPE_TEMPLATES.cvePoc!), 'chat_template.jinja');
  assert.ok(jinja.findings.some((f) => f.severity === 'critical'));
  const yaml = `model: x\nprompt:\n  chat_template: "{{ self.__init__.__globals__ }}"\nother: '{{ message[''content''] }}'\n`;
  const values = yamlTemplateValues(yaml);
  assert.deepEqual(
    values.map((v) => [v.key, v.line, v.text]),
    [
      ['chat_template', 3, '{{ self.__init__.__globals__ }}'],
      ['other', 4, "{{ message['content'] }}"],
    ],
  );
  const r = await scanBytes(enc(yaml), 'serve.yaml');
  const f = r.findings.find((x) => x.ruleId === 'model/chat-template-sandbox-escape');
  assert.equal(f?.severity, 'critical');
  assert.equal(f?.location.line, 3);
});

test('YAML block scalars and folded quoted values are unquoted before analysis', () => {
  const yaml =
    "a: |\n  {% for m in messages %}\n  {{ m.content }}\n  {% endfor %}\nb: '{% if x %}{{ y\n  }}{% endif %}'\n";
  const values = yamlTemplateValues(yaml);
  assert.equal(values.length, 2);
  for (const v of values) assert.deepEqual(analyseTemplate(v.text).issues, [], v.text);
});

test('mutation loop: 1500 seeded template mutants never throw, and JSON/YAML/jinja scans never reject', async () => {
  const rand = mulberry32(0x34359);
  const seeds = [...Object.values(BENIGN_TEMPLATES), ...Object.values(ESCAPE_TEMPLATES)];
  const alphabet = [
    '{{',
    '}}',
    '{%',
    '%}',
    '(',
    ')',
    '[',
    ']',
    "'",
    '"',
    '\\x5f',
    '__',
    '|attr',
    '~',
    '.',
    '\n',
    ':',
  ];
  for (let i = 0; i < 1500; i++) {
    let t = seeds[i % seeds.length]!;
    const edits = 1 + Math.floor(rand() * 6);
    for (let j = 0; j < edits; j++) {
      const at = Math.floor(rand() * (t.length + 1));
      const cut = Math.floor(rand() * 4);
      t = t.slice(0, at) + alphabet[Math.floor(rand() * alphabet.length)]! + t.slice(at + cut);
    }
    const a = analyseTemplate(t);
    assert.ok(a.method === 'ast' || a.method === 'lexical');
    const name = ['tokenizer_config.json', 'chat_template.jinja', 'serve.yaml'][i % 3]!;
    const body =
      name.endsWith('.json') && rand() < 0.7 ? JSON.stringify({ chat_template: t }) : `chat_template: ${t}`;
    await scanBytes(enc(body), name);
  }
});
