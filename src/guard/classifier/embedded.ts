/**
 * The embedded classifier's two heads, decoded once on first use from the committed weights
 * (weights.data.ts, written by `npm run train:guard`): `prompt` scores what a user typed, `document`
 * scores text the model reads (retrieved documents, tool results) for instructions aimed at the model.
 *
 * The decoded weights are read-only and the feature scratch space is left zeroed after every call, so
 * sharing them between guards is safe: scoring is synchronous and never interleaves.
 */
import { Classifier, documentSegments, promptScoringSegments, unpackWeights } from './model.ts';
import { EMBEDDED_MODEL } from './weights.data.ts';

let heads: { prompt: Classifier; document: Classifier } | undefined;

export function embeddedClassifier(): { prompt: Classifier; document: Classifier } {
  heads ??= {
    prompt: new Classifier(unpackWeights(EMBEDDED_MODEL.prompt), promptScoringSegments),
    document: new Classifier(unpackWeights(EMBEDDED_MODEL.document), documentSegments),
  };
  return heads;
}
