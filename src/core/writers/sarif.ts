import { createHash } from 'node:crypto';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as Sarif from 'sarif';
import type { Finding } from '../finding.ts';
import { type ScanResult, verdictOf } from '../result.ts';
import { docPathOf, type RuleMeta, ruleDocPath } from '../rule.ts';
import type { Severity } from '../severity.ts';
import { toJsonSafe } from './json.ts';
import { DEFAULT_FAIL_ON, sortedByPath, sortedFindings, sortedUnique, type WriterOptions } from './types.ts';

const SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';
const REPO = 'https://github.com/parapet-dev/parapet';
const SRCROOT = '%SRCROOT%';
// Versioned so a future change to what is hashed can live beside the old one instead of silently
// reopening every alert a code-scanning service has already triaged.
const FINGERPRINT_KEY = 'parapetFinding/v1';

/** SARIF has three result levels; critical and high both fail a build, so both map to error. */
export const SARIF_LEVEL: Record<Severity, Sarif.ReportingConfiguration.level> = {
  critical: 'error',
  high: 'error',
  medium: 'warning',
  low: 'note',
  info: 'note',
};

/** CVSS-like scores GitHub code scanning buckets into critical (>= 9), high (>= 7), medium, low. */
export const SECURITY_SEVERITY: Record<Severity, string> = {
  critical: '9.5',
  high: '8.0',
  medium: '5.5',
  low: '3.0',
  info: '0.0',
};

/** Absolute URL of a rule's documentation page (SARIF helpUri must be an absolute URI). */
export function ruleHelpUri(id: string, docPath: string = ruleDocPath(id)): string {
  return `${REPO}/blob/main/${docPath}`;
}

/** `pickle/dangerous-global` → `DangerousGlobal`: SARIF's human-facing, opaque-free rule name. */
export function pascalRuleName(id: string): string {
  const tail = id.slice(id.lastIndexOf('/') + 1);
  return tail
    .split(/[^A-Za-z0-9]+/)
    .filter((w) => w.length > 0)
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join('');
}

// encodeURIComponent throws on lone surrogates; a file name must never crash the report.
function wellFormed(s: string): string {
  return s.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
}

/**
 * Paths under `cwd` become relative, percent-encoded URIs against %SRCROOT% so that reports from
 * different checkouts line up; anything outside it becomes an absolute file: URI.
 */
export function artifactLocation(p: string, cwd: string): Sarif.ArtifactLocation {
  const abs = path.resolve(cwd, wellFormed(p));
  const rel = path.relative(cwd, abs);
  if (rel === '' || rel === '..' || rel.startsWith(`..${path.sep}`) || path.isAbsolute(rel)) {
    return { uri: pathToFileURL(abs).href };
  }
  return { uri: rel.split(path.sep).map(encodeURIComponent).join('/'), uriBaseId: SRCROOT };
}

function descriptor(rule: RuleMeta): Sarif.ReportingDescriptor {
  const refs = rule.references.length > 0 ? ` References: ${rule.references.join(', ')}` : '';
  return {
    id: rule.id,
    name: pascalRuleName(rule.id),
    shortDescription: { text: rule.title },
    fullDescription: { text: `${rule.title.replace(/[.!?]?$/, '.')}${refs}` },
    help: {
      text: rule.fix,
      markdown: `${rule.fix}\n\n[Documentation](${ruleHelpUri(rule.id, docPathOf(rule))})`,
    },
    helpUri: ruleHelpUri(rule.id, docPathOf(rule)),
    defaultConfiguration: { level: SARIF_LEVEL[rule.severity] },
    properties: {
      // "security" is what makes GitHub file these under security alerts; tags must be distinct.
      tags: sortedUnique(['security', ...rule.tags]),
      'security-severity': SECURITY_SEVERITY[rule.severity],
      // Rules match exact structures (opcodes, headers), not heuristics, so they rarely misfire.
      precision: 'high',
    },
  };
}

// A finding whose rule the caller did not pass still needs a descriptor, or its ruleIndex would dangle.
function unknownRule(id: string, severity: Severity): RuleMeta {
  return { id, title: id, severity, tags: [], references: [], fix: `See ${ruleHelpUri(id)}.` };
}

function fingerprint(f: Finding, uri: string): string {
  const parts = [f.ruleId, uri, f.location.member ?? '', f.message];
  return createHash('sha256').update(parts.join('\0')).digest('hex');
}

function toResult(f: Finding, ruleIndex: number, cwd: string): Sarif.Result {
  const { member, offset, line } = f.location;
  const artifact = artifactLocation(f.location.path, cwd);
  const location: Sarif.Location = { physicalLocation: { artifactLocation: artifact } };
  let text = f.message;
  if (member === undefined) {
    // Offsets and lines are only physical when they refer to the file itself.
    const region: Sarif.Region = {};
    if (line !== undefined) region.startLine = line;
    if (offset !== undefined) region.byteOffset = offset;
    if (line !== undefined || offset !== undefined) location.physicalLocation!.region = region;
  } else {
    // Inside a zip or tar the offset counts from the member's start, not the file's: a byteOffset
    // region on the container would point at the wrong (often compressed) bytes, so say it in words.
    const where =
      (offset === undefined ? '' : ` at byte ${offset}`) + (line === undefined ? '' : ` line ${line}`);
    text += ` (in ${member}${where})`;
    location.logicalLocations = [
      { name: member, fullyQualifiedName: `${artifact.uri}!${member}`, kind: 'resource' },
    ];
  }
  const properties: Sarif.PropertyBag = { severity: f.severity };
  if (offset !== undefined) properties.offset = offset;
  if (line !== undefined) properties.line = line;
  if (f.evidence !== undefined) properties.evidence = toJsonSafe(f.evidence);
  return {
    ruleId: f.ruleId,
    ruleIndex,
    level: SARIF_LEVEL[f.severity],
    message: { text },
    locations: [location],
    partialFingerprints: { [FINGERPRINT_KEY]: fingerprint(f, artifact.uri ?? '') },
    properties,
  };
}

const NOTIFICATIONS: Sarif.ReportingDescriptor[] = [
  { id: 'incomplete', shortDescription: { text: 'A file could not be analysed; the scan is incomplete.' } },
  { id: 'skipped', shortDescription: { text: 'A file was deliberately not analysed.' } },
];

function notification(index: number, level: 'error' | 'note', text: string, p: string, cwd: string) {
  return {
    descriptor: { id: NOTIFICATIONS[index]!.id, index },
    level,
    message: { text },
    locations: [{ physicalLocation: { artifactLocation: artifactLocation(p, cwd) } }],
  } satisfies Sarif.Notification;
}

/**
 * SARIF 2.1.0 log with one run: every given rule as a reportingDescriptor, one result per finding,
 * and scan errors (error) and skipped files (note) as tool execution notifications.
 */
export function writeSarif(result: ScanResult, rules: readonly RuleMeta[], options: WriterOptions): string {
  const cwd = path.resolve(options.cwd ?? process.cwd());
  const failOn = options.failOn ?? DEFAULT_FAIL_ON;
  const findings = sortedFindings(result.findings);

  const metas = new Map<string, RuleMeta>();
  for (const r of rules) if (!metas.has(r.id)) metas.set(r.id, r);
  for (const f of findings) if (!metas.has(f.ruleId)) metas.set(f.ruleId, unknownRule(f.ruleId, f.severity));
  const ordered = [...metas.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const indexOf = new Map(ordered.map((r, i) => [r.id, i]));

  const notifications: Sarif.Notification[] = [
    ...sortedByPath(result.errors, (e) => e.error).map((e) =>
      notification(0, 'error', `Could not be analysed: ${e.error}`, e.path, cwd),
    ),
    ...sortedByPath(result.skipped, (s) => s.why).map((s) =>
      notification(1, 'note', `Skipped: ${s.why}`, s.path, cwd),
    ),
  ];

  const run: Sarif.Run = {
    tool: {
      driver: {
        name: 'parapet',
        version: options.toolVersion,
        informationUri: REPO,
        rules: ordered.map(descriptor),
        notifications: NOTIFICATIONS,
      },
    },
    // Trailing slash required: SARIF resolves relative URIs against this like a browser would.
    originalUriBaseIds: { [SRCROOT]: { uri: pathToFileURL(cwd).href.replace(/\/?$/, '/') } },
    invocations: [
      { executionSuccessful: result.errors.length === 0, toolExecutionNotifications: notifications },
    ],
    results: findings.map((f) => toResult(f, indexOf.get(f.ruleId)!, cwd)),
    properties: {
      verdict: verdictOf(result, failOn),
      failOn,
      scanned: sortedUnique(result.scanned).length,
    },
  };
  const log: Sarif.Log = { $schema: SCHEMA, version: '2.1.0', runs: [run] };
  return `${JSON.stringify(log, null, 2)}\n`;
}
