import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type IncludeReader, parseManifest } from '../../../src/deps/manifests/index.ts';
import type { Dependency, Manifest } from '../../../src/deps/types.ts';
import {
  BASE_REQUIREMENTS,
  BROKEN_REQUIREMENTS,
  CONSTRAINTS,
  ML_REQUIREMENTS,
  PIP_COMPILE_HASHED,
  REQUIRE_HASHES,
  sha,
} from '../../fixtures/deps/manifests/requirements.ts';

/** An include reader over an in-memory tree, resolving refs relative to the including file like pip. */
function memoryReader(files: Record<string, string>): IncludeReader {
  return (from, ref) => {
    const dir = from.includes('/') ? from.slice(0, from.lastIndexOf('/') + 1) : '';
    const parts: string[] = [];
    for (const part of `${dir}${ref}`.split('/')) {
      if (part === '..') parts.pop();
      else if (part !== '.' && part !== '') parts.push(part);
    }
    const path = parts.join('/');
    const text = files[path];
    return text === undefined ? undefined : { path, text };
  };
}

function byName(manifest: Manifest, name: string): Dependency {
  const found = manifest.dependencies.filter((d) => d.name === name);
  assert.equal(found.length, 1, `expected one ${name}, got ${found.length}`);
  return found[0]!;
}

const mlManifest = () =>
  parseManifest('requirements', 'app/requirements.txt', ML_REQUIREMENTS, {
    readInclude: memoryReader({
      'app/requirements.txt': ML_REQUIREMENTS,
      'app/base.txt': BASE_REQUIREMENTS,
      'app/constraints.txt': CONSTRAINTS,
    }),
  });

test('a hand-written ML requirements file: names normalised, pins, specifiers, markers, extras, lines', () => {
  const m = mlManifest();
  assert.deepEqual(m.problems, []);
  assert.equal(m.kind, 'requirements');
  assert.equal(m.locked, false);
  assert.deepEqual(byName(m, 'torch'), {
    ecosystem: 'PyPI',
    name: 'torch',
    rawName: 'torch',
    source: 'registry',
    hashes: [],
    direct: true,
    version: '2.5.1+cu124',
    markers: 'sys_platform == "linux"',
    line: 10,
  });
  const transformers = byName(m, 'transformers');
  assert.equal(transformers.specifier, '>=4.46,<5');
  assert.equal(transformers.version, undefined);
  assert.deepEqual(transformers.extras, ['torch', 'sentencepiece']);
  assert.equal(transformers.line, 11);
  const cors = byName(m, 'flask-cors');
  assert.equal(cors.rawName, 'Flask_Cors');
  assert.equal(cors.specifier, '>=4.0');
  assert.equal(byName(m, 'llama-cpp-python').version, '0.3.2', '=== is an exact pin');
  const scipy = byName(m, 'scipy');
  assert.equal(scipy.specifier, '==1.14.*', 'a wildcard == is not a pin');
  assert.equal(scipy.version, '1.14.1', 'but the constraints file pins it');
});

test('continuation lines join and keep the first line number; markers after the break are kept', () => {
  const accelerate = byName(mlManifest(), 'accelerate');
  assert.equal(accelerate.line, 21);
  assert.equal(accelerate.specifier, '>=1.0');
  assert.equal(accelerate.markers, 'python_version >= "3.10"');
});

test('index options become IndexSources with roles, lines, and tokens redacted', () => {
  const m = mlManifest();
  assert.deepEqual(m.indexes, [
    { url: 'https://pypi.org/simple', role: 'primary', line: 2 },
    { url: 'https://download.pytorch.org/whl/cu124', role: 'extra', line: 3 },
    { url: 'https://***@private.example.com/simple/', role: 'extra', line: 4 },
    { url: 'https://data.pyg.org/whl/torch-2.5.0+cu124.html', role: 'find-links', line: 5 },
  ]);
});

test('direct URLs, VCS and editable installs: source, url, names from the URL', () => {
  const m = mlManifest();
  const vllm = byName(m, 'vllm');
  assert.equal(vllm.source, 'url');
  assert.equal(vllm.version, '0.6.4', 'version from the wheel file name');
  assert.match(vllm.url!, /^https:\/\/github\.com\/vllm-project/);
  const peft = byName(m, 'peft');
  assert.equal(peft.source, 'vcs');
  assert.equal(peft.url, 'git+https://github.com/huggingface/peft.git@v0.13.2#egg=peft');
  assert.equal(peft.line, 16);
  const tools = byName(m, 'internal-tools');
  assert.equal(tools.rawName, 'internal_tools');
  assert.equal(tools.source, 'vcs');
  const featurizer = m.dependencies.find((d) => d.url === './libs/featurizer')!;
  assert.equal(featurizer.source, 'path');
  assert.deepEqual(featurizer.extras, ['gpu']);
  assert.equal(
    featurizer.name,
    './libs/featurizer',
    'a path that names no project keeps the path as its name',
  );
  const privatePkg = byName(m, 'private-pkg');
  assert.equal(privatePkg.source, 'url');
  assert.equal(privatePkg.version, '1.0.0');
  const tokenizers = byName(m, 'tokenizers');
  assert.equal(tokenizers.source, 'path');
  assert.equal(tokenizers.version, '0.20.3');
});

test('-r includes are read relative to the including file and labelled with their file', () => {
  const m = mlManifest();
  const requests = byName(m, 'requests');
  assert.equal(requests.file, 'app/base.txt');
  assert.equal(requests.line, 2);
  assert.equal(requests.direct, true);
  assert.equal(byName(m, 'pyyaml').file, 'app/base.txt');
  assert.equal(byName(m, 'torch').file, undefined, 'entries of the manifest itself carry no file');
});

test('-c constraints pin required packages but add nothing by themselves', () => {
  const m = mlManifest();
  assert.equal(byName(m, 'numpy').version, '2.1.3');
  assert.equal(byName(m, 'numpy').file, undefined, 'the requirement stays where it is written');
  assert.equal(
    m.dependencies.some((d) => d.name === 'pandas'),
    false,
  );
});

test('a constraints file scanned on its own reports its pins as not direct', () => {
  const m = parseManifest('requirements', 'constraints.txt', CONSTRAINTS);
  assert.deepEqual(
    m.dependencies.map((d) => [d.name, d.version, d.direct]),
    [
      ['numpy', '2.1.3', false],
      ['pandas', '2.2.3', false],
      ['scipy', '1.14.1', false],
    ],
  );
});

test('pip-compile --generate-hashes output: every hash collected, hash mode on, comments ignored', () => {
  const m = parseManifest('requirements', 'requirements.txt', PIP_COMPILE_HASHED);
  assert.deepEqual(m.problems, []);
  assert.equal(m.requireHashes, true);
  assert.deepEqual(
    m.dependencies.map((d) => [d.name, d.version, d.hashes.length, d.line]),
    [
      ['certifi', '2024.8.30', 2, 7],
      ['charset-normalizer', '3.4.0', 1, 11],
      ['idna', '3.10', 2, 14],
      ['requests', '2.32.3', 2, 18],
      ['urllib3', '2.2.3', 1, 22],
    ],
  );
  assert.equal(byName(m, 'certifi').hashes[0], `sha256:${sha('certifi-2024.8.30-py3-none-any.whl')}`);
});

test('--require-hashes sets hash mode; a requirement without a hash is still listed (rules report it)', () => {
  const m = parseManifest('requirements', 'requirements.txt', REQUIRE_HASHES);
  assert.equal(m.requireHashes, true);
  assert.deepEqual(byName(m, 'requests').hashes, [`sha256:${sha('requests')}`]);
  assert.deepEqual(byName(m, 'idna').hashes, []);
});

test('a plain file without hashes is not in hash mode', () => {
  const m = parseManifest('requirements', 'requirements.txt', 'requests==2.32.3\n');
  assert.equal(m.requireHashes, undefined);
});

test('bad lines become problems with their line numbers; good lines around them still parse', () => {
  const m = parseManifest('requirements', 'requirements.txt', BROKEN_REQUIREMENTS);
  assert.deepEqual(
    m.dependencies.map((d) => d.name),
    ['requests', 'torch', 'flask'],
  );
  assert.deepEqual(
    m.problems.map((p) => p.line),
    [2, 3, 4, 5, 6],
  );
  assert.match(m.problems[0]!.message, /not a valid requirement/);
  assert.match(m.problems[2]!.message, /unknown option "--no-such-option"/);
  assert.match(m.problems[3]!.message, /--hash "md5" is not algorithm:hex/);
  assert.match(m.problems[4]!.message, /--requirement needs a value/);
});

test('include cycles are reported, not followed forever', () => {
  const files = { 'a.txt': '-r b.txt\nnumpy==2.1.3\n', 'b.txt': '-r a.txt\ntorch==2.5.1\n' };
  const m = parseManifest('requirements', 'a.txt', files['a.txt'], { readInclude: memoryReader(files) });
  assert.deepEqual(m.dependencies.map((d) => d.name).sort(), ['numpy', 'torch']);
  assert.equal(m.problems.length, 1);
  assert.match(m.problems[0]!.message, /includes itself/);
  assert.equal(m.problems[0]!.file, 'b.txt');
  assert.equal(m.problems[0]!.line, 1);
});

test('a file including itself is a cycle too', () => {
  const m = parseManifest('requirements', 'r.txt', '-r r.txt\n', {
    readInclude: memoryReader({ 'r.txt': '-r r.txt\n' }),
  });
  assert.equal(m.problems.length, 1);
  assert.match(m.problems[0]!.message, /includes itself/);
});

test('the same file included twice (a diamond) is read once, without a problem', () => {
  const files = {
    'a.txt': '-r b.txt\n-r c.txt\n',
    'b.txt': '-r common.txt\n',
    'c.txt': '-r common.txt\n',
    'common.txt': 'idna==3.10\n',
  };
  const m = parseManifest('requirements', 'a.txt', files['a.txt'], { readInclude: memoryReader(files) });
  assert.deepEqual(m.problems, []);
  assert.deepEqual(
    m.dependencies.map((d) => d.name),
    ['idna'],
  );
});

test('include depth is capped', () => {
  const files: Record<string, string> = {};
  for (let k = 0; k < 15; k++) files[`r${k}.txt`] = `-r r${k + 1}.txt\npkg${k}==1.0\n`;
  files['r15.txt'] = 'last==1.0\n';
  const m = parseManifest('requirements', 'r0.txt', files['r0.txt']!, {
    readInclude: memoryReader(files),
    maxIncludeDepth: 3,
  });
  assert.deepEqual(
    m.dependencies.map((d) => d.name),
    ['pkg3', 'pkg2', 'pkg1', 'pkg0'],
  );
  assert.equal(m.problems.length, 1);
  assert.match(m.problems[0]!.message, /deeper than 3/);
  assert.equal(m.problems[0]!.file, 'r3.txt');
});

test('unreadable and remote includes are problems (the entries behind them are unchecked)', () => {
  const m = parseManifest(
    'requirements',
    'requirements.txt',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a pip environment-variable reference, not a template
    '-r missing.txt\n--requirement=https://example.com/reqs.txt\n-c ${CONSTRAINTS_DIR}/c.txt\n',
    { readInclude: memoryReader({}) },
  );
  assert.deepEqual(
    m.problems.map((p) => p.line),
    [1, 2, 3],
  );
  assert.match(m.problems[0]!.message, /"missing.txt" could not be read/);
  assert.match(m.problems[1]!.message, /remote requirements file/);
  assert.match(
    m.problems[2]!.message,
    /constraints file "\$\{CONSTRAINTS_DIR\}\/c.txt"/,
    'env vars are left as written',
  );
  const noReader = parseManifest('requirements', 'requirements.txt', '-r base.txt\n');
  assert.equal(noReader.problems.length, 1, 'without a reader, includes are reported as not followed');
});

test('a reader that throws is an unreadable file, not a crash', () => {
  const m = parseManifest('requirements', 'r.txt', '-r x.txt\nidna==3.10\n', {
    readInclude: () => {
      throw new Error('EACCES');
    },
  });
  assert.equal(m.dependencies.length, 1);
  assert.equal(m.problems.length, 1);
});

test('comments: # after whitespace or at the start; #egg= and #sha256 in URLs survive', () => {
  const m = parseManifest(
    'requirements',
    'requirements.txt',
    '  # indented comment \\\nrequests==2.32.3 # trailing\nhttps://x.example/p-1.0.tar.gz#sha256=abc\n#numpy\n',
  );
  assert.deepEqual(
    m.dependencies.map((d) => [d.name, d.line]),
    [
      ['requests', 2],
      ['https://x.example/p-1.0.tar.gz#sha256=abc', 3],
    ],
  );
  assert.deepEqual(m.problems, [], 'a comment ending in a backslash does not continue');
});

test('option spellings: --opt=value, --opt value, -rfile, abbreviated long options, quoted values', () => {
  const files = { 'b.txt': 'idna==3.10\n' };
  const m = parseManifest(
    'requirements',
    'requirements.txt',
    '-rb.txt\n--extra-index https://extra.example/simple\n--index-url="https://idx.example/simple"\n--trusted-host idx.example\n--pre\n',
    { readInclude: memoryReader(files) },
  );
  assert.deepEqual(m.problems, []);
  assert.equal(m.dependencies[0]!.name, 'idna');
  assert.deepEqual(
    m.indexes.map((i) => [i.url, i.role]),
    [
      ['https://extra.example/simple', 'extra'],
      ['https://idx.example/simple', 'primary'],
    ],
  );
});

test('env-var references in URLs are kept as written; ssh users are not secrets', () => {
  const m = parseManifest(
    'requirements',
    'requirements.txt',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: pip environment-variable references, not a template
    '--extra-index-url https://${USER}:${TOKEN}@pkgs.example/simple\ngit+ssh://git@github.com/org/lib.git#egg=lib\n',
  );
  // biome-ignore lint/suspicious/noTemplateCurlyInString: pip environment-variable references, not a template
  assert.equal(m.indexes[0]!.url, 'https://${USER}:${TOKEN}@pkgs.example/simple');
  assert.equal(byName(m, 'lib').url, 'git+ssh://git@github.com/org/lib.git#egg=lib');
});

test('near misses: a named file: URL is a path dependency; dotted names are names, not paths', () => {
  const m = parseManifest(
    'requirements',
    'requirements.txt',
    'zope.interface==7.1\nbackports.zoneinfo>=0.2\nmypkg @ file:///opt/wheels/mypkg-1.0-py3-none-any.whl\n',
  );
  assert.deepEqual(
    m.dependencies.map((d) => [d.name, d.source, d.version]),
    [
      ['zope-interface', 'registry', '7.1'],
      ['backports-zoneinfo', 'registry', undefined],
      ['mypkg', 'path', '1.0'],
    ],
  );
});

test('CRLF line endings and a byte-order mark', () => {
  const m = parseManifest('requirements', 'requirements.txt', '\uFEFFrequests==2.32.3\r\nidna==3.10\r\n');
  assert.deepEqual(
    m.dependencies.map((d) => [d.name, d.line]),
    [
      ['requests', 1],
      ['idna', 2],
    ],
  );
});
