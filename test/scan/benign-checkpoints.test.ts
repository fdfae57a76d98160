/**
 * False-positive guard: benign files shaped like real checkpoints must scan completely, with nothing at high or
 * above, and the ones real tools write with allow-listed callables only must produce no finding at all, even
 * with --strict. The protocol 0-5 config pickles and the numpy checkpoint are byte-for-byte what CPython's
 * pickle.dumps (and numpy 2) write for the same objects; they were compared when this file was written.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deflateSync, gzipSync } from 'node:zlib';
import { formatLocation } from '../../src/core/finding.ts';
import type { ScanResult } from '../../src/core/result.ts';
import { atLeast } from '../../src/core/severity.ts';
import { scanBytes } from '../../src/scan/engine.ts';
import {
  legacyTorchFile,
  plainDataPickle,
  sklearnJoblibPipeline,
  tensor,
  torchStateDictPickle,
} from '../fixtures/checkpoints.ts';
import { buildNpy } from '../fixtures/npy-writer.ts';
import { concat, type PickleWriter, pickle } from '../fixtures/pickle-writer.ts';
import { buildSevenZip } from '../fixtures/sevenzip-writer.ts';
import { legacyTorchTar } from '../fixtures/tar-writer.ts';
import { buildTorchZip, buildZip } from '../fixtures/zip-writer.ts';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

/** Deterministic xorshift32 bytes, so "random" storages are the same on every run. */
function randomBytes(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** float32 weights around zero, as trained layers hold (little-endian raw bytes). */
function weights(count: number, seed: number): Uint8Array {
  const noise = randomBytes(count * 2, seed);
  const values = new Float32Array(count);
  for (let i = 0; i < count; i++) values[i] = ((noise[2 * i]! << 8) + noise[2 * i + 1]! - 32768) / 1e6;
  return new Uint8Array(values.buffer);
}

/**
 * `{'lr': 0.001, 'epochs': 10, 'name': 'run-1', 'layers': [64, 32], 'betas': (0.9, 0.999), 'tags': {'a'},
 * 'blob': b'\xde\xad', 'od': OrderedDict(a=1)}` exactly as `pickle.dumps(obj, protocol)` writes it: protocol 0
 * text with PUT, 1 binary without PROTO, 2 with TUPLE1/2 and `_codecs.encode` for bytes, 3 with BINBYTES, 4 and 5
 * with FRAME, MEMOIZE, STACK_GLOBAL, EMPTY_SET/ADDITEMS.
 */
function trainingConfigPickle(protocol: number): Uint8Array {
  const w = pickle();
  let memo = 0;
  const put = (): number => {
    const key = memo++;
    if (protocol === 0) w.put(key);
    else if (protocol < 4) w.binput(key);
    else w.memoize();
    return key;
  };
  const str = (s: string): number => {
    if (protocol === 0) w.unicode0(s);
    else if (protocol < 4) w.binunicode(s);
    else w.unicode(s);
    return put();
  };
  const float = (x: number): void => {
    if (protocol === 0) w.raw(`F${x}\n`);
    else {
      const b = Buffer.alloc(8);
      b.writeDoubleBE(x);
      w.raw([0x47, ...b]);
    }
  };
  const int = (n: number): void => {
    if (protocol === 0) w.int0(n);
    else w.int(n);
  };
  const global = (module: string, name: string): void => {
    if (protocol >= 4) {
      str(module);
      str(name);
      w.stackGlobal();
    } else w.global(module, name);
    put();
  };
  const tuple = (arity: 1 | 2, items: () => void): void => {
    if (protocol < 2) w.mark();
    items();
    if (protocol < 2) w.tuple();
    else if (arity === 1) w.tuple1();
    else w.tuple2();
  };
  const setitem = (): void => {
    if (protocol === 0) w.setitem();
  };

  if (protocol === 0) w.mark().dict();
  else w.emptyDict();
  put();
  if (protocol > 0) w.mark();
  str('lr');
  float(0.001);
  setitem();
  str('epochs');
  int(10);
  setitem();
  str('name');
  str('run-1');
  setitem();
  str('layers');
  if (protocol === 0) {
    w.mark().list();
    put();
    int(64);
    w.append();
    int(32);
    w.append();
  } else {
    w.emptyList();
    put();
    w.mark();
    int(64);
    int(32);
    w.appends();
  }
  setitem();
  str('betas');
  tuple(2, () => {
    float(0.9);
    float(0.999);
  });
  put();
  setitem();
  str('tags');
  let a = -1;
  if (protocol >= 4) {
    w.raw([0x8f]); // EMPTY_SET
    put();
    w.mark();
    a = str('a');
    w.raw([0x90]); // ADDITEMS
  } else {
    global(protocol < 3 ? '__builtin__' : 'builtins', 'set');
    tuple(1, () => {
      if (protocol === 0) w.mark().list();
      else w.emptyList();
      put();
      a = str('a');
      w.append();
    });
    put();
    w.reduce();
    put();
  }
  setitem();
  str('blob');
  if (protocol >= 3) {
    w.bytes(Uint8Array.from([0xde, 0xad]));
    put();
  } else {
    global('_codecs', 'encode');
    tuple(2, () => {
      str('\xde\xad');
      str('latin1');
    });
    put();
    w.reduce();
    put();
  }
  setitem();
  str('od');
  global('collections', 'OrderedDict');
  if (protocol === 0) w.mark().tuple();
  else w.emptyTuple();
  w.reduce();
  put();
  if (protocol === 0) w.get(a);
  else w.binget(a);
  int(1);
  w.setitem();
  setitem();
  if (protocol > 0) w.setitems();
  const body = w.stop().bytesOut();
  if (protocol < 2) return body;
  if (protocol < 4) return concat(pickle().proto(protocol).bytesOut(), body);
  return concat(pickle().proto(protocol).frame(body.length).bytesOut(), body);
}

/**
 * `{'best_acc': np.float64(0.5), 'arr': np.arange(3, dtype=np.float32)}` as numpy 2 pickles it at protocol 2:
 * `numpy._core.multiarray.scalar` and `_reconstruct`, dtype BUILD states, array bytes through `_codecs.encode`.
 */
function numpyCheckpointPickle(): Uint8Array {
  const w = pickle().proto(2);
  let memo = 0;
  const put = (): number => {
    w.binput(memo);
    return memo++;
  };
  const latin1 = (b: Uint8Array): string => Buffer.from(b).toString('latin1');
  const half = Buffer.alloc(8);
  half.writeDoubleLE(0.5);
  const arange = new Uint8Array(new Float32Array([0, 1, 2]).buffer);
  const dtypeState = (endian: () => void): void => {
    w.mark().int(3);
    endian();
    w.none().none().none().int(-1).int(-1).int(0).tuple();
    put();
    w.build();
  };
  w.emptyDict();
  put();
  w.mark().binunicode('best_acc');
  put();
  w.global('numpy._core.multiarray', 'scalar');
  put();
  w.global('numpy', 'dtype');
  const dtype = put();
  w.binunicode('f8');
  put();
  w.bool(false).bool(true).tuple3();
  put();
  w.reduce();
  put();
  let lt = -1;
  dtypeState(() => {
    w.binunicode('<');
    lt = put();
  });
  w.global('_codecs', 'encode');
  const encode = put();
  w.binunicode(latin1(half));
  put();
  w.binunicode('latin1');
  const l1 = put();
  w.tuple2();
  put();
  w.reduce();
  put();
  w.tuple2();
  put();
  w.reduce();
  put();
  w.binunicode('arr');
  put();
  w.global('numpy._core.multiarray', '_reconstruct');
  put();
  w.global('numpy', 'ndarray');
  put();
  w.int(0).tuple1();
  put();
  w.binget(encode).binunicode('b');
  put();
  w.binget(l1).tuple2();
  put();
  w.reduce();
  put();
  w.tuple3();
  put();
  w.reduce();
  put();
  w.mark().int(1).int(3).tuple1();
  put();
  w.binget(dtype).binunicode('f4');
  put();
  w.bool(false).bool(true).tuple3();
  put();
  w.reduce();
  put();
  dtypeState(() => w.binget(lt));
  w.bool(false).binget(encode).binunicode(latin1(arange));
  put();
  w.binget(l1).tuple2();
  put();
  w.reduce();
  put();
  w.tuple();
  put();
  w.build();
  return w.setitems().stop().bytesOut();
}

const orderedDict = (w: PickleWriter): PickleWriter =>
  w.global('collections', 'OrderedDict').emptyTuple().reduce();

/** A torch.nn.Module rebuilt as torch.save(model) pickles it: NEWOBJ of its class, then BUILD of its __dict__. */
function moduleObject(
  w: PickleWriter,
  cls: [string, string],
  parameters: [string, string, number[]][],
  children: [string, (w: PickleWriter) => void][],
  extra: (w: PickleWriter) => void = () => {},
): void {
  w.global(...cls)
    .emptyTuple()
    .newobj()
    .emptyDict()
    .mark();
  w.binunicode('training').bool(true);
  w.binunicode('_parameters');
  orderedDict(w);
  if (parameters.length > 0) {
    w.mark();
    for (const [name, key, shape] of parameters) {
      w.binunicode(name).global('torch._utils', '_rebuild_parameter').mark();
      tensor(w, key, shape).bool(true);
      orderedDict(w).tuple().reduce();
    }
    w.setitems();
  }
  for (const hooks of [
    '_buffers',
    '_backward_hooks',
    '_forward_hooks',
    '_forward_pre_hooks',
    '_state_dict_hooks',
  ])
    orderedDict(w.binunicode(hooks));
  w.binunicode('_non_persistent_buffers_set').global('__builtin__', 'set').emptyList().tuple1().reduce();
  w.binunicode('_modules');
  orderedDict(w);
  if (children.length > 0) {
    w.mark();
    for (const [name, build] of children) build(w.binunicode(name));
    w.setitems();
  }
  extra(w);
  w.setitems().build();
}

/** `data.pkl` of torch.save(model) for a model built from torch.nn classes only, or from a class of your own. */
function torchModulePickle(
  outer: [string, string] = ['torch.nn.modules.container', 'Sequential'],
): Uint8Array {
  const linear = (key: number) => (w: PickleWriter) =>
    moduleObject(
      w,
      ['torch.nn.modules.linear', 'Linear'],
      [
        ['weight', String(key), [4, 4]],
        ['bias', String(key + 1), [4]],
      ],
      [],
      (m) => m.binunicode('in_features').int(4).binunicode('out_features').int(4),
    );
  const relu = (w: PickleWriter) =>
    moduleObject(w, ['torch.nn.modules.activation', 'ReLU'], [], [], (m) =>
      m.binunicode('inplace').bool(false),
    );
  const w = pickle().proto(2);
  moduleObject(
    w,
    outer,
    [],
    [
      ['0', linear(0)],
      ['1', relu],
      ['2', linear(2)],
    ],
  );
  return w.stop().bytesOut();
}

/** A legacy (non-zip) torch.save with its raw storages after the five pickles: int64 element count, then data. */
function legacyTorchWithStorages(storages: Uint8Array[]): Uint8Array {
  const pickles = legacyTorchFile(torchStateDictPickle(1));
  const head = pickles.subarray(0, pickles.length - (8 + 16 * 4)); // drop the fixture's own placeholder storage
  const parts = storages.flatMap((data) => {
    const count = Buffer.alloc(8);
    count.writeBigUInt64LE(BigInt(data.length / 4));
    return [count, data];
  });
  return concat(head, ...parts);
}

/** A zip laid out as torch >= 2.1 writes it, with the format/alignment records and the serialization id. */
function modernTorchZip(): Uint8Array {
  const storages = [0, 1, 2, 3, 4, 5].map((i) => weights(i % 2 === 0 ? 16 : 4, 100 + i));
  return buildZip(
    [
      { name: 'model/data.pkl', data: torchStateDictPickle() },
      { name: 'model/.format_version', data: enc('1') },
      { name: 'model/.storage_alignment', data: enc('64') },
      { name: 'model/byteorder', data: enc('little') },
      ...storages.map((data, i) => ({ name: `model/data/${i}`, data })),
      { name: 'model/version', data: enc('3\n') },
      { name: 'model/.data/serialization_id', data: enc('0259101380781813487003148396581906584787') },
    ],
    { align: 64 },
  );
}

/** What torch.jit.save writes under code/: Python source, starting with "class" (a GLOBAL opcode byte). */
const TORCHSCRIPT_SOURCE =
  'class Linear(Module):\n  __parameters__ = ["weight", "bias", ]\n  __buffers__ = []\n  weight : Tensor\n  bias : Tensor\n';

/** Text files that sit next to checkpoints in model repositories; most start with a byte that is also an opcode. */
const TEXT_FILES: Record<string, string> = {
  'default_config.yaml (accelerate)':
    'compute_environment: LOCAL_MACHINE\ndebug: false\ndistributed_type: "NO"\n',
  'linear.py (TorchScript code/)': TORCHSCRIPT_SOURCE,
  'requirements.txt': 'certifi==2024.8.30\ncharset-normalizer==3.3.2\ntorch==2.10.0\n',
  'README.txt': 'TinyNet: a 3-layer MLP. Load it with `torch.load(path, weights_only=True)`.\n',
  'vocab.txt': 'the\nof\nand\n(\n)\n.\n',
  'tokenizer.json': '{"version": "1.0", "truncation": null, "padding": null}',
};

const floatNpy = (): Uint8Array => buildNpy({ descr: '<f4', shape: [4, 4], data: weights(16, 7) });

interface Benign {
  name: string;
  bytes: () => Uint8Array | Promise<Uint8Array>;
  /** Rule ids of the low/medium findings this file is expected to produce; absent means none at all. */
  expect?: string[];
}

const BENIGN: Benign[] = [
  { name: 'torch state dict zip (torch.save)', bytes: () => buildTorchZip(torchStateDictPickle()) },
  { name: 'torch state dict zip, torch >= 2.1 layout', bytes: modernTorchZip },
  {
    name: 'torch zip with 20 random-byte tensor storages',
    bytes: () =>
      buildTorchZip(torchStateDictPickle(10), {
        storages: Array.from({ length: 20 }, (_, i) => randomBytes(64 + 97 * i, i + 1)),
      }),
  },
  {
    name: 'torch zip whose 20 storages start like pickle headers (\\x80\\x00-\\x80\\x05)',
    bytes: () =>
      buildTorchZip(torchStateDictPickle(10), {
        storages: Array.from({ length: 20 }, (_, i) => {
          const data = randomBytes(256 + 64 * i, 1000 + i);
          data[0] = 0x80;
          data[1] = i % 6;
          return data;
        }),
      }),
  },
  {
    name: 'torch zip with ZIP64 records (large-file layout)',
    bytes: () => buildTorchZip(torchStateDictPickle(), { zip: { zip64: true } }),
  },
  { name: 'torch.save(model) of torch.nn modules only', bytes: () => buildTorchZip(torchModulePickle()) },
  { name: 'legacy torch file (five stacked pickles)', bytes: () => legacyTorchFile() },
  {
    name: 'legacy torch file followed by its raw float storages',
    bytes: () => legacyTorchWithStorages([weights(16, 11), weights(4, 12)]),
  },
  { name: 'legacy torch 0.1 tar', bytes: () => legacyTorchTar(torchStateDictPickle()) },
  { name: 'sklearn pipeline (joblib.dump)', bytes: sklearnJoblibPipeline },
  { name: 'plain data pickle, protocol 0 (fixture)', bytes: plainDataPickle },
  ...[0, 1, 2, 3, 4, 5].map((p) => ({
    name: `training config pickle, protocol ${p} (CPython layout)`,
    bytes: () => trainingConfigPickle(p),
  })),
  { name: 'numpy scalar and array in a protocol 2 pickle (numpy 2 layout)', bytes: numpyCheckpointPickle },
  { name: 'float32 .npy', bytes: floatNpy },
  {
    name: 'other numeric .npy files (float16, big-endian int32, Fortran order, structured, unicode, 0-d)',
    bytes: () =>
      buildZip([
        { name: 'f16.npy', data: buildNpy({ descr: '<f2', shape: [3], data: randomBytes(6, 3) }) },
        { name: 'be.npy', data: buildNpy({ descr: '>i4', shape: [5], data: randomBytes(20, 4) }) },
        {
          name: 'fortran.npy',
          data: buildNpy({ descr: '<f8', fortranOrder: true, shape: [3, 2], data: randomBytes(48, 5) }),
        },
        {
          name: 'struct.npy',
          data: buildNpy({
            descrSource: "[('x', '<f4'), ('y', '<i8')]",
            shape: [3],
            data: new Uint8Array(36),
          }),
        },
        { name: 'unicode.npy', data: buildNpy({ descr: '<U3', shape: [2], data: new Uint8Array(24) }) },
        { name: 'scalar.npy', data: buildNpy({ descr: '<f8', shape: [], data: new Uint8Array(8) }) },
      ]),
  },
  {
    name: '.npz of two .npy files (np.savez)',
    bytes: () =>
      buildZip([
        { name: 'weights.npy', data: floatNpy() },
        { name: 'bias.npy', data: buildNpy({ descr: '<f4', shape: [4], data: weights(4, 8) }) },
      ]),
  },
  {
    name: '.npz of two .npy files, deflated (np.savez_compressed)',
    bytes: () =>
      buildZip([
        { name: 'weights.npy', data: floatNpy(), method: 'deflate' },
        {
          name: 'bias.npy',
          data: buildNpy({ descr: '<f4', shape: [4], data: weights(4, 8) }),
          method: 'deflate',
        },
      ]),
  },
  {
    name: 'joblib.dump(compress=3): the pickle in a zlib stream',
    bytes: () => deflateSync(sklearnJoblibPipeline(), { level: 3 }),
  },
  {
    name: 'gzip-compressed torch zip (model.pt.gz)',
    bytes: () => gzipSync(buildTorchZip(torchStateDictPickle())),
  },
  {
    name: 'TorchScript-style archive: code/ sources and constants.pkl next to data.pkl',
    bytes: () =>
      buildZip(
        [
          { name: 'model/data.pkl', data: torchStateDictPickle() },
          { name: 'model/code/__torch__/torch/nn/modules/linear.py', data: enc(TORCHSCRIPT_SOURCE) },
          { name: 'model/constants.pkl', data: pickle().proto(2).emptyTuple().stop().bytesOut() },
          { name: 'model/version', data: enc('3\n') },
        ],
        { align: 64 },
      ),
  },
  {
    name: '7z holding a torch zip and a joblib file',
    bytes: () =>
      buildSevenZip([
        { name: 'model.pt', data: buildTorchZip(torchStateDictPickle()) },
        { name: 'pipeline.joblib', data: sklearnJoblibPipeline() },
      ]),
  },
  {
    name: 'torch.save(model) of a class of your own (unknown import, medium)',
    bytes: () => buildTorchZip(torchModulePickle(['__main__', 'TinyNet'])),
    expect: ['model/pickle-unknown-import'],
  },
  {
    name: 'object-dtype .npy of strings (low)',
    bytes: () =>
      buildNpy({
        descr: '|O',
        shape: [2],
        data: pickle().proto(3).emptyList().mark().unicode('cat').unicode('dog').appends().stop().bytesOut(),
      }),
    expect: ['model/numpy-object-array'],
  },
];

function describeResult(result: ScanResult): string {
  const lines = result.findings.map(
    (f) => `${f.severity} ${f.ruleId} ${formatLocation(f.location)}: ${f.message}`,
  );
  return `findings:\n  ${lines.join('\n  ') || '(none)'}\nerrors: ${JSON.stringify(result.errors)}`;
}

async function scanComplete(bytes: Uint8Array, path: string, strict = false): Promise<ScanResult> {
  const result = await scanBytes(bytes, path, { strict });
  assert.deepEqual(result.scanned, [path], `not analysed: ${JSON.stringify(result.skipped)}`);
  assert.deepEqual(result.errors, [], `not analysed completely\n${describeResult(result)}`);
  return result;
}

for (const b of BENIGN) {
  test(`benign: ${b.name}`, async () => {
    const bytes = await b.bytes();
    const result = await scanComplete(bytes, 'checkpoint.bin');
    const serious = result.findings.filter((f) => atLeast(f.severity, 'high'));
    assert.deepEqual(serious, [], `false positive at high or above\n${describeResult(result)}`);
    if (b.expect === undefined) {
      assert.deepEqual(result.findings, [], `expected no finding\n${describeResult(result)}`);
      // Default-deny must agree: every callable these files use is on the allow list.
      const strict = await scanComplete(bytes, 'checkpoint.bin', true);
      assert.deepEqual(strict.findings, [], `--strict flags a benign file\n${describeResult(strict)}`);
    } else {
      const ids = [...new Set(result.findings.map((f) => f.ruleId))].sort();
      assert.deepEqual(ids, [...b.expect].sort(), describeResult(result));
    }
  });
}

for (const [name, text] of Object.entries(TEXT_FILES)) {
  test(`text next to a checkpoint is not taken for a pickle: ${name}`, async () => {
    const result = await scanBytes(enc(text), name);
    assert.deepEqual(result.findings, [], describeResult(result));
    assert.deepEqual(result.errors, []);
    // A requirements file is a format Parapet reads (dependencies), so it is analysed; the rest are skipped.
    const read = name === 'requirements.txt';
    assert.deepEqual(read ? result.scanned : result.skipped.map((s) => s.path), [name]);
  });
}

/** Regressions: benign legacy files whose raw storage bytes once parsed as a headerless pickle with an EXT1. */
const FORMER_FALSE_POSITIVES: { name: string; why: string; bytes: () => Uint8Array }[] = [
  {
    name: 'legacy torch file whose first storage holds 642 float32s (element count 0x282)',
    why: 'count byte 0x82 is EXT1',
    bytes: () => legacyTorchWithStorages([weights(642, 13), weights(4, 14)]),
  },
  {
    name: 'legacy torch file whose first storage holds 2115 float32s, the first 0.0159 (bits 0x3c8x_xxxx)',
    why: 'an EXT1 byte in the floats',
    bytes: () => {
      const data = weights(0x843, 13);
      new DataView(data.buffer).setFloat32(0, 0.0159, true); // bytes xx xx 82 3c: EXT1 0x3c once parsed
      return legacyTorchWithStorages([data]);
    },
  },
];

for (const fp of FORMER_FALSE_POSITIVES) {
  test(`not a false positive: ${fp.name} (${fp.why})`, async () => {
    const result = await scanBytes(fp.bytes(), 'checkpoint.bin');
    const serious = result.findings.filter((f) => atLeast(f.severity, 'high'));
    assert.deepEqual(serious, [], describeResult(result));
  });
}

/**
 * Text that starts with `c` or `i` parses as a headerless pickle's GLOBAL or INST, each line pair another
 * import: a 3,000-line CSV under any name once gave 1,501 findings. Python's find_class cannot import
 * `ategory,text`, so the load would stop at the first opcode: no pickle.
 */
test('not a false positive: text whose first line reads as a GLOBAL of no importable module (a CSV header)', async () => {
  const rows = Array.from({ length: 3000 }, (_, i) => `cat,Answer ${i}.`);
  const csv = new TextEncoder().encode(`category,text\n${rows.join('\n')}\n`);
  const result = await scanBytes(csv, 'notes.txt');
  assert.deepEqual(result.findings, [], describeResult(result));
});

test('a headerless pickle whose first import is importable is still read, under any name', async () => {
  const bytes = new TextEncoder().encode("cos\nsystem\n(S'id'\ntR.");
  const result = await scanBytes(bytes, 'notes.txt');
  assert.deepEqual(
    result.findings.map((f) => [f.ruleId, f.severity]),
    [['model/pickle-dangerous-call', 'critical']],
  );
});
