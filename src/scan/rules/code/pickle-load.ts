import type { RuleMeta } from '../../../core/rule.ts';
import { type Rule, report } from '../../rule.ts';
import { NUMPY_LOAD, PICKLE_LOADS } from './names.ts';
import {
  argument,
  type CodeSubject,
  callEvidence,
  describeArg,
  matchName,
  untrustedOrigin,
} from './policy.ts';

const meta: RuleMeta = {
  id: 'code/pickle-load',
  title: 'Pickle-based loader on data that may not be yours',
  severity: 'medium',
  tags: ['OWASP-LLM03', 'AML.T0010', 'AML.T0011', 'CWE-502'],
  references: [
    'https://docs.python.org/3/library/pickle.html',
    'https://joblib.readthedocs.io/en/latest/persistence.html',
    'https://pandas.pydata.org/docs/reference/api/pandas.read_pickle.html',
    'https://numpy.org/doc/stable/reference/generated/numpy.load.html',
  ],
  fix: 'Load only files you created, from a location only you can write. For models use safetensors, skops (scikit-learn) or ONNX; for data use JSON, Parquet or numpy.load without allow_pickle. If a pickle must be read, verify its hash against one you recorded when you wrote it, and scan it with `parapet scan` first.',
};

/** Keyword names the loaders give their data argument. */
const DATA_KEYWORDS = ['file', 'filename', 'filepath_or_buffer', 'path', 'fp', 'data', 'value'];

/**
 * pickle/cPickle/dill/cloudpickle load, loads and Unpickler, joblib.load, pandas.read_pickle,
 * jsonpickle.decode, shelve.open, numpy.load(allow_pickle=True): all run code a crafted file asks for.
 * Medium; high when the data visibly comes from a download, a URL or model output in the same file.
 */
export const pickleLoad: Rule<CodeSubject> = {
  meta,
  check(subject, ctx) {
    const findings = [];
    for (const call of subject.calls) {
      const name =
        matchName(call, (n) => PICKLE_LOADS.has(n)) ??
        matchName(call, (n) => n === NUMPY_LOAD && call.keywords.get('allow_pickle')?.simple === 'True');
      if (name === undefined) continue;
      const data = argument(call, 0, DATA_KEYWORDS);
      const origin = untrustedOrigin(data);
      const how = name === NUMPY_LOAD ? ' with allow_pickle=True' : '';
      const message =
        origin === undefined
          ? `${call.written}(${describeArg(data)})${how} unpickles its input: a crafted file runs code when loaded`
          : `${call.written}(${describeArg(data)})${how} unpickles data from outside the project (${origin})`;
      findings.push(
        report(meta, ctx, {
          line: call.line,
          severity: origin === undefined ? 'medium' : 'high',
          message,
          evidence: callEvidence(call, name, {
            data: data?.literal ?? data?.simple ?? null,
            origin: origin ?? null,
          }),
        }),
      );
    }
    return findings;
  },
};
