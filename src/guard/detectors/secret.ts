import type { Detection, Detector, DetectorContext, DetectorMeta, PreparedText } from '../types.ts';
import { lastUnclosed, trailingTokenStart } from './pending.ts';
import {
  Claims,
  containsAllowedPhrase,
  MAX_DETECTIONS,
  maskPreview,
  shannonEntropy,
} from './redact-utils.ts';
import {
  ASSIGNMENT,
  BEARER,
  HINTS_EXACT,
  HINTS_FOLDED,
  isPlaceholder,
  JWT,
  KEY_CONTEXT,
  NAME_CHAR,
  NON_SECRET_NAME,
  PASSWORD_NAME,
  PEM_HEADER,
  randomLooking,
  SECRET_PATTERNS,
  URL_PASSWORD,
} from './secret-patterns.ts';

const meta: DetectorMeta = {
  id: 'guard/secret',
  title: 'Credential or private key in the text',
  severity: 'high',
  tags: ['OWASP-LLM02', 'OWASP-LLM07', 'AML.T0057', 'CWE-798', 'CWE-200'],
  references: [
    'https://genai.owasp.org/llmrisk/llm022025-sensitive-information-disclosure/',
    'https://docs.github.com/en/code-security/secret-scanning/introduction/supported-secret-scanning-patterns',
    'https://github.com/gitleaks/gitleaks',
  ],
  fix: 'Revoke and rotate the credential now: once it has been in a prompt or a response it is in logs and provider retention. Keep keys out of prompts, system prompts, retrieved documents and tool results; give the model an opaque handle and resolve it server-side.',
  directions: ['input', 'output'],
  defaultAction: 'redact',
  defaultThreshold: 0.5,
  // The longest thing matched whole is a PEM private key (a 4096-bit RSA key in PKCS#8 is about 3.3 KB).
  window: 4096,
  // `api_key = ` or `Bearer ` released before the value arrived: the value is redacted from there on.
  lookback: 128,
};

const PEM_HINT = ['-----BEGIN '];
/** Words KEY_CONTEXT needs one of (lower case; found by the case-insensitive hint pass). */
const KEY_HINTS = ['key', 'secret', 'token', 'pass', 'pwd', 'credential'];

/** How far past a PEM header the body and END line are looked for. */
const PEM_BODY_CAP = 16 * 1024;

interface Found {
  start: number;
  end: number;
  kind: string;
  label: string;
  score: number;
  secret: string;
  /** Text checked against allow phrases (the secret and its name). */
  context: string;
}

/** A JWT only when its header decodes to a JSON object naming an algorithm. */
function jwtValid(token: string): boolean {
  const [header = '', , signature = ''] = token.split('.');
  // `"alg"` in base64 at its three byte alignments: no match means no "alg" key, without decoding anything.
  if (!header.includes('ImFsZy') && !header.includes('JhbGci') && !header.includes('iYWxnI')) return false;
  const decoded = Buffer.from(header, 'base64url').toString('utf8');
  // Cheap test first: parsing (and throwing on) thousands of look-alikes would dominate the detector.
  if (!decoded.includes('"alg"') || !decoded.trimEnd().endsWith('}')) return false;
  try {
    const json: unknown = JSON.parse(decoded);
    if (typeof json !== 'object' || json === null || Array.isArray(json)) return false;
    const alg = (json as Record<string, unknown>).alg;
    if (typeof alg !== 'string') return false;
    // An unsigned token is still a bearer credential for servers that accept alg "none".
    return alg.toLowerCase() === 'none' || signature.length >= 16;
  } catch {
    return false;
  }
}

/**
 * Where a PEM block ends: its END line when one starts within the cap (`nextEnd` is the first `-----END `
 * at or after the header, found once for all headers), else the end of its base64 body.
 */
function pemEnd(original: string, headerEnd: number, nextEnd: number): { end: number; bodyChars: number } {
  if (nextEnd >= 0 && nextEnd - headerEnd <= PEM_BODY_CAP) {
    const close = original.indexOf('-----', nextEnd + 9);
    const end = close >= 0 && close - nextEnd < 80 ? close + 5 : nextEnd + 9;
    return { end, bodyChars: countBase64(original.slice(headerEnd, nextEnd)) };
  }
  // No END yet (a stream prefix, or a truncated paste): cover the body, a base64 run or lines of base64
  // (real or JSON-escaped line breaks), with the `Proc-Type:`/`DEK-Info:` headers of encrypted keys.
  const rest = original.slice(headerEnd, headerEnd + PEM_BODY_CAP);
  const body =
    /^[A-Za-z0-9+/=]{0,4096}(?:[ \t]{0,8}(?:\r?\n|\\r\\n|\\n)[ \t]{0,8}(?:(?:Proc-Type|DEK-Info|Comment|Version):[^\r\n\\]{0,100}|[A-Za-z0-9+/=]{1,128})?)*/.exec(
      rest,
    )?.[0] ?? '';
  return { end: headerEnd + body.length, bodyChars: countBase64(body) };
}

function countBase64(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 47 && c <= 57) || c === 43 || c === 61) n++;
  }
  return n;
}

/**
 * Letters only, made of words: camelCase, PascalCase or snake_case identifiers whose parts average three or
 * more letters. A random token of letters alternates case every character or two.
 */
function isIdentifier(value: string): boolean {
  if (!/^[A-Za-z_]+$/.test(value)) return false;
  const parts = value.match(/[A-Z]+(?![a-z])|[A-Z]?[a-z]+/g) ?? [];
  return parts.length > 0 && value.replace(/_/g, '').length / parts.length >= 3;
}

/** A value after a secret-sounding name that is a real secret rather than code, prose or a placeholder. */
function contextValueValid(name: string, value: string): boolean {
  if (isPlaceholder(value) || value.includes('://') || /^(?:true|false|null|none|undefined)$/i.test(value))
    return false;
  // Code reading a secret from somewhere else (`process.env.X`, `config.apiKey`, `getToken`), a type name
  // (`RequestCredentials`, `HostCancellationToken`), or a path.
  if (
    /^[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)+$/.test(value) ||
    isIdentifier(value) ||
    /^[/.~\\]/.test(value)
  )
    return false;
  if (PASSWORD_NAME.test(name)) {
    const classes =
      Number(/[a-z]/.test(value)) +
      Number(/[A-Z]/.test(value)) +
      Number(/\d/.test(value)) +
      Number(/[^A-Za-z0-9]/.test(value));
    return value.length >= 8 && classes >= 3 && shannonEntropy(value) >= 2.5;
  }
  // Hex digests and UUIDs count here: after `api_key=` they are keys, not commit ids.
  return value.length >= 16 && randomLooking(value, 3);
}

/** A value after an environment-style name with no secret-sounding word: only strongly random ones count. */
function assignmentValueValid(name: string, value: string): boolean {
  if (NON_SECRET_NAME.test(name) || isPlaceholder(value)) return false;
  // Upper, lower and digits: rules out hex digests, UUIDs, versions, paths and words.
  if (!/[a-z]/.test(value) || !/[A-Z]/.test(value) || !/\d/.test(value)) return false;
  return value.length >= 20 && shannonEntropy(value) >= 3.7;
}

function collect(text: PreparedText): Found[] {
  const original = text.original;
  // One pass per hint alternation (case-sensitive, and case-insensitive) says which patterns can match at
  // all; most texts skip most regexes.
  const exact = new Set<string>();
  const folded = new Set<string>();
  for (const m of original.matchAll(HINTS_EXACT)) exact.add(m[0]);
  for (const m of original.matchAll(HINTS_FOLDED)) folded.add(m[0].toLowerCase());
  const has = (hints: readonly string[], caseless = false): boolean =>
    hints.some((h) => (caseless ? folded.has(h) : exact.has(h)));
  const found: Found[] = [];
  const claims = new Claims();
  const add = (f: Found): void => {
    if (found.length < MAX_DETECTIONS && claims.claim(f.start, f.end)) found.push(f);
  };

  // Private keys first: their bodies contain runs other patterns would match piecemeal.
  let nextEnd = -1;
  let lastPemEnd = 0;
  for (const m of has(PEM_HINT) ? original.matchAll(PEM_HEADER) : []) {
    if (found.length >= MAX_DETECTIONS) break;
    const start = m.index;
    if (start < lastPemEnd) continue;
    const headerEnd = start + m[0].length;
    if (nextEnd !== -2 && nextEnd < headerEnd) {
      nextEnd = original.indexOf('-----END ', headerEnd);
      // -2: there is no END line anywhere after this point, so never search again.
      if (nextEnd < 0) nextEnd = -2;
    }
    const { end, bodyChars } = pemEnd(original, headerEnd, nextEnd);
    lastPemEnd = end;
    if (bodyChars < 32) continue;
    const type = m[1]?.trim() ? `${m[1].trim()} ` : '';
    add({
      start,
      end,
      kind: 'private-key',
      label: `${type}private key (PEM)`,
      score: 0.95,
      secret: m[0],
      context: m[0],
    });
  }

  for (const p of SECRET_PATTERNS) {
    if (!has(p.hint, p.re.flags.includes('i'))) continue;
    for (const m of original.matchAll(p.re)) {
      if (found.length >= MAX_DETECTIONS) break;
      const secret = m[p.group];
      if (secret === undefined || (p.valid && !p.valid(secret))) continue;
      const start = m.index + (p.group === 0 ? 0 : m[0].lastIndexOf(secret));
      add({
        start,
        end: start + secret.length,
        kind: p.kind,
        label: p.label,
        score: p.score,
        secret,
        context: m[0],
      });
    }
  }

  for (const m of has(['eyJ']) ? original.matchAll(JWT) : []) {
    if (found.length >= MAX_DETECTIONS) break;
    if (!jwtValid(m[0])) continue;
    add({
      start: m.index,
      end: m.index + m[0].length,
      kind: 'jwt',
      label: 'JSON Web Token',
      score: 0.9,
      secret: m[0],
      context: m[0],
    });
  }

  for (const m of has(['://']) ? original.matchAll(URL_PASSWORD) : []) {
    if (found.length >= MAX_DETECTIONS) break;
    const password = m[1] ?? '';
    // Documentation writes `user:pass@host`, `foo:bar@`, `u:xyz@`; real passwords are longer and mixed.
    const classes =
      Number(/[a-z]/.test(password)) +
      Number(/[A-Z]/.test(password)) +
      Number(/\d/.test(password)) +
      Number(/[^A-Za-z0-9]/.test(password));
    if (
      password.length < 6 ||
      classes < 2 ||
      isPlaceholder(password) ||
      /^(?:pass(?:word)?\d*|secret\d*)$/i.test(password)
    )
      continue;
    const start = m.index + m[0].length - 1 - password.length;
    add({
      start,
      end: start + password.length,
      kind: 'url-password',
      label: 'password in a URL',
      score: 0.85,
      secret: password,
      context: m[0],
    });
  }

  for (const m of has(['bearer'], true) ? original.matchAll(BEARER) : []) {
    if (found.length >= MAX_DETECTIONS) break;
    const token = m[1] ?? '';
    if (isPlaceholder(token) || !randomLooking(token, 3)) continue;
    const start = m.index + m[0].length - token.length;
    add({
      start,
      end: start + token.length,
      kind: 'bearer-token',
      label: 'bearer token',
      score: 0.8,
      secret: token,
      context: m[0],
    });
  }

  for (const m of has(KEY_HINTS, true) ? original.matchAll(KEY_CONTEXT) : []) {
    if (found.length >= MAX_DETECTIONS) break;
    // The name: back from the keyword over identifier characters (at most 40), then the keyword and suffix.
    let nameStart = m.index;
    while (nameStart > 0 && m.index - nameStart < 40 && NAME_CHAR.test(original[nameStart - 1] ?? ''))
      nameStart--;
    if (nameStart > 0 && NAME_CHAR.test(original[nameStart - 1] ?? '')) continue;
    const rawValue = m[2] ?? '';
    const name = original
      .slice(nameStart, m.index + m[0].length - rawValue.length)
      .replace(/["'\]\s:=>]+$|[ \t](?:is|was)[ \t]*$/gi, '');
    // A sentence's full stop is not part of the value; other punctuation may be.
    const value = rawValue.replace(/\.$/, '');
    if (!contextValueValid(name, value)) continue;
    const start = m.index + m[0].length - rawValue.length;
    const password = PASSWORD_NAME.test(name);
    add({
      start,
      end: start + value.length,
      kind: password ? 'password' : 'secret',
      label: password ? `password (after "${name}")` : `secret value (after "${name}")`,
      score: password ? 0.65 : 0.7,
      secret: value,
      context: original.slice(nameStart, m.index + m[0].length),
    });
  }

  for (const m of original.includes('=') || original.includes(':') ? original.matchAll(ASSIGNMENT) : []) {
    if (found.length >= MAX_DETECTIONS) break;
    const name = m[1] ?? '';
    const value = m[2] ?? '';
    if (!assignmentValueValid(name, value)) continue;
    const start = m.index + m[0].length - value.length;
    add({
      start,
      end: start + value.length,
      kind: 'secret',
      label: `high-entropy value assigned to ${name}`,
      score: 0.6,
      secret: value,
      context: m[0],
    });
  }
  return found.sort((a, b) => a.start - b.start);
}

/**
 * API keys, tokens, private keys and passwords, in prompts (a user pasting a `.env`) and in responses (a
 * model repeating a key it saw in its context). Exact vendor formats score 0.95; a random-looking value
 * after a secret-sounding name scores 0.6–0.7. Redacted to `[REDACTED:<kind>]`; evidence never holds more
 * than the first four characters.
 */
export const secretDetector: Detector = {
  meta,
  // Secrets are whitespace-free tokens, or PEM blocks between BEGIN and END lines.
  pending: (tail) => Math.min(trailingTokenStart(tail), lastUnclosed(tail, '-----BEGIN', '-----END')),
  detect(text: PreparedText, ctx: DetectorContext): Detection[] {
    const out: Detection[] = [];
    for (const f of collect(text)) {
      if (containsAllowedPhrase(f.context, ctx)) continue;
      out.push({
        score: f.score,
        message: `${f.label} (${maskPreview(f.secret)}, ${f.end - f.start} characters)`,
        span: { start: f.start, end: f.end, replacement: `[REDACTED:${f.kind}]` },
        evidence: { kind: f.kind, preview: maskPreview(f.secret), length: f.end - f.start },
      });
    }
    return out;
  },
};
