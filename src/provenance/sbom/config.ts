/**
 * `config.json` (transformers): the architecture class names, the model type and the sizes that identify a
 * model's shape. Values are recorded as written, never interpreted; anything of the wrong type is a problem,
 * not a crash.
 */
import type { ConfigFacts } from './types.ts';

/** A transformers config is a few KiB; anything this large is not one. */
export const MAX_CONFIG_BYTES = 4 * 1024 * 1024;

/**
 * Hyper-parameters worth a line in the BOM, in the names transformers uses across model families (GPT-2's
 * `n_embd`, T5's `d_model` and the usual `hidden_size` all say the same thing).
 */
const HYPERPARAMETERS = [
  'hidden_size',
  'intermediate_size',
  'num_hidden_layers',
  'num_attention_heads',
  'num_key_value_heads',
  'head_dim',
  'vocab_size',
  'max_position_embeddings',
  'n_embd',
  'n_layer',
  'n_head',
  'n_positions',
  'd_model',
  'num_layers',
  'num_experts',
  'num_local_experts',
  'num_experts_per_tok',
  'rope_theta',
  'sliding_window',
  'tie_word_embeddings',
  'torch_dtype',
  'dtype',
  'transformers_version',
] as const;

/** Nested configs of multimodal and encoder-decoder models whose type is worth recording. */
const SUB_CONFIGS = ['text_config', 'vision_config', 'audio_config', 'encoder', 'decoder'] as const;

const MAX_ARCHITECTURES = 16;

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function scalar(v: unknown): string | undefined {
  if (typeof v === 'string') return v.length > 256 ? `${v.slice(0, 256)}…` : v;
  if ((typeof v === 'number' && Number.isFinite(v)) || typeof v === 'boolean') return String(v);
  return undefined;
}

/** An empty config: what a model without config.json yields. */
export function emptyConfig(): ConfigFacts {
  return { architectures: [], hyperparameters: {}, remoteCode: false };
}

/** Reads config.json text. Never throws; `problems` lists what could not be read. */
export function parseConfig(text: string): { config: ConfigFacts; problems: string[] } {
  const config = emptyConfig();
  const problems: string[] = [];
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch (err) {
    problems.push(`not valid JSON: ${err instanceof Error ? err.message.split('\n', 1)[0] : String(err)}`);
    return { config, problems };
  }
  if (!isRecord(root)) {
    problems.push('not a JSON object; not read');
    return { config, problems };
  }
  const archs = root.architectures;
  if (archs !== undefined && archs !== null) {
    if (!Array.isArray(archs)) problems.push('"architectures" is not a list; left out');
    else {
      for (const a of archs.slice(0, MAX_ARCHITECTURES)) {
        if (typeof a === 'string' && a !== '') config.architectures.push(a.slice(0, 256));
        else problems.push('an "architectures" entry is not a string; left out');
      }
    }
  }
  if (root.model_type !== undefined) {
    if (typeof root.model_type === 'string' && root.model_type !== '')
      config.modelType = root.model_type.slice(0, 256);
    else problems.push('"model_type" is not a string; left out');
  }
  for (const key of HYPERPARAMETERS) {
    const v = scalar(root[key]);
    if (v !== undefined) config.hyperparameters[key] = v;
  }
  const quant = root.quantization_config;
  if (isRecord(quant)) {
    for (const key of ['quant_method', 'bits', 'load_in_4bit', 'load_in_8bit'] as const) {
      const v = scalar(quant[key]);
      if (v !== undefined) config.hyperparameters[`quantization_config.${key}`] = v;
    }
  }
  for (const sub of SUB_CONFIGS) {
    const nested = root[sub];
    if (isRecord(nested)) {
      const type = scalar(nested.model_type);
      if (type !== undefined) config.hyperparameters[`${sub}.model_type`] = type;
    }
  }
  // auto_map names Python classes shipped in the repository: loading needs trust_remote_code=True.
  config.remoteCode = isRecord(root.auto_map);
  return { config, problems };
}

/**
 * The Hugging Face task an architecture class implies, for the unambiguous suffixes only
 * (`LlamaForCausalLM` → text-generation). `ForConditionalGeneration` is left out: it names T5 (text2text),
 * Whisper (speech recognition) and LLaVA (image-text-to-text) alike.
 */
export function taskFromArchitecture(architecture: string): string | undefined {
  const table: [RegExp, string][] = [
    [/ForCausalLM$/, 'text-generation'],
    [/ForSequenceClassification$/, 'text-classification'],
    [/ForTokenClassification$/, 'token-classification'],
    [/ForQuestionAnswering$/, 'question-answering'],
    [/ForMaskedLM$/, 'fill-mask'],
    [/ForMultipleChoice$/, 'multiple-choice'],
    [/ForImageClassification$/, 'image-classification'],
    [/ForObjectDetection$/, 'object-detection'],
    [/ForSemanticSegmentation$/, 'image-segmentation'],
    [/ForCTC$/, 'automatic-speech-recognition'],
    [/ForSpeechSeq2Seq$/, 'automatic-speech-recognition'],
    [/ForAudioClassification$/, 'audio-classification'],
  ];
  for (const [re, task] of table) if (re.test(architecture)) return task;
  return undefined;
}
