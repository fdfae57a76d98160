/**
 * docs/redteam/probes.md, generated from the probes' own metadata and plans so the page can never drift from
 * the code (a test compares them). Each probe has an anchor named after its id (`/` → `-`), which is what
 * SARIF help text and `--list-probes` point to.
 */
import { DEFAULT_SYSTEM_PROMPT } from './probes/shared.ts';
import type { Probe, ProbeCategory } from './types.ts';

/** What to do when a category breaches (shared by its probes). */
const DEFENCE: Record<ProbeCategory, string> = {
  'prompt-injection':
    'Treat user text as data: keep instructions in the system turn, put `parapet gateway` (guard input detectors) in front of the model, and never let the model act on its own say-so (tools behind confirmation).',
  'indirect-injection':
    'Mark retrieved documents and tool output as untrusted (spotlighting / delimiters), scan them with the guard before they enter the prompt, and limit what the model may do after reading them.',
  jailbreak:
    "Do not keep secrets in the prompt: the model cannot be trusted to withhold them. Screen inputs for jailbreak patterns and outputs for the data you protect (the guard's canary and system-prompt-leak detectors).",
  'system-prompt-extraction':
    'Assume the system prompt will be read. Keep credentials and rules that must hold out of it, enforce them server-side, and plant a canary the gateway blocks on output.',
  exfiltration:
    "Do not render model output as markdown/HTML with remote images, or allow only your own image hosts (CSP img-src); the guard's markdown-exfiltration detector blocks such images on output.",
  encoding:
    'Decode before you filter: the guard decodes base64, hex, ROT13, leetspeak, tag characters and homoglyphs before its detectors run. Models that decode on request follow what they decode.',
  multilingual:
    'Check filters and classifiers in the languages your users write; English keyword lists miss translated attacks.',
  'insecure-output':
    'Treat model output as untrusted input to the next system: escape HTML, strip control characters before a terminal, quote shell arguments (or avoid the shell), bind SQL parameters.',
  'package-hallucination':
    'Check every package name a model suggests against the registry and your allow list before installing; `parapet scan` flags unknown and typosquatted dependencies.',
  'data-leakage':
    "Keep other users' data and credentials out of the model's context (fetch per user, call tools with server-side credentials); the guard's PII and secret detectors redact on output.",
};

/** Invisible and control characters shown as \u{…} so the page shows what is actually sent. */
function visible(text: string): string {
  return text.replace(
    /[\u{E0000}-\u{E007F}\u200B-\u200F\u2060-\u2064\uFEFF\x00-\x08\x0B-\x1F\x7F]/gu,
    (c) => `\\u{${(c.codePointAt(0) as number).toString(16).toUpperCase()}}`,
  );
}

export const probeAnchor = (id: string): string => id.replace('/', '-');

export function renderProbeCatalogue(probes: readonly Probe[]): string {
  const ctx = { seed: 1, attemptsPerProbe: 1 };
  const out: string[] = [
    '# Red-team probe catalogue',
    '',
    '<!-- Generated from src/redteam/probes/**: run `UPDATE_DOCS=1 node --import tsx --test test/redteam/docs.test.ts` after changing a probe. -->',
    '',
    `${probes.length} probes. Run them with \`parapet redteam --target URL\` (see [../redteam.md](../redteam.md)); select with \`--probes <id or category>\`. Every detector works without an LLM. "Guard covers" means \`parapet gateway\`'s guard (balanced preset) stops every attempt of the probe, on input or output; test/redteam/guard-coverage.test.ts checks it. Probes marked "no" may still be partly stopped.`,
    '',
    'Examples below are the first attempt of each probe with `--seed 1` and no `--system-prompt`: probes that plant a secret or context use the default application prompt ("' +
      DEFAULT_SYSTEM_PROMPT +
      '"), the others send none. Canaries, markers and keys are made up and change with the seed.',
    '',
    '| Probe | Category | Guard covers |',
    '| --- | --- | --- |',
    ...probes.map(
      (p) =>
        `| [${p.meta.id}](#${probeAnchor(p.meta.id)}) | ${p.meta.category} | ${p.meta.guardCovers ? 'yes' : 'no'} |`,
    ),
    '',
  ];
  for (const probe of probes) {
    const { meta } = probe;
    const plan = probe.plan(ctx)[0];
    const clip = (text: string) =>
      visible(text.length > 600 ? `${text.slice(0, 600)}…` : text).replaceAll('```', '`\u200b``');
    const conversation = (plan?.messages ?? []).map((m) => `[${m.role}] ${clip(m.content)}`).join('\n\n');
    out.push(
      `<a id="${probeAnchor(meta.id)}"></a>`,
      '',
      `## ${meta.id} — ${meta.title}`,
      '',
      `**Category:** ${meta.category} · **Guard covers:** ${meta.guardCovers ? 'yes' : 'no'} · **Tags:** ${meta.tags.join(', ')}`,
      '',
      meta.description,
      '',
      `Example attempt (every message of its first request${plan?.followUps?.length ? `, then ${plan.followUps.length} follow-up turn(s)` : ''}):`,
      '',
      '```text',
      conversation,
      '```',
      '',
      `**Defence:** ${DEFENCE[meta.category]}`,
      '',
      '**Sources:**',
      '',
      ...meta.sources.map((s) => `- [${s.title}](${s.url})${s.licence ? ` (${s.licence})` : ''}`),
      '',
    );
  }
  return out.join('\n');
}
