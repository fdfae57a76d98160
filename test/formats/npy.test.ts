import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ParapetError } from '../../src/core/errors.ts';
import { bufferSource, sliceSource } from '../../src/formats/byte-source.ts';
import { isNpy, parseNpyHeader, parsePyLiteral } from '../../src/formats/npy.ts';
import { buildNpy, type NpySpec, OBJECT_ARRAY_PICKLE } from '../fixtures/npy-writer.ts';
import { mulberry32 } from '../fixtures/prng.ts';

const parse = (spec: NpySpec) => parseNpyHeader(bufferSource(buildNpy(spec)));

/** The ParapetError code `fn` throws; fails the test on success or on any other error type. */
function errorCode(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ParapetError, `expected ParapetError, got ${String(err)}`);
    return err.code;
  }
  assert.fail('expected a ParapetError');
}

test('parses a version 1.0 float array header as numpy writes it', () => {
  const data = new Uint8Array(96).fill(1);
  const file = buildNpy({ descr: '<f8', shape: [3, 4], data });
  const h = parseNpyHeader(bufferSource(file));
  assert.deepEqual(h.version, [1, 0]);
  assert.equal(h.descr, '<f8');
  assert.equal(h.fortranOrder, false);
  assert.deepEqual(h.shape, [3, 4]);
  assert.equal(h.isObject, false);
  assert.equal(h.dataOffset % 64, 0);
  assert.equal(h.dataOffset, 10 + h.headerLength);
  assert.equal(file.length - h.dataOffset, data.length);
});

test('parses versions 2.0 and 3.0 (u4 header length; 3.0 is UTF-8)', () => {
  const v2 = parse({ version: [2, 0], descr: '<i4', shape: [5], fortranOrder: true });
  assert.deepEqual([v2.version, v2.shape, v2.fortranOrder, v2.dataOffset % 64], [[2, 0], [5], true, 0]);
  const v3 = parse({ version: [3, 0], descrSource: "[('température', '<f4')]", shape: [] });
  assert.deepEqual(v3.descr, [{ tuple: ['température', '<f4'] }]);
  assert.deepEqual(v3.shape, []);
  assert.equal(v3.dataOffset, 12 + v3.headerLength);
});

test('object arrays: isObject, and the pickle is at dataOffset', () => {
  for (const descr of ['|O', 'O', '<O8', 'O,i4', '(2,)O', 'object']) {
    const file = buildNpy({ descr, shape: [2], data: OBJECT_ARRAY_PICKLE });
    const h = parseNpyHeader(bufferSource(file));
    assert.equal(h.isObject, true, descr);
    const data = sliceSource(bufferSource(file), h.dataOffset, file.length - h.dataOffset);
    assert.deepEqual(Buffer.from(data.readAt(0, data.size)), OBJECT_ARRAY_PICKLE);
  }
  for (const descr of ['<f8', '<U8', '|S4', '|b1', '<c16', '<M8[ns]', '|V16']) {
    assert.equal(parse({ descr }).isObject, false, descr);
  }
});

test('structured dtypes: an object field anywhere marks the array as object', () => {
  const yes = [
    "[('a', '<f8'), ('b', '|O')]",
    "[('outer', [('inner', 'O')])]",
    "[(('title', 'name'), '|O', (2,))]",
    "[('a', '<i4'), ['b', 'O']]",
  ];
  for (const descrSource of yes) assert.equal(parse({ descrSource }).isObject, true, descrSource);
  const no = ["[('Oxygen', '<f8'), ('b', '<i4', (3,))]", "[('x', [('O', '<u1')])]"];
  for (const descrSource of no) assert.equal(parse({ descrSource }).isObject, false, descrSource);
  // A field that is not a (name, format) pair is not something numpy builds: assume the worst.
  assert.equal(parse({ descrSource: "[('lonely',)]" }).isObject, true);
});

test('accepts Python 2 era headers: long ints, u-strings, double quotes, no trailing comma', () => {
  const h = parse({ headerText: `{"descr": u'<f4', "fortran_order": False, "shape": (2L, 3L)}  \n` });
  assert.deepEqual([h.descr, h.shape], ['<f4', [2, 3]]);
});

test('parsePyLiteral: tuples vs parenthesised values, escapes, nesting', () => {
  assert.equal(parsePyLiteral('(7)'), 7);
  assert.deepEqual(parsePyLiteral('(7,)'), { tuple: [7] });
  assert.deepEqual(parsePyLiteral('()'), { tuple: [] });
  assert.deepEqual(parsePyLiteral(' [1, -2, +3, ] '), [1, -2, 3]);
  assert.deepEqual(parsePyLiteral("{'a': None, 1: True}"), {
    dict: [
      ['a', null],
      [1, true],
    ],
  });
  assert.equal(parsePyLiteral(String.raw`'a\'b\\c\x41\u00e9\n'`), "a'b\\cAé\n");
  assert.deepEqual(parsePyLiteral('[[[[]]]]'), [[[[]]]]);
  for (const bad of [
    '',
    '1.5',
    '1e3',
    '0x10',
    '__import__',
    "'open",
    '[1 2]',
    "{'a' 1}",
    '(1,,)',
    'Truee',
    '1 2',
  ]) {
    assert.equal(
      errorCode(() => parsePyLiteral(bad)),
      'MALFORMED',
      bad,
    );
  }
  // Nesting is capped so a hostile header cannot overflow the stack.
  assert.equal(
    errorCode(() => parsePyLiteral('['.repeat(100_000))),
    'MALFORMED',
  );
  assert.equal(
    errorCode(() => parsePyLiteral(`${'('.repeat(40)}1${')'.repeat(40)}`)),
    'MALFORMED',
  );
});

test('isNpy is a pure magic check', () => {
  assert.equal(isNpy(bufferSource(buildNpy())), true);
  assert.equal(isNpy(bufferSource(Buffer.from('\x93NUMP', 'latin1'))), false);
  assert.equal(isNpy(bufferSource(Buffer.from('PK\x03\x04 not npy', 'latin1'))), false);
  assert.equal(isNpy(bufferSource(new Uint8Array(0))), false);
});

test('rejects malformed headers with MALFORMED', () => {
  const cases: [string, NpySpec][] = [
    ['unknown version', { version: [4, 0] }],
    ['declared header longer than the file', { declaredLength: 5000 }],
    ['not a dict', { headerText: "['descr', 'shape']\n" }],
    ['missing shape', { headerText: "{'descr': '<f8', 'fortran_order': False}\n" }],
    ['extra key', { headerText: "{'descr': '<f8', 'fortran_order': False, 'shape': (), 'x': 1}\n" }],
    ['duplicate-free but non-string key', { headerText: "{'descr': '<f8', 'fortran_order': False, 1: 2}\n" }],
    ['shape is a list', { headerText: "{'descr': '<f8', 'fortran_order': False, 'shape': [3]}\n" }],
    ['negative dimension', { shape: [-1] }],
    [
      'huge dimension',
      { headerText: `{'descr': '<f8', 'fortran_order': False, 'shape': (${'9'.repeat(30)},)}` },
    ],
    ['fortran_order not a bool', { headerText: "{'descr': '<f8', 'fortran_order': 0, 'shape': ()}\n" }],
    ['descr is an int', { headerText: "{'descr': 8, 'fortran_order': False, 'shape': ()}\n" }],
    [
      'code instead of literal',
      { headerText: "{'descr': __import__('os').system('id'), 'fortran_order': False}\n" },
    ],
    ['trailing junk', { headerText: "{'descr': '<f8', 'fortran_order': False, 'shape': ()} x\n" }],
  ];
  for (const [why, spec] of cases)
    assert.equal(
      errorCode(() => parse(spec)),
      'MALFORMED',
      why,
    );
  const badUtf8 = buildNpy({
    version: [3, 0],
    headerText: "{'descr': '<f8', 'fortran_order': False, 'shape': ()}  ",
  });
  badUtf8[20] = 0xff;
  assert.equal(
    errorCode(() => parseNpyHeader(bufferSource(badUtf8))),
    'MALFORMED',
  );
  assert.equal(
    errorCode(() => parseNpyHeader(bufferSource(Buffer.from('not npy at all')))),
    'MALFORMED',
  );
});

test('truncated files: every prefix of a valid file is MALFORMED or parses', () => {
  const file = buildNpy({ version: [2, 0], descr: '|O', shape: [1], data: OBJECT_ARRAY_PICKLE });
  const full = parseNpyHeader(bufferSource(file));
  for (let n = 0; n < full.dataOffset; n++) {
    assert.equal(
      errorCode(() => parseNpyHeader(bufferSource(file.subarray(0, n)))),
      'MALFORMED',
      `prefix ${n}`,
    );
  }
  // The data section is not the header parser's business: a short data section still parses.
  assert.deepEqual(parseNpyHeader(bufferSource(file.subarray(0, full.dataOffset))).shape, [1]);
});

test('huge declared header lengths are refused before any read', () => {
  let asked = 0;
  const file = buildNpy({ version: [2, 0], declaredLength: 0xffffffff });
  const src = bufferSource(file);
  const spy = {
    size: 2 ** 40,
    readAt(o: number, l: number) {
      asked = Math.max(asked, l);
      return src.readAt(o, l);
    },
  };
  assert.equal(
    errorCode(() => parseNpyHeader(spy)),
    'LIMIT',
  );
  assert.ok(asked <= 6, `read ${asked} bytes`);
  assert.equal(
    errorCode(() => parse({ version: [2, 0], declaredLength: (1 << 20) + 1 })),
    'LIMIT',
  );
});

test('mutation loop: 3000 mutated headers either parse or throw ParapetError', () => {
  const rand = mulberry32(0x6e7079);
  const seeds = [
    buildNpy({ descr: '<f8', shape: [3, 4] }),
    buildNpy({ version: [2, 0], descrSource: "[('a', '<f8'), ('b', [('c', '|O', (2, 3))])]", shape: [1] }),
    buildNpy({ version: [3, 0], descr: '|O', shape: [], data: OBJECT_ARRAY_PICKLE }),
  ];
  const alphabet = Buffer.from('{}[](),:\'"\\ TrueFalsNn0123456789-+Lux\n\x00\x93');
  let parsed = 0;
  const start = Date.now();
  for (let i = 0; i < 3000; i++) {
    const file = Buffer.from(seeds[i % seeds.length]!);
    const edits = 1 + Math.floor(rand() * 4);
    for (let k = 0; k < edits; k++) {
      const at = Math.floor(rand() * file.length);
      const r = rand();
      if (r < 0.5) file[at] = alphabet[Math.floor(rand() * alphabet.length)]!;
      else if (r < 0.8) file[at] = Math.floor(rand() * 256);
      else file[at] = file[at]! ^ (1 << Math.floor(rand() * 8));
    }
    const input = rand() < 0.1 ? file.subarray(0, Math.floor(rand() * file.length)) : file;
    try {
      parseNpyHeader(bufferSource(input));
      parsed++;
    } catch (err) {
      assert.ok(err instanceof ParapetError, `mutation ${i}: ${String(err)}`);
    }
  }
  assert.ok(parsed > 0, 'some mutations should still parse');
  assert.ok(Date.now() - start < 10_000, 'mutation loop took too long');
});
