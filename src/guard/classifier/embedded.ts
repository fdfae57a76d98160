/**
 * The embedded classifier's two heads, decoded once on first use from the committed weights
 * (weights.data.ts, written by `npm run train:guard`): `prompt` scores what a user typed, `document`
 * scores text the model reads (retrieved documents, tool results) for instructions aimed at the model.
 *
 * The decoded weights (int8, 256 KiB a head) are read-only and the one feature scratch space the heads share
 * is left zeroed after every call, so sharing them between heads and guards is safe: scoring is synchronous
 * and never interleaves.
 */
import { FeatureExtractor } from './features.ts';
import { Classifier, documentSegments, promptScoringSegments, unpackWeights } from './model.ts';
import { EMBEDDED_MODEL } from './weights.data.ts';

let heads: { prompt: Classifier; document: Classifier } | undefined;

export function embeddedClassifier(): { prompt: Classifier; document: Classifier } {
  if (heads === undefined) {
    const scratch = new FeatureExtractor();
    heads = {
      prompt: new Classifier(unpackWeights(EMBEDDED_MODEL.prompt), promptScoringSegments, scratch),
      document: new Classifier(unpackWeights(EMBEDDED_MODEL.document), documentSegments, scratch),
    };
  }
  return heads;
}
