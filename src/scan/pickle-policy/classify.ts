import { DANGEROUS_IN_ANY_MODULE, DANGEROUS_MODULES, DANGEROUS_NAMES } from './dangerous-globals.data.ts';
import { EXTRA_DANGEROUS_MODULES, EXTRA_DANGEROUS_NAMES } from './resolver-gadgets.ts';
import { SAFE_CLASS_PREFIXES, SAFE_NAMES } from './safe-globals.ts';

/** How an imported callable is judged. */
export interface Classification {
  verdict: 'safe' | 'dangerous' | 'unknown';
  /** Why, in words a user can check: which list, which component. */
  reason: string;
}

const DUNDER = /^__\w+__$/;
const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Classifies `module.name` the way the unpickler resolves it: `name` may be a dotted attribute path
 * (protocol 4 qualnames), walked with getattr from the imported module — so `pathlib` + `os.system`
 * reaches `os.system`. Order matters: an exact deny beats an exact allow, which beats module-wide denies.
 */
export function classifyGlobal(module: string, name: string): Classification {
  const qualified = `${module}.${name}`;
  const moduleParts = module.split('.');
  const nameParts = name.split('.');
  if (!moduleParts.every((p) => IDENT.test(p)) || !nameParts.every((p) => IDENT.test(p))) {
    // The import itself fails in CPython (no such module or attribute), so nothing runs; still worth a look.
    return { verdict: 'unknown', reason: 'not a valid Python dotted name, so the import fails when loaded' };
  }
  const exactDeny = DANGEROUS_NAMES.get(qualified) ?? EXTRA_DANGEROUS_NAMES.get(qualified);
  if (exactDeny !== undefined) return { verdict: 'dangerous', reason: `on the deny list (${exactDeny})` };
  if (SAFE_NAMES.has(qualified)) return { verdict: 'safe', reason: 'on the allow list' };

  const last = nameParts[nameParts.length - 1]!;
  const anyModule = DANGEROUS_IN_ANY_MODULE.get(last);
  if (anyModule !== undefined)
    return { verdict: 'dangerous', reason: `"${last}" is dangerous in any module (${anyModule})` };

  const path = [...moduleParts.slice(1), ...nameParts];
  const dunder = path.find((p) => DUNDER.test(p));
  if (dunder !== undefined && !(nameParts.length === 1 && module === '__future__')) {
    return { verdict: 'dangerous', reason: `the attribute path goes through ${dunder}, a resolver gadget` };
  }

  for (let i = moduleParts.length; i >= 1; i--) {
    const prefix = moduleParts.slice(0, i).join('.');
    const src = DANGEROUS_MODULES.get(prefix) ?? EXTRA_DANGEROUS_MODULES.get(prefix);
    if (src !== undefined && !isSafeClass(module, name)) {
      return { verdict: 'dangerous', reason: `module ${prefix} is on the deny list (${src})` };
    }
  }
  // A dotted path that passes through a dangerous module's name reaches that module by attribute access.
  // (`pathlib` + `os.system`, `numpy` + `os`): fickling's "any dotted component" rule.
  const via = path.find((p) => DANGEROUS_MODULES.has(p));
  if (via !== undefined && !isSafeClass(module, name)) {
    return { verdict: 'dangerous', reason: `the attribute path reaches module ${via}` };
  }

  if (isSafeClass(module, name)) return { verdict: 'safe', reason: 'a class from an allow-listed package' };
  return { verdict: 'unknown', reason: 'on neither the allow list nor the deny list' };
}

function isSafeClass(module: string, name: string): boolean {
  if (!IDENT.test(name) || DUNDER.test(name)) return false;
  const qualified = `${module}.`;
  if (!SAFE_CLASS_PREFIXES.some((p) => qualified.startsWith(p))) return false;
  if (module.startsWith('__future__') && module !== '__future__') return false;
  // __future__ features are lower-case flags (annotations, division); everything else must be a class.
  return module === '__future__' ? !name.startsWith('_') : /^[A-Z]/.test(name);
}
