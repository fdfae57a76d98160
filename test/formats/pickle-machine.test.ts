/** Unit tests of the symbolic machine's own guarantees: caps, resolution paths, and what it never does. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bufferSource } from '../../src/formats/byte-source.ts';
import { DEFAULT_PICKLE_LIMITS } from '../../src/formats/pickle/limits.ts';
import { analysePickleStream } from '../../src/formats/pickle/stream.ts';
import { sklearnJoblibPipeline } from '../fixtures/checkpoints.ts';
import { concat, pickle, reducePayload } from '../fixtures/pickle-writer.ts';

const analyse = (bytes: Uint8Array, limits = DEFAULT_PICKLE_LIMITS) =>
  analysePickleStream(bufferSource(bytes), limits);

test('every data opcode of protocols 0-5 parses in one stream (calls are covered by the bypass suite)', () => {
  const w = pickle().proto(5).frame(0);
  w.mark().none().bool(true).bool(false).int(1).int(300).int(70000).int0(5).raw('L7L\n').raw('F1.5\n');
  w.raw([0x47, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0]).raw([0x8a, 1, 1]).raw([0x8b, 1, 0, 0, 0, 1]);
  w.string0('s')
    .unicode0('u')
    .shortBinstring('b')
    .raw([0x54, 1, 0, 0, 0, 0x41])
    .binunicode('x')
    .unicode('y')
    .binunicode8('z');
  w.bytes('c')
    .bytes8(new Uint8Array([1, 2]))
    .raw([0x96, 1, 0, 0, 0, 0, 0, 0, 0, 9]);
  w.emptyList()
    .binput(0)
    .pop()
    .emptyTuple()
    .pop()
    .emptyDict()
    .pop()
    .raw([0x8f])
    .mark()
    .int(1)
    .raw([0x90])
    .pop();
  w.mark().int(1).raw([0x91]).pop().mark().int(1).list().pop().mark().dict().pop();
  w.int(1).tuple1().int(1).int(2).tuple2().int(1).int(2).int(3).tuple3().pop().pop().pop();
  w.get(0).pop().binget(0).pop().longBinput(1).longBinget(1).memoize().pop().pop().put(9).pop();
  w.raw('P0\n').pop().int(0).binpersid().pop().dup().pop().pop().raw([0x97]).raw([0x98]).pop();
  w.tuple().pop().mark().popMark().emptyList().mark().int(1).appends().int(2).append().pop().none().stop();
  const a = analyse(w.bytesOut());
  assert.equal(a.pickles.length, 1);
  const p = a.pickles[0]!;
  assert.deepEqual(
    p.anomalies.filter((x) => x.kind !== 'frame-mismatch'),
    [],
    JSON.stringify(p.anomalies),
  );
  assert.equal(p.complete, true);
});

test('GLOBAL, STACK_GLOBAL through memo and DUP, and INST all resolve, with their calls', () => {
  const bytes = pickle()
    .proto(4)
    .unicode('os')
    .memoize()
    .pop()
    .binget(0)
    .unicode('system')
    .dup()
    .pop()
    .stackGlobal()
    .unicode('id')
    .tuple1()
    .reduce()
    .pop()
    .mark()
    .inst('pty', 'spawn')
    .stop()
    .bytesOut();
  const [p] = analyse(bytes).pickles;
  const names = p!.imports.map((i) => `${i.module}.${i.name}:${i.callCount}:${i.indirect}`);
  assert.deepEqual(names, ['os.system:1:true', 'pty.spawn:1:false']);
});

test('a name repeated a million times is one record with a count (memory stays flat)', () => {
  const w = pickle().proto(2).emptyList().mark();
  for (let i = 0; i < 20_000; i++) w.global('torch._utils', '_rebuild_tensor_v2');
  const [p] = analyse(w.appends().stop().bytesOut()).pickles;
  assert.equal(p!.imports.length, 1);
  assert.equal(p!.imports[0]!.count, 20_000);
});

test('a stack-depth cap switches to the lexical walk: later imports are still found', () => {
  const w = pickle().proto(2);
  for (let i = 0; i < 2_000; i++) w.none();
  w.global('os', 'system');
  const [p] = analyse(w.stop().bytesOut(), { ...DEFAULT_PICKLE_LIMITS, maxStack: 1_000 }).pickles;
  assert.ok(p!.anomalies.some((a) => a.kind === 'resource-limit'));
  assert.ok(p!.imports.some((i) => i.module === 'os' && i.name === 'system'));
});

test('more pickles than the cap: the stream is marked incomplete, never silently clean', () => {
  const one = pickle().proto(2).none().stop().bytesOut();
  const a = analyse(concat(one, one, one, one), { ...DEFAULT_PICKLE_LIMITS, maxPickles: 2 });
  assert.equal(a.pickles.length, 2);
  assert.match(a.pickles[1]!.incomplete ?? '', /more than 2 pickles/);
});

test('joblib arrays written inside the stream are stepped over, not parsed as opcodes', () => {
  const [p, ...rest] = analyse(sklearnJoblibPipeline()).pickles;
  assert.equal(rest.length, 0);
  assert.equal(p!.complete, true);
  assert.deepEqual(p!.anomalies, []);
});

test('a stream that breaks keeps what it saw before the break, and says where it broke', () => {
  const bytes = concat(reducePayload('builtins', 'exec', ['x']).subarray(0, -1), Uint8Array.from([0xff]));
  const [p] = analyse(bytes).pickles;
  assert.equal(p!.complete, false);
  assert.equal(p!.imports[0]!.callCount, 1);
  assert.ok(p!.anomalies.some((a) => a.kind === 'malformed' && /invalid opcode 0xff/.test(a.detail)));
});

test('concatenation builds STACK_GLOBAL operands, but folded strings are capped', () => {
  const w = pickle().proto(4).unicode('o').memoize();
  // "o" doubled 20 times through operator.add would be a 1 MiB string: folding stops at its cap.
  for (let i = 0; i < 20; i++)
    w.global('operator', 'add').binget(0).binget(0).tuple2().reduce().memoize().pop().binget(0);
  w.unicode('x').stackGlobal().stop();
  const [p] = analyse(w.bytesOut()).pickles;
  const module = p!.imports.find((i) => i.opcode === 'STACK_GLOBAL')?.module ?? '';
  assert.ok(module.length <= 4096, `module operand of ${module.length} chars`);
});
