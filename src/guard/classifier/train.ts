/**
 * Trains the embedded classifier: logistic regression with AdaGrad, seeded and deterministic.
 * Long attack texts are handled as multiple-instance examples: after the first epoch only the chunk the
 * model scores highest is the positive (an injection sits in one paragraph of an email, not in all of it),
 * while every chunk of a benign text stays a negative.
 */
import { mulberry32 } from '../../core/prng.ts';
import { FEATURE_DIM } from './features.ts';
import { Classifier, dot, type LinearModel, promptSegments, type Segmenter, sigmoid } from './model.ts';

export interface TrainingExample {
  /** Normalised text (normalize.ts). */
  text: string;
  attack: boolean;
  /** Relative weight (e.g. to balance sources); default 1. */
  weight?: number;
}

export interface TrainOptions {
  epochs?: number;
  learningRate?: number;
  l2?: number;
  seed?: number;
  onEpoch?: (epoch: number, loss: number) => void;
  segment?: Segmenter;
}

export function train(examples: readonly TrainingExample[], options: TrainOptions = {}): LinearModel {
  const epochs = options.epochs ?? 8;
  const lr = options.learningRate ?? 0.2;
  const l2 = options.l2 ?? 1e-6;
  const random = mulberry32(options.seed ?? 1);
  const model: LinearModel = { weights: new Float32Array(FEATURE_DIM), bias: 0 };
  const g2 = new Float32Array(FEATURE_DIM).fill(1e-8);
  let biasG2 = 1e-8;
  const segment = options.segment ?? promptSegments;
  const classifier = new Classifier(model, segment);

  const chunked = examples.map((e) => ({ ...e, chunks: segment(e.text).map((s) => s.text) }));
  for (let epoch = 0; epoch < epochs; epoch++) {
    const items: { text: string; y: number; w: number }[] = [];
    for (const e of chunked) {
      const w = e.weight ?? 1;
      if (!e.attack || e.chunks.length === 1 || epoch === 0) {
        for (const c of e.chunks)
          items.push({ text: c, y: e.attack ? 1 : 0, w: w / (e.attack ? e.chunks.length : 1) });
      } else {
        let best = e.chunks[0] ?? '';
        let bestScore = -Infinity;
        for (const c of e.chunks) {
          const z = dot(model, classifier.vector(c));
          if (z > bestScore) {
            bestScore = z;
            best = c;
          }
        }
        items.push({ text: best, y: 1, w });
      }
    }
    shuffle(items, random);
    let loss = 0;
    for (const item of items) {
      const v = classifier.vector(item.text);
      const p = sigmoid(dot(model, v));
      loss += -item.w * (item.y ? Math.log(p + 1e-9) : Math.log(1 - p + 1e-9));
      const g = (p - item.y) * item.w;
      for (let k = 0; k < v.indices.length; k++) {
        const i = v.indices[k] ?? 0;
        const grad = g * (v.values[k] ?? 0) + l2 * (model.weights[i] ?? 0);
        const acc = (g2[i] ?? 0) + grad * grad;
        g2[i] = acc;
        model.weights[i] = (model.weights[i] ?? 0) - (lr * grad) / Math.sqrt(acc);
      }
      biasG2 += g * g;
      model.bias -= (lr * g) / Math.sqrt(biasG2);
    }
    options.onEpoch?.(epoch, loss / items.length);
  }
  return model;
}

function shuffle<T>(items: T[], random: () => number): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const tmp = items[i] as T;
    items[i] = items[j] as T;
    items[j] = tmp;
  }
}
