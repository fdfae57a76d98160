/**
 * Real detonations: the project's malicious pickles loaded by the standard library's pickle inside the real
 * bubblewrap sandbox, observed by the real strace. Every attempt must be reported, and none may succeed
 * on the host: marker files stay absent, the loopback listener sees no connection, the decoy key unread.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Finding } from '../../src/core/finding.ts';
import { runSandboxed, type SandboxOptions, SandboxUnavailableError } from '../../src/sandbox/index.ts';
import { buildNpy } from '../fixtures/npy-writer.ts';
import {
  benignPickle,
  connectPickle,
  copyFilePickle,
  openPickle,
  osSystemPickle,
  removePickle,
  subprocessPickle,
} from '../fixtures/sandbox/payloads.ts';
import { processesLeft, processesWith } from './processes.ts';

const TMP = mkdtempSync(join(tmpdir(), 'parapet-sandbox-test-'));
const HOME = join(TMP, 'home');
const DECOY_KEY = join(HOME, '.ssh', 'id_rsa');
const OUT = join(TMP, 'out');
// Outside every directory the sandbox hides: a write here meets the read-only view, not a private tmpfs.
const HOST_MARKER = `/var/cache/parapet-sandbox-marker-${process.pid}`;
const ENV = { PATH: process.env.PATH, HOME, HF_TOKEN: 'hf_decoy_token', LANG: 'C.UTF-8' };

let listener: Server;
let port = 0;
let connections = 0;

before(async () => {
  mkdirSync(join(HOME, '.ssh'), { recursive: true });
  writeFileSync(DECOY_KEY, '-----BEGIN OPENSSH PRIVATE KEY-----\ndecoy\n');
  mkdirSync(OUT);
  listener = createServer((socket) => {
    connections++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  port = (listener.address() as { port: number }).port;
});

after(() => {
  listener.close();
  rmSync(TMP, { recursive: true, force: true });
  rmSync(HOST_MARKER, { force: true });
});

let n = 0;
function detonate(bytes: Uint8Array, extra: Partial<SandboxOptions> = {}) {
  const path = join(TMP, `payload-${n++}.pkl`);
  writeFileSync(path, bytes);
  return runSandboxed({ loader: 'pickle', models: [path], env: ENV, cwd: TMP, timeoutSeconds: 60, ...extra });
}

function only(findings: Finding[], ruleId: string): Finding[] {
  return findings.filter((f) => f.ruleId === ruleId);
}

describe('parapet sandbox detonates malicious pickles', () => {
  it('reports os.system: the shell it starts, and its write that never reaches the host', async () => {
    const marker = join(TMP, 'exec-marker');
    const r = await detonate(osSystemPickle(`echo pwned > ${marker}`));
    const exec = only(r.findings, 'sandbox/exec');
    assert.equal(exec.length, 1, JSON.stringify(r.findings));
    assert.equal(exec[0]!.severity, 'critical');
    assert.deepEqual((exec[0]!.evidence as { argv: string[] }).argv, ['sh', '-c', `echo pwned > ${marker}`]);
    const write = only(r.findings, 'sandbox/write');
    assert.equal(write.length, 1);
    assert.equal((write[0]!.evidence as { path: string }).path, marker);
    assert.equal(write[0]!.severity, 'low', 'the write landed in the private /tmp');
    assert.equal(existsSync(marker), false, 'marker must not exist on the host');
    assert.deepEqual(r.errors, []);
  });

  it('reports subprocess.call without a shell', async () => {
    const r = await detonate(subprocessPickle(['/bin/echo', 'from-subprocess']));
    const exec = only(r.findings, 'sandbox/exec');
    assert.equal(exec.length, 1);
    assert.equal((exec[0]!.evidence as { path: string }).path, '/bin/echo');
    assert.match(r.stdoutTail, /from-subprocess/);
  });

  it('reports a connection to a host listener, which never sees it', async () => {
    const r = await detonate(connectPickle('127.0.0.1', port));
    const net = only(r.findings, 'sandbox/network');
    assert.equal(net.length, 1, JSON.stringify(r.findings));
    const ev = net[0]!.evidence as { port: number; blocked: boolean; result: string };
    assert.equal(ev.port, port);
    assert.equal(ev.blocked, true);
    assert.match(ev.result, /ECONNREFUSED/);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(connections, 0, 'the host listener must see no connection');
  });

  it('reports an outbound connection as critical for a load', async () => {
    const r = await detonate(connectPickle('192.0.2.1', 443));
    const net = only(r.findings, 'sandbox/network');
    assert.equal(net.length, 1);
    assert.equal(net[0]!.severity, 'critical');
    assert.match(net[0]!.message, /192\.0\.2\.1:443/);
  });

  it('near miss: with --allow-net loopback a loopback connection is allowed, and still stays inside', async () => {
    const r = await detonate(connectPickle('127.0.0.1', port), { allowNet: 'loopback' });
    assert.deepEqual(only(r.findings, 'sandbox/network'), []);
    assert.equal(connections, 0);
  });

  it('reports a write outside the sandbox that the read-only view refuses', async () => {
    const r = await detonate(copyFilePickle('/etc/hostname', HOST_MARKER));
    const write = only(r.findings, 'sandbox/write');
    assert.equal(write.length, 1, JSON.stringify(r.findings));
    assert.equal(write[0]!.severity, 'high');
    const ev = write[0]!.evidence as { blocked: boolean; result: string; path: string };
    assert.equal(ev.path, HOST_MARKER);
    assert.equal(ev.blocked, true);
    assert.match(ev.result, /EROFS/);
    assert.equal(existsSync(HOST_MARKER), false);
  });

  it('near miss: a write into a --write directory happens, reported as info', async () => {
    const target = join(OUT, 'allowed.txt');
    const r = await detonate(copyFilePickle('/etc/hostname', target), { write: [OUT] });
    const write = only(r.findings, 'sandbox/write');
    assert.equal(write.length, 1);
    assert.equal(write[0]!.severity, 'info');
    assert.equal(existsSync(target), true);
  });

  it('reports reading the decoy SSH key, which the hidden home keeps unread', async () => {
    const r = await detonate(openPickle(DECOY_KEY));
    const secret = only(r.findings, 'sandbox/secret-read');
    assert.equal(secret.length, 1, JSON.stringify(r.findings));
    const ev = secret[0]!.evidence as { path: string; blocked: boolean; result: string };
    assert.equal(ev.path, DECOY_KEY);
    assert.equal(ev.blocked, true);
    assert.match(ev.result, /ENOENT/);
    assert.doesNotMatch(r.stdoutTail + r.stderrTail, /decoy/);
  });

  it('reports reading /etc/shadow, which is masked', async () => {
    const r = await detonate(openPickle('/etc/shadow'));
    const secret = only(r.findings, 'sandbox/secret-read');
    assert.equal(secret.length, 1);
    assert.match((secret[0]!.evidence as { how: string }).how, /masked/);
  });

  it('near miss: reading an ordinary system file is no finding', async () => {
    const r = await detonate(openPickle('/etc/hostname'));
    assert.deepEqual(r.findings, []);
  });

  it('reports deletes: refused on the host, real in a --write directory', async () => {
    const refused = await detonate(removePickle('/etc/hostname'));
    const del = only(refused.findings, 'sandbox/delete');
    assert.equal(del.length, 1);
    assert.equal(del[0]!.severity, 'high');
    assert.equal(existsSync('/etc/hostname'), true);
    const victim = join(OUT, 'victim.txt');
    writeFileSync(victim, 'x');
    const real = await detonate(removePickle(victim), { write: [OUT] });
    const del2 = only(real.findings, 'sandbox/delete');
    assert.equal(del2.length, 1);
    assert.equal(del2[0]!.severity, 'medium');
    assert.equal(existsSync(victim), false);
  });

  it('near miss: a truncated benign pickle is incomplete, never clean', async () => {
    const whole = benignPickle();
    const r = await detonate(whole.subarray(0, whole.length - 3));
    assert.deepEqual(r.findings, []);
    assert.equal(r.errors.length, 1);
    assert.match(
      r.errors[0]!,
      /pickle loader exited with status 1: the file did not load completely \(.*Error/,
    );
  });

  it('loads a benign pickle with no findings', async () => {
    const r = await detonate(benignPickle());
    assert.deepEqual(r.findings, []);
    assert.deepEqual(r.errors, []);
    assert.equal(r.exitCode, 0);
    assert.match(r.stdoutTail, /parapet-loader: loaded builtins\.dict/);
  });
});

function importable(module: string): boolean {
  try {
    execFileSync('python3', ['-c', `import ${module}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('loaders', () => {
  for (const [loader, module] of [
    ['torch', 'torch'],
    ['joblib', 'joblib'],
  ] as const)
    it(`${loader}: a clear error when ${module} is not installed, else a load`, async () => {
      const path = join(TMP, `benign-${loader}.pkl`);
      writeFileSync(path, benignPickle());
      const r = await runSandboxed({ loader, models: [path], env: ENV, cwd: TMP });
      if (importable(module)) {
        assert.equal(r.loaderMissing, undefined);
        return;
      }
      assert.equal(r.loaderMissing, module);
      assert.equal(r.errors.length, 1);
      assert.match(r.errors[0]!, new RegExp(`Python module ${module} \\(pip install ${module}\\)`));
    });

  it('numpy: detonates an object array whose data is a pickle, and loads plain floats cleanly', async () => {
    const evil = join(TMP, 'evil.npy');
    writeFileSync(evil, buildNpy({ descr: '|O', shape: [1], data: osSystemPickle('id') }));
    const benign = join(TMP, 'benign.npy');
    writeFileSync(benign, buildNpy({ descr: '<f8', shape: [2], data: new Uint8Array(16) }));
    const r = await runSandboxed({ loader: 'numpy', models: [evil], env: ENV, cwd: TMP });
    if (!importable('numpy')) {
      assert.equal(r.loaderMissing, 'numpy');
      return;
    }
    const argvs = only(r.findings, 'sandbox/exec').map((f) => (f.evidence as { argv: string[] }).argv);
    assert.deepEqual(argvs, [['sh', '-c', 'id'], ['id']], 'the shell, then the program it started');
    const clean = await runSandboxed({ loader: 'numpy', models: [benign], env: ENV, cwd: TMP });
    assert.deepEqual(clean.findings, []);
    assert.match(clean.stdoutTail, /loaded numpy\.ndarray/);
  });

  it('refuses a loader without exactly one model', async () => {
    await assert.rejects(runSandboxed({ loader: 'pickle', models: [], env: ENV }), /exactly one --model/);
  });
});

describe('the boundary itself', () => {
  it('kills the whole tree at --timeout and reports the load as incomplete', async () => {
    const r = await runSandboxed({
      command: ['sh', '-c', 'sleep 313 & sleep 314'],
      env: ENV,
      timeoutSeconds: 1,
    });
    assert.equal(r.timedOut, true);
    assert.equal(only(r.findings, 'sandbox/timeout').length, 1);
    assert.equal(r.errors.length, 1);
    assert.equal(await processesLeft('sleep\u0000313'), 0, 'the background child must be gone too');
    assert.equal(processesWith('sleep\u0000314'), 0);
  });

  it('near miss: a serve profile that times out is info and complete', async () => {
    const r = await runSandboxed({ command: ['sleep', '30'], env: ENV, timeoutSeconds: 1, profile: 'serve' });
    assert.equal(only(r.findings, 'sandbox/timeout')[0]!.severity, 'info');
    assert.deepEqual(r.errors, []);
  });

  it('limits memory with --memory', async () => {
    const grab = ['python3', '-c', 'b = bytearray(768 << 20); print("allocated")'];
    const limited = await runSandboxed({ command: grab, env: ENV, memoryMb: 256 });
    assert.notEqual(limited.exitCode, 0);
    assert.match(limited.stderrTail, /MemoryError/);
    const free = await runSandboxed({ command: grab, env: ENV, memoryMb: 0 });
    assert.equal(free.exitCode, 0);
    assert.match(free.stdoutTail, /allocated/);
  });

  it('scrubs the environment except --keep-env names', async () => {
    const r = await runSandboxed({
      command: ['sh', '-c', 'echo "[$HF_TOKEN][$KEEP_ME]"'],
      env: { ...ENV, KEEP_ME: 'kept' },
      keepEnv: ['KEEP_ME'],
    });
    assert.match(r.stdoutTail, /\[\]\[kept\]/);
    assert.ok(r.envRemoved.includes('HF_TOKEN'));
    assert.ok(!r.envRemoved.includes('KEEP_ME'));
  });

  it("keeps the Python interpreter's own start-up out of the findings", async () => {
    const r = await runSandboxed({ command: ['python3', '-c', 'import json, socket, ssl'], env: ENV });
    assert.equal(r.exitCode, 0, r.stderrTail);
    assert.deepEqual(r.findings, []);
  });

  it('serves on its own loopback with --allow-net loopback, and reports it under none', async () => {
    const server = [
      'python3',
      '-c',
      'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(); c = socket.create_connection(s.getsockname()); print("served")',
    ];
    const ok = await runSandboxed({ command: server, env: ENV, profile: 'serve' });
    assert.match(ok.stdoutTail, /served/);
    assert.deepEqual(ok.findings, []);
    const none = await runSandboxed({ command: server, env: ENV, allowNet: 'none' });
    const net = only(none.findings, 'sandbox/network');
    assert.equal(net.length, 2, JSON.stringify(none.findings));
    assert.ok(net.every((f) => f.severity === 'medium'));
  });

  it('a server listening on a socket file in a --write directory is reachable from the host', async () => {
    const sock = join(OUT, 'api.sock');
    const serve = runSandboxed({
      command: [
        'python3',
        '-c',
        `import socket; s = socket.socket(socket.AF_UNIX); s.bind(${JSON.stringify(sock)}); s.listen(); c, _ = s.accept(); c.sendall(b"hello from inside"); c.close()`,
      ],
      env: ENV,
      profile: 'serve',
      write: [OUT],
      timeoutSeconds: 30,
    });
    for (let i = 0; i < 500 && !existsSync(sock); i++) await new Promise((res) => setTimeout(res, 20));
    const reply = await new Promise<string>((resolve, reject) => {
      let text = '';
      const c = connect({ path: sock });
      c.on('data', (b) => {
        text += b.toString();
      });
      c.on('end', () => resolve(text));
      c.on('error', reject);
    });
    const r = await serve;
    assert.equal(reply, 'hello from inside');
    assert.deepEqual(
      r.findings.filter((f) => f.ruleId === 'sandbox/network'),
      [],
    );
    rmSync(sock, { force: true });
  });

  it('reports a crash as a resource-limit finding, and a plain failure as nothing', async () => {
    const crash = await runSandboxed({ command: ['python3', '-c', 'import os; os.abort()'], env: ENV });
    const limit = only(crash.findings, 'sandbox/resource-limit');
    assert.equal(limit.length, 1, JSON.stringify(crash.findings));
    assert.equal((limit[0]!.evidence as { signal: string }).signal, 'SIGABRT');
    const failing = await runSandboxed({ command: ['python3', '-c', 'raise SystemExit(4)'], env: ENV });
    assert.equal(failing.exitCode, 4);
    assert.deepEqual(failing.findings, []);
  });

  it('reports a mount attempt as a privileged call', async () => {
    const r = await runSandboxed({
      command: [
        'python3',
        '-c',
        'import ctypes; ctypes.CDLL(None).mount(b"none", b"/mnt", b"tmpfs", 0, None)',
      ],
      env: ENV,
    });
    const priv = only(r.findings, 'sandbox/privileged-call');
    assert.equal(priv.length, 1, JSON.stringify(r.findings));
    assert.equal((priv[0]!.evidence as { blocked: boolean }).blocked, true);
  });

  it('never runs outside the sandbox when bubblewrap is missing or refused', async () => {
    const marker = join(TMP, 'outside-marker');
    const command = ['touch', marker];
    await assert.rejects(
      runSandboxed({ command, env: ENV, tools: { bwrap: '/nonexistent/bwrap' } }),
      (err: unknown) =>
        err instanceof SandboxUnavailableError && /apt-get install bubblewrap/.test(err.message),
    );
    // A stand-in for a kernel that refuses user namespaces (this container allows them): it fails like bwrap does.
    const refusing = join(TMP, 'refusing-bwrap');
    writeFileSync(
      refusing,
      "#!/bin/sh\necho 'bwrap: No permissions to creating new namespace, likely because the kernel does not allow non-privileged user namespaces.' >&2\nexit 1\n",
    );
    chmodSync(refusing, 0o755);
    await assert.rejects(
      runSandboxed({ command, env: ENV, tools: { bwrap: refusing } }),
      (err: unknown) =>
        err instanceof SandboxUnavailableError &&
        /kernel\.unprivileged_userns_clone/.test(err.message) &&
        /seccomp=unconfined/.test(err.message) &&
        /No permissions to creating new namespace/.test(err.message),
    );
    assert.equal(existsSync(marker), false);
  });

  it('runs a program from a hidden directory only when --read exposes it', async () => {
    const tools = join(TMP, 'tools');
    mkdirSync(tools, { recursive: true });
    const script = join(tools, 'hello.sh');
    writeFileSync(script, '#!/bin/sh\necho hello-from-tools\n');
    chmodSync(script, 0o755);
    await assert.rejects(runSandboxed({ command: [script], env: ENV }), /expose it with --read/);
    const r = await runSandboxed({ command: [script], env: ENV, read: [tools] });
    assert.match(r.stdoutTail, /hello-from-tools/);
    assert.deepEqual(r.findings, []);
  });

  it('refuses a command it cannot find inside the sandbox', async () => {
    await assert.rejects(
      runSandboxed({ command: ['no-such-program-xyz'], env: ENV }),
      /command not found inside the sandbox/,
    );
  });
});
