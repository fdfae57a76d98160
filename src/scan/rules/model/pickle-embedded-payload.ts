import type { RuleMeta } from '../../../core/rule.ts';
import { type Rule, report } from '../../rule.ts';
import type { EmbeddedPayload, PickleSubject } from './subjects.ts';

const meta: RuleMeta = {
  id: 'model/pickle-embedded-payload',
  title: 'Pickle carries another pickle or code as data',
  severity: 'medium',
  tags: ['OWASP-LLM03', 'CWE-502', 'CWE-506'],
  references: ['https://github.com/protectai/modelscan/issues/267'],
  fix: 'Loading this file does not run the embedded payload by itself, but any code that later unpickles or executes the stored value will. Find out why a model file stores code, and remove it.',
};

function describePayload(p: EmbeddedPayload): { message: string; evidence: Record<string, unknown> } {
  if (p.code !== undefined) {
    return {
      message: `a ${p.literalLength}-byte string holds code (${p.code.what}): ${JSON.stringify(p.code.excerpt)}`,
      evidence: { what: p.code.what, excerpt: p.code.excerpt, literalLength: p.literalLength },
    };
  }
  const imports = p.nested.flatMap((s) => s.imports.filter((i) => i.verdict.verdict !== 'safe'));
  const names = imports.map((i) => `${i.record.module}.${i.record.name}`);
  const what = names.length > 0 ? `naming ${names.slice(0, 5).join(', ')}` : 'with no risky imports';
  return {
    message: `a ${p.literalLength}-byte literal holds a ${p.encoding === 'raw' ? '' : `${p.encoding}-encoded `}pickle ${what}`,
    evidence: {
      encoding: p.encoding,
      literalLength: p.literalLength,
      nestedImports: imports.map((i) => ({
        name: `${i.record.module}.${i.record.name}`,
        verdict: i.verdict.verdict,
        called: i.record.calls.length > 0,
      })),
    },
  };
}

/** Nested pickles (raw, base64, hex) and code strings stored inside a pickle's literals. */
export const pickleEmbeddedPayload: Rule<PickleSubject> = {
  meta,
  check(subject, ctx) {
    return subject.embedded.slice(0, 10).map((p) => {
      const { message, evidence } = describePayload(p);
      return report(meta, ctx, {
        offset: p.offset,
        message,
        evidence: { ...evidence, pickle: subject.index },
      });
    });
  },
};
