import { bufferSource } from '../formats/byte-source.ts';
import type { LiteralRecord, PickleAnalysis } from '../formats/pickle/analysis.ts';
import { startsWithProto } from '../formats/pickle/sniff.ts';
import { analysePickleStream } from '../formats/pickle/stream.ts';
import { decodeLatin1 } from '../formats/pickle/text.ts';
import { classifyGlobal } from './pickle-policy/classify.ts';
import type { EmbeddedPayload, PickleSubject } from './rules/model/subjects.ts';

/** Nested pickles inside nested pickles stop here; deeper nesting is itself reported. */
const MAX_DEPTH = 2;

/** Classifies each of a pickle's imports once and inspects its literals for embedded payloads. */
export function toSubject(analysis: PickleAnalysis, index: number, depth: number): PickleSubject {
  const imports = analysis.imports.map((record) => ({
    record,
    verdict: classifyGlobal(record.module, record.name),
    count: record.count,
    codeArgument: undefined as string | undefined,
  }));
  for (const entry of imports) {
    for (const call of entry.record.calls) entry.codeArgument ??= findCode(call.args)?.what;
  }
  const embedded = depth < MAX_DEPTH ? analysis.literals.flatMap((l) => inspectLiteral(l, depth)) : [];
  return { analysis, index, imports, depth, embedded };
}

const CODE_PATTERNS: readonly [RegExp, string][] = [
  [/\b__import__\s*\(/, '__import__('],
  [/\bimport\s+(os|subprocess|socket|sys|ctypes|pty|shutil|requests|urllib)\b/, 'import of a system module'],
  [/\bos\.(system|popen|exec\w*|spawn\w*)\s*\(/, 'os command execution'],
  [/\bsubprocess\.(Popen|run|call|check_output|check_call|getoutput)\s*\(/, 'subprocess call'],
  [/\b(exec|eval|compile)\s*\(\s*["'A-Za-z_(]/, 'exec/eval of code'],
  [/\bsocket\.socket\s*\(/, 'raw socket'],
  [/(\/bin\/(ba|z)?sh\b|\bcurl\s+-|\bwget\s+http|powershell\s+-)/i, 'shell command'],
];

/** Looks inside one string/bytes literal for a pickle (raw, base64, hex) or source code meant to be run. */
function inspectLiteral(lit: LiteralRecord, depth: number): EmbeddedPayload[] {
  const head = lit.head;
  const nested = (bytes: Uint8Array, encoding: EmbeddedPayload['encoding']): EmbeddedPayload[] => {
    const src = bufferSource(bytes);
    if (!startsWithProto(src)) return [];
    const stream = analysePickleStream(src);
    const subjects = stream.pickles.map((p, i) => toSubject(p, i, depth + 1));
    if (!subjects.some((s) => s.analysis.complete || s.imports.length > 0)) return [];
    return [{ offset: lit.offset, literalLength: lit.length, encoding, nested: subjects, code: undefined }];
  };
  const direct = nested(head, 'raw');
  if (direct.length > 0) return direct;
  const text = decodeLatin1(head.subarray(0, Math.min(head.length, 65536)));
  const compact = text.replace(/\s+/g, '');
  if (compact.length >= 16 && /^[A-Za-z0-9+/]+={0,2}$/.test(compact)) {
    const decoded = Buffer.from(compact, 'base64');
    const found = nested(decoded, 'base64');
    if (found.length > 0) return found;
    const code = findCode(decodeLatin1(decoded));
    if (code)
      return [{ offset: lit.offset, literalLength: lit.length, encoding: 'base64', nested: [], code }];
  }
  if (compact.length >= 16 && /^(80|5c78)(0[2-5]|3[0-5])/i.test(compact) && /^[0-9a-fA-F]+$/.test(compact)) {
    const found = nested(Buffer.from(compact, 'hex'), 'hex');
    if (found.length > 0) return found;
  }
  const code = findCode(text);
  return code ? [{ offset: lit.offset, literalLength: lit.length, encoding: 'raw', nested: [], code }] : [];
}

/** The first code-execution pattern in `text`, with some context around it. */
export function findCode(text: string): { what: string; excerpt: string } | undefined {
  for (const [re, what] of CODE_PATTERNS) {
    const m = re.exec(text);
    if (m) {
      const from = Math.max(0, m.index - 40);
      return { what, excerpt: text.slice(from, from + 160) };
    }
  }
  return undefined;
}
