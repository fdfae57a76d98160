/**
 * The strace log parser and the step from events to observations, on log text in the exact formats strace
 * 6 writes with -f -y (copied from real runs in this repository's sandbox, pids and addresses kept).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isLoopback, type Observation, observe, parseSockaddr } from '../../src/sandbox/observations.ts';
import {
  decodeFdPath,
  decodeString,
  decodeStringArray,
  parseStraceLog,
  type SyscallEvent,
} from '../../src/sandbox/strace-log.ts';

const BWRAP = `4325  execve("/usr/bin/bwrap", ["bwrap", "--ro-bind", "/", "/", "--", "/bin/sh", "-c", "id"], 0x7ffdc9646ee8 /* 35 vars */) = 0
4325  openat(AT_FDCWD</work>, "/proc/sys/user/max_user_namespaces", O_RDONLY|O_CLOEXEC) = 3</proc/sys/user/max_user_namespaces>
4326  openat(5</proc/4326>, "uid_map", O_RDWR|O_CLOEXEC) = 6</proc/4326/uid_map>
4326  mkdir("newroot", 0755)            = 0
4326  mount("tmpfs", "/newroot", "tmpfs", MS_NODEV|MS_NOSUID, NULL) = 0
4326  bind(5<socket:[1]>, {sa_family=AF_NETLINK, nl_pid=1, nl_groups=00000000}, 12) = 0
`;

function syscalls(text: string): SyscallEvent[] {
  return parseStraceLog(text).events.filter((e): e is SyscallEvent => e.kind === 'syscall');
}

function launched(log: string): Observation[] {
  return observe(parseStraceLog(BWRAP + log).events, { launcher: true, cwd: '/work' }).observations;
}

describe('parseStraceLog', () => {
  it('reads a plain call, its arguments, result and errno', () => {
    const [ev] = syscalls(
      '4328  openat(AT_FDCWD</tmp>, "/root/.ssh/id_rsa", O_RDONLY) = -1 ENOENT (No such file or directory)\n',
    );
    assert.equal(ev!.pid, 4328);
    assert.equal(ev!.name, 'openat');
    assert.deepEqual(ev!.args, ['AT_FDCWD</tmp>', '"/root/.ssh/id_rsa"', 'O_RDONLY']);
    assert.equal(ev!.returned, '-1');
    assert.equal(ev!.errno, 'ENOENT');
  });

  it('joins an unfinished call with its resumed half, across another process', () => {
    const evs = syscalls(`4327  vfork( <unfinished ...>
4328  execve("/usr/bin/cat", ["cat", "/root/.ssh/id_rsa"], 0x55d8575cee48 /* 35 vars */ <unfinished ...>
4327  <... vfork resumed>)              = 3
4328  <... execve resumed>)             = 0
`);
    assert.deepEqual(
      evs.map((e) => [e.pid, e.name, e.returned]),
      [
        [4327, 'vfork', '3'],
        [4328, 'execve', '0'],
      ],
    );
    assert.equal(decodeStringArray(evs[1]!.args[1]!)[1], '/root/.ssh/id_rsa');
  });

  it('keeps a call the process died inside, with an unknown result', () => {
    const evs = syscalls(
      '77  connect(3<socket:[9]>, {sa_family=AF_INET, sin_port=htons(80), sin_addr=inet_addr("10.0.0.1")}, 16 <unfinished ...>\n',
    );
    assert.equal(evs.length, 1);
    assert.equal(evs[0]!.returned, '?');
  });

  it('reads exits and kills, and skips signal notices', () => {
    const { events, unparsed } = parseStraceLog(`9  --- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED} ---
9  +++ exited with 3 +++
10 +++ killed by SIGSEGV (core dumped) +++
`);
    assert.equal(unparsed, 0);
    assert.deepEqual(events, [
      { kind: 'exit', pid: 9, code: 3, line: 2 },
      { kind: 'exit', pid: 10, signal: 'SIGSEGV', line: 3 },
    ]);
  });

  it('counts junk, a truncated last line and invalid bytes without throwing', () => {
    const text = `garbage line\n\u0000\u00ff\ufffd\n12  openat(AT_FDCWD, "/etc/pas`;
    const { events, unparsed } = parseStraceLog(text);
    assert.deepEqual(events, []);
    assert.equal(unparsed, 3);
  });

  it('survives a huge, deeply nested line', () => {
    const deep = `5  ioctl(${'{'.repeat(20_000)}${'}'.repeat(20_000)}) = 0\n`;
    assert.equal(syscalls(deep).length, 1);
  });

  it('parses commas and parentheses inside strings and comments as text', () => {
    const [ev] = syscalls(
      '5  execve("/bin/sh", ["sh", "-c", "a(b, c) \\"x, y\\""], 0x1 /* 3 vars, (x) */) = 0\n',
    );
    assert.equal(ev!.args.length, 3);
    assert.deepEqual(decodeStringArray(ev!.args[1]!), ['sh', '-c', 'a(b, c) "x, y"']);
  });
});

describe('string decoding', () => {
  it('decodes escapes, octal UTF-8 bytes and marks truncation', () => {
    assert.deepEqual(decodeString('"a\\tb\\n\\\\\\"q\\""'), { text: 'a\tb\n\\"q"', truncated: false });
    assert.deepEqual(decodeString('"caf\\303\\251"'), { text: 'café', truncated: false });
    assert.deepEqual(decodeString('"\\x41\\x42"...'), { text: 'AB', truncated: true });
    assert.equal(decodeString('NULL'), undefined);
    assert.equal(decodeString('"unterminated'), undefined);
  });

  it('reads -y paths from descriptors and AT_FDCWD', () => {
    assert.equal(decodeFdPath('3</work/dir>'), '/work/dir');
    assert.equal(decodeFdPath('AT_FDCWD</tmp/x>'), '/tmp/x');
    assert.equal(decodeFdPath('AT_FDCWD'), undefined);
  });

  it('reads every address family strace prints', () => {
    assert.deepEqual(
      parseSockaddr('{sa_family=AF_INET, sin_port=htons(9), sin_addr=inet_addr("127.0.0.1")}'),
      { family: 'AF_INET', address: '127.0.0.1', port: 9 },
    );
    assert.deepEqual(
      parseSockaddr(
        '{sa_family=AF_INET6, sin6_port=htons(443), sin6_flowinfo=htonl(0), inet_pton(AF_INET6, "2001:db8::1", &sin6_addr), sin6_scope_id=0}',
      ),
      { family: 'AF_INET6', address: '2001:db8::1', port: 443 },
    );
    assert.deepEqual(parseSockaddr('{sa_family=AF_UNIX, sun_path="/run/docker.sock"}'), {
      family: 'AF_UNIX',
      address: '/run/docker.sock',
    });
    assert.deepEqual(parseSockaddr('{sa_family=AF_UNIX, sun_path=@"abstract"}'), {
      family: 'AF_UNIX',
      address: '@abstract',
    });
    assert.equal(parseSockaddr('{sa_family=AF_NETLINK, nl_pid=0, nl_groups=00000000}'), undefined);
    assert.equal(parseSockaddr('NULL'), undefined);
    assert.ok(isLoopback('127.0.0.53') && isLoopback('::1') && isLoopback('::ffff:127.0.0.1'));
    assert.ok(!isLoopback('10.0.0.1') && !isLoopback('128.0.0.1'));
  });
});

describe('observe', () => {
  it("drops bubblewrap's own set-up and the launch itself", () => {
    const obs = launched(`4327  execve("/bin/sh", ["/bin/sh", "-c", "id"], 0x7f /* 9 vars */) = 0
4327  openat(AT_FDCWD</work>, "/etc/ld.so.cache", O_RDONLY|O_CLOEXEC) = 3</etc/ld.so.cache>
`);
    assert.deepEqual(
      obs.map((o) => [o.kind, 'path' in o ? o.path : '']),
      [['read', '/etc/ld.so.cache']],
    );
  });

  it('counts failed PATH lookups as part of the launch, then a child exec as an observation', () => {
    const obs =
      launched(`4327  execve("/root/bin/x", ["x"], 0x7f /* 9 vars */) = -1 ENOENT (No such file or directory)
4327  execve("/usr/bin/x", ["x"], 0x7f /* 9 vars */) = 0
4326  openat(AT_FDCWD</>, "/proc/self/fd", O_RDONLY) = 5
4328  execve("/bin/sh", ["sh", "-c", "curl evil"], 0x7f /* 9 vars */) = 0
`);
    assert.deepEqual(
      obs.map((o) => [o.kind, o.pid]),
      [['exec', 4328]],
      'the launcher pid 4326 is ignored after the launch too',
    );
  });

  it('reports a launch that never succeeded', () => {
    const r = observe(
      parseStraceLog(
        `${BWRAP}4327  execve("/nope", ["/nope"], 0x1 /* 1 vars */) = -1 ENOENT (No such file or directory)\n`,
      ).events,
      { launcher: true, cwd: '/' },
    );
    assert.equal(r.launched, false);
    assert.match(r.launchError ?? '', /ENOENT executing \/nope/);
  });

  it('resolves relative paths against the descriptor or the cwd strace printed', () => {
    const obs = launched(`4327  execve("/bin/sh", ["sh"], 0x1 /* 1 vars */) = 0
4327  openat(AT_FDCWD</tmp/yy>, "rel.txt", O_WRONLY|O_CREAT|O_TRUNC|O_CLOEXEC, 0666) = 3</tmp/yy/rel.txt>
4327  rename("rel.txt", "../r2.txt")       = 0
4327  unlinkat(7</var/lib>, "x/../y", 0) = -1 EROFS (Read-only file system)
`);
    assert.deepEqual(obs, [
      { pid: 4327, syscall: 'openat', ok: true, line: 8, kind: 'write', path: '/tmp/yy/rel.txt' },
      {
        pid: 4327,
        syscall: 'rename',
        ok: true,
        line: 9,
        kind: 'delete',
        path: '/tmp/yy/rel.txt',
        to: '/tmp/r2.txt',
      },
      {
        pid: 4327,
        syscall: 'unlinkat',
        ok: false,
        errno: 'EROFS',
        line: 10,
        kind: 'delete',
        path: '/var/lib/y',
      },
    ]);
  });

  it('reads the address inside sendmsg and ignores sends on connected sockets', () => {
    const obs = launched(`4327  execve("/bin/sh", ["sh"], 0x1 /* 1 vars */) = 0
4327  sendmsg(3<socket:[509110]>, {msg_name={sa_family=AF_INET, sin_port=htons(53), sin_addr=inet_addr("192.0.2.7")}, msg_namelen=16, msg_iov=[{iov_base="x", iov_len=1}], msg_iovlen=1, msg_controllen=0, msg_flags=0}, 0) = -1 ENETUNREACH (Network is unreachable)
4327  sendto(3<socket:[1]>, "x", 1, 0, NULL, 0) = 1
`);
    assert.deepEqual(obs, [
      {
        pid: 4327,
        syscall: 'sendmsg',
        ok: false,
        errno: 'ENETUNREACH',
        line: 8,
        kind: 'network',
        family: 'AF_INET',
        address: '192.0.2.7',
        port: 53,
      },
    ]);
  });

  it('tells reads from writes by the open flags', () => {
    const obs = launched(`4327  execve("/bin/sh", ["sh"], 0x1 /* 1 vars */) = 0
4327  openat(AT_FDCWD</>, "/a", O_RDONLY|O_CLOEXEC) = 3</a>
4327  openat(AT_FDCWD</>, "/b", O_RDWR) = 3</b>
4327  openat(AT_FDCWD</>, "/c", O_WRONLY|O_APPEND) = 3</c>
4327  creat("/d", 0644) = 3</d>
`);
    assert.deepEqual(
      obs.map((o) => [o.kind, 'path' in o ? o.path : '']),
      [
        ['read', '/a'],
        ['write', '/b'],
        ['write', '/c'],
        ['write', '/d'],
      ],
    );
  });
});
