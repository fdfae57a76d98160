/** Helpers every parser shares to fill a Launch the same way. */
import { detectServer } from './servers.ts';
import { parseAssignment, splitCommands, stripPrefix, type Word } from './shell-words.ts';
import type { Launch } from './types.ts';

const SHELLS = new Set(['sh', 'bash', '/bin/sh', '/bin/bash', '/usr/bin/env bash', 'ash', 'dash', 'zsh']);

/**
 * Sets the launch's argv. A `sh -c "<script>"` wrapper is unwrapped to the script's first command that starts
 * a known server (or its last command), since that is the process that serves; assignments before it
 * (`OLLAMA_HOST=0.0.0.0 ollama serve`) become environment.
 */
export function setCommand(launch: Launch, words: readonly Word[]): void {
  const base = (w: Word | undefined) => (w === undefined ? '' : w.text.slice(w.text.lastIndexOf('/') + 1));
  if (words.length >= 3 && SHELLS.has(base(words[0])) && /^-[a-z]*c$/.test(words[1]!.text)) {
    const script = words[2]!;
    const commands = splitCommands(script.text, script.line).map(stripPrefix);
    let chosen: Word[] | undefined;
    for (const c of commands) {
      if (c.command.length === 0) {
        for (const a of c.assignments) addAssignment(launch, a);
        continue;
      }
      if (c.command[0]!.text === 'export') {
        for (const w of c.command.slice(1)) addAssignment(launch, w);
        continue;
      }
      const words = c.command;
      if (detectServerOf(words) !== undefined) {
        for (const a of c.assignments) addAssignment(launch, a);
        chosen = words;
        break;
      }
      chosen = words;
    }
    if (chosen !== undefined) {
      launch.argv = chosen.map((w) => w.text);
      launch.argLines = chosen.map((w) => w.line);
      return;
    }
  }
  const { assignments, command } = stripPrefix(words);
  for (const a of assignments) addAssignment(launch, a);
  launch.argv = command.map((w) => w.text);
  launch.argLines = command.map((w) => w.line);
}

function detectServerOf(words: readonly Word[]): string | undefined {
  return detectServer({ argv: words.map((w) => w.text) } as Launch);
}

/** Records a `NAME=value` word as environment (later settings win, as in a shell). */
export function addAssignment(launch: Launch, word: Word): void {
  const a = parseAssignment(word.text);
  if (a !== undefined) launch.env.set(a.name, { value: a.value, line: word.line });
}

/** `root`, `0`, `root:root`, `0:0` — a user spec (compose `user:`, `--user`, `USER`) that is uid 0. */
export function isRootUser(spec: string): boolean {
  return /^(0|root)(:|$)/.test(spec.trim());
}

/** True for a volume or mount source that is the Docker (or Podman) control socket. */
export function isDockerSocket(path: string): boolean {
  return /(^|\/)(docker|podman)\.sock$/.test(path.trim()) || /\/var\/run\/docker\.sock/.test(path);
}

/** Fills `server` once argv, image and env are known. */
export function finish(launch: Launch): Launch {
  const server = detectServer(launch);
  if (server !== undefined) launch.server = server;
  return launch;
}
