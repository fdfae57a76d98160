/**
 * guard/injection-classifier: the embedded prompt-injection and jailbreak classifier (classifier/).
 * Scores every overlapping chunk of the normalised text, so long inputs are scanned whole; documents and
 * tool results are also scored by the document head, which looks for instructions aimed at the model.
 */
import { embeddedClassifier } from '../classifier/embedded.ts';
import { originalSpan } from '../prepare.ts';
import type { Detector } from '../types.ts';

export const injectionClassifierDetector: Detector = {
  meta: {
    id: 'guard/injection-classifier',
    title: 'Text reads like a prompt injection or jailbreak',
    severity: 'high',
    tags: ['OWASP-LLM01', 'AML.T0051', 'AML.T0054', 'CWE-1427'],
    references: [
      'https://genai.owasp.org/llmrisk/llm01-prompt-injection/',
      'https://atlas.mitre.org/techniques/AML.T0051',
    ],
    fix: 'Do not pass the text to the model as instructions. If it is a document or tool result, pass it as data (see spotlight()) and keep it away from tools that act.',
    directions: ['input'],
    defaultAction: 'block',
    defaultThreshold: 0.5,
    window: Number.POSITIVE_INFINITY,
  },
  detect(text, ctx) {
    let normalized = text.normalized;
    for (const phrase of ctx.allowPhrases) {
      const p = phrase.toLowerCase();
      if (p !== '' && normalized.includes(p)) normalized = normalized.split(p).join(' ');
    }
    if (normalized.trim() === '') return [];
    const heads = embeddedClassifier();
    let best = heads.prompt.score(normalized);
    let head = 'prompt';
    if (ctx.source === 'document' || ctx.source === 'tool') {
      const doc = heads.document.score(normalized);
      if (doc.score > best.score) {
        best = doc;
        head = 'document';
      }
    }
    const evidence = { head, chunk: best.chunk, chunks: best.chunks };
    const message =
      head === 'document'
        ? `document contains an instruction aimed at the model (classifier score ${best.score.toFixed(2)})`
        : `reads like a prompt injection or jailbreak (classifier score ${best.score.toFixed(2)})`;
    // Point at the chunk that scored highest, unless an allow phrase was removed (offsets no longer match).
    if (normalized !== text.normalized || best.chunks === 1)
      return [{ score: best.score, message, evidence }];
    return [
      { score: best.score, message, evidence, span: originalSpan(text, best.chunkStart, best.chunkEnd) },
    ];
  },
};
