/**
 * Deny entries beyond the peers' lists: callables that turn strings into arbitrary objects ("resolver
 * gadgets") or that load further pickles. Each was used in a published bypass; the comment says where.
 */
/** Whole modules beyond the peers' lists: compilers and code-object tooling have no place in a checkpoint. */
export const EXTRA_DANGEROUS_MODULES: ReadonlyMap<string, string> = new Map([
  ['ast', 'turns source into code objects for compile() (fickling GHSA-cffv-grgg-g429 test)'],
  ['dis', 'code-object tooling'],
  ['opcode', 'code-object tooling'],
  ['mailcap', 'findmatch runs shell commands (picklescan PR #69)'],
  ['resource', 'setrlimit starves the loading process (Hugging Face "pickle-scanner-bypass" models)'],
  ['getpass', 'prompts the user for secrets at load time ("pickle-scanner-bypass" models)'],
  ['_winapi', 'Windows process creation'],
  ['msvcrt', 'Windows console and process primitives (saferpickle UNSAFE_STRINGS)'],
  ['winreg', 'Windows registry access (saferpickle UNSAFE_STRINGS)'],
]);

export const EXTRA_DANGEROUS_NAMES: ReadonlyMap<string, string> = new Map([
  ['pkgutil.resolve_name', 'resolver: "os:system" → os.system (picklescan GHSA, 2026)'],
  ['pydoc.locate', 'resolver: pydoc.locate("os") (picklescan GHSA, 2025)'],
  ['operator.attrgetter', 'resolver: attrgetter("system")(os)'],
  ['operator.methodcaller', 'resolver: methodcaller("system", cmd)(os)'],
  ['_operator.attrgetter', 'resolver'],
  ['_operator.methodcaller', 'resolver'],
  ['builtins.getattr', 'resolver'],
  ['builtins.__import__', 'resolver: fickling GHSA-h4rm-mm56-xf63'],
  ['builtins.globals', 'resolver'],
  ['builtins.vars', 'resolver'],
  ['builtins.type', 'builds classes with attacker-chosen methods'],
  ['builtins.super', 'resolver'],
  ['importlib.import_module', 'resolver'],
  ['sys.modules', 'resolver: every loaded module by name'],
  ['numpy.load', 'loads a nested pickle when allow_pickle=True'],
  ['numpy.lib.npyio.load', 'loads a nested pickle when allow_pickle=True'],
  ['torch.load', 'loads a nested pickle'],
  ['torch.serialization.load', 'loads a nested pickle'],
  ['joblib.load', 'loads a nested pickle (ModelAudit trampoline fix)'],
  ['pandas.read_pickle', 'loads a nested pickle'],
  ['pandas.io.pickle.read_pickle', 'loads a nested pickle'],
  ['transformers.dynamic_module_utils.get_class_from_dynamic_module', 'downloads and imports remote code'],
  ['mlflow.projects.backend.local._run_entry_point', 'runs a shell command (modelscan #338)'],
  ['pandas.io.parsers.readers.read_csv', 'fetches a URL: exfiltration (modelscan #338)'],
  ['pandas.read_csv', 'fetches a URL: exfiltration'],
  ['weakref.finalize', 'registers any callable to run later: a call-graph trampoline (ModelAudit PR #1061)'],
]);
