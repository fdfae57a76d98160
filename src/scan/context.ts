import type { Location } from '../core/finding.ts';
import type { ScanResult } from '../core/result.ts';
import type { ByteSource } from '../formats/byte-source.ts';

/** Options a caller sets for a whole scan. */
export interface ScanOptions {
  /** Default-deny: unknown pickle imports count as high. */
  strict?: boolean;
  /** Called once per top-level file, before it is analysed (for progress bars). */
  onFile?: (path: string, index: number) => void;
}

/** What a format handler needs: where it is, how deep, and how to hand nested content back to the dispatcher. */
export interface HandlerContext {
  result: ScanResult;
  location: Location;
  strict: boolean;
  /** Containers inside containers: 0 for a file on disk. */
  depth: number;
  /** Analyses nested content (an archive member, an extracted file) with format detection. */
  scanNested(src: ByteSource, member: string, hints?: NestedHints): Promise<NestedOutcome>;
}

/** What the parent knows about a nested item. */
export interface NestedHints {
  /** Raw tensor storage in a torch archive (`archive/data/0`): a pickle only with an explicit PROTO header. */
  tensorData?: boolean;
}

/** Whether nested content was recognised and analysed. */
export type NestedOutcome = 'analysed' | 'not-a-model-format';

/** Joins container member paths with "/" after the parent member ("outer.zip!inner.tar/file.pkl"). */
export function childMember(parent: Location, member: string): string {
  return parent.member === undefined ? member : `${parent.member}!${member}`;
}
