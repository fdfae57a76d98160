/** Caps that keep analysis linear in the bytes read and bounded in memory, whatever the input. */
export interface PickleLimits {
  /** Symbolic stack depth before switching to the lexical walk (memory: one pointer per entry). */
  maxStack: number;
  /** Memo entries before switching to the lexical walk. */
  maxMemo: number;
  /** Bytes kept from each str/bytes literal for evidence and nested-payload checks. */
  keepLiteral: number;
  /** Longest newline-terminated argument (protocol 0 strings, GLOBAL names). */
  maxLine: number;
  /** Pickles analysed in one stream before the rest is reported as a limit. */
  maxPickles: number;
  /** Literals recorded per pickle for the embedded-payload checks. */
  maxLiterals: number;
  /** Total bytes of literal prefixes recorded per pickle for those checks. */
  maxLiteralBytes: number;
}

export const DEFAULT_PICKLE_LIMITS: PickleLimits = {
  maxStack: 1_000_000,
  maxMemo: 1_000_000,
  keepLiteral: 64 * 1024,
  maxLine: 4 * 1024 * 1024,
  maxPickles: 1024,
  maxLiterals: 2048,
  maxLiteralBytes: 8 * 1024 * 1024,
};
