/**
 * systemd units (`*.service`, and drop-ins such as the `override.conf` that `systemctl edit ollama` writes —
 * Ollama's documented way to set OLLAMA_HOST): ExecStart= (with its `-@:+!` prefixes and continuation lines),
 * Environment= (several quoted assignments per line) and EnvironmentFile=.
 */
import { addAssignment, finish, isRootUser, setCommand } from './launch-build.ts';
import { serverOfUnit } from './servers.ts';
import { splitWords } from './shell-words.ts';
import { type DeployConfig, newLaunch } from './types.ts';

/** `*.service` units and `*.conf` drop-ins (the latter only when they have a [Service] section). */
export function isSystemdName(name: string): boolean {
  return /\.service$/i.test(name) || /\.conf$/i.test(name);
}

/** Reads the [Service] section into one launch (the last ExecStart= wins, as for a simple service). */
export function parseSystemd(file: string, text: string): DeployConfig | undefined {
  if (!/^\s*\[Service\]/m.test(text)) return undefined;
  const launch = newLaunch(file, 'systemd', 1, false);
  const lines = text.split(/\r?\n/);
  let section = '';
  for (let i = 0; i < lines.length; i++) {
    const start = i;
    let line = lines[i]!;
    while (/\\\s*$/.test(line) && i + 1 < lines.length) {
      i++;
      line = `${line.replace(/\\\s*$/, ' ')}${lines[i]!}`;
    }
    const t = line.trim();
    if (t === '' || t.startsWith('#') || t.startsWith(';')) continue;
    const sec = /^\[(.+)\]$/.exec(t);
    if (sec !== null) {
      section = sec[1]!;
      continue;
    }
    if (section !== 'Service') continue;
    const eq = t.indexOf('=');
    if (eq < 0) continue;
    const key = t.slice(0, eq).trim();
    const value = t.slice(eq + 1).trim();
    const lineNo = start + 1;
    if (key === 'ExecStart' && value !== '') {
      launch.line = lineNo;
      setCommand(launch, splitWords(value.replace(/^[-@:+!]+/, ''), lineNo));
    } else if (key === 'Environment') {
      for (const w of splitWords(value, lineNo)) addAssignment(launch, w);
    } else if (key === 'EnvironmentFile' && value !== '') {
      launch.envFiles.push(value.replace(/^-/, ''));
    } else if (key === 'User' && value !== '') {
      const flagged = { line: lineNo, text: `User=${value}` };
      if (isRootUser(value)) launch.runsAsRoot = flagged;
      else launch.runsAsNonRoot = flagged;
    }
  }
  const base = file.slice(file.lastIndexOf('/') + 1);
  // A drop-in (`/etc/systemd/system/ollama.service.d/override.conf`) belongs to the unit its directory names.
  const unit = /([^/\\]+\.service)\.d[/\\][^/\\]+$/.exec(file)?.[1];
  launch.name = unit === undefined ? base : `${unit} drop-in ${base}`;
  finish(launch);
  if (launch.server === undefined && launch.argv.length === 0 && unit !== undefined) {
    const server = serverOfUnit(unit);
    if (server !== undefined) launch.server = server;
  }
  return { file, source: 'systemd', launches: [launch], errors: [] };
}
