/**
 * The Python names the code/* rules care about, as dotted names after import-alias resolution
 * (`from torch import load as L` makes `L(...)` a `torch.load` call). Kept apart from the data-flow pass so the
 * tables can be read, and changed, in one place.
 */

/** What a value is known to carry, as bits of a mask. */
export const MODEL_OUTPUT = 1;
/** Bytes or a path that came from the network (a Hub download, an HTTP response, a fetched file). */
export const DOWNLOADED = 2;
/** An object whose calls produce model output (`pipe = pipeline(...)`, `llm = ChatOpenAI(...)`). */
export const LLM_HANDLE = 4;

/** Builtins that run a string as Python code. */
export const EVAL_SINKS = new Set(['builtins.eval', 'builtins.exec', 'builtins.compile']);

/** Calls whose first argument is always a shell command line. */
export const SHELL_ALWAYS = new Set([
  'os.system',
  'os.popen',
  'posix.system',
  'platform.popen',
  'subprocess.getoutput',
  'subprocess.getstatusoutput',
  'commands.getoutput',
  'commands.getstatusoutput',
  'asyncio.create_subprocess_shell',
]);

/** subprocess calls that run their first argument through `/bin/sh` only with `shell=True`. */
export const SHELL_WITH_FLAG = new Set([
  'subprocess.run',
  'subprocess.call',
  'subprocess.check_call',
  'subprocess.check_output',
  'subprocess.Popen',
]);

/** `torch.load` and its other spelling. */
export const TORCH_LOADS = new Set(['torch.load', 'torch.serialization.load']);

/** Loaders that unpickle whatever they are given (numpy.load only with allow_pickle=True, checked apart). */
export const PICKLE_LOADS = new Set(
  ['pickle', 'cPickle', '_pickle', 'dill', 'cloudpickle']
    .flatMap((m) => [`${m}.load`, `${m}.loads`, `${m}.Unpickler`])
    .concat([
      'joblib.load',
      'sklearn.externals.joblib.load',
      'pandas.read_pickle',
      'pandas.io.pickle.read_pickle',
      'jsonpickle.decode',
      'shelve.open',
    ]),
);

/** `numpy.load`: a pickle loader only when `allow_pickle=True` (the default has been False since NumPy 1.16.3). */
export const NUMPY_LOAD = 'numpy.load';

/** PyYAML entry points, by how they construct objects. */
export const YAML_LOAD_WITH_LOADER = new Set(['yaml.load', 'yaml.load_all']);
export const YAML_UNSAFE = new Set(['yaml.unsafe_load', 'yaml.unsafe_load_all']);
export const YAML_FULL = new Set(['yaml.full_load', 'yaml.full_load_all']);

/** Loader classes that construct arbitrary Python objects (`!!python/object/apply`). */
export const YAML_UNSAFE_LOADERS = new Set(
  ['Loader', 'UnsafeLoader', 'CLoader', 'CUnsafeLoader'].flatMap((c) => [
    `yaml.${c}`,
    `yaml.loader.${c}`,
    `yaml.cyaml.${c}`,
  ]),
);
/** FullLoader: no `apply` tags since PyYAML 5.4, but bypassable before it (CVE-2020-1747, CVE-2020-14343). */
export const YAML_FULL_LOADERS = new Set(
  ['FullLoader', 'CFullLoader'].flatMap((c) => [`yaml.${c}`, `yaml.loader.${c}`, `yaml.cyaml.${c}`]),
);
/** Loaders that build only plain data. */
export const YAML_SAFE_LOADERS = new Set(
  ['SafeLoader', 'CSafeLoader', 'BaseLoader', 'CBaseLoader'].flatMap((c) => [
    `yaml.${c}`,
    `yaml.loader.${c}`,
    `yaml.cyaml.${c}`,
  ]),
);

/** Calls whose result is downloaded data or the local path of a downloaded file. */
export const DOWNLOAD_SOURCES = new Set([
  'huggingface_hub.hf_hub_download',
  'huggingface_hub.snapshot_download',
  'huggingface_hub.cached_download',
  'huggingface_hub.file_download.hf_hub_download',
  'urllib.request.urlopen',
  'urllib.request.urlretrieve',
  'urllib.urlopen',
  'urllib.urlretrieve',
  'urllib2.urlopen',
  'wget.download',
  'gdown.download',
  'torch.hub.download_url_to_file',
]);
/** HTTP client modules whose request functions return a response body. */
export const HTTP_MODULES = new Set(['requests', 'httpx', 'aiohttp', 'urllib3']);
export const HTTP_METHODS = new Set(['get', 'post', 'request', 'put', 'patch', 'stream', 'urlopen']);
/** Downloads that write to a path argument: the position and keyword names of that argument. */
export const DOWNLOAD_DESTINATIONS: ReadonlyMap<string, { index: number; keywords: readonly string[] }> =
  new Map([
    ['urllib.request.urlretrieve', { index: 1, keywords: ['filename'] }],
    ['urllib.urlretrieve', { index: 1, keywords: ['filename'] }],
    ['torch.hub.download_url_to_file', { index: 1, keywords: ['dst'] }],
    ['wget.download', { index: 1, keywords: ['out'] }],
    ['gdown.download', { index: 1, keywords: ['output'] }],
  ]);

/** Calls that return model output wherever they are made, matched on the end of the written or resolved name. */
export const MODEL_OUTPUT_SUFFIXES = [
  '.chat.completions.create',
  '.chat.completions.parse',
  '.completions.create',
  '.responses.create',
  '.messages.create',
  '.generate_content',
  '.chat.complete',
  '.create_chat_completion',
  '.create_completion',
  '.text_generation',
  '.chat_completion',
];
/** Module-level functions that return model output. */
export const MODEL_OUTPUT_FUNCTIONS = new Set([
  'ollama.chat',
  'ollama.generate',
  'litellm.completion',
  'litellm.acompletion',
  'litellm.text_completion',
  'openai.ChatCompletion.create',
  'openai.Completion.create',
]);
/** Method names that return model output on any receiver (`llm.invoke`, `model.generate`, `client.chat`). */
export const MODEL_OUTPUT_METHODS = new Set([
  'invoke',
  'ainvoke',
  'generate',
  'agenerate',
  'completion',
  'acompletion',
  'chat',
  'achat',
  'complete',
  'acomplete',
]);
/** Further methods that return model output when the receiver is an LLM handle (`chain.run`, `llm.stream`). */
export const HANDLE_METHODS = new Set([
  'run',
  'arun',
  'stream',
  'astream',
  'predict',
  'batch',
  'query',
  '__call__',
]);
/** Bare names that conventionally hold a callable model: `llm(prompt)`, `generator(prompt)`. */
export const LLM_NAMES = new Set([
  'llm',
  'chat_llm',
  'chat_model',
  'chat',
  'generator',
  'text_generator',
  'pipe',
  'chain',
  'agent',
]);
/** Constructors whose result is an LLM handle, matched on the last part of the resolved name. */
export const LLM_CONSTRUCTOR =
  /^(pipeline|LLM|Llama|OpenAI|AsyncOpenAI|AzureOpenAI|Anthropic|AsyncAnthropic|Ollama|Client|AsyncClient|init_chat_model|HuggingFacePipeline|HuggingFaceEndpoint|InferenceClient|Chat[A-Z]\w*)$/;
/** Modules an `LLM_CONSTRUCTOR` match must come from when the name is generic (`Client`, `LLM`). */
export const GENERIC_CONSTRUCTORS = new Set(['Client', 'AsyncClient', 'LLM']);
export const LLM_CLIENT_MODULES = [
  'ollama',
  'vllm',
  'openai',
  'anthropic',
  'llama_cpp',
  'huggingface_hub',
  'groq',
];
/** `from_pretrained` of these classes returns a generating model (an LLM handle). */
export const GENERATIVE_CLASSES =
  /(ForCausalLM|ForSeq2SeqLM|ForConditionalGeneration|AutoModel\w*|Pipeline)$/;

/** Calls that show the file uses a model or an LLM, i.e. is an application rather than a model's own module. */
export const MODEL_USE = new Set([
  'huggingface_hub.hf_hub_download',
  'huggingface_hub.snapshot_download',
  'datasets.load_dataset',
  'torch.hub.load',
  'transformers.pipeline',
  'vllm.LLM',
  'llama_cpp.Llama',
]);

/** Calls whose result carries none of their arguments' content as text a shell or eval would read. */
export const SANITIZERS = new Set([
  'shlex.quote',
  'shlex.join',
  'pipes.quote',
  'builtins.int',
  'builtins.float',
  'builtins.bool',
  'builtins.len',
  'builtins.hash',
  'builtins.id',
  'builtins.isinstance',
]);

/** Method names through which a container picks up its argument (`outputs.append(llm(...))`). */
export const CONTAINER_ADDERS = new Set(['append', 'extend', 'insert', 'add', 'update', 'appendleft', 'put']);

/** Functions that open a path and return a file object, whose `.write` then writes to that path. */
export const OPENERS = new Set(['builtins.open', 'io.open', 'codecs.open']);

/** Transformers remote-code module names: such a file is a model's code even when scanned on its own. */
export const MODEL_MODULE_NAME =
  /^(modeling|configuration|tokenization|processing|image_processing|feature_extraction|video_processing)_[\w.-]*\.pyw?$/i;
