import assert from 'node:assert/strict';
import { test } from 'node:test';
import { analysePython, MAX_CALLS } from '../../src/formats/python-source.ts';
import { type PyToken, PyTokenizer } from '../../src/formats/python-tokenize.ts';

function tokens(src: string): PyToken[] {
  const t = new PyTokenizer(src);
  const out: PyToken[] = [];
  for (let tok = t.next(); tok !== undefined; tok = t.next()) out.push(tok);
  return out;
}

const names = (src: string) => analysePython(src).calls.map((c) => `${c.name}@${c.line}`);

test('strings of every quoting and prefix are single tokens with decoded values', () => {
  const src = `a = 'x' "y" '''t\n'q'\n''' r"\\d\\"" b'\\x41' f"{v}" U'u' Rb"\\n"`;
  const strs = tokens(src).filter((t) => t.kind === 'string');
  assert.deepEqual(
    strs.map((t) => [t.prefix, t.text]),
    [
      ['', 'x'],
      ['', 'y'],
      ['', "t\n'q'\n"],
      ['r', '\\d\\"'],
      ['b', 'A'],
      ['f', '{v}'],
      ['u', 'u'],
      ['rb', '\\n'],
    ],
  );
  assert.equal(strs[4]!.escapes, 1);
});

test('comments and strings never produce calls; code after them does, on the right line', () => {
  const src = [
    '# os.system("id")',
    'x = "os.system(\'id\')"  # eval(x)',
    '"""',
    'exec(payload)',
    '"""',
    "y = 'it''s' ; os.system('id')",
  ].join('\n');
  assert.deepEqual(names(`import os\n${src}`), ['os.system@7']);
});

test('line numbers count newlines inside triple-quoted strings, continuations and brackets', () => {
  const src = 'import os\ns = """a\nb\nc"""\nx = 1 + \\\n  2\nos.system(\n  "id",\n)\nos.popen("x")\n';
  assert.deepEqual(names(src), ['os.system@7', 'os.popen@10']);
});

test('import aliases, from-imports, star imports and assigned aliases resolve', () => {
  const src = [
    'import subprocess as sp, os.path',
    'from os import system as s, popen',
    'from pickle import *',
    'import torch as T',
    'run = sp.run',
    'sp.run(["id"])',
    's("id")',
    'popen("id")',
    'os.path.join("a")',
    'loads(b"")',
    'run("x")',
    'T.load("m.bin")',
  ].join('\n');
  const calls = analysePython(src).calls;
  assert.deepEqual(
    calls.map((c) => c.name),
    [
      'subprocess.run',
      'os.system',
      'os.popen',
      'os.path.join',
      'pickle.loads',
      'subprocess.run',
      'torch.load',
    ],
  );
  assert.deepEqual(calls[4]!.alternatives, ['builtins.loads']);
});

test('attributes of expression results and method definitions are not the builtins', () => {
  const src =
    'class M:\n    def eval(self):\n        return self\nmodel.cuda().eval()\nx.compile()\ncompile(src, "f", "exec")\n';
  assert.deepEqual(names(src), ['model.cuda@4', '<expr>.eval@4', 'x.compile@5', 'builtins.compile@6']);
});

test('first arguments and keywords are captured; nested calls are linked', () => {
  const src =
    'import torch, base64\ntorch.load(p, map_location="cpu", weights_only=True)\nexec(base64.b64decode("aWQ=").decode())\n';
  const [load, exec, b64, decode] = analysePython(src).calls;
  assert.equal(load!.keywords.weights_only, 'True');
  assert.equal(load!.keywords.map_location, 'cpu');
  assert.equal(exec!.name, 'builtins.exec');
  assert.equal(decode!.name, '<expr>.decode');
  const arg = exec!.args[0];
  assert.ok(arg?.kind === 'call' && arg.call === b64);
  assert.deepEqual(b64!.args[0], { kind: 'string', value: 'aWQ=', escapes: 0, bytes: false });
});

test('f-string expressions are code; __import__ chains and NFKC identifiers resolve', () => {
  const src = 'import os\nx = f"{os.system(\'id\')}"\n__import__("subprocess").run("id")\nｅｘｅｃ(x)\n';
  assert.deepEqual(names(src), [
    'os.system@2',
    'builtins.__import__@3',
    'subprocess.run@3',
    'builtins.exec@4',
  ]);
});

test('assignments remember what a name was set to', () => {
  const src = 'import base64\ncode = base64.b64decode(s)\nexec(code)\n';
  const a = analysePython(src);
  const code = a.assignments.get('code');
  assert.ok(code?.kind === 'call' && code.call.name === 'base64.b64decode');
});

test('unterminated strings, stray brackets and binary noise do not throw', () => {
  for (const src of [
    '"abc',
    "'''abc",
    ')))]]]',
    '((((',
    'f"{',
    'f"{{{(',
    '\\',
    'from . import',
    'import',
    '\u0000\uffff\ud800',
  ]) {
    analysePython(src);
  }
});

test('adversarial 5 MiB lines are linear', () => {
  const mib = 5 * 1024 * 1024;
  const cases = [
    '('.repeat(mib),
    'a.'.repeat(mib / 2),
    `"${'\\'.repeat(mib)}`,
    `'''${"''".repeat(mib / 2)}`,
    'f"'.concat('{'.repeat(mib)),
    'x('.repeat(mib / 2),
    '"a" '.repeat(mib / 4),
    'from '.concat('.'.repeat(mib)),
    'exec('.repeat(mib / 5),
  ];
  for (const src of cases) {
    const start = performance.now();
    const result = analysePython(src, { keep: () => false });
    const ms = performance.now() - start;
    assert.ok(ms < 5000, `${JSON.stringify(src.slice(0, 8))}... took ${ms.toFixed(0)} ms`);
    assert.equal(result.calls.length, 0);
  }
});

test('more call sites than MAX_CALLS are reported as truncated', () => {
  const result = analysePython('f()\n'.repeat(MAX_CALLS + 5));
  assert.equal(result.calls.length, MAX_CALLS);
  assert.equal(result.truncated, true);
});

test('a keyword argument right after the call opens is a keyword, not the first positional argument', () => {
  const [call] = analysePython('import os\nos.system(command="id")').calls;
  assert.deepEqual(call?.args, []);
  assert.deepEqual(call?.keywords, { command: 'id' });
  const [run] = analysePython('import subprocess\nsubprocess.run("id", shell=True)').calls;
  assert.deepEqual(run?.args, [{ kind: 'string', value: 'id', escapes: 0, bytes: false }]);
  assert.deepEqual(run?.keywords, { shell: 'True' });
});

test('*args and **kwargs right after the call opens mark arguments the analysis cannot see', () => {
  for (const src of ['f(*a)', 'f(**kw)', 'f(x, **kw)', 'f(x, *a)']) {
    assert.equal(analysePython(src).calls[0]?.starArgs, true, src);
  }
  for (const src of ['f(a * b)', 'f(a ** 2)', 'f(x=2 ** 3)']) {
    assert.equal(analysePython(src).calls[0]?.starArgs, false, src);
  }
});
