/**
 * The environment the sandboxed command sees. An allow list, not a deny list: tokens come under too many
 * names (HF_TOKEN, OPENAI_API_KEY, AWS_SESSION_TOKEN, GITHUB_PAT, DATABASE_URL with a password...) for a
 * pattern to catch them all, while what a loader needs from the environment is short and known.
 */

/** Kept when set: locale, terminal, time zone, who and where. */
const ALLOWED = new Set(['PATH', 'HOME', 'USER', 'LOGNAME', 'SHELL', 'LANG', 'LANGUAGE', 'TERM', 'TZ']);

/** Set in every sandbox: no .pyc writes into a read-only tree, unbuffered Python output for the tail. */
const FORCED: Record<string, string> = { PYTHONDONTWRITEBYTECODE: '1', PYTHONUNBUFFERED: '1' };

export interface ScrubbedEnv {
  env: Record<string, string>;
  /** Names removed (never their values), for the report. */
  removed: string[];
}

/** Keeps the allow list, LC_* and every `keep` name; drops everything else. */
export function scrubEnv(
  source: Readonly<Record<string, string | undefined>>,
  keep: readonly string[],
): ScrubbedEnv {
  const env: Record<string, string> = {};
  const removed: string[] = [];
  const kept = new Set(keep);
  for (const [name, value] of Object.entries(source)) {
    if (value === undefined) continue;
    if (ALLOWED.has(name) || name.startsWith('LC_') || kept.has(name)) env[name] = value;
    else if (name in FORCED) continue;
    else removed.push(name);
  }
  Object.assign(env, FORCED);
  return { env, removed: removed.sort() };
}
