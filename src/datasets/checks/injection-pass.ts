/**
 * The shared pass of `dataset/prompt-injection` and `dataset/answer-injection`: the guard's injection
 * detectors (classifier, instruction override, role spoofing, prompt extraction) on the texts of one side,
 * after the cheap prefilter. One guard per pass, built on the first text that needs it.
 */
import type { RuleMeta } from '../../core/rule.ts';
import { codeRanges, inRanges } from '../../guard/detectors/markdown-code.ts';
import type { GuardPolicy } from '../../guard/policy-types.ts';
import type { RecordPass, TextRole } from '../types.ts';
import { mayBeInjection } from './injection-prefilter.ts';
import { lazyGuard } from './lazy-guard.ts';
import { excerpt, recordFinding, textsOn } from './record-finding.ts';
import { RecordReportCap } from './report-cap.ts';

const CLASSIFIER = 'guard/injection-classifier';

export const INJECTION_DETECTORS = [
  'guard/injection-classifier',
  'guard/instruction-override',
  'guard/role-spoofing',
  'guard/prompt-extraction',
] as const;

/**
 * `classifierFloor`: the classifier's score needed for its detection to count. The guard's 0.5 suits
 * prompts (what it was trained on); answers are another distribution — plain explanations that mention
 * filtering or rules score just above 0.5 — so the answer rule asks for more, or for a phrase match.
 */
export interface InjectionPassOptions {
  roles: readonly TextRole[];
  /** `prompt` or `answer`, for messages. */
  side: string;
  classifierFloor?: number;
  /** Guard policy overrides (thresholds) for this side. */
  policy?: GuardPolicy;
  /** Drop detections inside Markdown code (an answer quoting a template or an attack string as code). */
  skipCode?: boolean;
}

export function startInjectionPass(meta: RuleMeta, options: InjectionPassOptions): RecordPass {
  const { roles, side, classifierFloor = 0.5, skipCode = false } = options;
  const guard = lazyGuard(INJECTION_DETECTORS, options.policy);
  const cap = new RecordReportCap();
  return {
    check(record, where) {
      cap.beginRecord();
      const out = [];
      for (const t of textsOn(record, roles)) {
        if (!mayBeInjection(t.text)) continue;
        const verdict = guard().scanInput(t.text);
        const code = skipCode && t.text.includes('`') ? codeRanges(t.text) : [];
        const findings = verdict.findings.filter((f) =>
          f.ruleId === CLASSIFIER
            ? Number(f.evidence?.score ?? 0) >= classifierFloor
            : f.location.offset === undefined || !inRanges(code, f.location.offset),
        );
        if (findings.length === 0) continue;
        const detectors = [...new Set(findings.map((f) => f.ruleId))];
        if (!cap.take(new Map(detectors.map((d) => [d, 1])))) continue;
        const at = findings.find((f) => f.location.offset !== undefined)?.location.offset ?? 0;
        out.push(
          recordFinding(meta, where, {
            field: t.field,
            message: `${side} reads like a prompt injection or jailbreak (${detectors.join(', ')}; score ${verdict.score})`,
            evidence: {
              role: t.role,
              detectors,
              score: verdict.score,
              messages: findings.slice(0, 5).map((f) => f.message),
              excerpt: excerpt(t.text.slice(at)),
            },
          }),
        );
      }
      return out;
    },
    lastFlagged: () => cap.flaggedNow,
    finish: (file) => cap.finish(meta, file, `hold ${side}s that read like prompt injections`),
  };
}
