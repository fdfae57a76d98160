import type { Anomaly, ImportRecord, LiteralRecord } from './analysis.ts';
import type { PickleLimits } from './limits.ts';
import type { Chunk } from './reader.ts';
import { decodeLoose, decodeUtf8 } from './text.ts';
import type { PValue } from './values.ts';

/** Bytes of each str value kept on the stack/memo while under RETAIN_BUDGET, and after it. */
const MAX_STR_BYTES = 4096;
const MIN_STR_BYTES = 256;
/** Total str bytes retained across stack and memo: memory stays bounded whatever the stream holds. */
const RETAIN_BUDGET = 32 * 1024 * 1024;
/** Distinct callables recorded per pickle; past this the analysis is reported incomplete. */
const MAX_DISTINCT_IMPORTS = 100_000;
/** Call sites kept per callable for evidence (all are counted). */
const MAX_CALLS_KEPT = 8;
/** Anomalies kept per pickle. */
const MAX_ANOMALIES = 200;

/**
 * What analysis of one pickle found, shared by the symbolic machine and its lexical fallback: imports
 * (one record per distinct callable), anomalies, literal prefixes for the embedded-payload checks, and the
 * two most recent strings. Every collection is capped, so memory stays bounded whatever the stream holds.
 */
export class Recorder {
  readonly imports: ImportRecord[] = [];
  readonly anomalies: Anomaly[] = [];
  readonly literals: LiteralRecord[] = [];
  /** Set when a cap dropped information: the analysis is then not complete, whatever else it found. */
  incomplete: string | undefined;
  /** The two most recent string literals (older, newer), for the lexical STACK_GLOBAL fallback. */
  prevString: string | undefined;
  lastString: string | undefined;
  private readonly importsByName = new Map<string, ImportRecord>();
  private literalBudget: number;
  private retained = 0;

  constructor(private readonly limits: PickleLimits) {
    this.literalBudget = limits.maxLiteralBytes;
  }

  anomaly(kind: Anomaly['kind'], offset: number, detail: string): void {
    if (this.anomalies.length < MAX_ANOMALIES) this.anomalies.push({ kind, offset, detail });
  }

  noteString(v: string | undefined): void {
    this.prevString = this.lastString;
    this.lastString = v;
  }

  /** One record per distinct callable: a checkpoint names _rebuild_tensor_v2 once per tensor. */
  importOf(
    module: string,
    name: string,
    opcode: ImportRecord['opcode'],
    offset: number,
    indirect: boolean,
  ): ImportRecord {
    const key = `${module}\0${name}`;
    const seen = this.importsByName.get(key);
    if (seen !== undefined) {
      seen.count++;
      seen.indirect ||= indirect;
      return seen;
    }
    const imp: ImportRecord = { module, name, opcode, offset, indirect, calls: [], callCount: 0, count: 1 };
    if (this.importsByName.size >= MAX_DISTINCT_IMPORTS) {
      if (this.incomplete === undefined) {
        this.incomplete = `more than ${MAX_DISTINCT_IMPORTS} distinct imports; the rest were not classified`;
        this.anomaly('resource-limit', offset, this.incomplete);
      }
      return imp; // still resolves on the stack, but is not recorded
    }
    this.importsByName.set(key, imp);
    this.imports.push(imp);
    return imp;
  }

  noteCall(imp: ImportRecord, opcode: string, offset: number, args: string): void {
    imp.callCount++;
    if (imp.calls.length < MAX_CALLS_KEPT) imp.calls.push({ opcode, offset, args });
  }

  /**
   * A str value for the stack. Only a prefix is kept (module and attribute names are short), from fresh bytes
   * so no large buffer stays reachable; past the retained-bytes budget the prefix shrinks further.
   */
  strLiteral(c: Chunk, offset: number, decode: (b: Uint8Array) => string): PValue {
    this.literal('str', offset, c);
    if (c.head.length === c.length) decode(c.head); // strict check of the whole literal, as CPython decodes it
    const keep = this.retained < RETAIN_BUDGET ? MAX_STR_BYTES : MIN_STR_BYTES;
    const truncated = c.length > keep;
    const v = truncated
      ? (decode === decodeUtf8 ? decodeLoose : decode)(c.head.subarray(0, keep))
      : decode(c.head);
    this.retained += Math.min(c.length, keep);
    this.noteString(v);
    return { t: 'str', v, truncated, derived: false };
  }

  bytesLiteral(c: Chunk, offset: number): PValue {
    this.literal('bytes', offset, c);
    this.noteString(undefined);
    return { t: 'bytes', length: c.length, head: c.head.slice(0, 64) };
  }

  /** Keeps a literal's prefix for the embedded-payload checks, within the per-pickle budget. */
  private literal(kind: 'str' | 'bytes', offset: number, c: Chunk): void {
    if (c.length < 8 || this.literals.length >= this.limits.maxLiterals || this.literalBudget <= 0) return;
    const head = c.head.length > this.literalBudget ? c.head.slice(0, this.literalBudget) : c.head;
    this.literalBudget -= head.length;
    this.literals.push({ kind, offset, length: c.length, head });
  }
}
