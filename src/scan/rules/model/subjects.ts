import type { ImportRecord, PickleAnalysis } from '../../../formats/pickle/analysis.ts';
import type { Classification } from '../../pickle-policy/classify.ts';

/** One pickle of a stream, with every import already classified once for all rules. */
export interface PickleSubject {
  analysis: PickleAnalysis;
  /** Position of this pickle in its stream (legacy torch files hold five). */
  index: number;
  imports: {
    record: ImportRecord;
    verdict: Classification;
    count: number;
    /** Set when a call passes source code or a shell command as an argument (what kind of code). */
    codeArgument: string | undefined;
  }[];
  /** Nesting depth: 0 for a file's own pickles, 1+ for pickles found inside literals. */
  depth: number;
  embedded: EmbeddedPayload[];
}

/** Structural oddities of an archive (zip, tar, 7z) that make readers disagree about its contents. */
export interface ArchiveSubject {
  format: 'zip' | 'tar' | '7z';
  anomalies: { kind: string; entry?: string | undefined; detail: string }[];
}

/** A pickle or code hidden in a str/bytes literal: data now, payload once someone loads or runs it. */
export interface EmbeddedPayload {
  offset: number;
  literalLength: number;
  encoding: 'raw' | 'base64' | 'hex';
  /** Pickles decoded from the literal, analysed like top-level ones. */
  nested: PickleSubject[];
  /** Source code or shell found in the literal. */
  code: { what: string; excerpt: string } | undefined;
}
