import type { RuleMeta } from '../../../core/rule.ts';
import { lazyGuard } from '../../../datasets/checks/lazy-guard.ts';
import { recordFinding } from '../../../datasets/checks/record-finding.ts';
import { RecordReportCap } from '../../../datasets/checks/report-cap.ts';
import { statefulRule } from '../../../datasets/checks/stateful-rule.ts';
import type { RecordPass, RecordRule } from '../../../datasets/types.ts';

const meta: RuleMeta = {
  id: 'dataset/invisible-text',
  title: 'A record hides characters that render as nothing (tag characters, zero-width runs, bidi controls)',
  severity: 'medium',
  tags: ['OWASP-LLM04', 'OWASP-LLM01', 'AML.T0020', 'AML.T0051.001', 'CWE-1007'],
  references: [
    'https://embracethered.com/blog/posts/2024/hiding-and-finding-text-with-unicode-tags/',
    'https://trojansource.codes/',
    'https://genai.owasp.org/llmrisk/llm042025-data-and-model-poisoning/',
  ],
  fix: 'Strip the characters (NFKC does not) and read what the tag characters decode to: text nobody reviewing the set can see is text a model still trains on — a hidden trigger or instruction.',
};

/** Whether the text holds a code point the guard's detector judges; only then is the guard called. */
function hasCandidate(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x115f) continue;
    if (
      c === 0x115f ||
      c === 0x1160 ||
      (c >= 0x180b && c <= 0x180f) ||
      (c >= 0x200b && c <= 0x200f) ||
      (c >= 0x202a && c <= 0x202e) ||
      (c >= 0x2060 && c <= 0x206f) ||
      c === 0x3164 ||
      (c >= 0xfe00 && c <= 0xfe0f) ||
      c === 0xfeff ||
      c === 0xffa0 ||
      (c >= 0xfff0 && c <= 0xfff8)
    )
      return true;
    // Tag characters (U+E0000–E007F) and supplementary variation selectors (U+E0100–E01EF): high surrogate DB40.
    if (c === 0xdb40) return true;
  }
  return false;
}

function start(): RecordPass {
  const guard = lazyGuard(['guard/invisible-text']);
  const cap = new RecordReportCap();
  return {
    check(record, where) {
      cap.beginRecord();
      const out = [];
      for (const t of record.texts) {
        if (!hasCandidate(t.text)) continue;
        // The guard leaves legitimate uses alone (emoji sequences, joiners in Arabic or Indic text, a BOM).
        const verdict = guard().scanOutput(t.text);
        if (verdict.findings.length === 0) continue;
        const kinds = new Map<string, number>();
        let hidden = '';
        for (const f of verdict.findings) {
          const kind = String(f.evidence?.kind ?? 'invisible');
          kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
          if (hidden === '' && typeof f.evidence?.decoded === 'string') hidden = f.evidence.decoded;
        }
        if (!cap.take(kinds)) continue;
        const names = [...kinds].map(([k, n]) => (n > 1 ? `${k} ×${n}` : k)).join(', ');
        const evidence: Record<string, unknown> = { role: t.role, kinds: Object.fromEntries(kinds) };
        if (hidden !== '') evidence.hiddenText = hidden.slice(0, 200);
        out.push(
          recordFinding(meta, where, {
            field: t.field,
            // Tag characters carry whole hidden sentences; in an answer the model learns to emit them.
            severity: kinds.has('tag') || t.role === 'answer' ? 'high' : 'medium',
            message: `${t.role} text hides invisible characters (${names})${hidden === '' ? '' : `: "${hidden.slice(0, 80)}"`}`,
            evidence,
          }),
        );
      }
      return out;
    },
    lastFlagged: () => cap.flaggedNow,
    finish: (file) => cap.finish(meta, file, 'hide invisible characters'),
  };
}

/** `dataset/invisible-text`: the guard's invisible-text detector, called only where a candidate occurs. */
export const invisibleText: RecordRule = statefulRule(meta, start);
