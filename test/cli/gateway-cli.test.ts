/**
 * `parapet gateway` as a real child process (node --import tsx src/cli/main.ts): validates the config with
 * file:line errors, starts and serves, reloads on SIGHUP (a changed upstream takes effect; a stream in
 * flight is not dropped; a broken file keeps the old config), and exits 0 on SIGTERM.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { run } from '../../src/cli/run.ts';
import { openKeyStore } from '../../src/gateway/keys.ts';
import { captureIO } from '../fixtures/cli-io.ts';
import { type FastUpstream, startFastUpstream } from '../fixtures/upstreams/fast-upstream.ts';

const ROOT = join(import.meta.dirname, '..', '..');

function configYaml(upstreamUrl: string, extra = ''): string {
  return `listen:
  host: 127.0.0.1
  port: 0
keys:
  store: keys.db
upstreams:
  - name: main
    url: ${upstreamUrl}
    kind: openai
    models: ["*"]
audit:
  path: audit.db
${extra}`;
}

interface Child {
  proc: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
  /** Waits until stderr/stdout matches. */
  waitFor(re: RegExp, stream?: 'stdout' | 'stderr', timeoutMs?: number): Promise<RegExpMatchArray>;
}

function spawnGateway(...argv: string[]): Child {
  const proc = spawn(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), 'gateway', ...argv],
    {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  let err = '';
  proc.stdout!.on('data', (d) => {
    out += d;
  });
  proc.stderr!.on('data', (d) => {
    err += d;
  });
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  return {
    proc,
    stdout: () => out,
    stderr: () => err,
    exited,
    async waitFor(re, stream = 'stdout', timeoutMs = 30_000) {
      const start = Date.now();
      for (;;) {
        const m = (stream === 'stdout' ? out : err).match(re);
        if (m) return m;
        if (Date.now() - start > timeoutMs || proc.exitCode !== null) {
          throw new Error(`timed out waiting for ${re}; stdout: ${out}\nstderr: ${err}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
  };
}

describe('parapet gateway', () => {
  let dir: string;
  let first: FastUpstream;
  let second: FastUpstream;
  let secret: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'parapet-gw-cli-'));
    first = await startFastUpstream({ reply: 'first upstream', streamChunks: 8, chunkDelayMs: 100 });
    second = await startFastUpstream({ reply: 'second upstream' });
    const store = openKeyStore(join(dir, 'keys.db'));
    secret = store.create({ name: 'cli' }).secret;
    store.close();
  });
  after(async () => {
    await first?.close();
    await second?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('--check validates; an invalid config exits 2 naming file, line and key', async () => {
    const good = join(dir, 'good.yaml');
    writeFileSync(good, configYaml(first.url));
    const ok = captureIO(dir);
    assert.equal(await run(['gateway', '--config', good, '--check'], ok.io), 0);
    assert.match(ok.stdout(), /valid/);
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, configYaml(first.url).replace('port: 0', 'port: -5'));
    const ko = captureIO(dir);
    assert.equal(await run(['gateway', '--config', bad, '--check'], ko.io), 2);
    assert.match(ko.stderr(), /bad\.yaml:3: listen\.port: /);
    // The shipped example config is valid (its one secret comes from the environment).
    process.env.VLLM_API_KEY ??= 'example';
    const example = captureIO(dir);
    assert.equal(
      await run(['gateway', '--config', join(ROOT, 'examples/parapet.yaml'), '--check'], example.io),
      0,
    );
    const help = captureIO(dir);
    assert.equal(await run(['gateway', '--help'], help.io), 0);
    assert.match(help.stdout(), /upstreams:/);
  });

  it('serves, reloads on SIGHUP without dropping a stream, keeps the config on a bad reload, exits 0 on SIGTERM', {
    timeout: 90_000,
  }, async () => {
    const file = join(dir, 'parapet.yaml');
    writeFileSync(file, configYaml(first.url));
    const child = spawnGateway('--config', file);
    try {
      const [, url] = await child.waitFor(/listening on (http:\/\/\S+)/);
      const client = new OpenAI({ apiKey: secret, baseURL: `${url}/v1`, maxRetries: 0, timeout: 20_000 });
      const hello = await client.chat.completions.create({
        model: 'm',
        messages: [{ role: 'user', content: 'hi' }],
      });
      assert.equal(hello.choices[0]?.message.content, 'first upstream');

      const stream = await client.chat.completions.create({
        model: 'm',
        messages: [{ role: 'user', content: 'hi' }],
        stream: true,
      });
      const iterator = stream[Symbol.asyncIterator]();
      const firstStep = await iterator.next();
      writeFileSync(file, configYaml(second.url));
      child.proc.kill('SIGHUP');
      await child.waitFor(/config reloaded/, 'stderr');
      const after = await client.chat.completions.create({
        model: 'm',
        messages: [{ role: 'user', content: 'hi' }],
      });
      assert.equal(after.choices[0]?.message.content, 'second upstream');
      let text = firstStep.done ? '' : (firstStep.value.choices[0]?.delta?.content ?? '');
      for (;;) {
        const step = await iterator.next();
        if (step.done) break;
        text += step.value.choices[0]?.delta?.content ?? '';
      }
      assert.equal(text, 'first upstream');

      writeFileSync(file, 'listen: [not, a, mapping');
      child.proc.kill('SIGHUP');
      await child.waitFor(/reload failed, keeping the running config: .*parapet\.yaml/, 'stderr');
      const still = await client.chat.completions.create({
        model: 'm',
        messages: [{ role: 'user', content: 'hi' }],
      });
      assert.equal(still.choices[0]?.message.content, 'second upstream');

      child.proc.kill('SIGTERM');
      assert.equal(await child.exited, 0);
      assert.match(child.stderr(), /stopped/);
    } finally {
      if (child.proc.exitCode === null) child.proc.kill('SIGKILL');
    }
  });

  it('warns loudly when binding a non-loopback address without TLS', { timeout: 60_000 }, async () => {
    const file = join(dir, 'public.yaml');
    writeFileSync(file, configYaml(first.url));
    const child = spawnGateway('--config', file, '--host', '0.0.0.0');
    try {
      await child.waitFor(/listening on/);
      assert.match(child.stderr(), /WARNING: listening on 0\.0\.0\.0 WITHOUT TLS/);
      child.proc.kill('SIGINT');
      assert.equal(await child.exited, 0);
    } finally {
      if (child.proc.exitCode === null) child.proc.kill('SIGKILL');
    }
  });
});
