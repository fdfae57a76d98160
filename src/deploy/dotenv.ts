/**
 * `.env` files (`.env`, `*.env`, `.env.*`) in dotenv syntax: `NAME=value`, optional `export `, single quotes
 * literal, double quotes with escapes (and multi-line values), unquoted values ending at ` #`. One Launch with
 * only an environment: what a compose `env_file:` or `--env-file` hands a container.
 */
import { type DeployConfig, newLaunch } from './types.ts';

/** `.env`, `.env.local`, `prod.env`; never `.envrc` or `environment.yml`. */
export function isDotenvName(name: string): boolean {
  return /^\.env(\.[\w.-]+)?$/i.test(name) || /^[\w.-]+\.env$/i.test(name);
}

const LINE = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(.*)$/;

/** Reads every assignment; a line that is not one is skipped (dotenv libraries do the same). */
export function parseDotenv(file: string, text: string): DeployConfig {
  const launch = newLaunch(file, 'dotenv', 1, false);
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const m = LINE.exec(lines[i]!);
    if (m === null) continue;
    const lineNo = i + 1;
    let raw = m[2]!;
    let value: string;
    const q = raw[0];
    if (q === '"' || q === "'" || q === '`') {
      // A quoted value may continue over lines until its closing quote.
      while (raw.lastIndexOf(q) === 0 && i + 1 < lines.length) raw += `\n${lines[++i]!}`;
      const end = raw.lastIndexOf(q);
      value = end > 0 ? raw.slice(1, end) : raw.slice(1);
      if (q === '"') value = value.replace(/\\n/g, '\n').replace(/\\(["\\])/g, '$1');
    } else {
      value = raw.replace(/\s+#.*$/, '').trim();
    }
    launch.env.set(m[1]!, { value, line: lineNo });
  }
  return { file, source: 'dotenv', launches: [launch], errors: [] };
}
