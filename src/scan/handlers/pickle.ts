import type { ByteSource } from '../../formats/byte-source.ts';
import { analysePickleStream } from '../../formats/pickle/stream.ts';
import type { HandlerContext } from '../context.ts';
import { toSubject } from '../pickle-subject.ts';
import { PICKLE_RULES } from '../rules/index.ts';
import type { PickleSubject } from '../rules/model/subjects.ts';

/**
 * Runs the pickle rules over every pickle in the stream. With `requireEvidence` (no PROTO header, or raw
 * tensor bytes), the bytes only count as a pickle when parsing shows a loader would act on them; otherwise
 * the handler declines and returns false so the caller can call them data.
 */
export function handlePickle(src: ByteSource, ctx: HandlerContext, requireEvidence: boolean): boolean {
  const stream = analysePickleStream(src);
  const subjects = stream.pickles.map((p, i) => toSubject(p, i, 0));
  if (requireEvidence && !subjects.some(isLoadable)) return false;
  const ruleCtx = { location: ctx.location, strict: ctx.strict };
  for (const subject of subjects) {
    for (const rule of PICKLE_RULES) ctx.result.findings.push(...rule.check(subject, ruleCtx));
    if (subject.analysis.incomplete !== undefined) {
      const where =
        ctx.location.member === undefined ? ctx.location.path : `${ctx.location.path}!${ctx.location.member}`;
      ctx.result.errors.push({
        path: where,
        error: `pickle ${subject.index}: ${subject.analysis.incomplete}`,
      });
    }
  }
  return true;
}

/** Anomalies no text file produces by accident: they need pickle-specific byte patterns to appear. */
const STRUCTURAL = new Set(['global-mutation', 'frame-mismatch', 'expansion', 'resource-limit']);

/** Random bytes (tensor data, text) never form this many valid opcodes in a row; a long valid run is a pickle. */
const LONG_RUN = 1000;

/**
 * Evidence that headerless bytes are a pickle worth reporting: a clean parse to STOP, a call, or a
 * dangerous name. A text file that happens to start with "c" fails all three.
 */
function isLoadable(s: PickleSubject): boolean {
  if (firstImportFails(s)) return false;
  if (s.analysis.complete && s.analysis.opcodeCount > 1) return true;
  if (s.analysis.anomalies.some((a) => STRUCTURAL.has(a.kind)) || s.analysis.opcodeCount >= LONG_RUN)
    return true;
  return s.imports.some((i) => i.record.calls.length > 0 || i.verdict.verdict === 'dangerous');
}

/** What Python's `find_class` can import: dotted identifiers (`os`, `os.path`, `Foo.bar` under protocol 4). */
const PYTHON_NAME = /^[\p{L}_][\p{L}\p{N}_]*(?:\.[\p{L}_][\p{L}\p{N}_]*)*$/u;

/**
 * The first import names a module or attribute no Python could import: a text line such as a CSV header
 * (`category,text` reads as GLOBAL "ategory,text"). `find_class` raises there and the load stops, and nothing
 * before the first import can call anything, so the bytes are no loadable pickle however long they parse.
 * Imports built indirectly (memo, concatenation) are not judged by their text.
 */
function firstImportFails(s: PickleSubject): boolean {
  let first: PickleSubject['imports'][number] | undefined;
  for (const i of s.imports) if (first === undefined || i.record.offset < first.record.offset) first = i;
  if (first === undefined || first.record.indirect) return false;
  return !PYTHON_NAME.test(first.record.module) || !PYTHON_NAME.test(first.record.name);
}
