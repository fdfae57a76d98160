/**
 * `npm run bench:gateway`: what the gateway costs in front of a model server.
 *
 * One run, three processes: a fast local upstream (canned OpenAI answers), the gateway in front of it with
 * input and output filtering, the audit log and metrics on (as shipped), and this process driving load with
 * autocannon (64 connections). The same load goes to the upstream directly (the baseline) and through the
 * gateway, interleaved, so machine noise hits both:
 *
 *   1. throughput at saturation, direct vs through the gateway → the ratio (target ≥ 80%);
 *   2. latency at a fixed rate both can sustain → added p50 / p99 (targets ≤ 1 ms / ≤ 5 ms); autocannon
 *      records whole milliseconds, so a sequential run timed with hrtime gives the sub-millisecond figure;
 *   3. a soak (`--soak SECONDS`, default 300) at that rate, sampling the gateway's RSS and heap every 10 s →
 *      memory flat or not.
 *
 * Two upstreams sit behind the gateway: `instant` answers at once (so its ratio is the gateway's whole cost
 * against a server doing no work) and `model-like` answers after `--model-delay MS` (default 50), as a model
 * server that takes time to generate does (real ones take 100s of ms); each is loaded directly and through.
 * Timings are printed, never asserted: this machine is shared and noisy.
 *
 * Flags: --duration S (each load run, default 8), --soak S, --model-delay MS, --json FILE, --profile DIR.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { request } from 'undici';

const SELF = fileURLToPath(import.meta.url);
const CONNECTIONS = 64;

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  if (i < 0) return fallback;
  const v = Number(process.argv[i + 1]);
  if (!Number.isFinite(v) || v < 0) throw new Error(`${name} needs a non-negative number`);
  return v;
}
function stringFlag(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i < 0 ? undefined : process.argv[i + 1];
}

const SYSTEM =
  'You are a helpful assistant for an engineering team. Answer briefly and cite the relevant section of the runbook when you can.';
const FIRST_QUESTION =
  'Our nightly job that exports the model registry to object storage started failing after we rotated credentials last week. ' +
  'The logs show a 403 from the storage service on the multipart upload step only, while small single-part uploads still work. ' +
  'We checked that the new role has write access to the bucket and that the clock on the runner is in sync. ' +
  'What else could make multipart uploads fail with 403 after a credential rotation, and how do we confirm it?';
const FOLLOW_UPS = ['bucket policy', 'KMS key policy', 'role trust policy', 'access log', 'runner image'];

/**
 * A realistic chat request: a system prompt and a conversation in its second turn, the history (question and
 * answer) as clients resend it, then a follow-up of about 300 characters that is new in every request
 * (`n` makes it unique), so the guard's memo of already-judged history never answers for the new message.
 */
const chatBody = (model: string, n: number) =>
  JSON.stringify({
    model,
    max_tokens: 256,
    messages: [
      { role: 'system', content: SYSTEM },
      { role: 'user', content: FIRST_QUESTION },
      { role: 'assistant', content: REPLY },
      {
        role: 'user',
        content:
          `Thanks. Ticket ${n}: we looked at the ${FOLLOW_UPS[n % FOLLOW_UPS.length]} and found nothing that names the old role, ` +
          `and the simulation for CreateMultipartUpload says allowed. The failure started at ${n % 24}:${String(n % 60).padStart(2, '0')} ` +
          'on the first run after the rotation. Could a cached session on the runner still use the old credentials, and how would we see it?',
      },
    ],
  });
const INSTANT = 'instant';
const MODEL_LIKE = 'model-like';
/** The upstream's answer, a few sentences long, scanned by the output filter. */
const REPLY =
  'Multipart uploads need s3:AbortMultipartUpload and s3:ListMultipartUploadParts as well as PutObject; a role ' +
  'written from a single-part template often lacks them. A bucket policy condition on the old role ARN or a KMS key ' +
  'policy that names the old principal gives the same 403. Confirm with the storage access log or by simulating the ' +
  'policy for the new role against CreateMultipartUpload, UploadPart and CompleteMultipartUpload.';

// ---------------------------------------------------------------- child processes

async function upstreamChild(): Promise<void> {
  const { startFastUpstream } = await import('../test/fixtures/upstreams/fast-upstream.ts');
  const delay = flag('--model-delay', 50);
  const instant = await startFastUpstream({ reply: REPLY, recordRequests: false, models: [INSTANT] });
  const modelLike = await startFastUpstream({
    reply: REPLY,
    recordRequests: false,
    models: [MODEL_LIKE],
    latencyMs: delay,
  });
  process.send?.({ instant: instant.url, modelLike: modelLike.url });
}

async function gatewayChild(): Promise<void> {
  const { resolveGatewayConfig } = await import('../src/gateway/config.ts');
  const { startGateway } = await import('../src/gateway/server.ts');
  const { openKeyStore } = await import('../src/gateway/keys.ts');
  const instantUrl = stringFlag('--instant') ?? '';
  const modelLikeUrl = stringFlag('--model-like') ?? '';
  const dir = stringFlag('--dir') ?? '';
  const off = new Set(
    process.argv.includes('--bare') ? ['guard', 'audit', 'metrics'] : (stringFlag('--off') ?? '').split(','),
  );
  const config = resolveGatewayConfig(
    {
      listen: { host: '127.0.0.1', port: 0 },
      keys: { store: join(dir, 'keys.db') },
      audit: { path: join(dir, 'audit.db') },
      // The benchmark measures the gateway's cost, not the limiter refusing the load.
      limits: { requestsPerMinute: 0, tokensPerMinute: 0 },
      // --off guard,audit,metrics (or --bare for all three): what the rest of the path costs without them.
      ...(off.has('guard') ? { guard: { input: { enabled: false }, output: { enabled: false } } } : {}),
      ...(off.has('audit') ? { audit: { enabled: false } } : {}),
      ...(off.has('metrics') ? { metrics: { enabled: false } } : {}),
      upstreams: [
        { name: INSTANT, url: instantUrl, models: [INSTANT] },
        { name: MODEL_LIKE, url: modelLikeUrl, models: [MODEL_LIKE] },
      ],
    },
    dir,
  );
  const store = openKeyStore(config.keys.store);
  const { secret } = store.create({ name: 'bench' });
  store.close();
  const running = await startGateway(config);
  process.on('message', (m: unknown) => {
    if (m === 'cpu') {
      const { user, system } = process.cpuUsage();
      process.send?.({ cpuMicros: user + system });
    }
    if (m === 'memory') {
      global.gc?.();
      const { rss, heapUsed } = process.memoryUsage();
      process.send?.({ rss, heapUsed });
    }
  });
  // A clean exit, so a CPU profile (--profile) is written.
  process.once('SIGINT', () => void running.close().finally(() => process.exit(0)));
  process.send?.({ url: running.url, key: secret });
}

function start(
  role: 'upstream' | 'gateway',
  args: string[],
): Promise<{ child: ChildProcess; info: Record<string, string> }> {
  const child = fork(SELF, ['--child', role, ...args], {
    // --profile DIR writes a CPU profile of the gateway process (where its time per request goes).
    execArgv: [
      '--import',
      'tsx',
      '--expose-gc',
      ...(role === 'gateway' && stringFlag('--profile')
        ? ['--cpu-prof', `--cpu-prof-dir=${stringFlag('--profile')}`]
        : []),
    ],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    child.once('message', (info) => resolve({ child, info: info as Record<string, string> }));
    child.once('exit', (code) => reject(new Error(`${role} exited with ${code} before it was ready`)));
  });
}

function memoryOf(child: ChildProcess): Promise<{ rss: number; heapUsed: number }> {
  return new Promise((resolve) => {
    child.once('message', (m) => resolve(m as { rss: number; heapUsed: number }));
    child.send('memory');
  });
}

/** The gateway process's CPU time so far (user + system), in microseconds. */
function cpuOf(child: ChildProcess): Promise<number> {
  return new Promise((resolve) => {
    child.once('message', (m) => resolve((m as { cpuMicros: number }).cpuMicros));
    child.send('cpu');
  });
}

// ---------------------------------------------------------------- load

interface Load {
  url: string;
  model: string;
  key?: string;
}

interface LoadResult {
  rps: number;
  /** Responses received in the run. */
  total: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
}

/** Numbers the follow-up messages, so no two requests of a run carry the same one. */
let nextRequest = 0;

async function load(target: Load, seconds: number, rate?: number): Promise<LoadResult> {
  const result = await autocannon({
    url: `${target.url}/v1/chat/completions`,
    method: 'POST',
    connections: CONNECTIONS,
    duration: seconds,
    ...(rate === undefined ? {} : { overallRate: rate }),
    headers: {
      'content-type': 'application/json',
      ...(target.key ? { authorization: `Bearer ${target.key}` } : {}),
    },
    // Every request carries a new follow-up message (see chatBody).
    requests: [
      {
        setupRequest: (req) => {
          req.body = chatBody(target.model, nextRequest++);
          return req;
        },
      },
    ],
  });
  return {
    rps: result.requests.average,
    total: result.requests.total,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  };
}

/** Sequential requests over one keep-alive connection, timed with hrtime: sub-millisecond latency. */
async function sequential(target: Load, count: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const t = process.hrtime.bigint();
    const res = await request(`${target.url}/v1/chat/completions`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(target.key ? { authorization: `Bearer ${target.key}` } : {}),
      },
      body: chatBody(target.model, nextRequest++),
    });
    await res.body.text();
    if (res.statusCode !== 200) throw new Error(`status ${res.statusCode} from ${target.url}`);
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return times.sort((a, b) => a - b);
}

const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;
const ms = (v: number) => `${v.toFixed(3)} ms`;

async function saturation(direct: Load, through: Load, seconds: number, gateway: ChildProcess) {
  const runs = { direct: [] as LoadResult[], through: [] as LoadResult[] };
  let cpuMicros = 0;
  let handled = 0;
  for (let round = 0; round < 2; round++) {
    runs.direct.push(await load(direct, seconds));
    const before = await cpuOf(gateway);
    const run = await load(through, seconds);
    cpuMicros += (await cpuOf(gateway)) - before;
    handled += run.total;
    runs.through.push(run);
  }
  // CPU per request is what the gateway costs whatever else the machine runs: one core serves 1000/x req/s.
  const cpuPerRequest = handled === 0 ? 0 : cpuMicros / 1000 / handled;
  const best = (rs: LoadResult[]) => rs.reduce((a, b) => (b.rps > a.rps ? b : a));
  for (const [name, rs] of Object.entries(runs))
    console.log(
      `  ${name.padEnd(8)} ${rs.map((r) => `${r.rps.toFixed(0)} req/s (p50 ${r.p50} ms, errors ${r.errors}, non-2xx ${r.non2xx})`).join(' · ')}`,
    );
  const ratio = best(runs.through).rps / best(runs.direct).rps;
  console.log(
    `  ratio: ${(ratio * 100).toFixed(1)}% of direct throughput (target ≥ 80%); gateway CPU ${ms(cpuPerRequest)} per request (one core serves ${(1000 / cpuPerRequest).toFixed(0)} req/s)`,
  );
  return { runs, ratio, throughRps: best(runs.through).rps, cpuPerRequest };
}

async function main(): Promise<void> {
  const duration = flag('--duration', 8);
  const soak = flag('--soak', 300);
  const delay = flag('--model-delay', 50);
  const dir = mkdtempSync(join(tmpdir(), 'parapet-bench-gw-'));
  const children: ChildProcess[] = [];
  try {
    const up = await start('upstream', ['--model-delay', String(delay)]);
    children.push(up.child);
    const gw = await start('gateway', [
      '--instant',
      up.info.instant ?? '',
      '--model-like',
      up.info.modelLike ?? '',
      '--dir',
      dir,
      ...(process.argv.includes('--bare') ? ['--bare'] : []),
      ...(stringFlag('--off') === undefined ? [] : ['--off', stringFlag('--off') ?? '']),
    ]);
    children.push(gw.child);
    const key = gw.info.key ?? '';
    const direct: Load = { url: up.info.instant ?? '', model: INSTANT };
    const through: Load = { url: gw.info.url ?? '', model: INSTANT, key };
    const directModel: Load = { url: up.info.modelLike ?? '', model: MODEL_LIKE };
    const throughModel: Load = { url: gw.info.url ?? '', model: MODEL_LIKE, key };
    console.log(
      `gateway ${through.url} with input and output filtering (balanced), audit and metrics on, in front of two`,
    );
    console.log(
      `upstreams: '${INSTANT}' (${direct.url}, answers at once) and '${MODEL_LIKE}' (${directModel.url}, answers after ${delay} ms)`,
    );

    // Warm both paths (JIT, keep-alive pools, SQLite statements).
    await load(direct, 2);
    await load(through, 2);

    console.log(
      `\n== 1. throughput at saturation, ${CONNECTIONS} connections, ${duration} s each, interleaved ==`,
    );
    console.log(
      `  upstream '${MODEL_LIKE}' (${delay} ms per answer, as a model server takes time to answer):`,
    );
    const model = await saturation(directModel, throughModel, duration, gw.child);
    console.log(
      `  upstream '${INSTANT}' (no work at all: the ratio is the gateway's whole cost against a no-op server):`,
    );
    const instant = await saturation(direct, through, duration, gw.child);

    const rate = Math.max(50, Math.floor(instant.throughRps * 0.5));
    console.log(`\n== 2. added latency, upstream '${INSTANT}' ==`);
    const dSeq = await sequential(direct, 2000);
    const gSeq = await sequential(through, 2000);
    const added50 = pct(gSeq, 0.5) - pct(dSeq, 0.5);
    const added99 = pct(gSeq, 0.99) - pct(dSeq, 0.99);
    console.log(
      `  one connection, 2,000 requests each (hrtime): direct p50 ${ms(pct(dSeq, 0.5))} p99 ${ms(pct(dSeq, 0.99))} · gateway p50 ${ms(pct(gSeq, 0.5))} p99 ${ms(pct(gSeq, 0.99))}`,
    );
    console.log(`  added p50 ${ms(added50)} (target ≤ 1 ms), added p99 ${ms(added99)} (target ≤ 5 ms)`);
    const dFix = await load(direct, duration, rate);
    const gFix = await load(through, duration, rate);
    console.log(
      `  ${CONNECTIONS} connections at a fixed ${rate} req/s (half the gateway's saturation; autocannon rounds to whole ms): direct p50 ${dFix.p50} ms p99 ${dFix.p99} ms · gateway p50 ${gFix.p50} ms p99 ${gFix.p99} ms`,
    );

    let memory: { t: number; rss: number; heapUsed: number }[] = [];
    if (soak > 0) {
      console.log(`\n== 3. soak: ${soak} s at ${rate} req/s through the gateway, memory every 10 s ==`);
      const started = Date.now();
      memory.push({ t: 0, ...(await memoryOf(gw.child)) });
      const soakRun = load(through, soak, rate);
      const timer = setInterval(() => {
        void memoryOf(gw.child).then((m) =>
          memory.push({ t: Math.round((Date.now() - started) / 1000), ...m }),
        );
      }, 10_000);
      const soakResult = await soakRun;
      clearInterval(timer);
      memory.push({ t: soak, ...(await memoryOf(gw.child)) });
      memory = memory.sort((a, b) => a.t - b.t);
      const mb = (b: number) => (b / 1024 / 1024).toFixed(1);
      console.log(
        `  ${soakResult.rps.toFixed(0)} req/s, errors ${soakResult.errors}, non-2xx ${soakResult.non2xx}`,
      );
      console.log(`  RSS MB:  ${memory.map((m) => mb(m.rss)).join(' ')}`);
      console.log(`  heap MB: ${memory.map((m) => mb(m.heapUsed)).join(' ')}`);
      const half = memory.slice(Math.floor(memory.length / 2));
      const growth = (half[half.length - 1]?.heapUsed ?? 0) - (half[0]?.heapUsed ?? 0);
      console.log(`  heap change over the second half: ${mb(growth)} MB (flat means no steady growth)`);
    }

    const out = stringFlag('--json') ?? join(dirname(SELF), 'out', 'gateway.json');
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(
      out,
      `${JSON.stringify({ delay, model, instant, sequential: { added50, added99 }, fixedRate: { rate, direct: dFix, gateway: gFix }, memory }, null, 2)}\n`,
    );
    console.log('\n== Summary ==');
    console.log(
      `throughput through the gateway: ${(model.ratio * 100).toFixed(1)}% of direct with a ${delay} ms upstream, ${(instant.ratio * 100).toFixed(1)}% with a no-op upstream (target ≥ 80%)`,
    );
    console.log(
      `added latency: p50 ${ms(added50)} (≤ 1 ms), p99 ${ms(added99)} (≤ 5 ms), filtering in and out on`,
    );
    console.log(`written ${out}`);
  } finally {
    for (const c of children) {
      if (c.exitCode !== null || c.signalCode !== null) continue;
      const exited = new Promise((resolve) => c.once('exit', resolve));
      c.kill('SIGINT');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

const role = stringFlag('--child');
if (role === 'upstream') await upstreamChild();
else if (role === 'gateway') await gatewayChild();
else await main();
