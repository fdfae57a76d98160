/**
 * Dockerfiles (`Dockerfile`, `*.Dockerfile`, `Dockerfile.*`): the final stage becomes one Launch — its FROM
 * image, ENV (both `ENV A=b C=d` and the legacy `ENV A b`), ENTRYPOINT + CMD in exec (JSON) or shell form,
 * EXPOSE and USER. Nothing is published: EXPOSE documents a port, `docker run -p` publishes it.
 */
import { finish, isRootUser, setCommand } from './launch-build.ts';
import { splitWords, type Word } from './shell-words.ts';
import { type DeployConfig, type Launch, newLaunch } from './types.ts';

/** True for the names `docker build` users give Dockerfiles and Containerfiles. */
export function isDockerfileName(name: string): boolean {
  return (
    /^(Dockerfile|Containerfile)(\.[\w.-]+)?$/i.test(name) || /\.(Dockerfile|Containerfile)$/i.test(name)
  );
}

interface Instruction {
  op: string;
  args: string;
  line: number;
}

/** Joins continuation lines (`\` at the end, `# escape=` ignored) into instructions with their first line. */
function instructions(text: string): Instruction[] {
  const lines = text.split(/\r?\n/);
  const out: Instruction[] = [];
  for (let i = 0; i < lines.length; i++) {
    const first = lines[i]!.trim();
    if (first === '' || first.startsWith('#')) continue;
    const start = i;
    let body = lines[i]!;
    while (/\\\s*$/.test(body) && i + 1 < lines.length) {
      i++;
      const next = lines[i]!;
      if (next.trim().startsWith('#')) continue;
      body = `${body.replace(/\\\s*$/, '')}\n${next}`;
    }
    const m = /^\s*([A-Za-z]+)\s+([\s\S]*)$/.exec(body);
    if (m !== null) out.push({ op: m[1]!.toUpperCase(), args: m[2]!, line: start + 1 });
  }
  return out;
}

/** `["a","b"]` exec form as words, or undefined when it is shell form. */
function execForm(args: string, line: number): Word[] | undefined {
  const t = args.trim();
  if (!t.startsWith('[')) return undefined;
  try {
    const parsed = JSON.parse(t.replace(/\\\n/g, '')) as unknown;
    if (Array.isArray(parsed) && parsed.every((x) => typeof x === 'string')) {
      return parsed.map((text) => ({ text, line }));
    }
  } catch {
    // Not valid JSON: Docker then runs it in shell form.
  }
  return undefined;
}

/** Shell form runs as `/bin/sh -c "<args>"`: unwrapped the same way as a compose `sh -c`. */
function commandOf(args: string, line: number): Word[] {
  return (
    execForm(args, line) ?? [
      { text: '/bin/sh', line },
      { text: '-c', line },
      { text: args.replace(/\\\n/g, ' '), line },
    ]
  );
}

/** Reads the Dockerfile's last stage. */
export function parseDockerfile(file: string, text: string): DeployConfig {
  let launch: Launch = newLaunch(file, 'dockerfile', 1, true);
  let entrypoint: Word[] = [];
  let cmd: Word[] = [];
  let user: { name: string; line: number } | undefined;
  for (const ins of instructions(text)) {
    switch (ins.op) {
      case 'FROM': {
        // A new stage starts from scratch: only the last one is the image that runs.
        launch = newLaunch(file, 'dockerfile', ins.line, true);
        const ref = ins.args.split(/\s+/).find((w) => !w.startsWith('--'));
        if (ref !== undefined) launch.image = { ref, line: ins.line };
        entrypoint = [];
        cmd = [];
        user = undefined;
        break;
      }
      case 'ENV':
        readEnv(launch, ins);
        break;
      case 'ENTRYPOINT':
        entrypoint = commandOf(ins.args, ins.line);
        // Docker resets CMD when ENTRYPOINT is set in the same stage after it.
        cmd = [];
        break;
      case 'CMD':
        cmd = commandOf(ins.args, ins.line);
        break;
      case 'USER':
        user = { name: ins.args.trim(), line: ins.line };
        break;
    }
  }
  setCommand(
    launch,
    entrypoint.length > 0 && isShellWrapper(entrypoint) ? entrypoint : [...entrypoint, ...cmd],
  );
  if (user === undefined) {
    // The final stage runs as its base image's user: root unless that image set another (servers.ts knows).
    launch.runsAsRoot = { line: launch.line, text: 'no USER instruction', inherited: true };
  } else if (isRootUser(user.name)) {
    launch.runsAsRoot = { line: user.line, text: `USER ${user.name}` };
  } else if (!user.name.includes('$')) {
    launch.runsAsNonRoot = { line: user.line, text: `USER ${user.name}` };
  }
  return { file, source: 'dockerfile', launches: [finish(launch)], errors: [] };
}

function isShellWrapper(words: readonly Word[]): boolean {
  return words.length >= 3 && words[1]!.text === '-c';
}

function readEnv(launch: Launch, ins: Instruction): void {
  const words = splitWords(ins.args.replace(/\\\n/g, ' '), ins.line);
  if (words.length >= 1 && !words[0]!.text.includes('=')) {
    // Legacy `ENV NAME value with spaces`.
    launch.env.set(words[0]!.text, {
      value: words
        .slice(1)
        .map((w) => w.text)
        .join(' '),
      line: ins.line,
    });
    return;
  }
  for (const w of words) {
    const eq = w.text.indexOf('=');
    if (eq > 0) launch.env.set(w.text.slice(0, eq), { value: w.text.slice(eq + 1), line: ins.line });
  }
}
