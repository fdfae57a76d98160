import type { Ecosystem } from '../types.ts';
import { type AffectedEntry, type EventKind, matchEntry, type RangeEvent, sortEvents } from './match.ts';
import { indexName } from './names.ts';
import { recordSeverity } from './severity.ts';
import { isValidVersion } from './versions.ts';

/**
 * Turns one parsed OSV record (JSON or YAML, schema 1.x) into the compact per-package entries the index stores:
 * ranges validated and sorted once at build time, `versions[]` pruned to what the ranges do not already cover,
 * details cut to a one-line summary. A record that is not OSV-shaped is rejected with a reason, never thrown.
 */

/** Caps that keep one hostile record from costing more than a real one ever does. */
const LIMITS = { affected: 1000, ranges: 200, events: 1000, versions: 50_000, aliases: 200, references: 5 };
/** Characters kept of the summary (details are cut at the first sentence or here). */
export const SUMMARY_CHARS = 240;
const ID = /^[A-Za-z0-9][A-Za-z0-9._:+-]{0,127}$/;
const ECOSYSTEMS: Record<string, Ecosystem> = { PyPI: 'PyPI', npm: 'npm' };

/** One record's contribution to one package. */
export interface CompiledEntry {
  ecosystem: Ecosystem;
  name: string;
  entry: AffectedEntry;
}

export type CompileResult =
  | { kind: 'ok'; id: string; modified: string; entries: CompiledEntry[]; rangesDropped: number }
  | { kind: 'withdrawn'; id: string }
  /** Valid OSV, but nothing for PyPI/npm that can be matched (other ecosystems, GIT-only ranges). */
  | { kind: 'unusable'; id: string; reason: string }
  | { kind: 'rejected'; id?: string; reason: string };

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((s) => typeof s === 'string') : []);

/** Compiles one record; `raw` is whatever JSON.parse or the YAML parser produced. */
export function compileRecord(raw: unknown): CompileResult {
  if (!isObject(raw)) return { kind: 'rejected', reason: 'not an object' };
  const id = raw.id;
  if (typeof id !== 'string' || !ID.test(id))
    return { kind: 'rejected', reason: 'missing or malformed "id"' };
  if (raw.withdrawn !== undefined && raw.withdrawn !== null && raw.withdrawn !== '')
    return { kind: 'withdrawn', id };
  const modified = typeof raw.modified === 'string' ? raw.modified : '';
  for (const field of ['affected', 'aliases', 'references', 'severity'] as const) {
    if (raw[field] !== undefined && raw[field] !== null && !Array.isArray(raw[field]))
      return { kind: 'rejected', id, reason: `"${field}" is not a list` };
  }
  const affected = (raw.affected as unknown[] | undefined) ?? [];
  if (affected.length > LIMITS.affected)
    return { kind: 'rejected', id, reason: `${affected.length} affected entries (limit ${LIMITS.affected})` };
  const aliases = strings(raw.aliases)
    .filter((a) => a !== id)
    .slice(0, LIMITS.aliases);
  const databaseSpecific = isObject(raw.database_specific) ? raw.database_specific : {};
  const malicious = isMalicious(id, databaseSpecific);
  const topSeverity = Array.isArray(raw.severity) ? raw.severity.filter(isObject) : [];
  const summary = summarise(raw.summary, raw.details);
  const references = pickReferences(raw.references);

  const entries: CompiledEntry[] = [];
  let rangesDropped = 0;
  let foreign = 0;
  for (const item of affected) {
    if (!isObject(item) || !isObject(item.package))
      return { kind: 'rejected', id, reason: 'an affected entry has no "package"' };
    const { ecosystem: rawEcosystem, name: rawName } = item.package;
    if (
      typeof rawEcosystem !== 'string' ||
      typeof rawName !== 'string' ||
      rawName === '' ||
      rawName.length > 214
    )
      return { kind: 'rejected', id, reason: 'an affected package lacks a valid ecosystem or name' };
    const ecosystem = ECOSYSTEMS[rawEcosystem];
    if (ecosystem === undefined) {
      foreign++;
      continue;
    }
    const parsed = parseAffected(item, ecosystem);
    if ('reason' in parsed) return { kind: 'rejected', id, reason: parsed.reason };
    rangesDropped += parsed.dropped;
    if (parsed.ranges.length === 0 && parsed.versions.length === 0 && !parsed.all) continue;
    const perPackageSeverity = Array.isArray(item.severity) ? item.severity.filter(isObject) : [];
    const severity = malicious
      ? 'critical'
      : recordSeverity(topSeverity.length > 0 ? topSeverity : perPackageSeverity, databaseSpecific.severity)
          .severity;
    const entry: AffectedEntry = { id, aliases, summary, severity, references, ranges: parsed.ranges };
    if (malicious) entry.malicious = true;
    if (parsed.all) entry.all = true;
    // Keep only the versions the ranges do not already cover: lossless, and most of a PYSEC file's bulk.
    const extra = parsed.versions.filter((v) => !matchEntry({ ...entry }, ecosystem, v).affected);
    if (extra.length > 0) entry.versions = extra;
    entries.push({ ecosystem, name: indexName(ecosystem, rawName), entry });
  }
  if (entries.length === 0) {
    const reason =
      foreign > 0 && foreign === affected.length
        ? 'no PyPI or npm package'
        : 'no range or version Parapet can match (GIT-only ranges or none)';
    return { kind: 'unusable', id, reason };
  }
  return { kind: 'ok', id, modified, entries: mergeSamePackage(entries), rangesDropped };
}

/** MAL- ids (OpenSSF malicious-packages, OSV), the OpenSSF origins block, or a curated `parapet.malicious`. */
function isMalicious(id: string, databaseSpecific: Json): boolean {
  if (id.startsWith('MAL-')) return true;
  if (Array.isArray(databaseSpecific['malicious-packages-origins'])) return true;
  const parapet = databaseSpecific.parapet;
  return isObject(parapet) && parapet.malicious === true;
}

type ParsedAffected = { ranges: RangeEvent[][]; versions: string[]; all: boolean; dropped: number };

function parseAffected(item: Json, ecosystem: Ecosystem): ParsedAffected | { reason: string } {
  if (item.ranges !== undefined && !Array.isArray(item.ranges)) return { reason: '"ranges" is not a list' };
  if (item.versions !== undefined && !Array.isArray(item.versions))
    return { reason: '"versions" is not a list' };
  const rawRanges = (item.ranges as unknown[] | undefined) ?? [];
  const rawVersions = (item.versions as unknown[] | undefined) ?? [];
  if (rawRanges.length > LIMITS.ranges)
    return { reason: `${rawRanges.length} ranges (limit ${LIMITS.ranges})` };
  if (rawVersions.length > LIMITS.versions)
    return { reason: `${rawVersions.length} versions (limit ${LIMITS.versions})` };
  const ranges: RangeEvent[][] = [];
  let all = false;
  let dropped = 0;
  for (const range of rawRanges) {
    if (!isObject(range) || typeof range.type !== 'string' || !Array.isArray(range.events))
      return { reason: 'a range lacks "type" or "events"' };
    if (range.events.length > LIMITS.events)
      return { reason: `a range has ${range.events.length} events (limit ${LIMITS.events})` };
    const usable = range.type === 'ECOSYSTEM' || (ecosystem === 'npm' && range.type === 'SEMVER');
    if (!usable) continue; // GIT ranges name commits; PyPI SEMVER would be a data error we cannot order
    const events = parseEvents(range.events, ecosystem);
    if (events === undefined) {
      dropped++; // a version PEP 440/SemVer cannot order: the range cannot be evaluated, the rest still can
      continue;
    }
    if (!events.some(([k]) => k === 'i')) {
      dropped++;
      continue;
    }
    if (events.length === 1 && events[0]?.[1] === '0') all = true;
    ranges.push(sortEvents(ecosystem, events));
  }
  const versions = rawVersions.filter(
    (v): v is string => typeof v === 'string' && v !== '' && v.length <= 128,
  );
  return { ranges, versions: [...new Set(versions)], all, dropped };
}

const KINDS: Record<string, EventKind> = { introduced: 'i', fixed: 'f', last_affected: 'l', limit: 'x' };

function parseEvents(raw: unknown[], ecosystem: Ecosystem): RangeEvent[] | undefined {
  const events: RangeEvent[] = [];
  for (const event of raw) {
    if (!isObject(event)) return undefined;
    const keys = Object.keys(event);
    const key = keys[0];
    const kind = key === undefined ? undefined : KINDS[key];
    const value = key === undefined ? undefined : event[key];
    if (keys.length !== 1 || kind === undefined || typeof value !== 'string') return undefined;
    const zero = kind === 'i' && value === '0';
    if (!zero && !isValidVersion(ecosystem, value)) return undefined;
    events.push([kind, value]);
  }
  return events;
}

/** A record with two affected entries for the same package (two ranges, or PyPI name spellings) becomes one. */
function mergeSamePackage(entries: CompiledEntry[]): CompiledEntry[] {
  const byKey = new Map<string, CompiledEntry>();
  for (const e of entries) {
    const key = `${e.ecosystem}\0${e.name}`;
    const seen = byKey.get(key);
    if (seen === undefined) {
      byKey.set(key, { ...e, entry: { ...e.entry, ranges: [...e.entry.ranges] } });
      continue;
    }
    seen.entry.ranges.push(...e.entry.ranges);
    if (e.entry.all) seen.entry.all = true;
    const versions = [...(seen.entry.versions ?? []), ...(e.entry.versions ?? [])];
    if (versions.length > 0) seen.entry.versions = [...new Set(versions)];
  }
  return [...byKey.values()];
}

/** The record's summary, or the first sentence of its details, on one line and at most SUMMARY_CHARS long. */
export function summarise(summary: unknown, details: unknown): string {
  let text = typeof summary === 'string' && summary.trim() !== '' ? summary : '';
  if (text === '' && typeof details === 'string') {
    const body = details
      .slice(0, 4000)
      .split('\n')
      .filter((line) => !/^\s*#/.test(line)) // markdown headings ("## Summary") say nothing
      .join(' ');
    const sentence = /^(.{40,}?[.!?])(?:\s|$)/s.exec(body.trim());
    text = sentence?.[1] ?? body;
  }
  text = text.replace(/\s+/g, ' ').trim();
  return text.length > SUMMARY_CHARS ? `${text.slice(0, SUMMARY_CHARS - 1).trimEnd()}…` : text;
}

/** Up to five reference URLs, advisories first. */
function pickReferences(raw: unknown): string[] {
  if (!Array.isArray(raw)) return [];
  const refs = raw.filter(
    (r): r is { type?: unknown; url: string } =>
      isObject(r) && typeof r.url === 'string' && r.url.length <= 2048,
  );
  const rank = (r: { type?: unknown }) => (r.type === 'ADVISORY' ? 0 : r.type === 'WEB' ? 1 : 2);
  const ordered = refs.map((r, i) => ({ r, i })).sort((a, b) => rank(a.r) - rank(b.r) || a.i - b.i);
  return [...new Set(ordered.map(({ r }) => r.url))].slice(0, LIMITS.references);
}
