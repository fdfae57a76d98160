/**
 * The optional ONNX transformer backend. Importing this module loads no native code: onnxruntime-node and
 * @huggingface/tokenizers are imported by `loadOnnxClassifier` when it is called.
 */
export {
  type CombineMode,
  combineScores,
  type InputGuard,
  type OnnxGuard,
  type WithOnnxOptions,
  withOnnx,
} from './combine.ts';
export {
  loadOnnxClassifier,
  MALICIOUS_LABEL,
  type OnnxClassifier,
  type OnnxClassifierOptions,
  type TextClassifier,
} from './onnx-classifier.ts';
export { TRANSFORMER_CLASSIFIER_ID, transformerClassifierMeta } from './transformer-classifier.ts';
