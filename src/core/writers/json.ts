import type { Finding } from '../finding.ts';
import { type ScanResult, verdictOf } from '../result.ts';
import type { RuleMeta } from '../rule.ts';
import {
  countBySeverity,
  DEFAULT_FAIL_ON,
  sortedByPath,
  sortedFindings,
  sortedUnique,
  type WriterOptions,
} from './types.ts';

/** A value JSON.stringify renders faithfully and without throwing. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

// Evidence comes from hostile files; a pathological structure must not blow the stack or the output.
const MAX_DEPTH = 32;

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/**
 * Converts arbitrary evidence into plain JSON, never throwing: bigint becomes a decimal string,
 * bytes become hex, non-finite numbers become strings, cycles become "[Circular]" and getters that
 * throw become "[Unreadable]". Only true cycles are marked; a value shared by two branches is repeated.
 */
export function toJsonSafe(value: unknown): JsonValue {
  return convert(value, [], 0);
}

function convert(value: unknown, ancestors: object[], depth: number): JsonValue {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? value : String(value);
    case 'bigint':
      return value.toString();
    case 'undefined':
      return null;
    case 'symbol':
      return value.toString();
    case 'function':
      return `[Function ${value.name || 'anonymous'}]`;
  }
  if (value === null || typeof value !== 'object') return null;
  if (ancestors.includes(value)) return '[Circular]';
  if (depth >= MAX_DEPTH) return '[MaxDepth]';
  try {
    if (value instanceof Uint8Array) return hex(value);
    if (value instanceof ArrayBuffer) return hex(new Uint8Array(value));
    if (value instanceof DataView)
      return hex(new Uint8Array(value.buffer, value.byteOffset, value.byteLength));
    if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
    if (value instanceof Error) return { name: String(value.name), message: String(value.message) };
    const inner = [...ancestors, value];
    const next = (v: unknown): JsonValue => convert(v, inner, depth + 1);
    // Other typed arrays (Float32Array, BigInt64Array...) read naturally as lists of numbers.
    if (ArrayBuffer.isView(value)) return Array.from(value as unknown as ArrayLike<unknown>, next);
    if (Array.isArray(value)) return Array.from(value, next);
    if (value instanceof Set) return Array.from(value, next);
    if (value instanceof Map) return Array.from(value, ([k, v]) => [next(k), next(v)]);
    const out: { [key: string]: JsonValue } = {};
    for (const key of Object.keys(value)) {
      let v: unknown;
      try {
        v = (value as Record<string, unknown>)[key];
      } catch {
        out[key] = '[Unreadable]';
        continue;
      }
      // defineProperty, not assignment: an own "__proto__" key must stay a key, not become a prototype.
      if (v !== undefined)
        Object.defineProperty(out, key, { value: next(v), enumerable: true, writable: true });
    }
    return out;
  } catch {
    // Proxies and exotic objects can throw from instanceof or Object.keys.
    return '[Unreadable]';
  }
}

/** A finding as plain JSON with a fixed key order. */
export function findingToJson(f: Finding): { [key: string]: JsonValue } {
  const location: { [key: string]: JsonValue } = { path: f.location.path };
  if (f.location.member !== undefined) location.member = f.location.member;
  if (f.location.offset !== undefined) location.offset = f.location.offset;
  if (f.location.line !== undefined) location.line = f.location.line;
  const out: { [key: string]: JsonValue } = {
    ruleId: f.ruleId,
    severity: f.severity,
    message: f.message,
    location,
  };
  if (f.evidence !== undefined) out.evidence = toJsonSafe(f.evidence);
  return out;
}

/**
 * Machine-readable report: tool, summary (counts and verdict), then findings, errors, skipped and
 * scanned paths, all sorted so that two runs over the same files produce identical bytes.
 */
export function writeJson(result: ScanResult, _rules: readonly RuleMeta[], options: WriterOptions): string {
  const failOn = options.failOn ?? DEFAULT_FAIL_ON;
  const scanned = sortedUnique(result.scanned);
  const doc = {
    tool: { name: 'parapet', version: options.toolVersion },
    summary: {
      scanned: scanned.length,
      findings: countBySeverity(result.findings),
      errors: result.errors.length,
      skipped: result.skipped.length,
      failOn,
      verdict: verdictOf(result, failOn),
    },
    findings: sortedFindings(result.findings).map(findingToJson),
    errors: sortedByPath(result.errors, (e) => e.error).map((e) => ({ path: e.path, error: e.error })),
    skipped: sortedByPath(result.skipped, (s) => s.why).map((s) => ({ path: s.path, why: s.why })),
    scanned,
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}
