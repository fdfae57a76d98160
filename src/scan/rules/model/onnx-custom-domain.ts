import type { RuleMeta } from '../../../core/rule.ts';
import type { OnnxModel, OnnxNode } from '../../../formats/onnx.ts';
import { type Rule, report } from '../../rule.ts';

/** Operator domains implemented by ONNX itself and by onnxruntime's built-in kernels. */
const BUILT_IN_DOMAINS: ReadonlySet<string> = new Set([
  '',
  'ai.onnx',
  'ai.onnx.ml',
  'ai.onnx.training',
  'ai.onnx.preview.training',
  'com.microsoft',
  'com.microsoft.nchwc',
  'com.microsoft.experimental',
]);

/** Custom ops that call back into Python (onnxruntime-extensions PyOp and look-alikes). */
const PYTHON_OPS: ReadonlySet<string> = new Set(['PyOp', 'PythonOp', 'PyFunc', 'PyCall']);

const meta: RuleMeta = {
  id: 'model/onnx-custom-domain',
  title: 'ONNX model uses custom operator domains',
  severity: 'low',
  tags: ['OWASP-LLM03', 'CWE-829'],
  references: [
    'https://onnxruntime.ai/docs/reference/operators/add-custom-op.html',
    'https://github.com/microsoft/onnxruntime-extensions',
  ],
  fix: 'Custom-domain ops run only with a native library (or Python function) registered by the loader. Check which library provides them and that it comes from a source you trust.',
};

/**
 * Nodes in domains that neither ONNX nor onnxruntime implement, one finding per domain; model-local functions
 * are exempt (their bodies are scanned as ordinary nodes). Python-calling ops are medium.
 */
export const onnxCustomDomain: Rule<OnnxModel> = {
  meta,
  check(model, ctx) {
    const local = new Set(model.localFunctions);
    const byDomain = new Map<string, OnnxNode[]>();
    for (const node of model.nodes) {
      if (BUILT_IN_DOMAINS.has(node.domain) || local.has(node.domain)) continue;
      const list = byDomain.get(node.domain) ?? [];
      if (list.length === 0) byDomain.set(node.domain, list);
      list.push(node);
    }
    return [...byDomain].slice(0, 50).map(([domain, nodes]) => {
      const ops = [...new Set(nodes.map((n) => n.opType))].slice(0, 10);
      const python = ops.filter((op) => PYTHON_OPS.has(op));
      return report(meta, ctx, {
        offset: nodes[0]!.offset,
        severity: python.length > 0 ? 'medium' : 'low',
        message:
          `${nodes.length} node(s) in custom domain ${JSON.stringify(domain)} (${ops.join(', ')}), first in ${nodes[0]!.scope}` +
          (python.length > 0 ? `; ${python.join(', ')} calls Python` : ': needs a native custom-op library'),
        evidence: { domain, ops, count: nodes.length, scope: nodes[0]!.scope },
      });
    });
  },
};
