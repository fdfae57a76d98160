import type { RuleMeta } from '../../../core/rule.ts';
import type { Severity } from '../../../core/severity.ts';
import type { TfGraph, TfNode } from '../../../formats/tf-graph.ts';
import { type Rule, report } from '../../rule.ts';

/** Ops that run Python, touch the file system or (in ModelAudit's list) the process, by what they do. */
const HIGH_OPS: ReadonlyMap<string, string> = new Map([
  ['PyFunc', 'runs a Python function from the loading process'],
  ['PyFuncStateless', 'runs a Python function from the loading process'],
  ['EagerPyFunc', 'runs a Python function from the loading process'],
  ['PyCall', 'runs a Python function from the loading process'],
  ['ReadFile', 'reads an arbitrary file'],
  ['WriteFile', 'writes an arbitrary file'],
  ['MatchingFiles', 'lists files matching a glob (file-system reconnaissance)'],
  ['WholeFileReader', 'reads whole files named by a queue'],
  ['WholeFileReaderV2', 'reads whole files named by a queue'],
  ['ImmutableConst', 'memory-maps a file named in its attributes'],
  ['ShellExecute', 'executes a shell command'],
  ['ExecuteOp', 'executes an arbitrary op by name'],
  ['SystemConfig', 'changes system configuration'],
]);

/** Checkpoint ops: normal inside the saver subgraph every SavedModel has, suspicious anywhere else. */
const CHECKPOINT_OPS: ReadonlySet<string> = new Set([
  'Save',
  'SaveV2',
  'SaveSlices',
  'Restore',
  'RestoreV2',
  'RestoreSlice',
  'MergeV2Checkpoints',
  'LoadAndRemapMatrix',
]);

/** TF1 savers live in `save/`, `save_1/`...; TF2 exports save and restore through these traced functions. */
const SAVER_SCOPE = /^save(_\d+)?\//;
const SAVER_FUNCTION = /^__inference__traced_(save|restore)_\d+$|_(save|restore)_fn_\d+$/;

/** Findings per file: one flood of PyFunc nodes is one problem, not a million lines. */
const MAX_FINDINGS = 50;

const meta: RuleMeta = {
  id: 'model/tf-dangerous-op',
  title: 'TensorFlow graph runs a Python, file-system or process op',
  severity: 'high',
  tags: ['OWASP-LLM03', 'MITRE-ATLAS-AML.T0010', 'CWE-94', 'CWE-73'],
  references: [
    'https://github.com/tensorflow/tensorflow/blob/master/SECURITY.md',
    'https://www.tensorflow.org/api_docs/python/tf/io/write_file',
    'https://www.tensorflow.org/api_docs/python/tf/py_function',
  ],
  fix: 'Running this graph reads or writes files or calls Python chosen by its author. Do not serve it; rebuild the model from code you trust and re-export it without these ops.',
};

/** Whether a checkpoint op sits where a normal saver puts it. */
function inSaver(node: TfNode, graph: TfGraph): boolean {
  if (node.fn !== undefined) return SAVER_FUNCTION.test(node.fn);
  return SAVER_SCOPE.test(node.name) || graph.saverScopes.some((scope) => node.name.startsWith(scope));
}

function where(node: TfNode): string {
  const name = JSON.stringify(node.name);
  return node.fn === undefined ? `node ${name}` : `node ${name} in function ${JSON.stringify(node.fn)}`;
}

/** Python, file-system and process ops anywhere in a graph or its function library; checkpoint ops outside the saver. */
export const tfDangerousOp: Rule<TfGraph> = {
  meta,
  check(graph, ctx) {
    const hits: { node: TfNode; severity: Severity; why: string }[] = [];
    for (const node of graph.nodes) {
      const why = HIGH_OPS.get(node.op);
      if (why !== undefined) hits.push({ node, severity: 'high', why });
      else if (CHECKPOINT_OPS.has(node.op) && !inSaver(node, graph)) {
        hits.push({
          node,
          severity: 'medium',
          why: 'reads or writes checkpoint files outside the saver subgraph',
        });
      }
    }
    const findings = hits.slice(0, MAX_FINDINGS).map(({ node, severity, why }) =>
      report(meta, ctx, {
        offset: node.offset,
        severity,
        message: `${where(node)} runs ${node.op}: ${why}`,
        evidence: { op: node.op, node: node.name, function: node.fn, metaGraph: node.metaGraph },
      }),
    );
    if (hits.length > MAX_FINDINGS) {
      const worst = hits.some((h) => h.severity === 'high') ? 'high' : 'medium';
      findings.push(
        report(meta, ctx, {
          severity: worst,
          message: `${hits.length - MAX_FINDINGS} more dangerous ops not listed`,
          evidence: { total: hits.length },
        }),
      );
    }
    return findings;
  },
};
