/**
 * PEP 508 dependency specifiers (`name[extras] (>=1,<2) ; markers`, `name @ url ; markers`) and PEP 440
 * version-specifier clauses, read with a hand-written scanner: one pass, no backtracking regex, so a
 * megabyte-long line costs a megabyte of work. Markers are kept as written, never evaluated.
 */
import { normalizePypiName } from '../pep503.ts';

/** A requirement string understood. */
export interface Requirement {
  /** The name as written. */
  rawName: string;
  /** PEP 503 normalised. */
  name: string;
  extras: string[];
  /** The exact version when the specifier pins one (`==1.2.3` without `*`, or `===1.2.3`). */
  version?: string;
  /** The specifier clauses, whitespace removed, comma-joined; absent when pinned or when there is none. */
  specifier?: string;
  /** The URL of a `name @ url` requirement. */
  url?: string;
  markers?: string;
}

/** A requirement string that could not be understood, and why. */
export interface RequirementError {
  error: string;
}

const OPERATORS = ['===', '~=', '==', '!=', '<=', '>=', '<', '>'] as const;

function isAlnum(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

function isNameChar(c: number): boolean {
  return isAlnum(c) || c === 0x2d || c === 0x2e || c === 0x5f;
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09;
}

/** Characters PEP 440 versions (and `*` wildcards, local labels, epochs) are made of. */
function isVersionChar(c: number): boolean {
  return isAlnum(c) || c === 0x2e || c === 0x2a || c === 0x2b || c === 0x21 || c === 0x2d || c === 0x5f;
}

/** Scans a PEP 508 name starting at `i`; returns its end, or `i` when there is none. */
export function scanName(text: string, i: number): number {
  let j = i;
  while (j < text.length && isNameChar(text.charCodeAt(j))) j++;
  // A name must start and end with a letter or digit.
  while (j > i && !isAlnum(text.charCodeAt(j - 1))) j--;
  if (j > i && !isAlnum(text.charCodeAt(i))) return i;
  return j;
}

/** Whether the whole of `text` is a valid PEP 508 project name. */
export function isValidName(text: string): boolean {
  return text.length > 0 && scanName(text, 0) === text.length;
}

/**
 * Parses a comma-separated PEP 440 specifier list (`>=1.0, <2`, `==2.6.0+cu124`). Returns the normalised
 * clause list, or an error naming the first clause that is not `<operator><version>`.
 */
export function parseSpecifierList(text: string): { clauses: [string, string][] } | RequirementError {
  const clauses: [string, string][] = [];
  if (text.trim() === '') return { clauses };
  for (const part of text.split(',')) {
    const clause = part.trim();
    const op = OPERATORS.find((o) => clause.startsWith(o));
    if (!op) return { error: `version clause ${quote(clause)} has no comparison operator` };
    const version = clause.slice(op.length).trim();
    if (version === '') return { error: `version clause ${quote(clause)} has no version` };
    for (let k = 0; k < version.length; k++) {
      if (!isVersionChar(version.charCodeAt(k))) return { error: `${quote(version)} is not a version` };
    }
    clauses.push([op, version]);
  }
  return { clauses };
}

/** The exact version clauses pin (`==X` without `*`, or `===X`), if any. */
export function pinnedVersion(clauses: readonly [string, string][]): string | undefined {
  for (const [op, version] of clauses) {
    if (op === '===' || (op === '==' && !version.includes('*'))) return version;
  }
  return undefined;
}

/** Parses one PEP 508 requirement string. */
export function parseRequirement(input: string): Requirement | RequirementError {
  const text = input.trim();
  const nameEnd = scanName(text, 0);
  if (nameEnd === 0) return { error: `${quote(text)} does not start with a package name` };
  const rawName = text.slice(0, nameEnd);
  let i = skipSpaces(text, nameEnd);

  const extras: string[] = [];
  if (text[i] === '[') {
    const close = text.indexOf(']', i);
    if (close < 0) return { error: `unclosed extras bracket after ${quote(rawName)}` };
    for (const part of text.slice(i + 1, close).split(',')) {
      const extra = part.trim();
      if (extra === '') continue;
      if (!isValidName(extra)) return { error: `${quote(extra)} is not a valid extra name` };
      extras.push(extra);
    }
    i = skipSpaces(text, close + 1);
  }

  const req: Requirement = { rawName, name: normalizePypiName(rawName), extras };
  let rest: string;
  if (text[i] === '@') {
    // `name @ url`: the URL runs to whitespace; markers may follow after `;`.
    i = skipSpaces(text, i + 1);
    let end = i;
    while (end < text.length && !isSpace(text.charCodeAt(end))) end++;
    let url = text.slice(i, end);
    // `name @ url;marker` without a space is not PEP 508, but a URL never ends in `;`: be lenient.
    const semi = url.indexOf(';');
    if (semi >= 0 && !/^[a-z][a-z0-9+.-]*:/i.test(url.slice(semi + 1))) {
      end = i + semi;
      url = url.slice(0, semi);
    }
    if (url === '') return { error: `${quote(rawName)} @ has no URL` };
    req.url = url;
    rest = text.slice(end).trim();
    if (rest !== '' && !rest.startsWith(';')) return { error: `unexpected ${quote(rest)} after the URL` };
  } else {
    let specText: string;
    const semi = text.indexOf(';', i);
    const specEnd = semi < 0 ? text.length : semi;
    specText = text.slice(i, specEnd).trim();
    rest = text.slice(specEnd).trim();
    if (specText.startsWith('(')) {
      if (!specText.endsWith(')')) return { error: `unclosed parenthesis in ${quote(specText)}` };
      specText = specText.slice(1, -1);
    }
    const parsed = parseSpecifierList(specText);
    if ('error' in parsed) return parsed;
    const pinned = pinnedVersion(parsed.clauses);
    if (pinned !== undefined) req.version = pinned;
    else if (parsed.clauses.length > 0) req.specifier = parsed.clauses.map(([op, v]) => op + v).join(',');
  }
  if (rest.startsWith(';')) {
    const markers = rest.slice(1).trim();
    if (markers === '') return { error: `empty environment marker after ${quote(rawName)}` };
    req.markers = markers;
  }
  return req;
}

function skipSpaces(text: string, i: number): number {
  while (i < text.length && isSpace(text.charCodeAt(i))) i++;
  return i;
}

/** A value quoted for a message, cut short so a megabyte line does not become a megabyte message. */
export function quote(text: string): string {
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 77)}...` : text);
}
