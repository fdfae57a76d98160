import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { SevenZipModule, SevenZipModuleFactory, SevenZipModuleOptions } from '7z-wasm';
import { ParapetError } from '../core/errors.ts';
import type { ByteSource } from './byte-source.ts';
import { linkEscapes, pathAnomaly, quote } from './tar.ts';

const MAGIC = [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c] as const;
/** Paths in the WASM module's in-memory filesystem; no real filesystem is ever mounted. */
const ARCHIVE = '/parapet/archive.7z';
const EXCLUDE_LIST = '/parapet/exclude.txt';
/** A fixed wrong password: encrypted content then fails instead of making 7-Zip prompt. */
const COMMON = ['-t7z', '-pparapet-no-password', '-y', '-bd', '-sccUTF-8', '-scsUTF-8'];
const MAX_MESSAGE = 64 * 1024;
/** Heap cap for one 7-Zip instance (the module allows 2 GiB): hostile headers can ask for huge tables. */
const MAX_HEAP = 1024 * 1024 * 1024;

/** Why an entry's bytes were not extracted. */
export type SevenZipSkipReason =
  | 'encrypted'
  | 'too-many-entries'
  | 'entry-too-large'
  | 'total-too-large'
  | 'shares-name-with-skipped-entry'
  | 'corrupt';

/** One member of a 7z archive. Directories have `isDir` and no data; files have data unless `skippedWhy` says why not. */
export interface SevenZipEntry {
  /** Path as 7-Zip lists it (control characters shown as `_`). */
  name: string;
  /** Declared uncompressed size. */
  size: number;
  isDir: boolean;
  isSymlink: boolean;
  encrypted: boolean;
  data: Uint8Array | undefined;
  skippedWhy?: SevenZipSkipReason;
}

/** Something a scanner should report about the archive itself. */
export interface SevenZipAnomaly {
  kind:
    | 'path-traversal'
    | 'absolute-path'
    | 'symlink'
    | 'link-outside'
    | 'duplicate-name'
    | 'encrypted'
    | 'encrypted-headers'
    | 'limit'
    | 'archive-warning';
  entry?: string;
  detail: string;
}

/** Caps on extraction: entries past a cap keep their listing but get no data. */
export interface SevenZipLimits {
  /** Sum of extracted sizes, default 256 MiB. */
  maxTotalBytes?: number;
  /** File entries past this many are skipped, default 10,000. */
  maxEntries?: number;
  /** Single-entry cap, default maxTotalBytes. */
  maxEntryBytes?: number;
}

/** True when the source starts with the 7z signature. */
export function isSevenZip(src: ByteSource): boolean {
  const head = src.readAt(0, MAGIC.length);
  return head.length === MAGIC.length && MAGIC.every((b, i) => head[i] === b);
}

/**
 * Lists a 7z archive with 7-Zip compiled to WASM, then extracts the entries that fit the caps. Sizes come from
 * the listing before anything is decompressed, so a bomb is refused rather than inflated. Throws
 * ParapetError('MALFORMED') when 7-Zip cannot read the archive, ParapetError('LIMIT') when its output outgrows
 * what the listing declared.
 */
export async function listAndExtractSevenZip(
  bytes: Uint8Array,
  limits?: SevenZipLimits,
): Promise<{ entries: SevenZipEntry[]; anomalies: SevenZipAnomaly[] }> {
  const maxTotal = limits?.maxTotalBytes ?? 256 * 1024 * 1024;
  const maxEntries = limits?.maxEntries ?? 10_000;
  const maxEntry = limits?.maxEntryBytes ?? maxTotal;
  if (!MAGIC.every((b, i) => bytes[i] === b)) throw new ParapetError('MALFORMED', '7z: missing 7z signature');

  const session = await openSession();
  session.fs.mkdir('/parapet');
  session.fs.writeFile(ARCHIVE, bytes);
  // An entry lists in a few hundred bytes; the cap bounds memory for archives claiming millions of entries.
  const listing = session.run(['l', '-slt', ...COMMON, '--', ARCHIVE], 8 * 1024 * 1024 + maxEntries * 4096);
  if (listing.overflow) throw new ParapetError('LIMIT', '7z: listing larger than the entry cap allows');
  if (listing.rc !== 0) {
    if (!hasEncryptedHeaders(bytes)) throw new ParapetError('MALFORMED', `7z: ${failure(listing)}`);
    const detail = 'entry names and sizes are encrypted; nothing can be listed without the password';
    return { entries: [], anomalies: [{ kind: 'encrypted-headers', detail }] };
  }
  const { entries, warnings } = parseSevenZipListing(utf8(listing.out));
  const anomalies: SevenZipAnomaly[] = warnings.map((detail) => ({ kind: 'archive-warning', detail }));
  const note = (kind: SevenZipAnomaly['kind'], entry: string, detail: string): void => {
    anomalies.push({ kind, entry, detail });
  };

  const seen = new Set<string>();
  let total = 0;
  let files = 0;
  for (const e of entries) {
    const bad = pathAnomaly(e.name);
    if (bad) note(bad, e.name, `entry path ${quote(e.name)} escapes the extraction directory`);
    if (seen.has(e.name)) note('duplicate-name', e.name, 'more than one entry has this path');
    seen.add(e.name);
    if (e.isSymlink) note('symlink', e.name, 'entry is a symbolic link');
    if (e.isDir) continue;
    if (++files > maxEntries) e.skippedWhy = 'too-many-entries';
    else if (e.encrypted) e.skippedWhy = 'encrypted';
    else if (!(e.size <= maxEntry)) e.skippedWhy = 'entry-too-large';
    else if (!(total + e.size <= maxTotal)) e.skippedWhy = 'total-too-large';
    else total += e.size;
  }
  const wanted = planExtraction(entries);
  const skipped = new Map<string, number>();
  for (const e of entries) if (e.skippedWhy) skipped.set(e.skippedWhy, (skipped.get(e.skippedWhy) ?? 0) + 1);
  for (const [why, n] of skipped) {
    const kind = why === 'encrypted' ? 'encrypted' : why.startsWith('shares') ? 'duplicate-name' : 'limit';
    anomalies.push({ kind, detail: `${n} entries not extracted: ${why}` });
  }

  const expected = wanted.reduce((n, e) => n + e.size, 0);
  if (expected > 0) {
    const args = ['e', '-so', ...COMMON];
    const excluded = entries.filter((e) => !e.isDir && e.skippedWhy).map((e) => e.name);
    if (excluded.length > 0) {
      session.fs.writeFile(EXCLUDE_LIST, `${excluded.join('\n')}\n`);
      args.push(`-x@${EXCLUDE_LIST}`);
    }
    const run = session.run([...args, '--', ARCHIVE], expected);
    if (run.overflow) throw new ParapetError('LIMIT', `7z: 7-Zip produced over the ${expected} bytes listed`);
    if (run.rc !== 0) {
      // One damaged entry must not hide the others (an attacker could corrupt a decoy to bury the payload):
      // extract entry by entry, each in a fresh 7-Zip instance, and mark only the failures.
      if (wanted.length <= 1 || wanted.length > MAX_ONE_BY_ONE)
        throw new ParapetError('MALFORMED', `7z: ${failure(run)}`);
      await extractOneByOne(bytes, wanted, note);
    } else {
      const got = run.out.length;
      if (got !== expected)
        throw new ParapetError('MALFORMED', `7z: extracted ${got} bytes, listed ${expected}`);
      let pos = 0;
      for (const e of wanted) {
        e.data = run.out.subarray(pos, pos + e.size);
        pos += e.size;
      }
    }
  }
  for (const e of wanted) {
    if (e.skippedWhy === 'corrupt') continue;
    e.data ??= new Uint8Array(0);
    const target = e.isSymlink ? utf8(e.data) : '';
    if (e.isSymlink && linkEscapes(e.name, target)) {
      note('link-outside', e.name, `symlink points outside the archive: ${quote(target)}`);
    }
  }
  return { entries, anomalies };
}

/** Entries extracted one at a time after a whole-archive failure; past this the archive is one error. */
const MAX_ONE_BY_ONE = 1000;

async function extractOneByOne(
  bytes: Uint8Array,
  wanted: SevenZipEntry[],
  note: (kind: SevenZipAnomaly['kind'], entry: string, detail: string) => void,
): Promise<void> {
  for (const e of wanted) {
    if (/[*?]/.test(e.name)) {
      e.skippedWhy = 'corrupt'; // a wildcard name cannot be selected alone
      continue;
    }
    const one = await openSession();
    one.fs.mkdir('/parapet');
    one.fs.writeFile(ARCHIVE, bytes);
    const run = one.run(['e', '-so', ...COMMON, '--', ARCHIVE, e.name], e.size);
    if (run.rc === 0 && !run.overflow && run.out.length === e.size) e.data = run.out;
    else {
      e.skippedWhy = 'corrupt';
      note('archive-warning', e.name, `entry could not be extracted: ${failure(run)}`);
    }
  }
}

/**
 * Parses `7z l -slt` output: the archive block up to the `----------` line (its WARNINGS/ERRORS lines come
 * back as warnings), then one `Key = Value` block per entry, each starting at `Path = `. 7-Zip prints control
 * characters in names as `_`, so a hostile name cannot forge lines. Entries come back with no data.
 */
export function parseSevenZipListing(text: string): { entries: SevenZipEntry[]; warnings: string[] } {
  const lines = text.split('\n');
  const entries: SevenZipEntry[] = [];
  const warnings: string[] = [];
  let i = 0;
  let inMessages = false;
  for (; i < lines.length && lines[i] !== '----------'; i++) {
    const line = lines[i]!.trim();
    if (line === 'WARNINGS:' || line === 'ERRORS:') inMessages = true;
    else if (line.includes(' = ') || line === '') inMessages = false;
    else if (inMessages && warnings.length < 100) warnings.push(line);
  }
  let cur: Map<string, string> | undefined;
  const finish = (): void => {
    if (!cur) return;
    const [winAttrs = '', unixMode = ''] = (cur.get('Attributes') ?? '').split(' ');
    const size = cur.get('Size') ?? '';
    if (!/^\d*$/.test(size)) throw new ParapetError('MALFORMED', `7z: bad size ${quote(size)}`);
    entries.push({
      name: cur.get('Path') ?? '',
      size: Number(size), // '' is 0; absurd digit strings become huge numbers and fail every cap
      isDir: winAttrs.includes('D') || unixMode.startsWith('d') || cur.get('Folder') === '+',
      isSymlink: unixMode.startsWith('l'),
      encrypted: cur.get('Encrypted') === '+',
      data: undefined,
    });
  };
  for (i++; i < lines.length; i++) {
    const line = lines[i]!;
    const eq = line.indexOf(' = ');
    if (eq < 0) continue;
    const key = line.slice(0, eq);
    if (key === 'Path') {
      finish();
      cur = new Map();
    }
    if (cur && !cur.has(key)) cur.set(key, line.slice(eq + 3));
  }
  finish();
  return { entries, warnings };
}

/**
 * The entries to extract, in archive order. 7-Zip excludes by name pattern and a pattern also covers everything
 * under it, so a wanted entry an exclusion would also hit is given up rather than left to misalign the output.
 * Excluded names go in a trie, so the check is linear in name length; a wildcard in one gives up everything.
 */
function planExtraction(entries: SevenZipEntry[]): SevenZipEntry[] {
  interface Trie {
    end: boolean;
    next: Map<string, Trie>;
  }
  const root: Trie = { end: false, next: new Map() };
  let wildcard = false;
  for (const e of entries.filter((x) => !x.isDir && x.skippedWhy)) {
    wildcard ||= /[*?]/.test(e.name);
    let node = root;
    for (const part of e.name.split('/')) {
      const child = node.next.get(part) ?? { end: false, next: new Map() };
      node.next.set(part, child);
      node = child;
    }
    node.end = true;
  }
  const wanted: SevenZipEntry[] = [];
  for (const e of entries.filter((x) => !x.isDir && !x.skippedWhy)) {
    let node: Trie | undefined = root;
    let hit = wildcard;
    for (const part of e.name.split('/')) {
      node = node?.next.get(part);
      hit ||= node?.end === true;
    }
    if (hit) e.skippedWhy = 'shares-name-with-skipped-entry';
    else wanted.push(e);
  }
  return wanted;
}

/** With `-mhe`, the end header is an encoded header (0x17) whose coder list names 7zAES (06 F1 07 01). */
function hasEncryptedHeaders(bytes: Uint8Array): boolean {
  if (bytes.length < 32) return false;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const offset = 32 + Number(view.getBigUint64(12, true));
  if (!(offset < bytes.length) || bytes[offset] !== 0x17) return false;
  const header = bytes.subarray(offset, offset + Math.min(Number(view.getBigUint64(20, true)), 4096));
  return Buffer.from(header).includes(Buffer.from([0x06, 0xf1, 0x07, 0x01]));
}

interface RunResult {
  rc: number | undefined;
  thrown: unknown;
  out: Uint8Array;
  overflow: boolean;
  messages: string;
}

/** The error lines of a failed run, with the in-memory archive path removed. */
function failure(r: RunResult): string {
  const lines = `${r.messages}\n${utf8(r.out)}`
    .split('\n')
    .map((l) => l.trim().replaceAll(ARCHIVE, 'archive'))
    .filter((l) => /error|warning|can ?not|unexpected|unsupported|wrong/i.test(l) && !l.startsWith('7-Zip'));
  const message = [...new Set(lines)].slice(0, 4).join('; ').slice(0, 500);
  if (message) return message;
  return r.thrown === undefined ? `7-Zip exited with code ${r.rc}` : '7-Zip failed reading the headers';
}

/** The glue is UMD/CommonJS: under NodeNext the default import is `module.exports`, which is the factory. */
type Factory = (
  opts: Partial<SevenZipModuleOptions> & { instantiateWasm: InstantiateWasm },
) => ReturnType<SevenZipModuleFactory>;

/** Loaded on first use: the 7-Zip glue costs ~9 MB at import, which scans without 7z should not pay. */
async function loadFactory(): Promise<Factory> {
  const glue = (await import('7z-wasm')) as unknown as { default: unknown };
  return glue.default as Factory;
}
type InstantiateWasm = (imports: object, done: (instance: object) => void) => object;
/** The slice of the WebAssembly API used here; the project's libs (ES2023, no DOM) do not declare it. */
const wasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
interface WasmApi {
  compile(bytes: Uint8Array): Promise<object>;
  Instance: new (module: object, imports: object) => object;
}

let compiled: Promise<object> | undefined;

/** Compiling the 1.6 MB module is the slow part of start-up; it is done once and shared by all instances. */
function compiledModule(): Promise<object> {
  compiled ??= Promise.resolve()
    .then(() => wasmApi.compile(readFileSync(createRequire(import.meta.url).resolve('7z-wasm/7zz.wasm'))))
    .catch((err: unknown) => {
      compiled = undefined;
      throw new ParapetError('UNREADABLE', `7z: cannot load 7z-wasm: ${String(err)}`);
    });
  return compiled;
}

/**
 * A fresh 7-Zip instance per archive: 7-Zip throws through main on some corrupt headers, which can leave an
 * instance's C++ state broken, and dropping the instance also returns all of its memory.
 */
async function openSession(): Promise<{
  fs: SevenZipModule['FS'];
  run(a: string[], max: number): RunResult;
}> {
  const wasm = await compiledModule();
  let sink = new Uint8Array(0);
  let len = 0;
  let cap = 0;
  let overflow = false;
  const errBytes: number[] = [];
  let printed = '';
  const print = (s: string): void => {
    if (printed.length < MAX_MESSAGE) printed += `${s}\n`;
  };
  const factory = await loadFactory();
  const module = await factory({
    stdin: () => null as unknown as number, // EOF: 7-Zip must never wait on the real stdin
    stdout: (c: number) => {
      if (len >= cap) {
        overflow = true;
        throw new Error('output cap'); // 7-Zip sees a write error and stops decompressing
      }
      if (len === sink.length) {
        const next = new Uint8Array(Math.min(cap, Math.max(64 * 1024, sink.length * 2)));
        next.set(sink);
        sink = next;
      }
      sink[len++] = c;
    },
    stderr: (c: number) => {
      if (errBytes.length < MAX_MESSAGE) errBytes.push(c);
    },
    print,
    printErr: print,
    // Synchronous, so a failure rejects the factory's promise instead of leaving it pending forever.
    instantiateWasm: (imports, done) => {
      // Refusing to grow makes malloc fail, which 7-Zip reports as an allocation error instead of eating memory.
      const env = (imports as { env?: Record<string, unknown> }).env;
      const grow = env?.emscripten_resize_heap;
      if (env && typeof grow === 'function') {
        env.emscripten_resize_heap = (size: number) => size >>> 0 <= MAX_HEAP && grow(size);
      }
      done(new wasmApi.Instance(wasm, imports));
      return {};
    },
  }).catch((e: unknown) => {
    throw new ParapetError('UNREADABLE', `7z: cannot instantiate 7z-wasm: ${String(e)}`);
  });
  return {
    fs: module.FS,
    run(args, maxOut) {
      sink = new Uint8Array(0);
      len = 0;
      cap = maxOut;
      overflow = false;
      errBytes.length = 0;
      printed = '';
      // Emscripten's exit path writes process.exitCode; scanning an archive must not change how the process exits.
      const savedExitCode = process.exitCode;
      let rc: number | undefined;
      let thrown: unknown;
      try {
        rc = (module.callMain as (a: string[]) => number)(args);
      } catch (e) {
        thrown = e;
      } finally {
        process.exitCode = savedExitCode;
      }
      const messages = utf8(Uint8Array.from(errBytes)) + printed;
      return { rc, thrown, out: sink.subarray(0, len), overflow, messages };
    },
  };
}

function utf8(bytes: Uint8Array): string {
  return new TextDecoder('utf-8').decode(bytes);
}

/** Single-stream compressions that Node's zlib cannot open but 7-Zip can, with 7-Zip's type switch. */
const STREAM_TYPES = { bz2: 'bzip2', xz: 'xz', lzma: 'lzma', zstd: 'zstd' } as const;

/**
 * Decompresses a bzip2/xz/lzma stream with 7-Zip (in memory, inside its WASM sandbox), up to `maxBytes` of
 * output: LIMIT past that, MALFORMED when 7-Zip cannot read it (including formats this build lacks).
 */
export async function decompressStream(
  bytes: Uint8Array,
  kind: keyof typeof STREAM_TYPES,
  maxBytes: number,
): Promise<Uint8Array> {
  const session = await openSession();
  session.fs.mkdir('/parapet');
  const path = `/parapet/stream.${kind}`;
  session.fs.writeFile(path, bytes);
  const run = session.run(['e', '-so', `-t${STREAM_TYPES[kind]}`, '-y', '-bd', '--', path], maxBytes);
  if (run.overflow) throw new ParapetError('LIMIT', `${kind} stream decompresses past ${maxBytes} bytes`);
  if (run.rc !== 0) throw new ParapetError('MALFORMED', `${kind}: ${failure(run)}`);
  return run.out;
}
