/**
 * `npm run bench:archives`: issue 3's archive figures, each in a fresh process (bench/worker.mjs), with a
 * baseline measured in the same run.
 *
 * - 1,000 mixed small files (torch zips, legacy torch, joblib, pickles with and without payloads, npy, npz,
 *   gzip, tar, text) in one directory: target under 5 s; baseline = reading every byte of the tree.
 * - A zip bomb (deflated zeros declaring 16 GiB) and a 6-deep nested archive: memory stays bounded and the
 *   scan ends (incomplete, never clean). Baseline = Node idle RSS.
 *
 * Timings are printed, never asserted: this machine is shared and noisy.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import {
  legacyTorchFile,
  sklearnJoblibPipeline,
  torchStateDictPickle,
} from '../test/fixtures/checkpoints.ts';
import { buildNpy } from '../test/fixtures/npy-writer.ts';
import { reducePayload } from '../test/fixtures/pickle-writer.ts';
import { legacyTorchTar } from '../test/fixtures/tar-writer.ts';
import { buildTorchZip, buildZip } from '../test/fixtures/zip-writer.ts';

const OUT = 'bench/out/archives';
const RUNS = Number(process.env.BENCH_RUNS ?? 3);

interface Measure {
  seconds: number;
  maxRssKB: number;
  scanned?: number;
  errors?: number;
  verdict?: string;
  findings?: Record<string, number>;
  firstErrors?: { error: string }[];
}

function worker(mode: string, target?: string): Measure {
  const args = ['bench/worker.mjs', mode, ...(target ? [target] : [])];
  const out = execFileSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return JSON.parse(out.trim().split('\n').pop()!) as Measure;
}

function median(mode: string, target?: string): Measure {
  const runs = Array.from({ length: RUNS }, () => worker(mode, target)).sort((a, b) => a.seconds - b.seconds);
  return runs[Math.floor(runs.length / 2)]!;
}

/** 1,000 small files of every pickle-family shape, a tenth of them malicious. */
function mixedTree(dir: string): number {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const evil = reducePayload('os', 'system', ['id']);
  const makers: ((i: number) => [string, Uint8Array])[] = [
    (i) => [`m${i}.pt`, buildTorchZip(torchStateDictPickle(4), { storages: [new Uint8Array(4096)] })],
    (i) => [`m${i}.pth`, legacyTorchFile()],
    (i) => [`m${i}.joblib`, sklearnJoblibPipeline()],
    (i) => [`m${i}.npy`, buildNpy({ descr: '<f4', shape: [32, 32], data: new Uint8Array(4096) })],
    (i) => [
      `m${i}.npz`,
      buildZip([
        {
          name: 'a.npy',
          data: buildNpy({ descr: '<f8', shape: [64], data: new Uint8Array(512) }),
          method: 'deflate',
        },
      ]),
    ],
    (i) => [`m${i}.pt.gz`, gzipSync(buildTorchZip(torchStateDictPickle(2)))],
    (i) => [`m${i}.tar`, legacyTorchTar(torchStateDictPickle(1))],
    (i) => [`m${i}.txt`, new TextEncoder().encode(`notes for model ${i}\n`)],
    (i) => [`m${i}.bin`, torchStateDictPickle(6)],
    (i) => [`evil${i}.pkl`, evil],
  ];
  for (let i = 0; i < 1000; i++) {
    const [name, bytes] = makers[i % makers.length]!(i);
    writeFileSync(join(dir, name), bytes);
  }
  return 1000;
}

/**
 * A zip of `members` entries that all point at one deflate stream of 256 MiB of zeros (overlapping entries,
 * the "better zip bomb" shape): 256 MiB × members declared from a file of a few hundred KiB.
 */
function zipBomb(path: string, members: number): void {
  const zip = buildZip([
    { name: 'layer0.bin', data: new Uint8Array(256 << 20), method: 'deflate' },
    ...Array.from({ length: members - 1 }, (_, i) => ({
      name: `layer${i + 1}.bin`,
      data: new Uint8Array(0),
      aliasOf: 0,
    })),
  ]);
  writeFileSync(path, zip);
}

/** An archive nested `depth` levels deep, with a payload at the bottom. */
function nested(path: string, depth: number): void {
  let z = buildZip([{ name: 'data.pkl', data: reducePayload('os', 'system', ['id']) }]);
  for (let i = 0; i < depth; i++) z = buildZip([{ name: `level${i}.zip`, data: z, method: 'deflate' }]);
  writeFileSync(path, z);
}

mkdirSync(OUT, { recursive: true });
const idle = median('idle');
const summary: string[] = [];

{
  const dir = join(OUT, 'mixed');
  const n = mixedTree(dir);
  const scan = median('scan', dir);
  const read = median('read', dir);
  const ok = scan.scanned !== undefined && scan.scanned >= 900 && (scan.findings?.critical ?? 0) >= 100;
  console.log(`== ${n} mixed small files ==`);
  console.log(
    `  scan ${scan.seconds.toFixed(3)} s, RSS ${(scan.maxRssKB / 1024).toFixed(0)} MB, scanned ${scan.scanned}, critical ${scan.findings?.critical}`,
  );
  console.log(`  baseline: reading the tree ${read.seconds.toFixed(4)} s`);
  summary.push(
    `${n} mixed files: ${scan.seconds.toFixed(2)} s (target < 5 s: ${scan.seconds < 5 ? 'met' : 'MISSED'}) · ${(n / scan.seconds).toFixed(0)} files/s · ${(scan.seconds / read.seconds).toFixed(1)}× the time of reading the tree · check ${ok ? 'ok' : 'FAILED'}`,
  );
}

{
  const path = join(OUT, 'bomb.zip');
  zipBomb(path, 64);
  const scan = median('scan', path);
  const ok = scan.errors !== undefined && scan.errors > 0 && scan.verdict !== 'clean';
  console.log('== zip bomb: 64 entries × 256 MiB of zeros (16 GiB declared) ==');
  console.log(
    `  scan ${scan.seconds.toFixed(3)} s, RSS ${(scan.maxRssKB / 1024).toFixed(0)} MB (idle node ${(idle.maxRssKB / 1024).toFixed(0)} MB), errors ${scan.errors}: ${scan.firstErrors?.[0]?.error ?? ''}`,
  );
  summary.push(
    `zip bomb (16 GiB declared): ${scan.seconds.toFixed(2)} s · RSS ${(scan.maxRssKB / 1024).toFixed(0)} MB, ${(scan.maxRssKB / idle.maxRssKB).toFixed(1)}× idle Node · verdict ${scan.verdict} · check ${ok ? 'ok' : 'FAILED'}`,
  );
}

{
  const path = join(OUT, 'nested.zip');
  nested(path, 6);
  const scan = median('scan', path);
  const ok = scan.verdict !== 'clean';
  summary.push(
    `6-deep nested zip: ${scan.seconds.toFixed(3)} s · RSS ${(scan.maxRssKB / 1024).toFixed(0)} MB, ${(scan.maxRssKB / idle.maxRssKB).toFixed(1)}× idle Node · verdict ${scan.verdict} (nesting cap 5) · check ${ok ? 'ok' : 'FAILED'}`,
  );
}

console.log('\n== Summary ==');
for (const line of summary) console.log(line);
