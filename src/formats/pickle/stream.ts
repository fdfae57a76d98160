import type { ByteSource } from '../byte-source.ts';
import type { PickleAnalysis, StreamAnalysis } from './analysis.ts';
import { DEFAULT_PICKLE_LIMITS, type PickleLimits } from './limits.ts';
import { PickleMachine } from './machine.ts';
import { mayStartProto0, startsWithProto } from './sniff.ts';

/** Analyses one pickle starting at `offset`. Never throws: problems become anomalies. */
export function analysePickle(
  src: ByteSource,
  offset = 0,
  limits: PickleLimits = DEFAULT_PICKLE_LIMITS,
): PickleAnalysis {
  return new PickleMachine(src, offset, limits).run();
}

/**
 * After the first pickle, bytes without a PROTO header count as another pickle only when a loader would act
 * on them: a named callable that is called, or a complete parse that names callables. Raw storage data
 * (legacy torch, joblib) often parses for a few opcodes, and sometimes hits an EXT opcode by chance.
 */
function meaningful(p: PickleAnalysis): boolean {
  return p.imports.some((i) => i.callCount > 0) || (p.complete && p.imports.length > 0);
}

/**
 * Analyses every pickle in a stream: `pickle.load` called repeatedly on one file (legacy torch writes five,
 * attackers append more). After each STOP, the rest is another pickle when it starts with a PROTO header or
 * parses as one; otherwise it is trailing data (joblib array buffers, torch storages).
 */
export function analysePickleStream(
  src: ByteSource,
  limits: PickleLimits = DEFAULT_PICKLE_LIMITS,
): StreamAnalysis {
  const pickles: PickleAnalysis[] = [];
  let offset = 0;
  while (offset < src.size && pickles.length < limits.maxPickles) {
    const first = pickles.length === 0;
    if (!first && !startsWithProto(src, offset) && !mayStartProto0(src, offset)) break;
    const p = analysePickle(src, offset, limits);
    if (!first && !startsWithProto(src, offset) && !meaningful(p)) break;
    pickles.push(p);
    if (!p.complete || p.end <= offset) {
      offset = src.size;
      break;
    }
    offset = p.end;
  }
  const last = pickles[pickles.length - 1];
  if (pickles.length >= limits.maxPickles && offset < src.size && last !== undefined) {
    last.incomplete = `more than ${limits.maxPickles} pickles in one stream; the rest were not analysed`;
    last.anomalies.push({ kind: 'resource-limit', offset, detail: last.incomplete });
  }
  const trailing = Math.max(0, src.size - offset);
  return { pickles, trailingBytes: trailing, trailingOffset: trailing > 0 ? offset : undefined };
}
