/**
 * `npm run bench:hash`: hashing a 4 GiB model directory (8 files of random data, like a sharded
 * safetensors checkpoint) with hashModel — SHA-256, the `files` method `parapet sign` uses by default, its
 * default worker threads — against `openssl dgst -sha256` over the same files in the same run, once as
 * one process and once as two processes splitting the files (both cores, like the worker pool).
 *
 * Prints GB/s (10^9 bytes per second) for each, the ratio hashModel / openssl (goal: at least 0.9 against
 * the two-process openssl, which uses the same two cores), and the peak RSS of the hashing process. The
 * hashing modules are compiled first (bench/out/hash-dist, the build's compiler settings) and run by plain
 * `node` in a child process, as the shipped CLI runs them: no tsx in the timing or the RSS. The files are
 * read once before timing so every run hashes from the page cache; each figure is the best of `--rounds`.
 * The digests of hashModel and openssl are checked against each other.
 *
 *   npm run bench:hash -- [--size-gib 4] [--files 8] [--rounds 3] [--shard-size BYTES]
 *
 * Timings are printed, never asserted. The data lives in a temporary directory removed at the end.
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../', import.meta.url));
/** Where the hashing modules are compiled: measured as shipped (plain node, worker-hash.js), not under tsx. */
const BUILD = join(REPO, 'bench', 'out', 'hash-dist');

/** Compiles hash.ts and its worker with the build's settings, and writes the two child scripts. */
function compileHashing(): void {
  mkdirSync(BUILD, { recursive: true });
  const tsconfig = join(BUILD, 'tsconfig.json');
  writeFileSync(
    tsconfig,
    JSON.stringify({
      extends: join(REPO, 'tsconfig.build.json'),
      compilerOptions: { rootDir: join(REPO, 'src'), outDir: join(BUILD, 'dist') },
      include: [],
      files: [join(REPO, 'src/provenance/oms/hash.ts'), join(REPO, 'src/provenance/oms/hash-worker.ts')],
    }),
  );
  execFileSync(process.execPath, [join(REPO, 'node_modules/typescript/bin/tsc'), '-p', tsconfig], {
    stdio: 'inherit',
  });
  // One hashing run: time, peak RSS (worker threads included: same process) and digests, as JSON.
  writeFileSync(
    join(BUILD, 'child.mjs'),
    [
      "import { hashModel } from './dist/provenance/oms/hash.js';",
      "const shardSize = process.argv[3] === 'none' ? undefined : Number(process.argv[3]);",
      'const t = performance.now();',
      'const m = await hashModel(process.argv[2], shardSize === undefined ? {} : { shardSize });',
      'const seconds = (performance.now() - t) / 1000;',
      'const digests = Object.fromEntries(m.resources.map((r) => [r.name, r.digest]));',
      'process.stdout.write(JSON.stringify({ seconds, maxRssKB: process.resourceUsage().maxRSS, digests }));',
    ].join('\n'),
  );
  writeFileSync(
    join(BUILD, 'idle.mjs'),
    [
      "await import('./dist/provenance/oms/hash.js');",
      'process.stdout.write(JSON.stringify({ maxRssKB: process.resourceUsage().maxRSS }));',
    ].join('\n'),
  );
}

function flag(name: string, fallback: number | undefined): number | undefined {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const value = Number(process.argv[i + 1]);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} needs a positive number`);
  return value;
}

const sizeGiB = flag('size-gib', 4) as number;
const fileCount = Math.round(flag('files', 8) as number);
const rounds = Math.round(flag('rounds', 3) as number);
const shardSize = flag('shard-size', undefined);
const fileBytes = Math.floor((sizeGiB * 2 ** 30) / fileCount);
const totalBytes = fileBytes * fileCount;

const dir = mkdtempSync(join(tmpdir(), 'parapet-bench-hash-'));
const cleanup = () => rmSync(dir, { recursive: true, force: true });
process.on('SIGINT', () => {
  cleanup();
  process.exit(130);
});

/** Wall-clock seconds of a command (stdout captured). */
function run(cmd: string, args: string[]): Promise<{ seconds: number; stdout: string }> {
  return new Promise((resolve, reject) => {
    const t = performance.now();
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    const out: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`${cmd} exited with ${code}`));
      else resolve({ seconds: (performance.now() - t) / 1000, stdout: Buffer.concat(out).toString('utf8') });
    });
  });
}

const gbps = (seconds: number) => totalBytes / seconds / 1e9;
const fmt = (x: number, digits = 2) => x.toFixed(digits);

try {
  compileHashing();
  console.log(
    `writing ${fileCount} × ${fmt(fileBytes / 2 ** 20, 0)} MiB of random data (${fmt(totalBytes / 2 ** 30)} GiB) in ${dir}`,
  );
  const files: string[] = [];
  const block = Buffer.alloc(16 << 20);
  for (let i = 0; i < fileCount; i++) {
    const path = join(
      dir,
      `model-${String(i + 1).padStart(5, '0')}-of-${String(fileCount).padStart(5, '0')}.safetensors`,
    );
    const fd = openSync(path, 'w');
    for (let written = 0; written < fileBytes; ) {
      const n = Math.min(block.length, fileBytes - written);
      randomFillSync(block, 0, n);
      written += writeSync(fd, block, 0, n);
    }
    closeSync(fd);
    files.push(path);
  }
  // Warm the page cache so neither side pays for the disk.
  execFileSync('openssl', ['dgst', '-sha256', ...files], { stdio: 'ignore' });

  // With one file the second process would get none (and openssl would read stdin): leave it out.
  const halves = [files.filter((_, i) => i % 2 === 0), files.filter((_, i) => i % 2 === 1)].filter(
    (h) => h.length > 0,
  );
  const best = { hash: Infinity, sslOne: Infinity, sslTwo: Infinity, rss: 0 };
  let opensslDigests = '';
  for (let r = 0; r < rounds; r++) {
    const child = await run(process.execPath, [
      join(BUILD, 'child.mjs'),
      dir,
      shardSize === undefined ? 'none' : String(shardSize),
    ]);
    const result = JSON.parse(child.stdout) as {
      seconds: number;
      maxRssKB: number;
      digests: Record<string, string>;
    };
    best.hash = Math.min(best.hash, result.seconds);
    best.rss = Math.max(best.rss, result.maxRssKB);

    const one = await run('openssl', ['dgst', '-sha256', ...files]);
    best.sslOne = Math.min(best.sslOne, one.seconds);
    opensslDigests = one.stdout;
    const t = performance.now();
    await Promise.all(halves.map((h) => run('openssl', ['dgst', '-sha256', ...h])));
    best.sslTwo = Math.min(best.sslTwo, (performance.now() - t) / 1000);

    if (r === 0 && shardSize === undefined) {
      const ssl = new Map(
        [...opensslDigests.matchAll(/\(([^)]+)\)= ([0-9a-f]{64})/g)].map((m) => [
          m[1]?.slice(dir.length + 1),
          m[2],
        ]),
      );
      for (const [name, digest] of Object.entries(result.digests))
        if (ssl.get(name) !== digest)
          throw new Error(`digest mismatch for ${name}: ${digest} vs ${ssl.get(name)}`);
    }
  }
  const idle = JSON.parse((await run(process.execPath, [join(BUILD, 'idle.mjs')])).stdout) as {
    maxRssKB: number;
  };

  const method = shardSize === undefined ? 'files' : `shards of ${shardSize} bytes`;
  console.log(
    `\n${cpus().length} CPUs; best of ${rounds}; ${fmt(totalBytes / 1e9)} GB hashed per run; method: ${method}`,
  );
  console.log(`  hashModel (sha256, worker pool)     ${fmt(best.hash)} s  ${fmt(gbps(best.hash))} GB/s`);
  console.log(`  openssl dgst -sha256, 1 process     ${fmt(best.sslOne)} s  ${fmt(gbps(best.sslOne))} GB/s`);
  console.log(`  openssl dgst -sha256, 2 processes   ${fmt(best.sslTwo)} s  ${fmt(gbps(best.sslTwo))} GB/s`);
  console.log(`  ratio hashModel / openssl (2 processes): ${fmt(best.sslTwo / best.hash)}  (goal ≥ 0.9)`);
  console.log(`  ratio hashModel / openssl (1 process):   ${fmt(best.sslOne / best.hash)}`);
  console.log(
    `  peak RSS of the hashing process: ${fmt(best.rss / 1024, 0)} MiB (the same process before hashing: ${fmt(idle.maxRssKB / 1024, 0)} MiB)`,
  );
  if (shardSize === undefined) console.log('  digests: hashModel and openssl agree on every file');
} finally {
  cleanup();
}
