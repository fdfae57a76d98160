import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Finding } from '../../src/core/finding.ts';
import { scanBytes } from '../../src/scan/engine.ts';
import { MAX_SOURCE_BYTES } from '../../src/scan/handlers/remote-code.ts';
import { mulberry32 } from '../fixtures/prng.ts';
import {
  ALIASED_SUBPROCESS,
  BENIGN_MODELING,
  DOWNLOAD_AND_RUN,
  OBFUSCATED_EXEC,
} from '../fixtures/python-sources.ts';
import { buildZip } from '../fixtures/zip-writer.ts';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const CALL = 'model/remote-code-dangerous-call';
const AUTO_MAP = 'model/remote-code-auto-map';

async function findings(text: string, name: string, ruleId = CALL): Promise<Finding[]> {
  const result = await scanBytes(enc(text), name);
  assert.deepEqual(result.errors, []);
  assert.deepEqual(result.scanned, [name]);
  return result.findings.filter((f) => f.ruleId === ruleId);
}

const summary = (fs: Finding[]) => fs.map((f) => `${f.severity}:${f.location.line}:${f.evidence?.call}`);

test('a modeling file that downloads a payload and runs it: network and process calls, with lines', async () => {
  assert.deepEqual(summary(await findings(DOWNLOAD_AND_RUN, 'modeling_evil.py')), [
    'high:8:urllib.request.urlretrieve',
    'high:9:os.system',
  ]);
});

test('base64 decoded into exec is critical, with the decoded payload as evidence', async () => {
  const [hit, ...rest] = await findings(OBFUSCATED_EXEC, 'modeling_evil.py');
  assert.deepEqual(rest, []);
  assert.equal(hit?.severity, 'critical');
  assert.equal(hit?.location.line, 5);
  assert.equal(hit?.evidence?.decoder, 'base64.b64decode');
  assert.deepEqual(hit?.evidence?.payloadCalls, ['os.system']);
});

test('decoded code reaching exec through a variable or zlib is critical too', async () => {
  const src =
    'import zlib, base64 as b\ncode = zlib.decompress(b.b64decode(blob))\neval(compile(code, "<x>", "exec"))\nexec(code)\n';
  assert.deepEqual(summary(await findings(src, 'x.py')), [
    'critical:3:builtins.eval',
    'critical:3:builtins.compile',
    'critical:4:builtins.exec',
  ]);
});

test('subprocess via an alias and torch.load without weights_only are high', async () => {
  assert.deepEqual(summary(await findings(ALIASED_SUBPROCESS, 'modeling_evil.py')), [
    'high:7:subprocess.Popen',
    'high:10:torch.load',
  ]);
});

test('a realistic modeling file mentioning os.system in strings and comments scans clean', async () => {
  assert.deepEqual(await findings(BENIGN_MODELING, 'modeling_tiny.py'), []);
});

test('benign lookalikes: re.compile, model.eval(), constant exec, allow-listed dynamic import', async () => {
  const src = [
    'import re, importlib, numpy as np, torch',
    'p = re.compile("x")',
    'model.eval()',
    'exec("x = 1")',
    'eval("1 + 1")',
    'mod = importlib.import_module("transformers.models.llama")',
    'arr = np.load("a.npy")',
    'sd = torch.load(f, weights_only=True)',
    'getattr(torch, "float16")',
  ].join('\n');
  assert.deepEqual(await findings(src, 'modeling_ok.py'), []);
});

test('the other high-risk calls are found', async () => {
  const src = [
    'import pickle, joblib, marshal, ctypes, socket, requests, numpy as np, os',
    'pickle.loads(b)',
    'joblib.load(p)',
    'marshal.loads(b)',
    'ctypes.CDLL("libc.so.6")',
    'socket.socket()',
    'requests.post(u, data=d)',
    'np.load(p, allow_pickle=True)',
    'getattr(__builtins__, name)',
    'getattr(os, "system")("id")',
    'exec(user_input)',
    '__import__("subprocess")',
    'exec("import os; os.system(\'id\')")',
  ].join('\n');
  assert.deepEqual(summary(await findings(src, 'utils.py')), [
    'high:2:pickle.loads',
    'high:3:joblib.load',
    'high:4:marshal.loads',
    'high:5:ctypes.CDLL',
    'high:6:socket.socket',
    'high:7:requests.post',
    'high:8:numpy.load',
    'high:9:builtins.getattr',
    'high:10:builtins.getattr',
    'high:11:builtins.exec',
    'high:12:builtins.__import__',
    'high:13:os.system',
  ]);
});

test('a utf-7 coding cookie is reported: Python would run text reviewers do not see', async () => {
  const src = '# -*- coding: utf-7 -*-\nx = 1 #+AAo-import os+ADs-os.system(+ACI-id+ACI-)\n';
  assert.deepEqual(summary(await findings(src, 'modeling_x.py')), ['high:1:coding:utf-7']);
});

test('.py members of archives are scanned and located', async () => {
  const zip = buildZip([{ name: 'repo/modeling_evil.py', data: enc(DOWNLOAD_AND_RUN) }]);
  const result = await scanBytes(zip, 'repo.zip');
  const hits = result.findings.filter((f) => f.ruleId === CALL);
  assert.equal(hits.length, 2);
  assert.equal(hits[0]?.location.member, 'repo/modeling_evil.py');
});

test('auto_map: medium with the mapped modules, high when it points at another repository', async () => {
  const local = { auto_map: { AutoConfig: 'configuration_x.XConfig', AutoModel: 'modeling_x.XModel' } };
  const [m] = await findings(JSON.stringify(local), 'config.json', AUTO_MAP);
  assert.equal(m?.severity, 'medium');
  assert.deepEqual(m?.evidence?.modules, ['configuration_x.XConfig', 'modeling_x.XModel']);
  const remote = { auto_map: { AutoModelForCausalLM: 'someone/other-repo--modeling_x.XModel' } };
  const [r] = await findings(JSON.stringify(remote), 'config.json', AUTO_MAP);
  assert.equal(r?.severity, 'high');
  assert.deepEqual(r?.evidence?.remoteRepositories, ['someone/other-repo']);
});

test('auto_map in tokenizer_config.json lists, with NaN values Python json accepts', async () => {
  const text =
    '{"x": NaN, "y": -Infinity, "s": "NaN", "auto_map": {"AutoTokenizer": ["tokenization_x.XTok", null]}}';
  const [t] = await findings(text, 'tokenizer_config.json', AUTO_MAP);
  assert.deepEqual(t?.evidence?.modules, ['tokenization_x.XTok']);
});

test('a config without auto_map is no finding; a broken one with auto_map is an error, not a pass', async () => {
  assert.deepEqual(await findings('{"model_type": "llama", "auto_mapping": 1}', 'config.json', AUTO_MAP), []);
  const broken = await scanBytes(enc('{"auto_map": {"AutoModel": "m.X"'), 'config.json');
  assert.equal(broken.errors.length, 1);
});

test('sources over the size cap are an error entry, never clean', async () => {
  const big = new Uint8Array(MAX_SOURCE_BYTES + 1).fill(0x20);
  const result = await scanBytes(big, 'modeling_big.py');
  assert.equal(result.errors.length, 1);
  assert.match(result.errors[0]!.error, /cap/);
});

test('seeded mutations of Python sources never make scanBytes reject', async () => {
  const rand = mulberry32(0x5eed_c0de);
  const seeds = [BENIGN_MODELING, DOWNLOAD_AND_RUN, OBFUSCATED_EXEC, ALIASED_SUBPROCESS].map(enc);
  const alphabet = enc('()[]{}\'"\\#.,=:\n fbr*\u00ff');
  for (let i = 0; i < 1200; i++) {
    const seed = seeds[i % seeds.length]!;
    const bytes = seed.slice();
    const edits = 1 + Math.floor(rand() * 12);
    for (let e = 0; e < edits; e++) {
      const at = Math.floor(rand() * bytes.length);
      bytes[at] = rand() < 0.5 ? alphabet[Math.floor(rand() * alphabet.length)]! : Math.floor(rand() * 256);
    }
    const cut = rand() < 0.2 ? bytes.subarray(0, Math.floor(rand() * bytes.length) + 1) : bytes;
    const result = await scanBytes(cut, i % 7 === 0 ? 'config.json' : 'modeling_fuzz.py');
    for (const f of result.findings) assert.ok(f.location.line === undefined || f.location.line >= 1);
  }
});

test('a .py file whose first bytes also form a headerless pickle is still checked as Python', async () => {
  // Valid Python (the conditional never evaluates N) and a complete pickle (NONE, STOP) at once.
  const src = "N.__doc__ if 0 else 0\nimport os\nos.system('id')\n";
  assert.equal((await findings(src, 'modeling_x.py')).length, 1);
});
