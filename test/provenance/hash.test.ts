/**
 * hashModel: which files count and how they are named and ordered (as the reference implementation
 * does it), symlinks, ignore paths, empty files and directories, bounds, errors, algorithms, worker
 * threads and progress.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { ParapetError } from '../../src/core/errors.ts';
import { hashModel } from '../../src/provenance/oms/hash.ts';
import { MAX_RESOURCES } from '../../src/provenance/oms/manifest.ts';
import { MAX_DEPTH } from '../../src/provenance/oms/walk.ts';
import { tempDir } from './hash-fixtures.ts';

const temp = tempDir('oms-hash');
after(temp.cleanup);
let n = 0;

/** A fresh directory `name` holding `files` (relative path → contents). */
function model(files: Record<string, string | Buffer>, name = `model${n++}`): string {
  const root = join(temp.dir, name);
  mkdirSync(root, { recursive: true });
  for (const [rel, content] of Object.entries(files)) {
    mkdirSync(join(root, rel, '..'), { recursive: true });
    writeFileSync(join(root, rel), content);
  }
  return root;
}

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

async function rejects(promise: Promise<unknown>, code: string, message?: RegExp): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof ParapetError, `expected a ParapetError, got ${String(err)}`);
    assert.equal(err.code, code);
    if (message !== undefined) assert.match(err.message, message);
    return true;
  });
}

describe('which files count, and their names', () => {
  test('hidden files count; only the top-level git paths are left out, and recorded', async () => {
    const root = model({
      '.hidden': 'h',
      'sub/.git/config': 'c',
      '.git/HEAD': 'ref',
      '.github/workflows/ci.yml': 'ci',
      '.gitignore': '*',
      '.gitattributes': '*',
      'weights.bin': 'w',
    });
    const m = await hashModel(root);
    assert.deepEqual(
      m.resources.map((r) => r.name),
      ['.hidden', 'sub/.git/config', 'weights.bin'],
    );
    assert.deepEqual(m.serialization.ignore_paths, ['.git', '.gitattributes', '.github', '.gitignore']);
    const all = await hashModel(root, { ignoreGitPaths: false });
    assert.equal(all.resources.length, 7);
    assert.deepEqual(all.serialization.ignore_paths, []);
  });

  test('ignore paths: relative or absolute inside the model, subtrees included; outside ones dropped', async () => {
    const root = model({ 'a/x': '1', 'a/y': '2', 'b/x': '3', 'c.txt': '4', 'model.sig': '{}' });
    const m = await hashModel(root, {
      ignorePaths: ['./a/', join(root, 'c.txt'), '/elsewhere/file', '../outside'],
      signaturePath: join(root, 'model.sig'),
      ignoreGitPaths: false,
    });
    assert.deepEqual(
      m.resources.map((r) => r.name),
      ['b/x'],
    );
    assert.deepEqual(m.serialization.ignore_paths, ['a', 'c.txt', 'model.sig']);
  });

  test('an ignore path names one exact path, not every entry with that name', async () => {
    const root = model({ 'cache/x': '1', 'sub/cache/x': '2' });
    const m = await hashModel(root, { ignorePaths: ['cache'] });
    assert.deepEqual(
      m.resources.map((r) => r.name),
      ['sub/cache/x'],
    );
  });

  test('resources come in path-component order, not code-point order', async () => {
    // Code-point order would put `a.b` (0x2e) before `a/b` (0x2f); PurePosixPath compares `a` < `a.b`.
    const root = model({ 'a.b': '1', 'a/b': '2', 'a-c': '3', B: '4', '\u{ff01}': '5', '\u{1f600}': '6' });
    const m = await hashModel(root);
    assert.deepEqual(
      m.resources.map((r) => r.name),
      ['B', 'a/b', 'a-c', 'a.b', '\u{ff01}', '\u{1f600}'],
    );
  });

  test('shards are named path:start:end and ordered by numeric offsets', async () => {
    const content = Buffer.alloc(100, 7);
    const root = model({ f: content, 'f:odd:name': 'xy' });
    const m = await hashModel(root, { shardSize: 8 });
    const names = m.resources.map((r) => r.name);
    assert.deepEqual(names.slice(0, 4), ['f:0:8', 'f:8:16', 'f:16:24', 'f:24:32']);
    assert.equal(names[12], 'f:96:100');
    assert.equal(names[13], 'f:odd:name:0:2');
    assert.equal(m.resources[0]?.algorithm, 'sha256-sharded-8');
    assert.equal(m.resources[12]?.digest, sha256(content.subarray(96)));
    assert.equal(m.serialization.method, 'shards');
    assert.equal(m.serialization.shard_size, 8);
  });

  test('a single file is a model of one resource named "."; its name is the file name', async () => {
    const root = model({ 'weights.gguf': 'GGUF' });
    const m = await hashModel(join(root, 'weights.gguf'));
    assert.deepEqual(m.resources, [{ name: '.', algorithm: 'sha256', digest: sha256('GGUF') }]);
    assert.equal(m.modelName, 'weights.gguf');
    const sharded = await hashModel(join(root, 'weights.gguf'), { shardSize: 3 });
    assert.deepEqual(
      sharded.resources.map((r) => r.name),
      ['.:0:3', '.:3:4'],
    );
  });

  test('the model name is the directory base name, whatever the spelling of the path', async () => {
    const root = model({ x: '1' }, 'my-model');
    assert.equal((await hashModel(`${root}/`)).modelName, 'my-model');
    assert.equal((await hashModel(join(root, 'sub', '..'))).modelName, 'my-model');
  });

  test('empty files: one digest under files, no shard under shards; empty directories vanish', async () => {
    const root = model({ empty: '' });
    mkdirSync(join(root, 'nothing', 'here'), { recursive: true });
    const files = await hashModel(root);
    assert.deepEqual(files.resources, [{ name: 'empty', algorithm: 'sha256', digest: EMPTY_SHA256 }]);
    const shards = await hashModel(root, { shardSize: 8 });
    assert.deepEqual(shards.resources, []);
    assert.equal(shards.rootDigest.digest, EMPTY_SHA256);
  });

  test('an empty directory is an empty manifest whose root digest is SHA-256 of nothing', async () => {
    const root = model({});
    const m = await hashModel(root);
    assert.deepEqual(m.resources, []);
    assert.deepEqual(m.rootDigest, { algorithm: 'sha256', digest: EMPTY_SHA256 });
  });
});

describe('symbolic links', () => {
  test('refused by default: a file link, a directory link, and the model root itself', async () => {
    const fileLink = model({ real: 'r' });
    symlinkSync(join(fileLink, 'real'), join(fileLink, 'link'));
    await rejects(hashModel(fileLink), 'USAGE', /link is a symbolic link/);

    const dirLink = model({ 'd/x': '1' });
    symlinkSync(join(dirLink, 'd'), join(dirLink, 'dlink'));
    await rejects(hashModel(dirLink), 'USAGE', /dlink is a symbolic link/);

    const target = model({ x: '1' });
    const rootLink = join(temp.dir, `rootlink${n++}`);
    symlinkSync(target, rootLink);
    await rejects(hashModel(rootLink), 'USAGE', /symbolic link/);
    assert.equal((await hashModel(rootLink, { allowSymlinks: true })).resources.length, 1);
  });

  test('a link inside an ignored path is never looked at', async () => {
    const root = model({ x: '1' });
    mkdirSync(join(root, '.git'));
    symlinkSync('/nonexistent', join(root, '.git', 'broken'));
    assert.equal((await hashModel(root)).resources.length, 1);
  });

  test('allowed: a file link is hashed under its own name with the target contents, even outside the model', async () => {
    const outside = model({ file: 'outside contents' });
    const root = model({ real: 'r' });
    symlinkSync(join(outside, 'file'), join(root, 'link'));
    const m = await hashModel(root, { allowSymlinks: true });
    assert.deepEqual(m.resources, [
      { name: 'link', algorithm: 'sha256', digest: sha256('outside contents') },
      { name: 'real', algorithm: 'sha256', digest: sha256('r') },
    ]);
    assert.equal(m.serialization.allow_symlinks, true);
  });

  test('allowed: directory links are not followed, so a loop cannot hang the walk', async () => {
    const root = model({ 'sub/x': '1' });
    symlinkSync('..', join(root, 'sub', 'loop'));
    symlinkSync(root, join(root, 'self'));
    const m = await hashModel(root, { allowSymlinks: true });
    assert.deepEqual(
      m.resources.map((r) => r.name),
      ['sub/x'],
    );
  });

  test('allowed: a broken link and a link loop are errors', async () => {
    const broken = model({});
    symlinkSync(join(broken, 'missing'), join(broken, 'dangling'));
    await rejects(
      hashModel(broken, { allowSymlinks: true }),
      'NOT_FOUND',
      /dangling is a broken symbolic link/,
    );
    const looped = model({});
    symlinkSync('a', join(looped, 'b'));
    symlinkSync('b', join(looped, 'a'));
    await rejects(hashModel(looped, { allowSymlinks: true }), 'LIMIT', /symbolic link loop/);
  });
});

describe('errors and bounds', () => {
  test('a model that does not exist', async () => {
    await rejects(hashModel(join(temp.dir, 'no-such-model')), 'NOT_FOUND');
  });

  test('a FIFO is refused, not read (reading one would block forever)', async () => {
    const root = model({ x: '1' });
    execFileSync('mkfifo', [join(root, 'pipe')]);
    await rejects(hashModel(root), 'USAGE', /pipe is neither a regular file nor a directory/);
  });

  test('an unreadable file is a ParapetError naming it (I/O error, on both hashing paths)', async () => {
    // /proc/self/mem stats as a regular file but reading offset 0 fails with EIO, even for root.
    const root = model({ ok: '1' });
    symlinkSync('/proc/self/mem', join(root, 'mem'));
    for (const workers of [0, 2])
      await rejects(hashModel(root, { allowSymlinks: true, workers }), 'UNREADABLE', /cannot read mem/);
  });

  test('a file without read permission is UNREADABLE', {
    skip: process.getuid?.() === 0 && 'root reads anything',
  }, async () => {
    const root = model({ secret: 's' });
    chmodSync(join(root, 'secret'), 0o000);
    await rejects(hashModel(root), 'UNREADABLE', /secret/);
  });

  test('a directory that cannot be listed is UNREADABLE', {
    skip: process.getuid?.() === 0 && 'root reads anything',
  }, async () => {
    const root = model({ 'locked/x': '1' });
    chmodSync(join(root, 'locked'), 0o111);
    await rejects(hashModel(root), 'UNREADABLE', /locked/);
  });

  test('a file name that is not UTF-8 is refused', async () => {
    const root = model({});
    writeFileSync(Buffer.concat([Buffer.from(`${root}/bad-`), Buffer.from([0xff, 0xfe])]), 'x');
    await rejects(hashModel(root), 'MALFORMED', /not valid UTF-8/);
  });

  test('shard counts are bounded before any byte is read', async () => {
    const root = model({});
    const fd = openSync(join(root, 'sparse.bin'), 'w');
    ftruncateSync(fd, MAX_RESOURCES + 1);
    closeSync(fd);
    await rejects(hashModel(root, { shardSize: 1 }), 'LIMIT', /more than 1000000 resources/);
  });

  test('directory depth is bounded', async () => {
    const root = model({});
    const deepest = join(root, ...Array.from({ length: MAX_DEPTH + 1 }, () => 'd'));
    mkdirSync(deepest, { recursive: true });
    writeFileSync(join(deepest, 'f'), 'x');
    await rejects(hashModel(root), 'LIMIT', /nested deeper than 256 directories/);
    rmSync(join(root, 'd'), { recursive: true });
    mkdirSync(join(root, ...Array.from({ length: MAX_DEPTH }, () => 'd')), { recursive: true });
    assert.deepEqual((await hashModel(root)).resources, []);
  });

  test('bad options are USAGE errors', async () => {
    const root = model({ x: '1' });
    await rejects(hashModel(root, { shardSize: 0 }), 'USAGE');
    await rejects(hashModel(root, { shardSize: 1.5 }), 'USAGE');
    await rejects(hashModel(root, { workers: -1 }), 'USAGE');
    await rejects(hashModel(root, { hashAlgorithm: 'md5' as never }), 'USAGE');
  });
});

describe('algorithms, threads and progress', () => {
  test('blake2b is the 64-byte BLAKE2b of hashlib.blake2b(); blake3 the 32-byte BLAKE3', async () => {
    const root = model({ abc: 'abc', empty: '' });
    const b2 = await hashModel(root, { hashAlgorithm: 'blake2b', shardSize: 2 });
    assert.equal(b2.resources[0]?.algorithm, 'blake2b-sharded-2');
    assert.equal(b2.resources[0]?.digest, createHash('blake2b512').update('ab').digest('hex'));
    assert.equal(b2.serialization.hash_type, 'blake2b');
    const b3 = await hashModel(root, { hashAlgorithm: 'blake3', workers: 1 });
    assert.equal(b3.resources[1]?.name, 'empty');
    // BLAKE3 test vectors: the empty input, and "abc".
    assert.equal(b3.resources[1]?.digest, 'af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262');
    assert.equal(b3.resources[0]?.digest, '6437b3ac38465133ffb63b75273a8db548c558465d79db03fd359c6cd5bd9d85');
  });

  test('concurrent blake3 runs on one thread do not share hasher state', async () => {
    const roots = [0, 1, 2].map((i) => model({ a: Buffer.alloc(3 << 20, i), b: `small ${i}` }));
    const alone = [];
    for (const root of roots) alone.push(await hashModel(root, { hashAlgorithm: 'blake3', workers: 0 }));
    const together = await Promise.all(
      roots.map((root) => hashModel(root, { hashAlgorithm: 'blake3', workers: 0 })),
    );
    assert.deepEqual(together, alone);
  });

  test('blake3 is always hashed whole, as the reference does, even when shards are asked for', async () => {
    const root = model({ f: 'x'.repeat(20) });
    const m = await hashModel(root, { hashAlgorithm: 'blake3', shardSize: 8 });
    assert.equal(m.serialization.method, 'files');
    assert.equal(m.serialization.shard_size, undefined);
    assert.deepEqual(
      m.resources.map((r) => [r.name, r.algorithm]),
      [['f', 'blake3']],
    );
  });

  test('the same manifest on the calling thread and on 1, 2 or 3 worker threads, files and shards', async () => {
    const files: Record<string, Buffer> = {};
    for (let i = 0; i < 6; i++) files[`part-${i}.bin`] = Buffer.alloc(300_000 + i * 77_777, i + 1);
    files['tiny/zero'] = Buffer.alloc(0);
    const root = model(files);
    for (const shardSize of [undefined, 65_536]) {
      const base = await hashModel(root, { workers: 0, ...(shardSize ? { shardSize } : {}) });
      for (const workers of [1, 2, 3]) {
        const m = await hashModel(root, { workers, ...(shardSize ? { shardSize } : {}) });
        assert.deepEqual(m, base);
      }
      if (shardSize === undefined)
        assert.equal(base.resources[0]?.digest, sha256(readFileSync(join(root, 'part-0.bin'))));
    }
  });

  test('progress: announced with the total first, monotonic, ending at the total', async () => {
    const root = model({ a: Buffer.alloc(40 << 20, 1), b: Buffer.alloc(3 << 20, 2) });
    for (const workers of [0, 2]) {
      const calls: [number, number][] = [];
      await hashModel(root, {
        workers,
        shardSize: 8 << 20,
        onProgress: (done, total) => calls.push([done, total]),
      });
      const total = 43 << 20;
      assert.deepEqual(calls[0], [0, total]);
      assert.deepEqual(calls.at(-1), [total, total]);
      assert.ok(calls.length >= 3, `only ${calls.length} progress calls`);
      for (let i = 1; i < calls.length; i++) assert.ok((calls[i]?.[0] ?? 0) >= (calls[i - 1]?.[0] ?? 0));
    }
  });

  test('a model over the inline threshold goes to the worker pool by default and hashes the same', async () => {
    const root = model({ a: Buffer.alloc(20 << 20, 3), b: Buffer.alloc(20 << 20, 4) });
    const pooled = await hashModel(root);
    const inline = await hashModel(root, { workers: 0 });
    assert.deepEqual(pooled, inline);
    assert.equal(pooled.resources[1]?.digest, sha256(Buffer.alloc(20 << 20, 4)));
  });

  test('a progress callback that throws fails the hashing with its error, on both paths', async () => {
    const root = model({ a: Buffer.alloc(20 << 20, 5), b: Buffer.alloc(20 << 20, 6) });
    for (const workers of [0, 2]) {
      let calls = 0;
      const stop = new Error('stop');
      const onProgress = () => {
        if (++calls === 2) throw stop;
      };
      await assert.rejects(hashModel(root, { workers, onProgress }), (err) => err === stop);
    }
  });
});
