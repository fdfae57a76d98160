import type { RuleMeta } from '../../../core/rule.ts';
import {
  MIN_PAYLOAD_TEXT,
  type Payload,
  payloadsInBytes,
  payloadsInText,
} from '../../../datasets/checks/payload.ts';
import { recordFinding } from '../../../datasets/checks/record-finding.ts';
import { RecordReportCap } from '../../../datasets/checks/report-cap.ts';
import { statefulRule } from '../../../datasets/checks/stateful-rule.ts';
import type { RecordPass, RecordRule } from '../../../datasets/types.ts';

const meta: RuleMeta = {
  id: 'dataset/executable-payload',
  title: 'A record carries an executable payload (a pickle, or base64 that decodes to code)',
  severity: 'high',
  tags: ['OWASP-LLM03', 'OWASP-LLM04', 'AML.T0010', 'AML.T0011', 'CWE-502', 'CWE-94'],
  references: [
    'https://docs.python.org/3/library/pickle.html',
    'https://huggingface.co/docs/hub/security-pickle',
    'https://atlas.mitre.org/techniques/AML.T0011',
  ],
  fix: 'Never unpickle a cell or decode-and-run a string from a data set. Remove the record; if a column holds pickled Python objects by design, convert it to plain values (JSON, Arrow types) with a trusted tool first.',
};

function describe(p: Payload): string {
  const where =
    p.encoding === 'base64' ? 'base64 that decodes to ' : p.encoding === 'latin1' ? 'raw bytes of ' : '';
  const what =
    p.kind === 'pickle'
      ? `a pickle${p.detail.length > 0 ? ` importing ${p.detail.slice(0, 3).join(', ')}` : ''}`
      : p.kind === 'code'
        ? 'source code'
        : `${p.kind === 'python' ? 'Python' : 'shell'} code that runs commands (${p.detail[0] ?? ''})`;
  return `${where}${what}`;
}

function start(): RecordPass {
  const cap = new RecordReportCap();
  return {
    check(record, where) {
      cap.beginRecord();
      const found: { field: string; payload: Payload }[] = [];
      for (const blob of record.blobs ?? []) {
        for (const payload of payloadsInBytes(blob.bytes)) found.push({ field: blob.field, payload });
      }
      for (const t of record.texts) {
        if (t.text.length < MIN_PAYLOAD_TEXT && t.text.charCodeAt(0) !== 0x80) continue;
        for (const payload of payloadsInText(t.text)) found.push({ field: t.field, payload });
      }
      if (found.length === 0 || !cap.take(new Map(found.map((f) => [f.payload.kind, 1])))) return [];
      return found.slice(0, 5).map(({ field, payload }) =>
        recordFinding(meta, where, {
          field,
          // A pickle importing os or code that opens a shell is an exploit, not a data-format choice.
          severity: payload.dangerous ? 'critical' : payload.kind === 'code' ? 'medium' : 'high',
          message: `holds ${describe(payload)}`,
          evidence: {
            kind: payload.kind,
            encoding: payload.encoding,
            dangerous: payload.dangerous,
            detail: payload.detail,
            excerpt: payload.excerpt,
          },
        }),
      );
    },
    lastFlagged: () => cap.flaggedNow,
    finish: (file) => cap.finish(meta, file, 'carry executable payloads'),
  };
}

/** `dataset/executable-payload`: pickles and encoded code in binary cells and texts; never executed. */
export const executablePayload: RecordRule = statefulRule(meta, start);
