/** What static analysis of one pickle stream found. Pure data: rules turn it into findings. */

/** A callable named by GLOBAL, STACK_GLOBAL, INST or EXT, as the unpickler would resolve it. */
export interface ImportRecord {
  module: string;
  name: string;
  /** Opcode that named it. */
  opcode: 'GLOBAL' | 'STACK_GLOBAL' | 'INST';
  /** Byte offset of that opcode. */
  offset: number;
  /** True when module or name were built from memo values, DUPs or string concatenation, not a literal pair. */
  indirect: boolean;
  /** The first call sites (REDUCE, OBJ, INST, NEWOBJ, NEWOBJ_EX, BUILD → __setstate__), with their arguments. */
  calls: { opcode: string; offset: number; args: string }[];
  /** Every call site, including those not kept in `calls`. */
  callCount: number;
  /** How many times the stream names it. */
  count: number;
}

/** Something odd about the stream itself, with the byte offset where it happened. */
export interface Anomaly {
  kind:
    | 'malformed' // the unpickler would raise here: everything before it has already run
    | 'unresolved-global' // STACK_GLOBAL operands that are not strings, missing memo entries...
    | 'unresolved-call' // a call whose target is not a named global (a call result, a persistent id...)
    | 'extension-code' // EXT1/2/4: a callable from copyreg's extension registry
    | 'global-mutation' // BUILD/SETITEM/APPEND applied to a global object rather than an instance
    | 'frame-mismatch' // FRAME lengths that disagree with the opcodes they contain
    | 'expansion' // memo/DUP structures that expand far beyond the stream size
    | 'resource-limit' // a parser cap was hit; analysis continued lexically
    | 'protocol'; // PROTO values or opcodes beyond the declared protocol
  offset: number;
  detail: string;
}

/** A string or bytes literal worth a second look (long, or shaped like code or a pickle). */
export interface LiteralRecord {
  kind: 'str' | 'bytes';
  offset: number;
  length: number;
  head: Uint8Array;
}

/** Analysis of one pickle (one PROTO..STOP) inside a stream. */
export interface PickleAnalysis {
  /** Offset of the first opcode. */
  start: number;
  /** Offset just past STOP, or where analysis ended. */
  end: number;
  protocol: number | undefined;
  complete: boolean;
  opcodeCount: number;
  imports: ImportRecord[];
  anomalies: Anomaly[];
  literals: LiteralRecord[];
  /** Why analysis could not record everything (a cap was hit), when it could not. */
  incomplete: string | undefined;
}

/** Analysis of every pickle in a stream, plus trailing data that is not a pickle. */
export interface StreamAnalysis {
  pickles: PickleAnalysis[];
  trailingBytes: number;
  /** Offset where trailing non-pickle data starts, when there is any. */
  trailingOffset: number | undefined;
}
