/**
 * What Keras configs may name. Keras (2 and 3) imports any `module` a config names and looks the class or
 * function up in it; Keras 3.9 restricted this to Keras' own packages after CVE-2025-1550, and these lists
 * follow that fix rather than trusting the loader version a user happens to run.
 */

/** Top-level packages whose objects a Keras config legitimately names. */
const SAFE_MODULE_ROOTS = new Set([
  'keras',
  'keras_nlp',
  'keras_hub',
  'keras_cv',
  'tf_keras',
  'tensorflow',
  'numpy',
  'math',
]);

/** Built-ins Keras 3 serialises as plain functions (activations, dtypes, output shapes). */
const SAFE_BUILTINS = new Set([
  'int',
  'float',
  'bool',
  'str',
  'list',
  'tuple',
  'dict',
  'abs',
  'min',
  'max',
  'sum',
  'round',
  'len',
  'range',
  'function',
]);

/** Modules whose mere presence in a config means code execution, file or network access. */
const DANGEROUS_MODULE_ROOTS = new Set([
  'os',
  'posix',
  'nt',
  'subprocess',
  'sys',
  'shutil',
  'socket',
  'importlib',
  'runpy',
  'pty',
  'pickle',
  'marshal',
  'ctypes',
  'code',
  'codeop',
  'webbrowser',
  'urllib',
  'requests',
  'http',
  'commands',
  'pdb',
  'timeit',
  'dill',
]);

/** Names that make a Lambda's code an attack rather than an unusual model: process, eval, import, files. */
const DANGEROUS_CODE_NAMES = new Set([
  'os',
  'posix',
  'nt',
  'sys',
  'subprocess',
  'system',
  'popen',
  'Popen',
  'spawn',
  'spawnl',
  'execv',
  'execve',
  'exec',
  'eval',
  'execfile',
  'compile',
  '__import__',
  'import_module',
  'importlib',
  'open',
  'builtins',
  '__builtins__',
  '__globals__',
  '__subclasses__',
  'getattr',
  'socket',
  'shutil',
  'pty',
  'runpy',
  'urllib',
  'urlopen',
  'requests',
  'pickle',
  'marshal',
  'webbrowser',
  'ctypes',
  'check_output',
  'check_call',
  'remove',
  'unlink',
  'rmtree',
]);

/** Functions in allowed packages that run arbitrary Python (tf.py_function, numpy.distutils' exec_command). */
const CODE_GADGETS = new Set([
  'py_function',
  'numpy_function',
  'py_func',
  'eager_py_func',
  'exec_command',
  'system',
]);

/** Functions in allowed packages that touch files (tf.io.read_file / write_file, np.load / save / fromfile). */
const FILE_GADGETS = new Set([
  'read_file',
  'write_file',
  'load',
  'save',
  'fromfile',
  'tofile',
  'loadtxt',
  'savetxt',
  'GFile',
]);

/** How a config's module reference is classified. */
export type ModuleVerdict = 'safe' | 'unknown' | 'dangerous';

/** Classifies a module (and the name looked up in it) a Keras config asks the loader to import. */
export function classifyKerasModule(module: string, name: string | undefined): ModuleVerdict {
  const root = module.split('.')[0] ?? '';
  if (root === 'builtins' || root === '__builtin__') {
    return name !== undefined && SAFE_BUILTINS.has(name) ? 'safe' : 'dangerous';
  }
  if (DANGEROUS_MODULE_ROOTS.has(root)) return 'dangerous';
  if (!SAFE_MODULE_ROOTS.has(root)) return 'unknown';
  // Allowed packages still hold gadgets: Python callbacks run code, file functions read and write the disk.
  const leaf = name ?? '';
  if (CODE_GADGETS.has(leaf) || module.split('.').some((part) => CODE_GADGETS.has(part))) return 'dangerous';
  if (FILE_GADGETS.has(leaf) || /(^|\.)(io|gfile|f2py|distutils)(\.|$)/.test(module)) return 'unknown';
  return 'safe';
}

/** The names in `names` that mark Lambda code as dangerous, in their order. */
export function dangerousCodeNames(names: readonly string[]): string[] {
  return names.filter((n) => DANGEROUS_CODE_NAMES.has(n));
}
