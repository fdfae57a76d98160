/**
 * One fixture per bypass class in research/model-scanners.md §2 (picklescan, modelscan, fickling, ModelAudit
 * advisories), each built opcode by opcode so the payload is readable here. Every one must be flagged at
 * high or above with the rule that explains it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Finding } from '../../src/core/finding.ts';
import { atLeast, type Severity } from '../../src/core/severity.ts';
import { scanBytes } from '../../src/scan/engine.ts';
import { legacyTorchFile } from '../fixtures/checkpoints.ts';
import { concat, pickle, reducePayload, stackGlobalPayload } from '../fixtures/pickle-writer.ts';

interface Case {
  name: string;
  bytes: () => Uint8Array;
  rule: string;
  severity: Severity;
  /** Substring the finding's message must contain (the resolved callable, usually). */
  mentions?: string;
}

const CASES: Case[] = [
  {
    name: 'picklescan #22: STACK_GLOBAL operands through protocol-0 memo PUT/GET decoys',
    bytes: () =>
      pickle()
        .unicode0('os')
        .put(2)
        .pop()
        .unicode0('system')
        .put(3)
        .pop()
        .unicode0('torch')
        .put(0)
        .pop()
        .unicode0('LongStorage')
        .put(1)
        .pop()
        .get(2)
        .get(3)
        .stackGlobal()
        .mark()
        .unicode0('cat flag.txt')
        .tuple()
        .reduce()
        .stop()
        .bytesOut(),
    rule: 'model/pickle-dangerous-call',
    severity: 'critical',
    mentions: 'os.system',
  },
  {
    name: 'modelscan #85/#89a: BUILD sets attributes on an allow-listed function, then dotted names read them back',
    bytes: () =>
      pickle()
        .global('numpy', 'prod')
        .none()
        .mark()
        .unicode0('a')
        .unicode0('os')
        .dict()
        .tuple2()
        .build()
        .pop()
        .global('numpy', 'prod.a')
        .put(0)
        .pop()
        .none()
        .stop()
        .bytesOut(),
    rule: 'model/pickle-global-mutation',
    severity: 'high',
    mentions: 'numpy.prod',
  },
  {
    name: 'modelscan #89b: builtins dict.get on numpy.__builtins__ fetches exec',
    bytes: () =>
      pickle()
        .proto(2)
        .global('builtins', 'dict.get')
        .global('numpy', '__builtins__')
        .unicode('exec')
        .tuple2()
        .reduce()
        .unicode('print(1)')
        .tuple1()
        .reduce()
        .stop()
        .bytesOut(),
    rule: 'model/pickle-dangerous-call',
    severity: 'critical',
    mentions: '__builtins__',
  },
  {
    name: 'CVE-2025-1716: pip.main installs a package',
    bytes: () => reducePayload('pip', 'main', ['install', 'evilpkg']),
    rule: 'model/pickle-dangerous-call',
    severity: 'critical',
    mentions: 'pip.main',
  },
  {
    name: 'GHSA-655q: torch._inductor.codecache.compile_file runs a shell',
    bytes: () => reducePayload('torch._inductor.codecache', 'compile_file', ['', '', 'sh -c id']),
    rule: 'model/pickle-dangerous-call',
    severity: 'critical',
  },
  {
    name: 'GHSA-655q: pydoc.pipepager',
    bytes: () => reducePayload('pydoc', 'pipepager', ['', 'id']),
    rule: 'model/pickle-dangerous-call',
    severity: 'critical',
  },
  {
    name: 'GHSA-655q: venv.create',
    bytes: () => reducePayload('venv', 'create', ['/tmp/$(id)']),
    rule: 'model/pickle-dangerous-call',
    severity: 'critical',
  },
  {
    name: 'GHSA-655q: functools.partial(torch.load) (dangerous callable passed as an argument)',
    bytes: () =>
      pickle()
        .proto(2)
        .global('functools', 'partial')
        .global('torch', 'load')
        .unicode('evil.pt')
        .tuple2()
        .reduce()
        .stop()
        .bytesOut(),
    rule: 'model/pickle-dangerous-call',
    severity: 'critical',
    mentions: 'functools.partial',
  },
  {
    name: 'CVE-2025-71351: timeit.timeit',
    bytes: () => reducePayload('timeit', 'timeit', ['', 'import os']),
    rule: 'model/pickle-dangerous-call',
    severity: 'critical',
  },
  {
    name: 'CVE-2025-71325: STACK_GLOBAL operands from protocol-0 STRING opcodes at position 0',
    bytes: () =>
      pickle()
        .string0('os')
        .string0('system')
        .stackGlobal()
        .string0('ls')
        .tuple1()
        .reduce()
        .stop()
        .bytesOut(),
    rule: 'model/pickle-dangerous-call',
    severity: 'critical',
    mentions: 'os.system',
  },
  {
    name: 'Aug 2025 wave: torch.utils.collect_env.run',
    bytes: () => reducePayload('torch.utils.collect_env', 'run', ['id']),
    rule: 'model/pickle-dangerous-call',
    severity: 'critical',
  },
  {
    name: 'Aug 2025 wave: cProfile.run',
    bytes: () => reducePayload('cProfile', 'run', ["__import__('os').system('id')"]),
    rule: 'model/pickle-dangerous-call',
    severity: 'critical',
  },
  {
    name: 'Aug 2025 wave: code.InteractiveInterpreter.runcode (dotted qualname)',
    bytes: () => reducePayload('code', 'InteractiveInterpreter.runcode', ['x'], 4),
    rule: 'model/pickle-dangerous-call',
    severity: 'critical',
  },
  {
    name: 'CVE-2025-10157: asyncio submodule (parent module on the deny list)',
    bytes: () => reducePayload('asyncio.unix_events', '_UnixSubprocessTransport._start', ['whoami']),
    rule: 'model/pickle-dangerous-call',
    severity: 'critical',
  },
  {
    name: 'd3273f4 (a): BINGET of a missing memo key aborts naive scanners; the earlier call still counts',
    bytes: () =>
      pickle()
        .proto(4)
        .global('os', 'system')
        .unicode('id')
        .tuple1()
        .reduce()
        .pop()
        .unicode('os')
        .memoize()
        .binget(3)
        .binget(0)
        .stackGlobal()
        .stop()
        .bytesOut(),
    rule: 'model/pickle-dangerous-call',
    severity: 'critical',
    mentions: 'os.system',
  },
  {
    name: 'd3273f4 (b) / modelscan #338: an int as STACK_GLOBAL operand (type confusion)',
    bytes: () => pickle().proto(4).int(42).unicode('os').stackGlobal().stop().bytesOut(),
    rule: 'model/pickle-unresolved-callable',
    severity: 'high',
  },
  {
    name: 'modelscan #338: SHORT_BINBYTES operand for STACK_GLOBAL',
    bytes: () =>
      pickle()
        .proto(4)
        .bytes('os')
        .bytes('system')
        .stackGlobal()
        .unicode('id')
        .tuple1()
        .reduce()
        .stop()
        .bytesOut(),
    rule: 'model/pickle-unresolved-callable',
    severity: 'high',
  },
  {
    name: 'GHSA 2026: pkgutil.resolve_name universal resolver',
    bytes: () => reducePayload('pkgutil', 'resolve_name', ['os:system']),
    rule: 'model/pickle-dangerous-call',
    severity: 'critical',
  },
  {
    name: 'GHSA 2026: ctypes.CDLL(None)',
    bytes: () => pickle().proto(2).global('ctypes', 'CDLL').none().tuple1().reduce().stop().bytesOut(),
    rule: 'model/pickle-dangerous-call',
    severity: 'critical',
  },
  {
    name: 'GHSA 2026: operator.methodcaller("system", cmd)(pydoc.locate("os"))',
    bytes: () =>
      pickle()
        .proto(2)
        .global('operator', 'methodcaller')
        .unicode('system')
        .unicode('id')
        .tuple2()
        .reduce()
        .global('pydoc', 'locate')
        .unicode('os')
        .tuple1()
        .reduce()
        .tuple1()
        .reduce()
        .stop()
        .bytesOut(),
    rule: 'model/pickle-dangerous-call',
    severity: 'critical',
    mentions: 'operator.methodcaller',
  },
  {
    name: 'GHSA 2026: _io.FileIO reads /etc/hosts',
    bytes: () => reducePayload('_io', 'FileIO', ['/etc/hosts']),
    rule: 'model/pickle-dangerous-call',
    severity: 'critical',
  },
  {
    name: 'GHSA 2026: numpy.f2py.crackfortran.myeval',
    bytes: () => reducePayload('numpy.f2py.crackfortran', 'myeval', ['1']),
    rule: 'model/pickle-dangerous-call',
    severity: 'critical',
  },
  {
    name: 'still open in picklescan: importlib.import_module',
    bytes: () => stackGlobalPayload('importlib', 'import_module', ['os']),
    rule: 'model/pickle-dangerous-call',
    severity: 'critical',
  },
  {
    name: 'still open: marshal.loads + types.FunctionType (fickling GHSA-565g)',
    bytes: () =>
      pickle()
        .proto(2)
        .global('types', 'FunctionType')
        .global('marshal', 'loads')
        .bytes('\xe3code')
        .tuple1()
        .reduce()
        .emptyDict()
        .tuple2()
        .reduce()
        .stop()
        .bytesOut(),
    rule: 'model/pickle-dangerous-call',
    severity: 'critical',
    mentions: 'marshal.loads',
  },
  {
    name: 'still open: multiprocessing.util.spawnv_passfds',
    bytes: () => reducePayload('multiprocessing.util', 'spawnv_passfds', ['/bin/sh']),
    rule: 'model/pickle-dangerous-call',
    severity: 'critical',
  },
  {
    name: 'still open: _interpreters.create',
    bytes: () => reducePayload('_interpreters', 'create', []),
    rule: 'model/pickle-dangerous-call',
    severity: 'critical',
  },
  {
    name: 'still open: top-level torch.load',
    bytes: () => reducePayload('torch', 'load', ['evil.pt']),
    rule: 'model/pickle-dangerous-call',
    severity: 'critical',
  },
  {
    name: 'still open: builtins.__import__',
    bytes: () => reducePayload('builtins', '__import__', ['os']),
    rule: 'model/pickle-dangerous-call',
    severity: 'critical',
  },
  {
    name: 'still open: scanner tampering fickling.hook.remove_hook',
    bytes: () => reducePayload('fickling.hook', 'remove_hook', []),
    rule: 'model/pickle-dangerous-call',
    severity: 'critical',
  },
  {
    name: 'fickling GHSA-5j3x: STACK_GLOBAL("pathlib", "os.system") dotted attribute chain',
    bytes: () => stackGlobalPayload('pathlib', 'os.system', ['id']),
    rule: 'model/pickle-dangerous-call',
    severity: 'critical',
    mentions: 'pathlib.os.system',
  },
  {
    name: 'fickling GHSA-mxhj: OBJ call whose result is POPped (call vanishes from ASTs)',
    bytes: () =>
      pickle().mark().global('smtplib', 'SMTP').unicode0('127.0.0.1').obj().pop().none().stop().bytesOut(),
    rule: 'model/pickle-dangerous-call',
    severity: 'critical',
    mentions: 'smtplib.SMTP',
  },
  {
    name: 'fickling PR #108: INST form (no REDUCE at all)',
    bytes: () => pickle().mark().string0('id').inst('pty', 'spawn').stop().bytesOut(),
    rule: 'model/pickle-dangerous-call',
    severity: 'critical',
    mentions: 'pty.spawn',
  },
  {
    name: 'fickling GHSA-h4rm: __import__ and getattr through PUT/POP/GET',
    bytes: () =>
      pickle()
        .proto(2)
        .global('builtins', '__import__')
        .unicode('os')
        .tuple1()
        .reduce()
        .binput(0)
        .pop()
        .global('builtins', 'getattr')
        .binget(0)
        .unicode('system')
        .tuple2()
        .reduce()
        .binput(1)
        .pop()
        .binget(1)
        .unicode('id')
        .tuple1()
        .reduce()
        .stop()
        .bytesOut(),
    rule: 'model/pickle-unresolved-callable',
    severity: 'high',
    mentions: 'builtins.getattr',
  },
  {
    name: 'ModelAudit #623: EXT1 callable from the copyreg extension registry',
    bytes: () => pickle().proto(2).ext1(42).unicode('id').tuple1().reduce().stop().bytesOut(),
    rule: 'model/pickle-unresolved-callable',
    severity: 'high',
  },
  {
    name: 'ModelAudit: os.system via BINUNICODE8 operands',
    bytes: () =>
      pickle()
        .proto(4)
        .binunicode8('os')
        .binunicode8('system')
        .stackGlobal()
        .binunicode8('id')
        .tuple1()
        .reduce()
        .stop()
        .bytesOut(),
    rule: 'model/pickle-dangerous-call',
    severity: 'critical',
  },
  {
    name: 'string concatenation: operator.add("o", "s") as a STACK_GLOBAL operand',
    bytes: () =>
      pickle()
        .proto(4)
        .global('operator', 'add')
        .unicode('o')
        .unicode('s')
        .tuple2()
        .reduce()
        .unicode('system')
        .stackGlobal()
        .unicode('id')
        .tuple1()
        .reduce()
        .stop()
        .bytesOut(),
    rule: 'model/pickle-dangerous-call',
    severity: 'critical',
    mentions: 'os.system',
  },
  {
    name: 'NEWOBJ_EX on subprocess.Popen',
    bytes: () =>
      pickle()
        .proto(4)
        .global('subprocess', 'Popen')
        .unicode('id')
        .tuple1()
        .emptyDict()
        .newobjEx()
        .stop()
        .bytesOut(),
    rule: 'model/pickle-dangerous-call',
    severity: 'critical',
  },
  {
    name: 'nullifAI: exec call at the start, then the stream breaks',
    bytes: () =>
      concat(
        pickle().proto(2).global('builtins', 'exec').unicode('import os').tuple1().reduce().bytesOut(),
        new Uint8Array([0x58, 0xff, 0xff, 0, 0, 0x41]),
      ),
    rule: 'model/pickle-dangerous-call',
    severity: 'critical',
    mentions: 'builtins.exec',
  },
  {
    name: 'payload in the second of two stacked pickles',
    bytes: () => concat(pickle().proto(2).none().stop().bytesOut(), reducePayload('os', 'system', ['id'])),
    rule: 'model/pickle-dangerous-call',
    severity: 'critical',
  },
  {
    name: 'modelscan legacy torch: payload in pickle #4 of 5',
    bytes: () => legacyTorchFile(reducePayload('posix', 'system', ['id'])),
    rule: 'model/pickle-dangerous-call',
    severity: 'critical',
    mentions: 'posix.system',
  },
  {
    name: 'legacy torch whose magic-number pickle is itself eval(...)',
    bytes: () =>
      concat(reducePayload('builtins', 'eval', ['0x1950A86A20F9469CFC6C']), legacyTorchFile().subarray(14)),
    rule: 'model/pickle-dangerous-call',
    severity: 'critical',
  },
  {
    name: 'CPython gh-154848: an opcode straddles the end of its FRAME',
    bytes: () => pickle().proto(5).frame(4).global('os', 'system').stop().bytesOut(),
    rule: 'model/pickle-frame-mismatch',
    severity: 'high',
  },
  {
    name: 'FRAME divergence: BINBYTES swallows a GLOBAL/REDUCE the C unpickler would run',
    bytes: () => {
      const hidden = pickle().global('os', 'system').unicode0('echo pwned').tuple1().reduce().bytesOut();
      return pickle()
        .proto(5)
        .none()
        .frame(2)
        .raw([0x42, hidden.length + 2, 0, 0, 0])
        .raw([0, 0])
        .raw(hidden)
        .op('1')
        .stop()
        .bytesOut();
    },
    rule: 'model/pickle-frame-mismatch',
    severity: 'high',
  },
  {
    name: 'billion laughs: each list holds the previous one ten times through the memo',
    bytes: () => {
      const w = pickle().proto(2).emptyList().binput(0).mark().unicode('lol').appends();
      for (let level = 1; level <= 9; level++) {
        w.emptyList().binput(level).mark();
        for (let i = 0; i < 10; i++) w.binget(level - 1);
        w.appends();
      }
      return w.stop().bytesOut();
    },
    rule: 'model/pickle-resource-exhaustion',
    severity: 'high',
  },
  {
    name: 'a module that is on no list, called: unknown import (medium, high with --strict)',
    bytes: () => reducePayload('totally_custom_lib', 'do_thing', []),
    rule: 'model/pickle-unknown-import',
    severity: 'medium',
  },
];

function worstOf(findings: Finding[], rule: string): Finding | undefined {
  return findings
    .filter((f) => f.ruleId === rule)
    .sort((a, b) => (atLeast(a.severity, b.severity) ? -1 : 1))[0];
}

for (const c of CASES) {
  test(c.name, async () => {
    const result = await scanBytes(c.bytes(), 'fixture.bin');
    const f = worstOf(result.findings, c.rule);
    assert.ok(
      f,
      `expected ${c.rule}; got ${JSON.stringify(
        result.findings.map((x) => `${x.severity} ${x.ruleId}: ${x.message}`),
        null,
        1,
      )} errors ${JSON.stringify(result.errors)}`,
    );
    assert.ok(atLeast(f.severity, c.severity), `${c.rule} at ${f.severity}, expected at least ${c.severity}`);
    if (c.mentions) {
      const all = result.findings.map((x) => x.message).join('\n');
      assert.ok(all.includes(c.mentions), `no finding mentions ${c.mentions}:\n${all}`);
    }
  });
}

test('--strict raises unknown imports to high', async () => {
  const result = await scanBytes(reducePayload('totally_custom_lib', 'do_thing', []), 'x.pkl', {
    strict: true,
  });
  assert.equal(worstOf(result.findings, 'model/pickle-unknown-import')?.severity, 'high');
});
