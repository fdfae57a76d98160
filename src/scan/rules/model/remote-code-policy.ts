import type { Severity } from '../../../core/severity.ts';
import { analysePython, type PyArg, type PyCall, type PythonSource } from '../../../formats/python-source.ts';

/**
 * Which Python calls make `trust_remote_code` dangerous, decided over resolved dotted names (`sp.run` after
 * `import subprocess as sp` is `subprocess.run`), so that `model.eval()`, `re.compile` and `os.path.join`
 * never match the builtins and modules they share a last name with.
 */

/** What a dangerous call does. */
export type RemoteCodeCategory =
  | 'process-execution'
  | 'code-execution'
  | 'dynamic-import'
  | 'network'
  | 'unsafe-deserialisation'
  | 'native-code'
  | 'dynamic-builtins'
  | 'obfuscated-execution';

/** One dangerous call site. */
export interface RemoteCodeHit {
  line: number;
  call: string;
  written: string;
  category: RemoteCodeCategory;
  severity: Extract<Severity, 'high' | 'critical'>;
  reason: string;
  evidence: Record<string, unknown>;
}

const PROCESS_PREFIXES = ['subprocess.', 'os.exec', 'os.spawn', 'os.posix_spawn', 'commands.', 'pty.spawn'];
const PROCESS = new Set([
  'os.system',
  'os.popen',
  'posix.system',
  'platform.popen',
  'asyncio.create_subprocess_exec',
  'asyncio.create_subprocess_shell',
]);
const CODE = new Set(['builtins.eval', 'builtins.exec', 'builtins.compile', 'builtins.execfile']);
const RUNPY = new Set(['runpy.run_path', 'runpy.run_module', 'imp.load_source', 'imp.load_module']);
const IMPORTERS = new Set(['builtins.__import__', 'importlib.import_module', 'importlib.__import__']);
const NETWORK_PREFIXES = [
  'requests.',
  'httpx.',
  'urllib3.',
  'aiohttp.',
  'paramiko.',
  'ftplib.',
  'telnetlib.',
];
const NETWORK = new Set([
  'socket.socket',
  'socket.create_connection',
  'urllib.request.urlopen',
  'urllib.request.urlretrieve',
  'urllib.request.Request',
  'urllib.urlopen',
  'urllib.urlretrieve',
  'urllib2.urlopen',
  'http.client.HTTPConnection',
  'http.client.HTTPSConnection',
  'httplib.HTTPConnection',
  'httplib.HTTPSConnection',
  'smtplib.SMTP',
  'wget.download',
]);
const DESERIALISE = new Set(
  ['pickle', 'cPickle', '_pickle', 'dill', 'cloudpickle']
    .flatMap((m) => [`${m}.load`, `${m}.loads`, `${m}.Unpickler`])
    .concat(['joblib.load', 'sklearn.externals.joblib.load', 'marshal.load', 'marshal.loads', 'shelve.open'])
    .concat(['pandas.read_pickle', 'yaml.unsafe_load', 'jsonpickle.decode']),
);
/** Decoders that turn an innocuous-looking literal into code: their output reaching exec is obfuscation. */
const DECODERS = new Set([
  'base64.b64decode',
  'base64.b32decode',
  'base64.b16decode',
  'base64.b85decode',
  'base64.a85decode',
  'base64.decodebytes',
  'base64.decodestring',
  'base64.standard_b64decode',
  'base64.urlsafe_b64decode',
  'binascii.a2b_base64',
  'binascii.unhexlify',
  'binascii.a2b_hex',
  'codecs.decode',
  'zlib.decompress',
  'gzip.decompress',
  'bz2.decompress',
  'lzma.decompress',
  'marshal.loads',
  'bytes.fromhex',
  'builtins.bytes.fromhex',
]);
/** Modules whose attributes reached through getattr or __import__ are dangerous. */
const DANGEROUS_MODULES = new Set([
  'os',
  'subprocess',
  'builtins',
  'posix',
  'pty',
  'socket',
  'ctypes',
  'pickle',
  'marshal',
  'shutil',
  'sys',
  'importlib',
  'runpy',
]);
/** An exec'd literal spelling this many numeric escapes is hiding its text. */
const ENCODED_ESCAPES = 16;
const MAX_NESTED = 3;

function preview(s: string): string {
  return s.length > 120 ? `${s.slice(0, 117)}...` : s;
}

/** The category of a resolved name, ignoring arguments; undefined when it is not dangerous by name. */
function categoryOf(name: string): RemoteCodeCategory | undefined {
  if (PROCESS.has(name) || PROCESS_PREFIXES.some((p) => name.startsWith(p))) return 'process-execution';
  if (CODE.has(name) || RUNPY.has(name)) return 'code-execution';
  if (IMPORTERS.has(name)) return 'dynamic-import';
  if (NETWORK.has(name) || NETWORK_PREFIXES.some((p) => name.startsWith(p))) return 'network';
  if (DESERIALISE.has(name) || name === 'torch.load' || name === 'numpy.load')
    return 'unsafe-deserialisation';
  if (name.startsWith('ctypes.') || name.startsWith('_ctypes.') || name === 'cffi.FFI') return 'native-code';
  if (name === 'builtins.getattr') return 'dynamic-builtins';
  return undefined;
}

/** Whether the call extractor should keep `call` (bounded memory: only candidates are stored). */
export function isRelevantCall(call: PyCall): boolean {
  return [call.name, ...call.alternatives].some((n) => categoryOf(n) !== undefined);
}

/** Follows a bare name to what it was last assigned, a few hops deep (`code = b64decode(s); exec(code)`). */
function follow(arg: PyArg | undefined, source: PythonSource): PyArg | undefined {
  for (let hops = 0; hops < 4 && arg?.kind === 'name'; hops++) {
    const assigned = source.assignments.get(arg.written);
    if (assigned === undefined) break;
    arg = assigned;
  }
  return arg;
}

/** The decoder feeding `arg`, looking through wrappers like `zlib.decompress(base64.b64decode(...))`. */
function decoderOf(arg: PyArg | undefined, source: PythonSource): PyCall | undefined {
  let current = follow(arg, source);
  for (let hops = 0; hops < 8 && current?.kind === 'call'; hops++) {
    const call = current.call;
    if (DECODERS.has(call.name)) return call;
    // Python 2's `s.decode('base64')` / `'hex'` / `'zlib'` / `'rot13'`.
    const codec = call.args[0];
    if (
      call.name.endsWith('.decode') &&
      codec?.kind === 'string' &&
      /^(base64|hex|zlib|rot.?13|bz2)/i.test(codec.value)
    ) {
      return call;
    }
    current = follow(call.args[0], source);
  }
  return undefined;
}

/** Statically decodes a base64/hex literal (pure data, never run) so the payload's own calls can be shown. */
function decodeLiteral(decoder: PyCall, source: PythonSource): string | undefined {
  const arg = follow(decoder.args[0], source);
  if (arg?.kind !== 'string' || arg.value.length > 1 << 20) return undefined;
  if (
    decoder.name.includes('b64decode') ||
    decoder.name.includes('a2b_base64') ||
    decoder.name.includes('decodebytes')
  ) {
    return Buffer.from(arg.value, 'base64').toString('latin1');
  }
  if (decoder.name.includes('hex')) return Buffer.from(arg.value, 'hex').toString('latin1');
  return undefined;
}

function nestedCalls(text: string, source: PythonSource, depth: number): RemoteCodeHit[] {
  if (depth >= MAX_NESTED) return [];
  const inner = analysePython(text, { keep: isRelevantCall, bindings: source.bindings, depth });
  return findDangerousCalls(inner, depth + 1);
}

/** exec/eval/compile: constant literals are analysed as code; decoded or encoded input is obfuscation. */
function codeExecution(call: PyCall, source: PythonSource, depth: number): RemoteCodeHit[] {
  const hit = (
    severity: RemoteCodeHit['severity'],
    category: RemoteCodeCategory,
    reason: string,
    evidence = {},
  ) => [{ line: call.line, call: call.name, written: call.written, category, severity, reason, evidence }];
  const decoder = decoderOf(call.args[0], source);
  if (decoder !== undefined) {
    const decoded = decodeLiteral(decoder, source);
    const payload = decoded === undefined ? [] : nestedCalls(decoded, source, depth).map((h) => h.call);
    const evidence =
      decoded === undefined
        ? { decoder: decoder.name }
        : { decoder: decoder.name, decoded: preview(decoded), payloadCalls: payload };
    return hit('critical', 'obfuscated-execution', `runs the output of ${decoder.name}`, evidence);
  }
  const arg = follow(call.args[0], source);
  if (arg?.kind === 'string') {
    const inner = nestedCalls(arg.value, source, depth);
    if (arg.escapes >= ENCODED_ESCAPES) {
      const evidence = {
        escapes: arg.escapes,
        decoded: preview(arg.value),
        payloadCalls: inner.map((h) => h.call),
      };
      return hit(
        'critical',
        'obfuscated-execution',
        `runs a literal spelled with ${arg.escapes} escapes`,
        evidence,
      );
    }
    return inner.map((h) => ({
      ...h,
      line: call.line,
      reason: `${h.reason}, inside a string run by ${call.written}`,
    }));
  }
  return hit('high', 'code-execution', `${call.written}() runs code that is not a constant`);
}

/** The dangerous call sites of one analysed source; exec'd literals are analysed in turn, a few levels deep. */
export function findDangerousCalls(source: PythonSource, depth = 0): RemoteCodeHit[] {
  const hits: RemoteCodeHit[] = [];
  for (const call of source.calls) {
    const name = [call.name, ...call.alternatives].find((n) => categoryOf(n) !== undefined);
    if (name === undefined) continue;
    const category = categoryOf(name)!;
    const base = { line: call.line, call: name, written: call.written, category, severity: 'high' as const };
    const arg0 = call.args[0];
    if (category === 'code-execution' && CODE.has(name)) {
      hits.push(...codeExecution(call, source, depth));
    } else if (category === 'dynamic-import') {
      const module = arg0?.kind === 'string' ? arg0.value.split('.')[0]! : undefined;
      if (module !== undefined && !DANGEROUS_MODULES.has(module)) continue;
      const what =
        module === undefined
          ? 'a module chosen at run time'
          : `'${arg0?.kind === 'string' ? arg0.value : ''}'`;
      hits.push({ ...base, reason: `imports ${what} dynamically`, evidence: {} });
    } else if (category === 'dynamic-builtins') {
      const target = arg0?.kind === 'name' ? arg0.name.split('.')[0]! : '';
      if (!DANGEROUS_MODULES.has(target)) continue;
      const attr = call.args[1];
      const resolved =
        attr?.kind === 'string' ? `${arg0?.kind === 'name' ? arg0.name : ''}.${attr.value}` : undefined;
      const resolvedCategory = resolved === undefined ? undefined : categoryOf(resolved);
      if (resolved !== undefined && resolvedCategory === undefined && target !== 'builtins') continue;
      const reason =
        resolved === undefined
          ? `looks up an attribute of ${target} by a computed name`
          : `reaches ${resolved} through getattr`;
      hits.push({
        ...base,
        category: resolvedCategory ?? category,
        reason,
        evidence: resolved === undefined ? {} : { resolved },
      });
    } else if (name === 'torch.load') {
      if (call.keywords.weights_only === 'True') continue;
      const why =
        call.keywords.weights_only === undefined
          ? 'without weights_only=True'
          : `with weights_only=${call.keywords.weights_only}`;
      hits.push({
        ...base,
        reason: `torch.load ${why} unpickles arbitrary objects`,
        evidence: { weights_only: call.keywords.weights_only ?? null },
      });
    } else if (name === 'numpy.load') {
      if (call.keywords.allow_pickle !== 'True') continue;
      hits.push({
        ...base,
        reason: 'numpy.load with allow_pickle=True unpickles object arrays',
        evidence: {},
      });
    } else {
      const reason =
        {
          'process-execution': 'starts a process',
          network: 'opens a network connection',
          'unsafe-deserialisation': 'deserialises data that can run code',
          'native-code': 'loads or calls native code',
          'code-execution': 'runs Python code from a file or module',
        }[category as string] ?? 'is dangerous';
      hits.push({ ...base, reason: `${call.written}() ${reason}`, evidence: {} });
    }
  }
  return hits;
}
