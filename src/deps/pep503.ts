/**
 * PEP 503 name normalisation: the one spelling of a PyPI project name that indexes, pip and OSV agree on.
 * `Typing_Extensions`, `typing.extensions` and `typing--extensions` are all `typing-extensions`, so every
 * comparison (advisory lookup, typosquat distance, dependency-confusion checks) must use this form.
 */

/**
 * PEP 503's `re.sub(r"[-_.]+", "-", name).lower()`. A single character class: linear, no backtracking. Names
 * that are already canonical (nearly every name of a lock file or of the bundled lists) are returned as they
 * are without running the regular expression.
 */
export function normalizePypiName(name: string): string {
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    const upper = c >= 65 && c <= 90;
    if (upper || c === 95 || c === 46 || c > 127 || (c === 45 && name.charCodeAt(i + 1) === 45)) {
      return name.replace(/[-_.]+/g, '-').toLowerCase();
    }
  }
  return name;
}
