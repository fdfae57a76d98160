/**
 * Incremental output scanning. A secret, canary or exfiltration link split across chunks is seen whole
 * before any of it is released; everything else is released as soon as no match can still be forming.
 * Text is released redacted; after a block nothing more is released.
 *
 * Why this is safe: every detector bounds the length of what it must see to fire (`meta.window`). A
 * detector that can tell where a match may still be forming (`pending`: an open token, an unclosed
 * `-----BEGIN` or `[`) holds text only from there; one that cannot holds its whole window. Text before
 * the earliest hold point can only be part of a match that is already visible in full, so it is released
 * (with that match redacted) or held if a match straddles the release point. Rescans start `lookback`
 * characters before the release point, so a match that began in released text (`api_key = ` released,
 * the value still arriving) is still seen and its unreleased part redacted.
 */
import type { Finding } from '../core/finding.ts';
import { applyRedactions, runDetectors, toFinding, withLabel, worseAction } from './guard.ts';
import type { ResolvedPolicy } from './policy-types.ts';
import { prepareText } from './prepare.ts';
import type { Detector, DetectorContext, GuardAction, Span } from './types.ts';

export interface StreamStep {
  /** Text safe to send to the client now (already redacted). Empty while held back or after a block. */
  release: string;
  /** The stream's verdict so far. `block` means: stop sending and close the response. */
  action: GuardAction;
  /** Findings first seen in this step. */
  findings: Finding[];
}

export interface OutputStream {
  /** Adds a chunk of model output; returns what may be released now. */
  push(chunk: string): StreamStep;
  /** The model finished: scans what is held and releases the rest unless blocked. */
  end(): StreamStep;
  /** Everything released so far, for an audit log. */
  readonly released: string;
  readonly action: GuardAction;
}

export interface OutputStreamOptions {
  detectors: readonly Detector[];
  policy: ResolvedPolicy;
  context: DetectorContext;
  /**
   * Minimum new characters before re-scanning. Each scan re-reads the held text and the lookback, so the
   * step amortises it; default 48, a few tokens, so released text trails the model by little.
   */
  step?: number;
}

/** The largest finite window among the detectors: the most a stream can ever hold back. */
export function holdbackWindow(detectors: readonly Detector[]): number {
  let window = 0;
  for (const d of detectors) if (Number.isFinite(d.meta.window)) window = Math.max(window, d.meta.window);
  return window;
}

/** Absolute offset from which text must be held: the earliest point where some match may still be forming. */
function holdFrom(
  detectors: readonly Detector[],
  text: string,
  base: number,
  context: DetectorContext,
): number {
  const end = base + text.length;
  let hold = end;
  for (const d of detectors) {
    const tailStart = Math.max(base, end - d.meta.window);
    if (d.pending === undefined) {
      hold = Math.min(hold, tailStart);
      continue;
    }
    const at = d.pending(text.slice(tailStart - base), context);
    hold = Math.min(hold, tailStart + Math.max(0, Math.min(at, end - tailStart)));
  }
  return hold;
}

export function createOutputStream(options: OutputStreamOptions): OutputStream {
  const window = holdbackWindow(options.detectors);
  const streamable = options.detectors.filter((d) => Number.isFinite(d.meta.window));
  const lookback = streamable.reduce((m, d) => Math.max(m, d.meta.lookback ?? d.meta.window), 0);
  const step = options.step ?? 48;
  /**
   * The text not yet released plus one lookback before it (released text a new match could still touch).
   * Offsets below are absolute; `base` is the absolute offset of `text[0]`, so memory stays bounded by
   * the window and the step however long the response runs.
   */
  let text = '';
  let base = 0;
  /** Absolute offset up to which text has been released (or dropped by a block). */
  let releasedUpTo = 0;
  const releasedParts: string[] = [];
  let scannedUpTo = 0;
  const end = () => base + text.length;
  let action: GuardAction = 'allow';
  const seen = new Set<string>();

  const scan = (final: boolean): StreamStep => {
    // Rescan from one lookback before the release point: any match touching unreleased text starts there.
    const from = Math.max(base, releasedUpTo - lookback);
    const region = text.slice(from - base);
    const detectors = final ? options.detectors : streamable;
    const counted = runDetectors(
      detectors,
      prepareText(region, { decode: false }),
      options.context,
      options.policy,
    );
    const findings: Finding[] = [];
    const redactions: Span[] = [];
    let limit = final ? end() : Math.max(releasedUpTo, holdFrom(streamable, text, base, options.context));
    for (const c of counted) {
      if (c.action === 'allow') continue;
      const span = c.detection.span && {
        ...c.detection.span,
        start: c.detection.span.start + from,
        end: c.detection.span.end + from,
      };
      // A match wholly inside released text was handled when it was released.
      if (span !== undefined && span.end <= releasedUpTo) continue;
      const key = `${c.detector.meta.id}@${span?.start ?? -1}:${c.detection.message}`;
      if (!seen.has(key)) {
        seen.add(key);
        findings.push(
          toFinding(
            c.detector,
            { ...c.detection, ...(span === undefined ? {} : { span }) },
            c.action,
            'output',
          ),
        );
      }
      action = worseAction(action, c.action);
      if (span === undefined) continue;
      if (c.action === 'redact') redactions.push(withLabel(span, c.detector));
      // Never release part of a match: stop before one that straddles the release point.
      if (span.start < limit && span.end > limit) limit = Math.max(releasedUpTo, span.start);
    }
    if (action === 'block') {
      releasedUpTo = end();
      text = '';
      base = releasedUpTo;
      return { release: '', action, findings };
    }
    const chunk = text.slice(releasedUpTo - base, limit - base);
    // A match that began in released text (its name released, its value not) is redacted from the release point.
    const local = redactions
      .filter((s) => s.end > releasedUpTo && s.end <= limit)
      .map((s) => ({ ...s, start: Math.max(0, s.start - releasedUpTo), end: s.end - releasedUpTo }));
    const release = applyRedactions(chunk, local);
    releasedUpTo = limit;
    if (release !== '') releasedParts.push(release);
    scannedUpTo = end();
    // Keep one lookback of released text for matches that may still end in text yet to come.
    const keepFrom = Math.max(base, releasedUpTo - lookback);
    if (keepFrom - base > step) {
      text = text.slice(keepFrom - base);
      base = keepFrom;
    }
    // Findings remembered only while their span can still be seen again.
    if (seen.size > 10_000) seen.clear();
    return { release, action, findings };
  };

  return {
    push(chunk) {
      if (action === 'block') return { release: '', action, findings: [] };
      text += chunk;
      if (end() - scannedUpTo < step && end() - releasedUpTo <= window + step) {
        return { release: '', action, findings: [] };
      }
      return scan(false);
    },
    end() {
      if (action === 'block') return { release: '', action, findings: [] };
      return scan(true);
    },
    get released() {
      return releasedParts.join('');
    },
    get action() {
      return action;
    },
  };
}
