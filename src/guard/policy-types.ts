/**
 * The policy a guard runs with, as a user writes it (GuardPolicy, also the YAML shape) and as the guard
 * uses it (ResolvedPolicy: every detector's setting filled in from the preset and the detector's defaults).
 */
import type { GuardAction } from './types.ts';

export type PresetName = 'strict' | 'balanced' | 'permissive';

/** Per-detector overrides; anything omitted comes from the preset and the detector's defaults. */
export interface DetectorPolicy {
  enabled?: boolean;
  /** Score in [0, 1] at or above which the detector's detections count. */
  threshold?: number;
  action?: GuardAction;
}

/** The user-facing policy. Keys of `detectors` are detector ids such as `guard/secret`. */
export interface GuardPolicy {
  preset?: PresetName;
  detectors?: Record<string, DetectorPolicy>;
  allow?: {
    /** Hosts whose URLs may appear in output (subdomains included). */
    domains?: string[];
    /** Phrases that never count as an attack, e.g. a product's own "ignore previous draft" wording. */
    phrases?: string[];
  };
}

/** One detector's effective setting. */
export interface ResolvedDetectorPolicy {
  enabled: boolean;
  threshold: number;
  action: GuardAction;
}

/** The policy after presets and defaults are applied; what `createGuard` works from. */
export interface ResolvedPolicy {
  preset: PresetName;
  detectors: ReadonlyMap<string, ResolvedDetectorPolicy>;
  allowDomains: readonly string[];
  allowPhrases: readonly string[];
}
