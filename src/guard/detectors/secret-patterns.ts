/**
 * Credential formats with a fixed, documented shape (a vendor prefix, a length, an alphabet). Each is
 * anchored on its prefix or bounded by look-arounds, with no nested quantifiers, so a pattern costs one pass
 * over the text whatever the input. Sources: the vendors' token-format announcements and the rule sets of
 * gitleaks and GitHub secret scanning.
 */
import { shannonEntropy } from './redact-utils.ts';

export interface SecretPattern {
  /** Redaction label: the text becomes `[REDACTED:<kind>]`. */
  kind: string;
  /** Human name for messages. */
  label: string;
  re: RegExp;
  /** Capture group holding the secret itself (0 = the whole match). */
  group: number;
  score: number;
  /** Extra check on the secret (random-looking, not a placeholder). */
  valid?: (secret: string) => boolean;
  /**
   * Literal strings one of which every match contains: the regex only runs when the hint pass (HINTS_EXACT,
   * HINTS_FOLDED) finds one, which keeps the common case (no secrets at all) to two fast scans. Lower case for
   * `i` patterns, which are matched without regard to case.
   */
  hint: readonly string[];
}

/** Letters and digits mixed with enough entropy: a generated token, not a word or an identifier. */
export function randomLooking(s: string, minEntropy = 3): boolean {
  const hasDigit = /\d/.test(s);
  const hasLower = /[a-z]/.test(s);
  const hasUpper = /[A-Z]/.test(s);
  const mixed = (hasDigit && (hasLower || hasUpper)) || (hasLower && hasUpper);
  return mixed && shannonEntropy(s) >= minEntropy;
}

/**
 * Documentation placeholders: AWS's `AKIAIOSFODNN7EXAMPLE`, `ghp_xxxx…`, `sk-…your-key-here`. Real keys
 * never contain these, and flagging every tutorial would bury real leaks.
 */
export function isPlaceholder(s: string): boolean {
  return /example|x{6,}|\*{4,}|0{10,}|your[_-]?|here|redacted|placeholder|dummy|<|>|\$\{|\{\{/i.test(s);
}

const notPlaceholder = (s: string): boolean => !isPlaceholder(s);
const randomToken = (s: string): boolean => !isPlaceholder(s) && randomLooking(s);

export const SECRET_PATTERNS: readonly SecretPattern[] = [
  {
    kind: 'aws-access-key',
    label: 'AWS access key id',
    re: /(?<![A-Z0-9])(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}(?![A-Za-z0-9])/g,
    hint: ['AKIA', 'ASIA', 'ABIA', 'ACCA'],
    group: 0,
    score: 0.95,
    valid: notPlaceholder,
  },
  {
    kind: 'aws-secret-key',
    label: 'AWS secret access key',
    re: /aws_?secret_?(?:access_?)?key["']?[ \t]{0,5}[:=][ \t]{0,5}["']?([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])/gi,
    hint: ['secret'],
    group: 1,
    score: 0.95,
    valid: randomToken,
  },
  {
    kind: 'gcp-service-account',
    label: 'Google Cloud service-account private key id',
    re: /"private_key_id"[ \t]{0,5}:[ \t]{0,5}"([0-9a-f]{40})(?![0-9a-f])/g,
    hint: ['"private_key_id"'],
    group: 1,
    score: 0.9,
    valid: notPlaceholder,
  },
  {
    kind: 'azure-storage-key',
    label: 'Azure storage account key',
    re: /AccountKey=([A-Za-z0-9+/]{86}==)/g,
    hint: ['AccountKey='],
    group: 1,
    score: 0.95,
    valid: notPlaceholder,
  },
  {
    kind: 'azure-sas-key',
    label: 'Azure shared access key',
    re: /SharedAccessKey=([A-Za-z0-9+/]{43}=)/g,
    hint: ['SharedAccessKey='],
    group: 1,
    score: 0.95,
    valid: notPlaceholder,
  },
  {
    kind: 'github-token',
    label: 'GitHub token',
    re: /(?<![A-Za-z0-9_])gh[pousr]_[A-Za-z0-9]{36}(?![A-Za-z0-9_])/g,
    hint: ['ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_'],
    group: 0,
    score: 0.95,
    valid: randomToken,
  },
  {
    kind: 'github-token',
    label: 'GitHub fine-grained token',
    re: /(?<![A-Za-z0-9_])github_pat_[A-Za-z0-9_]{60,255}/g,
    hint: ['github_pat_'],
    group: 0,
    score: 0.95,
    valid: randomToken,
  },
  {
    kind: 'gitlab-token',
    label: 'GitLab personal access token',
    re: /(?<![A-Za-z0-9_])glpat-[A-Za-z0-9_-]{20,255}/g,
    hint: ['glpat-'],
    group: 0,
    score: 0.95,
    valid: randomToken,
  },
  {
    kind: 'slack-token',
    label: 'Slack token',
    re: /(?<![A-Za-z0-9_])(?:xox[abposre]|xapp)-[A-Za-z0-9-]{10,255}/g,
    hint: ['xox', 'xapp-'],
    group: 0,
    score: 0.95,
    valid: randomToken,
  },
  {
    kind: 'slack-webhook',
    label: 'Slack incoming-webhook URL',
    re: /https:\/\/hooks\.slack\.com\/services\/(T[A-Za-z0-9_]{6,20}\/B[A-Za-z0-9_]{6,20}\/[A-Za-z0-9_]{20,64})/g,
    hint: ['hooks.slack.com'],
    group: 1,
    score: 0.9,
    valid: notPlaceholder,
  },
  {
    kind: 'stripe-key',
    label: 'Stripe live key',
    re: /(?<![A-Za-z0-9_])(?:sk|rk)_live_[A-Za-z0-9]{20,255}/g,
    hint: ['_live_'],
    group: 0,
    score: 0.95,
    valid: randomToken,
  },
  {
    kind: 'anthropic-key',
    label: 'Anthropic API key',
    re: /(?<![A-Za-z0-9_-])sk-ant-[A-Za-z0-9_-]{30,255}/g,
    hint: ['sk-ant-'],
    group: 0,
    score: 0.95,
    valid: randomToken,
  },
  {
    kind: 'openai-key',
    label: 'OpenAI API key',
    re: /(?<![A-Za-z0-9_-])sk-(?:proj-|svcacct-|admin-|None-)?[A-Za-z0-9_-]{32,255}/g,
    hint: ['sk-'],
    group: 0,
    score: 0.95,
    valid: (s) => !s.startsWith('sk-ant-') && randomToken(s.replace(/^sk-(?:proj|svcacct|admin|None)-/, '')),
  },
  {
    kind: 'huggingface-token',
    label: 'Hugging Face token',
    re: /(?<![A-Za-z0-9_])(?:hf_|api_org_)[A-Za-z0-9]{34}(?![A-Za-z0-9_])/g,
    hint: ['hf_', 'api_org_'],
    group: 0,
    score: 0.95,
    valid: randomToken,
  },
  {
    kind: 'google-api-key',
    label: 'Google API key',
    re: /(?<![A-Za-z0-9_-])AIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])/g,
    hint: ['AIza'],
    group: 0,
    score: 0.95,
    valid: notPlaceholder,
  },
  {
    kind: 'twilio-key',
    label: 'Twilio API key',
    re: /(?<![A-Za-z0-9])SK[0-9a-f]{32}(?![A-Za-z0-9])/g,
    hint: ['SK'],
    group: 0,
    score: 0.9,
    valid: randomToken,
  },
  {
    kind: 'sendgrid-key',
    label: 'SendGrid API key',
    re: /(?<![A-Za-z0-9_-])SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])/g,
    hint: ['SG.'],
    group: 0,
    score: 0.95,
    valid: notPlaceholder,
  },
  {
    kind: 'npm-token',
    label: 'npm access token',
    re: /(?<![A-Za-z0-9_])npm_[A-Za-z0-9]{36}(?![A-Za-z0-9_])/g,
    hint: ['npm_'],
    group: 0,
    score: 0.95,
    valid: randomToken,
  },
  {
    kind: 'pypi-token',
    label: 'PyPI API token',
    // Every PyPI token is a macaroon whose base64 starts "AgE" (version and location).
    re: /(?<![A-Za-z0-9_-])pypi-AgE[A-Za-z0-9_-]{50,1024}/g,
    hint: ['pypi-AgE'],
    group: 0,
    score: 0.95,
    valid: notPlaceholder,
  },
];

/**
 * `-----BEGIN … PRIVATE KEY-----` (PKCS#1, PKCS#8, EC, DSA, OpenSSH, encrypted, PGP private key blocks).
 * The body is found by the detector with a bounded look-ahead, not by this pattern.
 */
export const PEM_HEADER = /-----BEGIN ([A-Z0-9 ]{0,40}?)PRIVATE KEY(?: BLOCK)?-----/g;

/**
 * A JWT: three base64url parts, the header starting `eyJ` (`{"`). Validated by decoding the header. Parts are
 * capped (header 600, payload 2,700, signature 700: an RS512 signature is 683) so a token fits the window.
 */
export const JWT = /(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{5,600}\.[A-Za-z0-9_-]{2,2700}\.[A-Za-z0-9_-]{0,700}/g;

/**
 * Credentials inside a URL: `scheme://user:password@host`. Group 1 is the password. The pattern starts at the
 * literal `://` (a scheme before it is checked by a look-behind), which keeps the scan fast.
 */
export const URL_PASSWORD = /:\/\/(?<=[A-Za-z0-9]:\/\/)[^\s:/@]{1,64}:([^\s/@]{1,128})@(?=[A-Za-z0-9[])/g;

/** `Authorization: Bearer <token>` and `Bearer <token>` headers. Group 1 is the token. */
export const BEARER = /\bBearer[ \t]+([A-Za-z0-9._~+/-]{20,2048}=*)/gi;

/**
 * A value after a secret-sounding word: `api_key = "…"`, `"client_secret": "…"`, `DB_PASSWORD=…`, `token: …`,
 * `the password is …`. The match starts at the keyword (a fast alternation scan); the detector walks back to
 * the start of the name. Group 1 is the rest of the name after the keyword, group 2 the value.
 */
export const KEY_CONTEXT =
  /(?:api[_.-]?key|apikey|secret|token|passw(?:or)?d|passwd|pwd|passphrase|credential|auth[_.-]?key|access[_.-]?key|private[_.-]?key)([A-Za-z0-9_.-]{0,20})["'\]]{0,2}[ \t]{0,3}(?:=>|:=|[:=]|[ \t](?:is|was)[ \t])[ \t]{0,3}["'`]?([^\s"'`,;<>(){}[\]]{8,256})/gi;

/** Characters of a name around the keyword (`DB_PASSWORD`, `stripe.api_key`, `x-api-key`). */
export const NAME_CHAR = /[A-Za-z0-9_.-]/;

/** `NAME=VALUE` / `NAME: VALUE` with an upper-case environment-style name. Group 1 name, group 2 value. */
export const ASSIGNMENT =
  /(?<![A-Za-z0-9_])([A-Z][A-Z0-9_]{2,40})[ \t]{0,2}[:=][ \t]{0,2}["']?([A-Za-z0-9+/=_.~-]{20,256})/g;

/** Environment names that hold identifiers, versions and locations, not secrets. */
export const NON_SECRET_NAME =
  /(?:^|_)(?:ID|SHA|HASH|COMMIT|REV|VERSION|URL|URI|PATH|DIR|FILE|HOST|NAME|REGION|EMAIL|USER|TAG|DIGEST|CHECKSUM)$/;

/** Password-like keyword (shorter values count). */
export const PASSWORD_NAME = /passw(?:or)?d|passwd|pwd|passphrase/i;

/** Every case-sensitive hint, as one alternation: one pass over the text tells which patterns can match. */
export const HINTS_EXACT = hintPattern(
  SECRET_PATTERNS.filter((p) => !p.re.flags.includes('i')).flatMap((p) => p.hint),
  ['-----BEGIN ', 'eyJ', '://'],
);

/** Every case-insensitive hint (lower case), matched without regard to case. */
export const HINTS_FOLDED = hintPattern(
  SECRET_PATTERNS.filter((p) => p.re.flags.includes('i')).flatMap((p) => p.hint),
  ['bearer', 'key', 'secret', 'token', 'pass', 'pwd', 'credential'],
  'gi',
);

function hintPattern(hints: readonly string[], extra: readonly string[], flags = 'g'): RegExp {
  const all = [...new Set([...hints, ...extra])].sort((a, b) => b.length - a.length);
  return new RegExp(all.map((h) => h.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), flags);
}
