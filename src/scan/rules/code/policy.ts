import type { Finding, Location } from '../../../core/finding.ts';
import type { RemoteCodeHit } from '../model/remote-code-policy.ts';
import type { CodeAnalysis, CodeArg, CodeCall } from './flow.ts';
import { DOWNLOADED, MODEL_MODULE_NAME, MODEL_OUTPUT } from './names.ts';

/**
 * What the code/* rules share: the subject they check, how an argument's origin is described, and how their
 * findings and model/remote-code-dangerous-call's share one `.py` file without reporting a call site twice.
 *
 * The two answer different questions about the same calls. model/remote-code-dangerous-call asks "what can
 * this file do if it is imported", for the Python a model ships (trust_remote_code): every torch.load,
 * pickle load, eval and subprocess call is a capability to report, and the fix is "do not trust this
 * repository". code/* asks "is this project's own use of an unsafe loader or of model output wrong, and how
 * is it fixed": weights_only=True, a safe YAML Loader, a pinned revision, never running model output.
 *
 * A scanned file does not say which it is, so the handler decides per file (pythonFileRole) and each call
 * site gets one finding:
 * - eval/exec and shell calls fed model output are always reported by code/eval-model-output and
 *   code/shell-model-output: they know where the input comes from and are the more severe reading;
 * - other overlapping call sites (torch.load, pickle-family loads, numpy.load(allow_pickle=True),
 *   yaml.unsafe_load) go to code/* in project code and stay with remote-code-dangerous-call in model code;
 * - what only one side reports (trust_remote_code=True, yaml.load without a Loader; network or ctypes calls)
 *   is reported as before, whatever the role.
 */

/** What every code/* rule checks: the analysed call sites of one Python file. */
export type CodeSubject = Pick<CodeAnalysis, 'calls' | 'classBases'>;

/** Whether a `.py` file is read as code shipped with a model or as the project's own application code. */
export type PythonFileRole = 'model-code' | 'project-code';

/** The role and the evidence it was decided on. */
export interface RoleDecision {
  role: PythonFileRole;
  why: string;
}

const URL_LITERAL = /^(https?|ftp|s3|gs|gcs|hf|az|abfs):\/\//i;

/** The first of the call's possible resolved names that `test` accepts. */
export function matchName(call: CodeCall, test: (name: string) => boolean): string | undefined {
  return [call.name, ...call.alternatives].find(test);
}

/** The first positional argument, or the first of `keywords` given by name. */
export function argument(call: CodeCall, index: number, keywords: readonly string[]): CodeArg | undefined {
  return call.args[index] ?? keywords.map((k) => call.keywords.get(k)).find((a) => a !== undefined);
}

/** Where an argument's data visibly comes from, when that is the network or a model; undefined otherwise. */
export function untrustedOrigin(arg: CodeArg | undefined): string | undefined {
  if (arg === undefined) return undefined;
  if ((arg.mask & DOWNLOADED) !== 0) return `downloaded: ${arg.origin ?? 'a download'}`;
  if ((arg.mask & MODEL_OUTPUT) !== 0) return `model output: ${arg.origin ?? 'a model call'}`;
  if (arg.literal !== undefined && URL_LITERAL.test(arg.literal))
    return `fetched from ${arg.literal.slice(0, 200)}`;
  return undefined;
}

/** Model output reaching `arg`, described for a message; undefined when none does. */
export function modelOutputOrigin(arg: CodeArg | undefined): string | undefined {
  if (arg === undefined || (arg.mask & MODEL_OUTPUT) === 0) return undefined;
  return arg.origin ?? 'a model call';
}

/** A local file path written as a literal (not a URL). */
export function isLocalLiteral(arg: CodeArg | undefined): boolean {
  return arg?.literal !== undefined && !URL_LITERAL.test(arg.literal) && arg.literal.length > 0;
}

/** Short text for an argument in a message: its literal, its name, or `...`. */
export function describeArg(arg: CodeArg | undefined): string {
  if (arg === undefined) return '';
  if (arg.literal !== undefined && arg.literalVia === undefined)
    return JSON.stringify(arg.literal.slice(0, 80));
  return arg.simple ?? arg.literalVia ?? '...';
}

/** Evidence fields every code/* finding carries; `call` is the resolved name the handler de-duplicates on. */
export function callEvidence(
  call: CodeCall,
  name: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return { call: name, written: call.written, ...extra };
}

function baseName(location: Location): string {
  const inner = location.member ?? location.path;
  const last = inner.slice(inner.lastIndexOf('!') + 1);
  return last.slice(Math.max(last.lastIndexOf('/'), last.lastIndexOf('\\')) + 1);
}

/**
 * Model code unless the file shows it is an application: Hub files, archive members and transformers module
 * names (`modeling_*.py`, ...) are model code; otherwise a file that loads a model or calls an LLM, or that
 * runs as a script (`if __name__ == "__main__":`), is project code. Anything else stays model code, which is
 * how every `.py` was read before the code/* rules existed.
 */
export function pythonFileRole(location: Location, analysis: CodeAnalysis): RoleDecision {
  if (location.path.startsWith('hf://'))
    return { role: 'model-code', why: 'fetched from a Hugging Face repository' };
  if (location.member !== undefined) return { role: 'model-code', why: 'inside an archive' };
  if (MODEL_MODULE_NAME.test(baseName(location))) {
    return { role: 'model-code', why: 'named like a transformers remote-code module' };
  }
  if (analysis.modelUse !== undefined) {
    return { role: 'project-code', why: `uses a model or an LLM (${analysis.modelUse})` };
  }
  if (analysis.mainGuard)
    return { role: 'project-code', why: 'runs as a script (if __name__ == "__main__")' };
  return { role: 'model-code', why: 'nothing shows it is an application' };
}

/** Rules that own their call sites in every file: they know the input is model output. */
const ALWAYS_OWNED = new Set(['code/eval-model-output', 'code/shell-model-output']);

function siteKey(line: number | undefined, call: unknown): string {
  return `${line ?? 0}\u0000${String(call)}`;
}

/**
 * One finding per call site: drops the remote-code hits that code/* findings replace, and the code/* findings
 * that remote-code hits keep, by (line, resolved call name). Hits and findings at other sites pass unchanged.
 */
export function resolveOverlap(
  hits: readonly RemoteCodeHit[],
  findings: readonly Finding[],
  role: PythonFileRole,
): { hits: RemoteCodeHit[]; findings: Finding[] } {
  const remaining = new Map<string, number>();
  for (const h of hits) {
    const key = siteKey(h.line, h.call);
    remaining.set(key, (remaining.get(key) ?? 0) + 1);
  }
  const replaced = new Map<string, number>();
  const kept: Finding[] = [];
  for (const f of findings) {
    const key = siteKey(f.location.line, f.evidence?.call);
    const count = remaining.get(key) ?? 0;
    if (count === 0) {
      kept.push(f);
      continue;
    }
    remaining.set(key, count - 1);
    if (ALWAYS_OWNED.has(f.ruleId) || role === 'project-code') {
      kept.push(f);
      replaced.set(key, (replaced.get(key) ?? 0) + 1);
    }
  }
  const keptHits: RemoteCodeHit[] = [];
  for (const h of hits) {
    const key = siteKey(h.line, h.call);
    const n = replaced.get(key) ?? 0;
    if (n > 0) replaced.set(key, n - 1);
    else keptHits.push(h);
  }
  return { hits: keptHits, findings: kept };
}
