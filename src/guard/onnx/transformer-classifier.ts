import type { DetectorMeta } from '../types.ts';

/** Id of the findings the optional ONNX transformer backend adds (see `withOnnx`). */
export const TRANSFORMER_CLASSIFIER_ID = 'guard/transformer-classifier';

/**
 * Metadata of the transformer backend's findings. It is not a `Detector` (it is asynchronous and needs a
 * model on disk, so it never runs inside the synchronous guard); `withOnnx` applies it after the guard,
 * and writers can join its findings to this metadata by id like any other rule.
 */
export const transformerClassifierMeta: DetectorMeta = {
  id: TRANSFORMER_CLASSIFIER_ID,
  title: 'A local transformer classifier judges the input a prompt injection or jailbreak',
  severity: 'high',
  tags: ['OWASP-LLM01', 'AML.T0051', 'AML.T0054'],
  references: [
    'https://genai.owasp.org/llmrisk/llm01-prompt-injection/',
    'https://atlas.mitre.org/techniques/AML.T0051',
    'https://huggingface.co/meta-llama/Llama-Prompt-Guard-2-86M',
    'https://huggingface.co/protectai/deberta-v3-base-prompt-injection-v2',
  ],
  fix: 'Do not pass the text to the model as instructions: drop it, or quote it as data the model must not obey. If it is legitimate, raise the threshold for guard/transformer-classifier or allow the phrase.',
  directions: ['input'],
  defaultAction: 'block',
  defaultThreshold: 0.5,
  window: Number.POSITIVE_INFINITY,
};
