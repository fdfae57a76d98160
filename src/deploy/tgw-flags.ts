/**
 * text-generation-webui's `CMD_FLAGS.txt` (`user_data/CMD_FLAGS.txt`; `CMD_FLAGS.txt` at the root in older
 * releases): the flags its one-click start scripts (`start_linux.sh`, `start_windows.bat`...) append to
 * `python server.py`. `#` lines are comments (the shipped file is `# Only used by the one-click installer.`
 * and a commented `--listen --api` example). Read as one host launch of text-generation-webui, so the flags
 * the deploy rules know (`--listen`, `--share`, `--public-api`, `--trust-remote-code`, `--gradio-auth`) are
 * judged as if typed on the command line.
 */
import { finish } from './launch-build.ts';
import { splitWords, type Word } from './shell-words.ts';
import { type DeployConfig, newLaunch } from './types.ts';

/** True for the flags file's name. */
export function isTgwFlagsName(name: string): boolean {
  return name === 'CMD_FLAGS.txt';
}

/** Reads the flags into a `python server.py ...` launch (undefined when the file holds no flag at all). */
export function parseTgwFlags(file: string, text: string): DeployConfig | undefined {
  const words: Word[] = [];
  for (const [i, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    words.push(...splitWords(line, i + 1));
  }
  if (!words.some((w) => w.text.startsWith('-'))) return undefined;
  const launch = newLaunch(file, 'tgw-flags', words[0]!.line, false);
  launch.name = 'CMD_FLAGS.txt';
  launch.argv = ['python', 'server.py', ...words.map((w) => w.text)];
  launch.argLines = [words[0]!.line, words[0]!.line, ...words.map((w) => w.line)];
  finish(launch);
  // The start scripts always run server.py: the file is text-generation-webui's whatever its flags are.
  launch.server = 'text-generation-webui';
  return { file, source: 'tgw-flags', launches: [launch], errors: [] };
}
