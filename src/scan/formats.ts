import type { FormatHandler } from './format-handler.ts';
import { datasetBinaryFormat, datasetTextFormat } from './handlers/dataset.ts';
import { deployConfigFormat } from './handlers/deploy-config.ts';
import { depsManifestFormat } from './handlers/deps-manifest.ts';
import { ggufFormat } from './handlers/gguf.ts';
import { jsonConfigFormat } from './handlers/json-config.ts';
import { kerasConfigFormat, kerasHdf5Format } from './handlers/keras.ts';
import { onnxFormat } from './handlers/onnx.ts';
import { hfAutoMapFormat, pythonSourceFormat } from './handlers/remote-code.ts';
import { safetensorsFormat } from './handlers/safetensors.ts';
import { jinjaTemplateFormat, jsonTemplateFormat, yamlTemplateFormat } from './handlers/templates.ts';
import { tfGraphFormat } from './handlers/tf.ts';

/**
 * Binary formats beyond the pickle family, recognised by their own structure and tried first, before the
 * container and pickle signatures (their first bytes can look like pickle opcodes or a zlib header, and an
 * attacker chooses them). Detectors must be strict: they also see raw tensor bytes. First match wins.
 */
export const BINARY_FORMATS: readonly FormatHandler[] = [
  // safetensors: u64 header length that fits the file, then a JSON object (bytes only, never the name).
  safetensorsFormat,
  // TensorFlow saved_model.pb / frozen *.pb: protobuf has no magic; name plus a structural parse.
  tfGraphFormat,
  // ONNX *.onnx: protobuf ModelProto, confirmed by a structural parse of its top-level fields.
  onnxFormat,
  // GGUF (llama.cpp): the `GGUF` magic; metadata KVs and chat templates, never tensor data.
  ggufFormat,
  // HDF5 (legacy Keras .h5, model.weights.h5): the signature at 0 or a user-block offset; root attributes only.
  kerasHdf5Format,
  // Data sets: Parquet (PAR1 at the start; a truncated file is still claimed and reported unreadable), Arrow IPC.
  datasetBinaryFormat,
];

/**
 * Text formats recognised by name (configs, templates, source). Every matching handler runs, since one file
 * can matter to several (a `config.json` can be a Keras config and carry a Hugging Face `auto_map`).
 */
export const TEXT_FORMATS: readonly FormatHandler[] = [
  // Chat templates: `chat_template` in any *.json, *.jinja/*.j2/*.template files, template values in YAML.
  jsonTemplateFormat,
  jinjaTemplateFormat,
  yamlTemplateFormat,
  // trust_remote_code: dangerous calls in any *.py, and `auto_map` in Hugging Face configs.
  pythonSourceFormat,
  hfAutoMapFormat,
  // Keras v3 config.json (in .keras zips): a Keras-shaped config, never a transformers config.
  kerasConfigFormat,
  // Any *.json config: URLs to unknown hosts and embedded credentials (data-only exfiltration setups).
  jsonConfigFormat,
  // Dependency manifests and lock files: known-vulnerable, malicious and typosquatted packages, risky sources.
  depsManifestFormat,
  // Deployment configs (compose, Kubernetes, Dockerfile, systemd, .env, shell): LLM servers exposed or unsafe.
  deployConfigFormat,
  // Data sets: JSONL/JSON by content, CSV/TSV by name plus header, files named as data sets whose bytes did not
  // match (dataset/unreadable).
  datasetTextFormat,
];
