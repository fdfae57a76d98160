/**
 * `npm run bench:probe`: how fast the live probe sweeps.
 *  1. A /24 of closed ports on 127.0.0.0/8 (127.0.1.0/24 on one port nothing listens on), at a fixed
 *     concurrency, against a baseline in the same run: a raw `net.connect` sweep of the same /24 at the same
 *     concurrency (the floor: what connecting alone costs). The ratio is the probe's overhead.
 *  2. A set of open local replay servers (one per product, test/fixtures/probe), fully probed: ~20 GETs
 *     plus the invalid-body POSTs each, hosts per second.
 */
import { connect } from 'node:net';
import { probeTargets } from '../src/probe/runner.ts';
import { expandCidr } from '../src/probe/targets.ts';
import * as P from '../test/fixtures/probe/products.ts';
import { closedPort, type ReplayServer, startReplay } from '../test/fixtures/probe/replay.ts';

const CONCURRENCY = 32;
const RANGE = '127.0.1.0/24';
const ROUNDS = 5;

function connectOnce(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host, port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

async function rawSweep(hosts: string[], port: number): Promise<number> {
  let i = 0;
  let open = 0;
  const worker = async (): Promise<void> => {
    while (i < hosts.length) if (await connectOnce(hosts[i++]!, port)) open++;
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return open;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function time(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

const port = await closedPort();
const hosts = [...expandCidr(RANGE)];
// Warm up both paths once (module loading, JIT) before measuring.
await rawSweep(hosts.slice(0, 32), port);
await probeTargets([`127.0.1.0/27:${port}`], { concurrency: CONCURRENCY });

const probeMs: number[] = [];
const rawMs: number[] = [];
for (let r = 0; r < ROUNDS; r++) {
  rawMs.push(await time(() => rawSweep(hosts, port)));
  probeMs.push(
    await time(async () => {
      const res = await probeTargets([`${RANGE}:${port}`], { concurrency: CONCURRENCY });
      if (res.skipped.length !== hosts.length)
        throw new Error(`expected ${hosts.length} closed, got ${res.skipped.length}`);
    }),
  );
}
const probeRate = hosts.length / (median(probeMs) / 1000);
const rawRate = hosts.length / (median(rawMs) / 1000);

const factories = [
  () => P.ollamaRoutes({ version: '0.1.33' }),
  () => P.vllmRoutes(),
  () => P.llamaCppRoutes(),
  () => P.tgiRoutes(),
  () => P.liteLlmRoutes(),
  () => P.openWebUiRoutes(),
  () => P.gradioRoutes(),
  () => P.jupyterRoutes(),
  () => P.textGenWebUiRoutes(),
  () => P.localAiRoutes(),
  () => P.rayRoutes(),
];
const OPEN = 32;
const servers: ReplayServer[] = [];
for (let i = 0; i < OPEN; i++) servers.push(await startReplay(factories[i % factories.length]!()));
const urls = servers.map((s) => s.url);
const openMs: number[] = [];
let findings = 0;
for (let r = 0; r < ROUNDS; r++)
  openMs.push(
    await time(async () => {
      const res = await probeTargets(urls, { concurrency: CONCURRENCY, ratePerHost: 0 });
      findings = res.findings.length;
    }),
  );
// The default per-host rate (20/s) shares one host (127.0.0.1) across every replay here: the real cost of
// probing many ports of one machine politely.
const POLITE = 8;
const politeMs = await time(() => probeTargets(urls.slice(0, POLITE), { concurrency: CONCURRENCY }));
const requests = servers.slice(POLITE).reduce((n, s) => n + s.requests.length, 0) / ROUNDS;
for (const s of servers) await s.close();

const fmt = (n: number): string => n.toFixed(0);
console.log(
  `parapet probe benchmark (concurrency ${CONCURRENCY}, median of ${ROUNDS} rounds, node ${process.version})`,
);
console.log('');
console.log(`closed /24 (${RANGE}:${port}, ${hosts.length} hosts)`);
console.log(`  probeTargets          ${fmt(probeRate)} hosts/s   (${median(probeMs).toFixed(1)} ms)`);
console.log(`  baseline net.connect  ${fmt(rawRate)} hosts/s   (${median(rawMs).toFixed(1)} ms)`);
console.log(`  ratio probe/baseline  ${(probeRate / rawRate).toFixed(2)}`);
console.log('');
console.log(
  `open replay servers (${OPEN} endpoints, ${factories.length} products, ~${fmt(requests / (OPEN - POLITE))} requests each)`,
);
console.log(
  `  no rate limit         ${fmt(OPEN / (median(openMs) / 1000))} hosts/s   (${median(openMs).toFixed(1)} ms, ${findings} findings)`,
);
console.log(
  `  default 20 req/s/host ${(POLITE / (politeMs / 1000)).toFixed(2)} hosts/s   (${POLITE} endpoints in ${politeMs.toFixed(0)} ms: all on one host, so one shared budget)`,
);
