/**
 * PEP 503 name normalisation: the one spelling of a PyPI project name that indexes, pip and OSV agree on.
 * `Typing_Extensions`, `typing.extensions` and `typing--extensions` are all `typing-extensions`, so every
 * comparison (advisory lookup, typosquat distance, dependency-confusion checks) must use this form.
 */

/** PEP 503's `re.sub(r"[-_.]+", "-", name).lower()`. A single character class: linear, no backtracking. */
export function normalizePypiName(name: string): string {
  return name.replace(/[-_.]+/g, '-').toLowerCase();
}
