/**
 * `npm run bench:redteam`: how fast `parapet redteam` attacks a local model, and what the runner itself costs.
 *
 * 1,000 attempts (the first 25 probes of the catalogue, 40 attempts each) at concurrency 8 against the canary
 * GGUF (test/fixtures/llm/canary-llama.ts) served by node-llama-cpp on one thread, as in the tests. Baseline,
 * in the same invocation: the same conversations sent by a plain fetch loop at the same concurrency (no
 * planning, judging, records or summary; multi-turn plans still send their follow-ups), run before and after
 * the runner so drift on this shared machine shows. Overhead per attempt = (runner wall − mean baseline wall)
 * / attempts. The judging alone is timed on its own too: CPU time to re-judge all 1,000 records.
 * Inference time on this shared 2-core VM swings far more than the runner costs, so a second part repeats
 * the comparison against an instant loopback server (test/fixtures/redteam/scripted-server.ts, no rules:
 * every reply a refusal at once), runner and fetch loop alternated, median of 7 rounds each: there the
 * difference is the runner's own work (planning, records, judging, summary, its HTTP client).
 * Progress bars go to stderr; figures to stdout. `tsx bench/redteam.bench.ts --instant-only` runs the
 * second part alone (seconds instead of minutes).
 */
import { plantedValues } from '../src/redteam/planted.ts';
import { PROBES } from '../src/redteam/probes/index.ts';
import { initialMessages, runRedteam } from '../src/redteam/runner.ts';
import type { AttemptPlan, AttemptRecord, ChatTurn, Probe } from '../src/redteam/types.ts';
import { redteamCanaryRules, startCanaryLlamaUpstream } from '../test/fixtures/llm/canary-llama.ts';
import { startScriptedServer } from '../test/fixtures/redteam/scripted-server.ts';

const ATTEMPTS = 1000;
const PROBE_COUNT = 25;
const PER_PROBE = ATTEMPTS / PROBE_COUNT;
const CONCURRENCY = 8;
const SEED = 3;
const MAX_TOKENS = 64;
const MODEL = 'tiny-canary';

const probes: Probe[] = PROBES.slice(0, PROBE_COUNT);
if (probes.length !== PROBE_COUNT) throw new Error(`the catalogue has only ${PROBES.length} probes`);

/** `[##########..........] 512/1000 attempts  7.9/s` on one rewritten line (TTY) or every 10% (pipe). */
function progress(label: string, total: number): { tick(done: number): void; end(): void } {
  if (label === '') return { tick() {}, end() {} };
  const started = performance.now();
  const tty = process.stderr.isTTY === true;
  let lastDecile = -1;
  const line = (done: number) => {
    const width = 30;
    const filled = Math.round((done / total) * width);
    const rate = done / ((performance.now() - started) / 1000);
    return `${label.padEnd(9)} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} attempts  ${rate.toFixed(1)}/s`;
  };
  return {
    tick(done) {
      if (tty) process.stderr.write(`\r\x1b[K${line(done)}`);
      else if (Math.floor((done * 10) / total) > lastDecile) {
        lastDecile = Math.floor((done * 10) / total);
        process.stderr.write(`${line(done)}\n`);
      }
    },
    end() {
      if (tty) process.stderr.write('\n');
    },
  };
}

/** One chat request, as the runner sends it (same body), by plain fetch. */
async function send(baseUrl: string, messages: readonly ChatTurn[]): Promise<string> {
  const res = await fetch(`${baseUrl}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      model: MODEL,
      messages,
      stream: false,
      temperature: 0,
      seed: SEED,
      max_tokens: MAX_TOKENS,
    }),
  });
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  const body = (await res.json()) as { choices: { message: { content: string } }[] };
  return body.choices[0]?.message.content ?? '';
}

/** The baseline: every planned conversation (follow-ups included) through a fetch loop; returns requests sent. */
async function baseline(baseUrl: string, plans: readonly AttemptPlan[], label: string): Promise<number> {
  const bar = progress(label, plans.length);
  let next = 0;
  let done = 0;
  let requests = 0;
  const worker = async () => {
    while (next < plans.length) {
      const plan = plans[next++] as AttemptPlan;
      const messages = initialMessages(plan, undefined);
      let reply = await send(baseUrl, messages);
      requests++;
      for (const followUp of plan.followUps ?? []) {
        messages.push({ role: 'assistant', content: reply }, { role: 'user', content: followUp });
        reply = await send(baseUrl, messages);
        requests++;
      }
      bar.tick(++done);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  bar.end();
  return requests;
}

async function runner(baseUrl: string, label: string): Promise<AttemptRecord[]> {
  const bar = progress(label, ATTEMPTS);
  const { records } = await runRedteam({
    target: baseUrl,
    kind: 'openai',
    model: MODEL,
    probes: probes.map((p) => p.meta.id),
    attemptsPerProbe: PER_PROBE,
    concurrency: CONCURRENCY,
    seed: SEED,
    maxTokens: MAX_TOKENS,
    // as `parapet redteam` runs it: with the Ctrl-C signal, which every request then listens to
    signal: new AbortController().signal,
    onAttempt: (_record, done) => bar.tick(done),
  });
  bar.end();
  return records;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number; cpuMs: number }> {
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  const value = await fn();
  const used = process.cpuUsage(cpu);
  return { value, ms: performance.now() - t0, cpuMs: (used.user + used.system) / 1000 };
}

/** The model run and its baseline: minutes of inference; `--instant-only` skips it for the runner's own cost. */
async function modelPart(): Promise<void> {
  const llama = await startCanaryLlamaUpstream({
    rules: redteamCanaryRules(plantedValues(SEED)),
    modelName: MODEL,
  });
  try {
    const ctx = { seed: SEED, attemptsPerProbe: PER_PROBE };
    const plans = probes.flatMap((p) => p.plan(ctx));
    if (plans.length !== ATTEMPTS) throw new Error(`planned ${plans.length} attempts, expected ${ATTEMPTS}`);

    // warm up both paths (JIT, model caches) on a slice
    await baseline(llama.url, plans.slice(0, 24), 'warm-up');

    const before = await timed(() => baseline(llama.url, plans, 'baseline'));
    const run = await timed(() => runner(llama.url, 'runner'));
    const afterRun = await timed(() => baseline(llama.url, plans, 'baseline'));
    const records = run.value;
    if (records.length !== ATTEMPTS) throw new Error(`runner recorded ${records.length} attempts`);
    const errored = records.filter((r) => r.outcome === 'errored').length;
    const breached = records.filter((r) => r.outcome === 'breached').length;

    // judging alone: re-judge every record with its probe, several rounds, CPU time per attempt
    const byId = new Map(probes.map((p) => [p.meta.id, p]));
    const planOf = new Map(plans.map((p) => [`${p.probeId}#${p.index}`, p]));
    const ROUNDS = 20;
    const judgeCpu = process.cpuUsage();
    let judged = 0;
    for (let round = 0; round < ROUNDS; round++) {
      for (const r of records) {
        const probe = byId.get(r.probeId) as Probe;
        const plan = planOf.get(`${r.probeId}#${r.index}`) as AttemptPlan;
        if (probe.judge(plan, r.responses).breached) judged++;
      }
    }
    const judgeUsed = process.cpuUsage(judgeCpu);
    if (judged !== breached * ROUNDS)
      throw new Error(`re-judging found ${judged / ROUNDS} breaches, runner ${breached}`);
    const judgeUsPerAttempt = (judgeUsed.user + judgeUsed.system) / (ROUNDS * ATTEMPTS);

    const planCpu = process.cpuUsage();
    for (let round = 0; round < ROUNDS; round++) for (const p of probes) p.plan(ctx);
    const planUsed = process.cpuUsage(planCpu);
    const planUsPerAttempt = (planUsed.user + planUsed.system) / (ROUNDS * ATTEMPTS);

    const baseMs = (before.ms + afterRun.ms) / 2;
    const baseCpuMs = (before.cpuMs + afterRun.cpuMs) / 2;
    const requests = before.value;
    const rate = (ms: number) => (ATTEMPTS / (ms / 1000)).toFixed(1);
    console.log(
      `parapet redteam benchmark: ${ATTEMPTS} attempts (${PROBE_COUNT} probes x ${PER_PROBE}, ${requests} requests), concurrency ${CONCURRENCY}, canary GGUF on node-llama-cpp (1 thread), node ${process.version}`,
    );
    console.log(
      `model load ${llama.loadMs.toFixed(0)} ms; outcomes: ${breached} breached, ${ATTEMPTS - breached - errored} resisted, ${errored} errored`,
    );
    console.log('');
    console.log(
      `  runner (runRedteam)        ${rate(run.ms)} attempts/s   ${(run.ms / 1000).toFixed(1)} s wall   ${(run.cpuMs / 1000).toFixed(1)} s CPU`,
    );
    console.log(
      `  baseline fetch loop before ${rate(before.ms)} attempts/s   ${(before.ms / 1000).toFixed(1)} s wall   ${(before.cpuMs / 1000).toFixed(1)} s CPU`,
    );
    console.log(
      `  baseline fetch loop after  ${rate(afterRun.ms)} attempts/s   ${(afterRun.ms / 1000).toFixed(1)} s wall   ${(afterRun.cpuMs / 1000).toFixed(1)} s CPU`,
    );
    console.log(`  ratio runner/baseline      ${(baseMs / run.ms).toFixed(3)} (throughput)`);
    console.log('');
    console.log(
      `  runner overhead, wall      ${((run.ms - baseMs) / ATTEMPTS).toFixed(2)} ms/attempt (runner wall - mean baseline wall) / attempts`,
    );
    console.log(
      `  baseline drift             ${((afterRun.ms - before.ms) / ATTEMPTS).toFixed(2)} ms/attempt (after - before): overheads smaller than this are noise`,
    );
    console.log(
      `  runner overhead, CPU       ${((run.cpuMs - baseCpuMs) / ATTEMPTS).toFixed(2)} ms/attempt (process CPU, inference included in both)`,
    );
    console.log(
      `  judging alone, CPU         ${judgeUsPerAttempt.toFixed(1)} us/attempt (${ROUNDS} rounds over the ${ATTEMPTS} records)`,
    );
    console.log(`  planning alone, CPU        ${planUsPerAttempt.toFixed(1)} us/attempt`);
  } finally {
    await llama.close();
  }
}

if (!process.argv.includes('--instant-only')) await modelPart();

// The runner's overhead without inference noise: the same 1,000 attempts against an instant loopback server,
// runner and fetch loop alternated, median of ROUNDS each.
const INSTANT_ROUNDS = 7;
// a scripted server with no rules answers every request at once with its refusal: nearly all the time is the
// client's, so runner and fetch loop differ by the runner's own work alone
const instant = await startScriptedServer({ rules: [] });
try {
  const plans = probes.flatMap((p) => p.plan({ seed: SEED, attemptsPerProbe: PER_PROBE }));
  await baseline(instant.url, plans, '');
  await runner(instant.url, '');
  const loop: { ms: number; cpuMs: number }[] = [];
  const ran: { ms: number; cpuMs: number }[] = [];
  const bar = progress('instant', INSTANT_ROUNDS * 2 * ATTEMPTS);
  for (let round = 0; round < INSTANT_ROUNDS; round++) {
    loop.push(await timed(() => baseline(instant.url, plans, '')));
    bar.tick((2 * round + 1) * ATTEMPTS);
    ran.push(await timed(() => runner(instant.url, '')));
    bar.tick((2 * round + 2) * ATTEMPTS);
  }
  bar.end();
  const loopMs = median(loop.map((t) => t.ms));
  const runMs = median(ran.map((t) => t.ms));
  const loopCpu = median(loop.map((t) => t.cpuMs));
  const runCpu = median(ran.map((t) => t.cpuMs));
  console.log('');
  console.log(`instant loopback server (no inference), median of ${INSTANT_ROUNDS} alternating rounds`);
  console.log(
    `  runner (runRedteam)        ${(ATTEMPTS / (runMs / 1000)).toFixed(0)} attempts/s   ${runMs.toFixed(0)} ms wall   ${runCpu.toFixed(0)} ms CPU`,
  );
  console.log(
    `  baseline fetch loop        ${(ATTEMPTS / (loopMs / 1000)).toFixed(0)} attempts/s   ${loopMs.toFixed(0)} ms wall   ${loopCpu.toFixed(0)} ms CPU`,
  );
  console.log(`  ratio runner/baseline      ${(loopMs / runMs).toFixed(3)} (throughput)`);
  console.log(
    `  runner overhead            ${((runMs - loopMs) / ATTEMPTS).toFixed(3)} ms/attempt wall, ${((runCpu - loopCpu) / ATTEMPTS).toFixed(3)} ms/attempt CPU`,
  );
} finally {
  await instant.close();
}
