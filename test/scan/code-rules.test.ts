/**
 * The code/* rules end to end: Python sources through scanBytes (the `.py` handler), one positive and one
 * near-miss source per rule, the lines findings land on, and how code/* and model/remote-code-dangerous-call
 * share a file (one finding per call site; which one depends on whether the file is model or project code).
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import type { Finding } from '../../src/core/finding.ts';
import { ruleDocPath } from '../../src/core/rule.ts';
import { scanBytes } from '../../src/scan/engine.ts';
import { MAX_RECORDED } from '../../src/scan/rules/code/flow.ts';
import { CODE_RULES } from '../../src/scan/rules/code/index.ts';
import {
  CODE_RULE_FIXTURES,
  COMMIT,
  EVAL_HELPER_ANTHROPIC,
  EVAL_LANGCHAIN_PIPELINE,
  EVAL_NEAR_MISS,
  EVAL_OPENAI,
  PICKLE_LOADS,
  PICKLE_NEAR_MISS,
  SHELL_NEAR_MISS,
  SHELL_OLLAMA,
  TORCH_IN_LLM_APP,
  TORCH_IN_PLAIN_MODULE,
  TORCH_LOADS,
  TORCH_NEAR_MISS,
  TRUST_NEAR_MISS,
  TRUST_REMOTE_CODE,
  YAML_LOADS,
  YAML_NEAR_MISS,
} from '../fixtures/code-sources.ts';
import { mulberry32 } from '../fixtures/prng.ts';
import { buildZip } from '../fixtures/zip-writer.ts';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const REMOTE = 'model/remote-code-dangerous-call';
const EVAL = 'code/eval-model-output';
const SHELL = 'code/shell-model-output';
const TORCH = 'code/torch-load-unsafe';
const PICKLE = 'code/pickle-load';
const TRUST = 'code/trust-remote-code';
const YAML = 'code/yaml-unsafe-load';

/** Every finding of a complete scan of `text` as file `name`. */
async function scan(text: string, name = 'app.py'): Promise<Finding[]> {
  const result = await scanBytes(enc(text), name);
  assert.deepEqual(result.errors, [], `${name} was not analysed completely`);
  assert.deepEqual(result.scanned, [name]);
  return result.findings;
}

const only = (fs: Finding[], id: string): Finding[] => fs.filter((f) => f.ruleId === id);
const summary = (fs: Finding[]): string[] =>
  fs.map((f) => `${f.severity}:${f.location.line}:${f.evidence?.call}`);

/** 1-based line of the first line of `src` containing `needle` (the fixtures stay readable, the lines exact). */
function lineOf(src: string, needle: string): number {
  const index = src.split('\n').findIndex((l) => l.includes(needle));
  assert.ok(index >= 0, `fixture has no line with ${needle}`);
  return index + 1;
}

test('eval/exec of an OpenAI reply is critical, at the exec and eval lines, with where the reply came from', async () => {
  const fs = await scan(EVAL_OPENAI, 'agent.py');
  assert.deepEqual(summary(only(fs, EVAL)), [
    `critical:${lineOf(EVAL_OPENAI, 'exec(code)')}:builtins.exec`,
    `critical:${lineOf(EVAL_OPENAI, 'print(eval(')}:builtins.eval`,
  ]);
  const created = lineOf(EVAL_OPENAI, 'client.chat.completions.create(');
  assert.equal(only(fs, EVAL)[0]?.evidence?.origin, `client.chat.completions.create() on line ${created}`);
  // One finding per call site: remote-code-dangerous-call does not report the same exec again.
  assert.deepEqual(only(fs, REMOTE), []);
});

test('model output through a helper defined below its caller, and through an f-string, reaches eval', async () => {
  const [hit, ...rest] = only(await scan(EVAL_HELPER_ANTHROPIC), EVAL);
  assert.deepEqual(rest, []);
  assert.equal(hit?.location.line, lineOf(EVAL_HELPER_ANTHROPIC, 'result = eval('));
  assert.match(String(hit?.evidence?.origin), /^client\.messages\.create\(\) on line \d+$/);
});

test('LangChain .invoke().content, pipeline output and pipeline(...)(...) run by eval/exec are critical', async () => {
  const src = EVAL_LANGCHAIN_PIPELINE;
  assert.deepEqual(summary(only(await scan(src), EVAL)), [
    `critical:${lineOf(src, 'primes = eval(answer)')}:builtins.eval`,
    `critical:${lineOf(src, 'exec(generated)')}:builtins.exec`,
    `critical:${lineOf(src, 'exec(pipeline(')}:builtins.exec`,
  ]);
});

test('a raw JSON response in the OpenAI shape counts as model output; a constant and literal_eval do not', async () => {
  const src = [
    'import requests',
    'r = requests.post("http://127.0.0.1:8000/v1/chat/completions", json={"messages": []})',
    'text = r.json()["choices"][0]["message"]["content"]',
    'exec(text)',
    'legacy = openai_resp.choices[0].text',
    'eval(legacy)',
  ].join('\n');
  assert.deepEqual(summary(only(await scan(src), EVAL)), [
    'critical:4:builtins.exec',
    'critical:6:builtins.eval',
  ]);
  assert.deepEqual(only(await scan(EVAL_NEAR_MISS), EVAL), []);
});

test('shell commands built from an Ollama reply are high: shell=True, os.system concatenation, os.popen f-string', async () => {
  const src = SHELL_OLLAMA;
  const fs = await scan(src, 'assistant.py');
  assert.deepEqual(summary(only(fs, SHELL)), [
    `high:${lineOf(src, 'subprocess.run(cmd')}:subprocess.run`,
    `high:${lineOf(src, 'os.system(')}:os.system`,
    `high:${lineOf(src, 'os.popen(')}:os.popen`,
  ]);
  assert.deepEqual(only(fs, REMOTE), []);
});

test('literal commands, argv lists, shlex.quote and a reassigned name are not model output in a shell', async () => {
  const fs = await scan(SHELL_NEAR_MISS, 'assistant.py');
  assert.deepEqual(only(fs, SHELL), []);
  // The process calls themselves are still what remote-code-dangerous-call reports, as before.
  assert.equal(only(fs, REMOTE).length, 4);
});

test('aliases, keywords, multi-line calls: the resolved call and the line of its name', async () => {
  const src = [
    'from os import system as run_shell',
    'import subprocess as sp',
    'answer = llm("what should I run?")',
    'run_shell(answer)',
    '"""a docstring',
    'spanning lines"""',
    'sp.check_output(',
    '    args=answer,',
    '    shell=True,',
    ')',
    'sp.run(answer)  # no shell: not this rule',
  ].join('\n');
  assert.deepEqual(summary(only(await scan(src), SHELL)), [
    'high:4:os.system',
    'high:7:subprocess.check_output',
  ]);
});

test('torch.load: alias, variable, download, literal path, weights_only=False and an expression', async () => {
  const src = TORCH_LOADS;
  const fs = only(await scan(src, 'finetune.py'), TORCH);
  assert.deepEqual(summary(fs), [
    `high:${lineOf(src, 'state = L(')}:torch.load`,
    `high:${lineOf(src, 'optim = torch.load(')}:torch.load`,
    `high:${lineOf(src, 'adapter = torch.load(')}:torch.load`,
    `medium:${lineOf(src, 'base = torch.load(')}:torch.load`,
    `high:${lineOf(src, 'full = torch.load(')}:torch.load`,
    `medium:${lineOf(src, 'maybe = torch.load(')}:torch.load`,
  ]);
  assert.match(String(fs[2]?.evidence?.origin), /^downloaded: hf_hub_download\(\) on line \d+/);
  assert.equal(fs[4]?.evidence?.weightsOnly, 'False');
  assert.equal(fs[0]?.evidence?.written, 'L');
});

test('torch.load with weights_only=True, safetensors and text mentioning torch.load are not reported', async () => {
  const fs = await scan(TORCH_NEAR_MISS, 'finetune.py');
  assert.deepEqual(only(fs, TORCH), []);
  assert.deepEqual(only(fs, REMOTE), []);
});

test('pickle loaders: high for downloads (Hub, urlretrieve path, requests body, file written from it, URL)', async () => {
  const src = PICKLE_LOADS;
  const fs = only(await scan(src, 'features.py'), PICKLE);
  assert.deepEqual(summary(fs), [
    `high:${lineOf(src, 'model = joblib.load(')}:joblib.load`,
    `high:${lineOf(src, 'vectorizer = pickle.load(f)')}:pickle.load`,
    `high:${lineOf(src, 'features = pickle.loads(')}:pickle.loads`,
    `high:${lineOf(src, 'frame = pd.read_pickle(')}:pandas.read_pickle`,
    `high:${lineOf(src, 'remote = pd.read_pickle(')}:pandas.read_pickle`,
    `medium:${lineOf(src, 'cache = pickle.load(')}:pickle.load`,
    `medium:${lineOf(src, 'arr = np.load(')}:numpy.load`,
    `medium:${lineOf(src, 'fn = dill.loads(')}:dill.loads`,
  ]);
  assert.match(String(fs[1]?.evidence?.origin), /urllib\.request\.urlretrieve\(\) on line/);
  assert.match(String(fs[3]?.evidence?.origin), /requests\.get\(\) on line/);
});

test('pickle.dump, numpy.load without allow_pickle, json.load and mentions are not pickle loads', async () => {
  assert.deepEqual(only(await scan(PICKLE_NEAR_MISS, 'features.py'), PICKLE), []);
});

test('trust_remote_code=True: high unpinned or on a branch, medium pinned to a commit or a local directory', async () => {
  const src = TRUST_REMOTE_CODE;
  const fs = only(await scan(src, 'serve.py'), TRUST);
  assert.deepEqual(summary(fs), [
    `high:${lineOf(src, 'model = ')}:transformers.AutoModelForCausalLM.from_pretrained`,
    `high:${lineOf(src, 'tok = ')}:transformers.AutoTokenizer.from_pretrained`,
    `medium:${lineOf(src, 'pinned = ')}:transformers.AutoModelForCausalLM.from_pretrained`,
    `high:${lineOf(src, 'pipe = ')}:transformers.pipeline`,
    `medium:${lineOf(src, 'llm = ')}:vllm.LLM`,
    `high:${lineOf(src, 'ds = ')}:datasets.load_dataset`,
    `medium:${lineOf(src, 'local = ')}:transformers.AutoModelForCausalLM.from_pretrained`,
  ]);
  assert.equal(fs[2]?.evidence?.revision, COMMIT);
  assert.equal(fs[3]?.evidence?.via, 'dict');
  assert.equal(fs[3]?.evidence?.model, 'someone/custom-arch');
  assert.match(String(fs[1]?.message), /revision "main", a branch or tag/);
});

test('trust_remote_code=False, a value from the command line and a mention in a string are not reported', async () => {
  assert.deepEqual(only(await scan(TRUST_NEAR_MISS, 'serve.py'), TRUST), []);
});

test('yaml: no Loader and FullLoader medium; Loader, CLoader (through an import alias) and unsafe_load high', async () => {
  const src = YAML_LOADS;
  const fs = only(await scan(src, 'settings.py'), YAML);
  assert.deepEqual(summary(fs), [
    `medium:${lineOf(src, 'cfg = yaml.load(f)')}:yaml.load`,
    `high:${lineOf(src, 'raw = yaml.load(')}:yaml.load`,
    `high:${lineOf(src, 'fast = yaml.load(')}:yaml.load`,
    `medium:${lineOf(src, 'full = yaml.load(')}:yaml.load`,
    `high:${lineOf(src, 'unsafe = yaml.unsafe_load(')}:yaml.unsafe_load`,
    `medium:${lineOf(src, 'legacy = yaml.full_load(')}:yaml.full_load`,
  ]);
  assert.equal(fs[2]?.evidence?.loader, 'Loader');
});

test('yaml: safe_load, SafeLoader by keyword, position, getattr fallback and subclass are not reported', async () => {
  assert.deepEqual(only(await scan(YAML_NEAR_MISS, 'settings.py'), YAML), []);
});

test('project code: the code/* rule reports torch.load, remote-code-dangerous-call does not repeat it', async () => {
  const line = lineOf(TORCH_IN_LLM_APP, 'torch.load(path)');
  const fs = await scan(TORCH_IN_LLM_APP, 'rerank.py');
  assert.deepEqual(summary(only(fs, TORCH)), [`high:${line}:torch.load`]);
  assert.deepEqual(only(fs, REMOTE), []);
  assert.match(
    String(only(fs, TORCH)[0]?.evidence?.fileRole),
    /^project-code: uses a model or an LLM \(OpenAI\(\)/,
  );
});

test('model code: the same torch.load stays with remote-code-dangerous-call, and code/* does not repeat it', async () => {
  for (const [text, name] of [
    [TORCH_IN_LLM_APP, 'modeling_rerank.py'],
    [TORCH_IN_PLAIN_MODULE, 'utils.py'],
  ] as const) {
    const line = lineOf(text, 'torch.load(path)');
    const fs = await scan(text, name);
    assert.deepEqual(only(fs, TORCH), [], name);
    assert.deepEqual(summary(only(fs, REMOTE)), [`high:${line}:torch.load`], name);
  }
});

test('a script (__main__ guard) is project code; a Hub path or an archive member is model code', async () => {
  const script = `${TORCH_IN_PLAIN_MODULE}\n\nif __name__ == "__main__":\n    load_reranker("r.pt")\n`;
  assert.equal(only(await scan(script, 'utils.py'), TORCH).length, 1);
  const hub = await scanBytes(enc(TORCH_IN_LLM_APP), 'hf://someone/model@abc/rerank.py');
  assert.deepEqual(only(hub.findings, TORCH), []);
  assert.equal(only(hub.findings, REMOTE).length, 1);
  const zip = await scanBytes(buildZip([{ name: 'app/rerank.py', data: enc(TORCH_IN_LLM_APP) }]), 'app.zip');
  assert.deepEqual(only(zip.findings, TORCH), []);
  assert.equal(only(zip.findings, REMOTE)[0]?.location.member, 'app/rerank.py');
});

test('model output into eval is code/eval-model-output even in model code; trust_remote_code is reported too', async () => {
  const fs = await scan(
    `${EVAL_OPENAI}\nAutoModel.from_pretrained("x/y", trust_remote_code=True)\n`,
    'modeling_agent.py',
  );
  assert.equal(only(fs, EVAL).length, 2);
  assert.equal(only(fs, TRUST).length, 1);
  assert.deepEqual(only(fs, REMOTE), []);
});

test('eval of input that is not model output stays a remote-code finding, not code/eval-model-output', async () => {
  const src = 'from openai import OpenAI\nclient = OpenAI()\nexpr = input("> ")\nprint(eval(expr))\n';
  const fs = await scan(src);
  assert.deepEqual(only(fs, EVAL), []);
  assert.deepEqual(summary(only(fs, REMOTE)), ['high:4:builtins.eval']);
});

test('each rule: its contract fixture is positive at the default severity and its near miss is clean', async () => {
  for (const rule of CODE_RULES) {
    const { id, severity } = rule.meta;
    const fixture = CODE_RULE_FIXTURES[id];
    assert.ok(fixture !== undefined, `no fixture for ${id}`);
    const name = fixture.name ?? 'app.py';
    const positive = await scanBytes(await fixture.positive(), name);
    assert.deepEqual(positive.errors, []);
    assert.ok(
      positive.findings.some((f) => f.ruleId === id && f.severity === severity),
      `${id}: no finding at ${severity}`,
    );
    const negative = await scanBytes(await fixture.negative(), name);
    assert.deepEqual(negative.errors, []);
    assert.deepEqual(only(negative.findings, id), [], `${id}: near miss reported`);
  }
});

test('each rule has a documentation page matching its metadata', () => {
  const root = new URL('../../', import.meta.url);
  for (const { meta } of CODE_RULES) {
    assert.match(meta.id, /^code\/[a-z0-9]+(-[a-z0-9]+)*$/);
    assert.ok(existsSync(new URL(`src/scan/rules/${meta.id}.ts`, root)), `no source file for ${meta.id}`);
    const page = readFileSync(new URL(ruleDocPath(meta.id), root), 'utf8');
    assert.ok(page.startsWith(`# ${meta.id} — ${meta.title}\n`), `${meta.id}: title line`);
    for (const section of [
      'What it detects',
      'Why it matters',
      'Example',
      'False positives',
      'How to fix',
      'Related rules',
    ]) {
      assert.ok(page.includes(`\n## ${section}\n`), `${meta.id}: no ${section}`);
    }
    assert.ok(page.includes(`**${meta.severity}**`), `${meta.id}: severity`);
    for (const s of [...meta.tags, ...meta.references]) assert.ok(page.includes(s), `${meta.id}: ${s}`);
  }
});

test('more candidate call sites than the analysis records is an error entry, never a silent pass', async () => {
  const src = `import yaml\n${'yaml.load(s)\n'.repeat(MAX_RECORDED + 1)}`;
  const result = await scanBytes(enc(src), 'gen.py');
  assert.ok(result.errors.some((e) => /loader and sink call sites/.test(e.error)));
});

test('seeded mutations and unbalanced or deeply nested sources never make the scan reject', async () => {
  const rand = mulberry32(0xc0de_5eed);
  const seeds = [EVAL_OPENAI, SHELL_OLLAMA, PICKLE_LOADS, TRUST_REMOTE_CODE, YAML_LOADS].map(enc);
  const alphabet = enc('()[]{}\'"\\#.,=:;\n fbr*+@\u00ff');
  for (let i = 0; i < 600; i++) {
    const bytes = seeds[i % seeds.length]!.slice();
    for (let e = 1 + Math.floor(rand() * 10); e > 0; e--) {
      const at = Math.floor(rand() * bytes.length);
      bytes[at] = rand() < 0.6 ? alphabet[Math.floor(rand() * alphabet.length)]! : Math.floor(rand() * 256);
    }
    const result = await scanBytes(bytes, 'fuzz.py');
    for (const f of result.findings) assert.ok(f.location.line === undefined || f.location.line >= 1);
  }
  const hostile = [
    `${'('.repeat(50_000)}eval(resp.choices[0].message.content)`,
    `${')]}'.repeat(20_000)}\nx = llm("q")\nexec(x)\n`,
    `x = f"${'{f"{'.repeat(200)}"\nexec(x)\n`,
    'for in : with as , = = = (\nexec(',
  ];
  for (const text of hostile) await scanBytes(enc(text), 'hostile.py');
  const nested = only((await scanBytes(enc(hostile[1]!), 'hostile.py')).findings, EVAL);
  assert.deepEqual(summary(nested), ['critical:3:builtins.exec']);
});
