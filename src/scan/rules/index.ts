import { createRegistry } from '../../core/registry.ts';
import type { RuleMeta } from '../../core/rule.ts';
import type { DepsSubject } from '../../deps/types.ts';
import type { OnnxModel } from '../../formats/onnx.ts';
import type { SafetensorsHeader } from '../../formats/safetensors.ts';
import type { TfGraph } from '../../formats/tf-graph.ts';
import type { Rule } from '../rule.ts';
import { CODE_RULES } from './code/index.ts';
import { DATASET_RECORD_RULES, DATASET_SET_RULES } from './dataset/index.ts';
import { loadingScript } from './dataset/loading-script.ts';
import { datasetSummaryMeta } from './dataset/summary.ts';
import { datasetUnreadableMeta } from './dataset/unreadable.ts';
import { DEPLOY_RULES } from './deploy/index.ts';
import { dependencyConfusion } from './deps/dependency-confusion.ts';
import { directUrlDependency } from './deps/direct-url-dependency.ts';
import { knownVulnerability } from './deps/known-vulnerability.ts';
import { maliciousPackage } from './deps/malicious-package.ts';
import { manifestUnreadable } from './deps/manifest-unreadable.ts';
import { typosquat } from './deps/typosquat.ts';
import { unhashedDependency } from './deps/unhashed-dependency.ts';
import { unpinnedDependency } from './deps/unpinned-dependency.ts';
import { vcsDependency } from './deps/vcs-dependency.ts';
import { archiveBomb } from './model/archive-bomb.ts';
import { archiveParserDifferential } from './model/archive-parser-differential.ts';
import { archivePathTraversal } from './model/archive-path-traversal.ts';
import { chatTemplateSandboxEscape } from './model/chat-template-sandbox-escape.ts';
import { chatTemplateSuspicious } from './model/chat-template-suspicious.ts';
import { type ConfigSubject, configExfiltrationEndpoint } from './model/config-exfiltration-endpoint.ts';
import { kerasLambdaLayer } from './model/keras-lambda-layer.ts';
import { kerasSafeModeBypass } from './model/keras-safe-mode-bypass.ts';
import type { KerasSubject } from './model/keras-subject.ts';
import { kerasUnsafeModule } from './model/keras-unsafe-module.ts';
import { type NpySubject, numpyObjectArray } from './model/numpy-object-array.ts';
import { onnxCustomDomain } from './model/onnx-custom-domain.ts';
import { onnxExternalDataInvalid } from './model/onnx-external-data-invalid.ts';
import { onnxExternalDataTraversal } from './model/onnx-external-data-traversal.ts';
import { pickleDangerousCall } from './model/pickle-dangerous-call.ts';
import { pickleDangerousImport } from './model/pickle-dangerous-import.ts';
import { pickleEmbeddedPayload } from './model/pickle-embedded-payload.ts';
import { pickleFrameMismatch } from './model/pickle-frame-mismatch.ts';
import { pickleGlobalMutation } from './model/pickle-global-mutation.ts';
import { pickleMalformed } from './model/pickle-malformed.ts';
import { pickleResourceExhaustion } from './model/pickle-resource-exhaustion.ts';
import { pickleUnknownImport } from './model/pickle-unknown-import.ts';
import { pickleUnresolvedCallable } from './model/pickle-unresolved-callable.ts';
import { type AutoMapSubject, remoteCodeAutoMap } from './model/remote-code-auto-map.ts';
import { type PythonSubject, remoteCodeDangerousCall } from './model/remote-code-dangerous-call.ts';
import { safetensorsInconsistentTensors } from './model/safetensors-inconsistent-tensors.ts';
import { safetensorsMalformedHeader } from './model/safetensors-malformed-header.ts';
import { safetensorsSuspiciousMetadata } from './model/safetensors-suspicious-metadata.ts';
import type { ArchiveSubject, PickleSubject } from './model/subjects.ts';
import type { TemplateSubject } from './model/template-subject.ts';
import { tfDangerousOp } from './model/tf-dangerous-op.ts';

/** Rules over each pickle in a stream. Plain array literals: the registry is explicit, never an import side effect. */
export const PICKLE_RULES: readonly Rule<PickleSubject>[] = [
  pickleDangerousCall,
  pickleDangerousImport,
  pickleUnknownImport,
  pickleUnresolvedCallable,
  pickleGlobalMutation,
  pickleFrameMismatch,
  pickleResourceExhaustion,
  pickleMalformed,
  pickleEmbeddedPayload,
];

/** Rules over archive structure (zip, tar, 7z). */
export const ARCHIVE_RULES: readonly Rule<ArchiveSubject>[] = [
  archiveParserDifferential,
  archivePathTraversal,
  archiveBomb,
];

/** Rules over NumPy headers. */
export const NPY_RULES: readonly Rule<NpySubject>[] = [numpyObjectArray];

/** Rules over TensorFlow SavedModel and frozen GraphDef op lists. */
export const TF_RULES: readonly Rule<TfGraph>[] = [tfDangerousOp];

/** Rules over ONNX models: external data, custom operator domains. */
export const ONNX_RULES: readonly Rule<OnnxModel>[] = [
  onnxExternalDataTraversal,
  onnxExternalDataInvalid,
  onnxCustomDomain,
];

/** Rules over safetensors headers (never the tensor data). */
export const SAFETENSORS_RULES: readonly Rule<SafetensorsHeader>[] = [
  safetensorsMalformedHeader,
  safetensorsInconsistentTensors,
  safetensorsSuspiciousMetadata,
];

/** Rules over Jinja chat templates (GGUF metadata, tokenizer_config.json, *.jinja, YAML). */
export const TEMPLATE_RULES: readonly Rule<TemplateSubject>[] = [
  chatTemplateSandboxEscape,
  chatTemplateSuspicious,
];

/** Rules over the dangerous call sites of a Python file shipped with a model (trust_remote_code). */
export const REMOTE_CODE_RULES: readonly Rule<PythonSubject>[] = [remoteCodeDangerousCall];

/** Rules over the `auto_map` of a Hugging Face config. */
export const AUTO_MAP_RULES: readonly Rule<AutoMapSubject>[] = [remoteCodeAutoMap];

/** Rules over Keras model configs (`.keras` config.json, legacy HDF5 `model_config`). */
export const KERAS_RULES: readonly Rule<KerasSubject>[] = [
  kerasLambdaLayer,
  kerasUnsafeModule,
  kerasSafeModeBypass,
];

/** Rules over data-only values in JSON configs (endpoints, embedded secrets). */
export const CONFIG_RULES: readonly Rule<ConfigSubject>[] = [configExfiltrationEndpoint];

/** Rules over one dependency manifest or lock file, with the advisory data of the scan. */
export const DEPS_RULES: readonly Rule<DepsSubject>[] = [
  maliciousPackage,
  knownVulnerability,
  typosquat,
  dependencyConfusion,
  directUrlDependency,
  vcsDependency,
  unpinnedDependency,
  unhashedDependency,
  manifestUnreadable,
];

export { CODE_RULES, DEPLOY_RULES };

/** Every scan rule, by id; building it fails on a duplicate id. */
export const SCAN_RULES = createRegistry<{ meta: RuleMeta }>([
  ...PICKLE_RULES,
  ...ARCHIVE_RULES,
  ...NPY_RULES,
  ...SAFETENSORS_RULES,
  ...TF_RULES,
  ...ONNX_RULES,
  ...TEMPLATE_RULES,
  ...REMOTE_CODE_RULES,
  ...AUTO_MAP_RULES,
  ...KERAS_RULES,
  ...CONFIG_RULES,
  ...DEPS_RULES,
  ...CODE_RULES,
  ...DEPLOY_RULES,
  ...DATASET_RECORD_RULES,
  ...DATASET_SET_RULES,
  loadingScript,
  { meta: datasetSummaryMeta },
  { meta: datasetUnreadableMeta },
]);

/** Metadata of every scan rule, for writers and docs. */
export const SCAN_RULE_METAS: readonly RuleMeta[] = SCAN_RULES.all.map((r) => r.meta);
