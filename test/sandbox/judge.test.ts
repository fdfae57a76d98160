/**
 * Observations → findings, and the pure pieces of a run: the bubblewrap command line, the mount plan, the
 * environment scrubbing and the loader sources.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { bwrapArgv, limitArgv, straceArgv } from '../../src/sandbox/bwrap-args.ts';
import { scrubEnv } from '../../src/sandbox/env.ts';
import { type JudgeContext, judge, MAX_FINDINGS_PER_RULE } from '../../src/sandbox/judge.ts';
import { LOADERS, loaderCommand, loaderSource } from '../../src/sandbox/loaders.ts';
import type { Observation } from '../../src/sandbox/observations.ts';
import { outermost, planMounts } from '../../src/sandbox/plan.ts';
import { secretKind } from '../../src/sandbox/sensitive-paths.ts';

const CTX: JudgeContext = {
  profile: 'load',
  allowNet: 'none',
  subject: 'model.pkl',
  writable: ['/work/out'],
  privateRoots: ['/tmp', '/home', '/root'],
  masked: ['/etc/shadow'],
};

const at = { pid: 1, line: 1 };
const ok = { ...at, ok: true };
const failed = (errno: string) => ({ ...at, ok: false, errno });

function one(o: Observation, ctx: Partial<JudgeContext> = {}) {
  const f = judge([o], { ...CTX, ...ctx });
  assert.ok(f.length <= 1, JSON.stringify(f));
  return f[0];
}

describe('judge', () => {
  it('grades a write by where it landed', () => {
    const w = (path: string, o = ok) => one({ ...o, syscall: 'openat', kind: 'write', path });
    assert.equal(w('/etc/cron.d/x', failed('EROFS'))!.severity, 'high');
    assert.equal(w('/tmp/x')!.severity, 'low');
    assert.equal(w('/work/out/x')!.severity, 'info');
    assert.equal(w('/usr/lib/x')!.severity, 'critical', 'a write that went through on the host');
  });

  it('near miss: output to terminals, /dev/null and its own descriptors is no finding', () => {
    for (const path of ['/dev/null', '/dev/tty', '/dev/pts/3', '/proc/self/fd/1', '/dev/stderr'])
      assert.equal(one({ ...ok, syscall: 'openat', kind: 'write', path }), undefined, path);
  });

  it('reports secret reads whatever their outcome, and says whether they were blocked', () => {
    const hidden = one({
      ...failed('ENOENT'),
      syscall: 'openat',
      kind: 'read',
      path: '/home/u/.aws/credentials',
    })!;
    assert.equal(hidden.ruleId, 'sandbox/secret-read');
    assert.equal(hidden.severity, 'high');
    assert.equal(hidden.evidence?.blocked, true);
    const masked = one({ ...ok, syscall: 'openat', kind: 'read', path: '/etc/shadow' })!;
    assert.match(String(masked.evidence?.how), /masked/);
    const exposed = one({ ...ok, syscall: 'openat', kind: 'read', path: '/etc/gshadow' })!;
    assert.equal(exposed.severity, 'critical');
    assert.equal(exposed.evidence?.blocked, false);
  });

  it('near miss: ordinary reads, and paths that only look like secrets, are no finding', () => {
    for (const path of ['/etc/passwd', '/usr/lib/python3/ssh.py', '/home/u/.sshrc-notes', '/work/.envrc'])
      assert.equal(one({ ...ok, syscall: 'openat', kind: 'read', path }), undefined, path);
  });

  it('grades network attempts by address and --allow-net', () => {
    const net = (address: string, port: number, ctx: Partial<JudgeContext> = {}) =>
      one(
        { ...failed('ENETUNREACH'), syscall: 'connect', kind: 'network', family: 'AF_INET', address, port },
        ctx,
      );
    assert.equal(net('203.0.113.9', 443)!.severity, 'critical');
    assert.equal(net('203.0.113.9', 443, { profile: 'serve' })!.severity, 'high');
    assert.equal(net('127.0.0.1', 8080)!.severity, 'medium');
    assert.equal(net('127.0.0.1', 8080, { allowNet: 'loopback' }), undefined);
    assert.equal(net('203.0.113.9', 443, { allowNet: 'loopback' })!.severity, 'critical');
    const nscd = { ...failed('ENOENT'), syscall: 'connect', kind: 'network' as const, family: 'AF_UNIX' };
    assert.equal(one({ ...nscd, address: '/var/run/nscd/socket' }), undefined);
    assert.equal(one({ ...nscd, address: '/run/docker.sock' })!.severity, 'medium');
    const listen = {
      ...ok,
      syscall: 'bind',
      kind: 'network' as const,
      family: 'AF_UNIX',
      address: '/work/out/api.sock',
    };
    assert.equal(one(listen, { allowNet: 'loopback' }), undefined);
    assert.equal(one(listen)!.severity, 'medium');
  });

  it('grades exec by profile and privileged calls by outcome', () => {
    const exec: Observation = {
      ...ok,
      syscall: 'execve',
      kind: 'exec',
      path: '/bin/sh',
      argv: ['sh', '-c', 'id'],
    };
    assert.equal(one(exec)!.severity, 'critical');
    assert.equal(one(exec, { profile: 'serve' })!.severity, 'high');
    assert.match(one(exec)!.message, /sh -c id/);
    const mount = (o: typeof ok | ReturnType<typeof failed>) =>
      one({ ...o, syscall: 'mount', kind: 'privileged', detail: '"none", "/mnt"' })!;
    assert.equal(mount(failed('EPERM')).severity, 'high');
    assert.equal(mount(ok).severity, 'critical');
  });

  it('reports crashes and limit signals, not ordinary kills', () => {
    assert.equal(
      one({ kind: 'killed', pid: 1, signal: 'SIGXCPU', line: 1 })!.ruleId,
      'sandbox/resource-limit',
    );
    assert.equal(
      one({ kind: 'killed', pid: 1, signal: 'SIGSEGV', line: 1 })!.ruleId,
      'sandbox/resource-limit',
    );
    assert.equal(one({ kind: 'killed', pid: 1, signal: 'SIGKILL', line: 1 }), undefined);
    assert.equal(one({ kind: 'killed', pid: 1, signal: 'SIGPIPE', line: 1 }), undefined);
  });

  it('merges repeats into one finding with a count, and caps distinct findings per rule', () => {
    const w: Observation = { ...failed('EROFS'), syscall: 'openat', kind: 'write', path: '/etc/x' };
    const merged = judge([w, w, w], CTX);
    assert.equal(merged.length, 1);
    assert.equal(merged[0]!.evidence?.count, 3);
    assert.match(merged[0]!.message, /3 times/);
    const many = Array.from(
      { length: MAX_FINDINGS_PER_RULE + 7 },
      (_, i): Observation => ({ ...w, path: `/etc/x${i}` }),
    );
    const capped = judge(many, CTX);
    assert.equal(capped.length, MAX_FINDINGS_PER_RULE + 1);
    assert.match(capped.at(-1)!.message, /^7 more distinct attempts/);
  });

  it('names secrets', () => {
    assert.equal(secretKind('/root/.ssh/id_ed25519'), 'SSH private key or SSH configuration');
    assert.equal(secretKind('/proc/1/environ'), "a process's environment variables");
    assert.equal(secretKind('/home/a/.cache/huggingface/token'), 'Hugging Face token');
    assert.equal(secretKind('/home/a/.cache/huggingface/hub/model.bin'), undefined);
  });
});

const TMP = mkdtempSync(join(tmpdir(), 'parapet-sandbox-plan-'));
after(() => rmSync(TMP, { recursive: true, force: true }));

describe('mount plan and command lines', () => {
  it('hides homes and temporary directories, binds models read-only on top and --write read-write', () => {
    mkdirSync(join(TMP, 'out'));
    writeFileSync(join(TMP, 'm.pkl'), 'x');
    const plan = planMounts({
      cwd: TMP,
      home: '/root',
      models: ['m.pkl'],
      read: [],
      write: ['out'],
      support: [],
    });
    assert.ok(plan.hide.includes('/tmp') && plan.hide.includes('/root'));
    assert.deepEqual(plan.readOnly, [join(TMP, 'm.pkl')]);
    assert.deepEqual(plan.writable, [join(TMP, 'out')]);
    assert.equal(plan.chdir, '/', 'the cwd under the hidden /tmp is not visible');
    const argv = bwrapArgv(plan, ['/bin/true']);
    const order = (flag: string, value: string) =>
      argv.findIndex((a, i) => a === value && argv[i - 1] === flag);
    assert.ok(order('--tmpfs', '/tmp') < order('--bind', join(TMP, 'out')));
    assert.ok(order('--bind', join(TMP, 'out')) < argv.lastIndexOf(join(TMP, 'm.pkl')));
    for (const flag of ['--unshare-all', '--die-with-parent', '--new-session', '--cap-drop'])
      assert.ok(argv.includes(flag), flag);
    assert.deepEqual(argv.slice(-2), ['--', '/bin/true']);
  });

  it('rejects missing paths and a writable root as usage errors', () => {
    const base = { cwd: TMP, home: undefined, read: [], support: [] };
    assert.throws(
      () => planMounts({ ...base, models: ['nope.pkl'], write: [] }),
      /--model nope\.pkl: no such file/,
    );
    assert.throws(() => planMounts({ ...base, models: [], write: ['/'] }), /whole file system/);
    assert.throws(() => planMounts({ ...base, models: [], write: ['m.pkl'] }), /not a directory/);
  });

  it('keeps only outermost paths', () => {
    assert.deepEqual(outermost(['/a/b', '/a', '/ab', '/a/b/c']), ['/a', '/ab']);
  });

  it('builds strace and prlimit argv', () => {
    const s = straceArgv('/tmp/log', ['execve', 'openat'], ['bwrap', '--', 'x']);
    assert.deepEqual(s.slice(s.indexOf('-e'), s.indexOf('-e') + 2), ['-e', 'trace=execve,openat']);
    assert.ok(s.includes('-f') && s.includes('-y'));
    assert.deepEqual(limitArgv(256, ['x']), ['--core=0', `--as=${256 * 1024 * 1024}`, '--', 'x']);
    assert.deepEqual(limitArgv(0, ['x']), ['--core=0', '--', 'x']);
  });
});

describe('environment and loaders', () => {
  it('keeps the allow list and --keep-env, drops tokens, never reports values', () => {
    const { env, removed } = scrubEnv(
      { PATH: '/bin', LC_ALL: 'C', HF_TOKEN: 'hf_x', AWS_SECRET_ACCESS_KEY: 'k', MY_VAR: 'v', KEEP: 'y' },
      ['KEEP'],
    );
    assert.deepEqual(Object.keys(env).sort(), [
      'KEEP',
      'LC_ALL',
      'PATH',
      'PYTHONDONTWRITEBYTECODE',
      'PYTHONUNBUFFERED',
    ]);
    assert.deepEqual(removed, ['AWS_SECRET_ACCESS_KEY', 'HF_TOKEN', 'MY_VAR']);
  });

  it('every loader imports its library behind a missing-module message and takes the path from argv', () => {
    for (const name of LOADERS) {
      const src = loaderSource(name);
      assert.match(src, /except ImportError/);
      assert.match(src, /path = sys\.argv\[1\]/);
    }
    assert.match(loaderSource('torch'), /weights_only=False/);
    assert.match(loaderSource('numpy'), /allow_pickle=True/);
    assert.deepEqual(loaderCommand('/usr/bin/python3', 'pickle', '/m.pkl').slice(0, 3), [
      '/usr/bin/python3',
      '-I',
      '-c',
    ]);
  });
});
