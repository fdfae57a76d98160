/**
 * Caps record-by-record reporting. A data set full of e-mail addresses would otherwise produce a million
 * findings; past the cap the pass only counts, and `finish` reports one total with the per-kind counts.
 */
import type { Finding, Location } from '../../core/finding.ts';
import type { RuleMeta } from '../../core/rule.ts';

/** Records reported one by one per rule and file before the rule only counts: below the handler's own cap
 * per rule (100 findings), so the total with its per-kind counts is never folded into a "+N more". */
export const DEFAULT_RECORD_CAP = 50;
/** Distinct kinds (hosts, PII kinds) a total keeps; the rest are summed under `other`. */
const MAX_KINDS = 1000;

export class RecordReportCap {
  private reported = 0;
  private unreported = 0;
  /** Every flagged record, reported or not. */
  private flagged = 0;
  private readonly kinds = new Map<string, number>();
  private otherKinds = 0;
  /** Whether the record being checked was flagged (reported or only counted): the pass's `lastFlagged`. */
  flaggedNow = false;

  constructor(readonly max: number = DEFAULT_RECORD_CAP) {}

  /** Call at the start of each record's check. */
  beginRecord(): void {
    this.flaggedNow = false;
  }

  /** Counts a flagged record with its per-kind counts; true when it may still be reported on its own. */
  take(kinds: ReadonlyMap<string, number> = new Map()): boolean {
    this.flaggedNow = true;
    this.flagged++;
    for (const [kind, n] of kinds) {
      const seen = this.kinds.get(kind);
      if (seen !== undefined) this.kinds.set(kind, seen + n);
      else if (this.kinds.size < MAX_KINDS) this.kinds.set(kind, n);
      else this.otherKinds += n;
    }
    if (this.reported < this.max) {
      this.reported++;
      return true;
    }
    this.unreported++;
    return false;
  }

  /** One finding when records went unreported: how many, and the per-kind totals over every flagged record. */
  finish(meta: RuleMeta, file: Location, what: string): Finding[] {
    if (this.unreported === 0) return [];
    const top = [...this.kinds].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, 50);
    const evidence: Record<string, unknown> = {
      flaggedRecords: this.flagged,
      reportedRecords: this.reported,
      unreportedRecords: this.unreported,
    };
    if (top.length > 0) evidence.counts = Object.fromEntries(top);
    if (this.otherKinds > 0) evidence.otherCount = this.otherKinds;
    return [
      {
        ruleId: meta.id,
        severity: meta.severity,
        message: `${this.flagged} records ${what}; the first ${this.reported} are reported one by one, ${this.unreported} more are counted here`,
        location: { ...file },
        evidence,
      },
    ];
  }
}
