import type { Detection, Detector, DetectorContext, DetectorMeta, PreparedText } from '../types.ts';
import {
  cardBrand,
  IBAN_LENGTHS,
  ibanValid,
  luhnValid,
  spanishIdValid,
  ssnValid,
  ukNinoValid,
} from './checksums.ts';
import { trailingNumberGroups } from './pending.ts';
import { Claims, containsAllowedPhrase, MAX_DETECTIONS } from './redact-utils.ts';

const meta: DetectorMeta = {
  id: 'guard/pii',
  title: 'Personal data in the text',
  severity: 'medium',
  tags: ['OWASP-LLM02', 'AML.T0057', 'CWE-359'],
  references: [
    'https://genai.owasp.org/llmrisk/llm022025-sensitive-information-disclosure/',
    'https://www.iso13616.org/',
    'https://www.ssa.gov/employer/randomization.html',
  ],
  fix: 'Keep personal data out of prompts and retrieved context unless the task needs it; when it does, redact it before the model sees it and restore it server-side. Tell the owner of a response that leaked it.',
  directions: ['input', 'output'],
  defaultAction: 'redact',
  defaultThreshold: 0.5,
  // The longest match is an IBAN written in groups (34 characters + 8 spaces) or an address with its domain.
  window: 128,
  lookback: 32,
};

type Kind = 'email' | 'phone' | 'card' | 'iban' | 'ssn' | 'uk-nino' | 'es-dni';

const LABELS: Record<Kind, string> = {
  email: 'email address',
  phone: 'phone number',
  card: 'payment card number',
  iban: 'IBAN',
  ssn: 'US Social Security number',
  'uk-nino': 'UK National Insurance number',
  'es-dni': 'Spanish DNI/NIE',
};

interface Found {
  start: number;
  end: number;
  kind: Kind;
  score: number;
}

/**
 * 13–19 digits, optionally in groups separated by one space or dash; validated by brand and Luhn. Not
 * starting right after another digit group, so `1 1 1 1 …` is tried once, not at every digit.
 */
const CARD = /(?<![\d.,-])(?<!\d[ -])\d(?:[ -]?\d){12,18}(?!\d|[.,-]\d)/g;

/** Two letters, two check digits, then 10–30 alphanumerics, each optionally after one space. */
const IBAN = /(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?: ?[A-Z0-9]){10,30}/g;

/** AAA-GG-SSSS (dashes or spaces, the same both times). */
const SSN = /(?<![\d-])(\d{3})([- ])(\d{2})\2(\d{4})(?!\d|-\d)/g;

/** Two prefix letters, three pairs of digits, a suffix letter; spaces optional. */
const UK_NINO = /(?<![A-Za-z0-9])([A-Z]{2}) ?(\d{2}) ?(\d{2}) ?(\d{2}) ?([A-D])(?![A-Za-z0-9])/g;

/** DNI (8 digits + letter) or NIE (X/Y/Z + 7 digits + letter). */
const ES_DNI = /(?<![A-Za-z0-9])([XYZ]?\d{7,8})-?([A-Z])(?![A-Za-z0-9])/g;

/** Not inside a longer token or a URL's user info (`user:pass@host`); `mailto:` is fine. */
const EMAIL =
  /(?:(?<=mailto:)|(?<![A-Za-z0-9._%+/:-]))[A-Za-z0-9._%+-]{1,64}@(?:[A-Za-z0-9-]{1,63}\.){1,8}([A-Za-z]{2,24})(?![A-Za-z0-9-])/g;

/** `name@2x.png`, `pkg@1.0.0.tgz`: file names that are shaped like addresses. */
const FILE_TLD =
  /^(?:png|jpe?g|gif|svg|webp|ico|bmp|js|mjs|cjs|jsx|tsx?|css|scss|json|html?|txt|lock|ya?ml|toml|xml|pdf|tgz|gz|zip|whl)$/i;

/** `+CC …`: 8–15 digits in all (E.164), with spaces, dots, dashes or parentheses between groups. */
const PHONE_INTL = /(?<![\w+])\+[1-9][0-9 ().-]{6,20}[0-9](?!\d|[.-]\d)/g;

/** North American `(555) 123-4567`, `555-123-4567`, `555.123.4567`. */
const PHONE_NANP = /(?<![\w.+-])(?:\((\d{3})\)[ .-]?|(\d{3})[.-])(\d{3})[.-](\d{4})(?![\w]|[.-]\d)/g;

/** National numbers with a trunk 0, in groups: `020 7946 0958`, `06 12 34 56 78`, `(020) 7946 0958`. */
const PHONE_TRUNK = /(?<![\w.+-])(?:0[1-9]\d{0,3}|\(0[1-9]\d{0,3}\))(?:[ -]\d{2,6}){1,4}(?![\w]|[.-]\d)/g;

function digitsOf(s: string): string {
  return s.replace(/\D/g, '');
}

function cardShapeOk(raw: string): boolean {
  const seps = raw.match(/[ -]/g);
  if (!seps) return true;
  if (new Set(seps).size > 1) return false;
  const groups = raw.split(/[ -]/).map((g) => g.length);
  const shape = groups.join('-');
  if (shape === '4-6-5' || shape === '4-6-4') return true;
  return groups.every((len, i) => (i < groups.length - 1 ? len === 4 : len >= 1 && len <= 4));
}

function collect(original: string): Found[] {
  const found: Found[] = [];
  const claims = new Claims();
  const add = (start: number, end: number, kind: Kind, score: number): void => {
    if (found.length < MAX_DETECTIONS && claims.claim(start, end)) found.push({ start, end, kind, score });
  };
  const full = (): boolean => found.length >= MAX_DETECTIONS;
  // Every pattern but email needs a digit; email needs an `@`. Most texts skip most regexes.
  const digits = /\d/.test(original);
  const none: RegExpExecArray[] = [];
  const scan = (re: RegExp, needed: boolean): Iterable<RegExpExecArray> =>
    needed ? original.matchAll(re) : none;

  for (const m of scan(CARD, digits)) {
    if (full()) break;
    const digits = digitsOf(m[0]);
    if (/^(\d)\1+$/.test(digits) || !cardShapeOk(m[0])) continue;
    if (cardBrand(digits) === undefined || !luhnValid(digits)) continue;
    add(m.index, m.index + m[0].length, 'card', 0.95);
  }

  for (const m of scan(IBAN, digits)) {
    if (full()) break;
    const expected = IBAN_LENGTHS[m[0].slice(0, 2)];
    if (expected === undefined) continue;
    // Take exactly the country's length in characters; what follows must not continue the number.
    let count = 0;
    let endInMatch = -1;
    for (let i = 0; i < m[0].length; i++) {
      if (m[0][i] !== ' ' && ++count === expected) {
        endInMatch = i + 1;
        break;
      }
    }
    if (endInMatch < 0) continue;
    const end = m.index + endInMatch;
    if (/[A-Za-z0-9]/.test(original[end] ?? '')) continue;
    if (!ibanValid(m[0].slice(0, endInMatch).replace(/ /g, ''))) continue;
    add(m.index, end, 'iban', 0.95);
  }

  for (const m of scan(SSN, digits)) {
    if (full()) break;
    if (ssnValid(m[1] ?? '', m[3] ?? '', m[4] ?? '')) add(m.index, m.index + m[0].length, 'ssn', 0.85);
  }

  for (const m of scan(UK_NINO, digits)) {
    if (full()) break;
    if (ukNinoValid(m[0].replace(/ /g, ''))) add(m.index, m.index + m[0].length, 'uk-nino', 0.8);
  }

  for (const m of scan(ES_DNI, digits)) {
    if (full()) break;
    if (spanishIdValid(`${m[1]}${m[2]}`)) add(m.index, m.index + m[0].length, 'es-dni', 0.8);
  }

  for (const m of scan(EMAIL, original.includes('@'))) {
    if (full()) break;
    // `icon@2x.png`, `pkg@1.0.0.tgz`: file names, not domains.
    if (FILE_TLD.test(m[1] ?? '')) continue;
    // `git@github.com:owner/repo.git` is an SSH remote, not a person.
    if (m[0].startsWith('git@') && original[m.index + m[0].length] === ':') continue;
    add(m.index, m.index + m[0].length, 'email', 0.8);
  }

  for (const m of scan(PHONE_INTL, digits)) {
    if (full()) break;
    const n = digitsOf(m[0]).length;
    if (n < 8 || n > 15 || /[.-]{2}|\s{2}|\(\)/.test(m[0])) continue;
    add(m.index, m.index + m[0].length, 'phone', 0.7);
  }

  for (const m of scan(PHONE_NANP, digits)) {
    if (full()) break;
    const area = m[1] ?? m[2] ?? '';
    const exchange = m[3] ?? '';
    // NANP area codes and exchanges start 2–9; `123-456-7890` style sequences are not numbers anyone has.
    if (!/^[2-9]/.test(area) || !/^[2-9]/.test(exchange)) continue;
    // Same separator both times when there are no parentheses (`555-123.4567` is not a phone format).
    if (m[2] !== undefined && m[0][3] !== m[0][7]) continue;
    add(m.index, m.index + m[0].length, 'phone', 0.6);
  }

  for (const m of scan(PHONE_TRUNK, digits)) {
    if (full()) break;
    const n = digitsOf(m[0]).length;
    // 9–11 digits with the trunk 0: dates (`01-02-2024`, 8 digits) and short codes fall outside.
    // The SSN shape AAA-GG-SSSS is never a phone number (invalid SSNs such as 078-05-1120 included).
    if (n < 9 || n > 11 || /^0+$/.test(digitsOf(m[0])) || /^\d{3}-\d{2}-\d{4}$/.test(m[0])) continue;
    // Byte dumps (`<Buffer 01 02 03 04 05 06>`): pairs that continue past the match, or follow a hex pair or
    // the word Buffer.
    const before = original.slice(Math.max(0, m.index - 10), m.index);
    const after = original.slice(m.index + m[0].length, m.index + m[0].length + 3);
    if (/^ [0-9a-fA-F]{2}$/.test(after) || /(?:\b[0-9a-fA-F]{2} |Buffer )$/.test(before)) continue;
    // The tail of a longer run of digit groups (an IBAN, an account number): a group right before it.
    if (/\d[ -]$/.test(before) || /^[ -]\d/.test(after)) continue;
    add(m.index, m.index + m[0].length, 'phone', 0.6);
  }
  return found.sort((a, b) => a.start - b.start);
}

/**
 * Email addresses, phone numbers, payment cards (brand prefix + Luhn), IBANs (mod-97), US SSNs, UK National
 * Insurance numbers and Spanish DNI/NIE (check letter). Check digits keep order numbers and timestamps
 * out. Redacted to `[REDACTED:<kind>]`; evidence names the kind, never the value.
 */
export const piiDetector: Detector = {
  meta,
  pending: (tail) => trailingNumberGroups(tail),
  detect(text: PreparedText, ctx: DetectorContext): Detection[] {
    const out: Detection[] = [];
    for (const f of collect(text.original)) {
      if (containsAllowedPhrase(text.original.slice(f.start, f.end), ctx)) continue;
      out.push({
        score: f.score,
        message: `${LABELS[f.kind]} (${f.end - f.start} characters)`,
        span: { start: f.start, end: f.end, replacement: `[REDACTED:${f.kind}]` },
        evidence: { kind: f.kind },
      });
    }
    return out;
  },
};
