/**
 * The gateway's parts talk through these types only: the key store, the limiter, the audit log and the
 * metrics are each one file behind one of these interfaces, so `app.ts` can be read without them and each
 * part can be tested alone. Config types live in `config.ts`.
 */
import type { GuardAction } from '../guard/types.ts';

/** What a key may do. `inference`: chat, completions, embeddings, model lists. `admin`: Ollama management. */
export type KeyScope = 'inference' | 'admin';

/** Per-key limits; unset fields fall back to the config's `limits`. */
export interface KeyLimits {
  requestsPerMinute?: number;
  tokensPerMinute?: number;
}

/** A stored API key. The secret itself is never stored, only its SHA-256. */
export interface ApiKeyRecord {
  /** Short public id (e.g. `k_3f9a1c2b`), used in audit records, metrics and `parapet keys revoke`. */
  id: string;
  name: string;
  scopes: KeyScope[];
  /** Model-name globs this key may use (`llama3*`, `qwen2.5:7b`); empty means every model. */
  models: string[];
  limits: KeyLimits;
  /** The first characters of the secret (`ppk_ab12`), shown in listings so a user can tell keys apart. */
  prefix: string;
  createdAt: string;
  revokedAt?: string;
}

export interface CreateKeyInput {
  name: string;
  scopes?: KeyScope[];
  models?: string[];
  limits?: KeyLimits;
}

export interface KeyStore {
  /** Creates a key; the secret is returned once and never again. */
  create(input: CreateKeyInput): { record: ApiKeyRecord; secret: string };
  list(options?: { includeRevoked?: boolean }): ApiKeyRecord[];
  /** Revokes by id; returns the record, or undefined when no such key exists. Idempotent. */
  revoke(id: string): ApiKeyRecord | undefined;
  /** The live (not revoked) key whose secret this is, or undefined. Constant-time in the secret. */
  authenticate(secret: string): ApiKeyRecord | undefined;
  close(): void;
}

/** The outcome of admitting one request against a key's per-minute budgets. */
export interface LimitDecision {
  allowed: boolean;
  /** Which budget ran out when not allowed. */
  reason?: 'requests' | 'tokens';
  /** How long until the request would be admitted (0 when allowed); sent as Retry-After. */
  retryAfterMs: number;
  /** The limit that applied to `reason` (or to requests when allowed) and what is left of it. */
  limit: number;
  remaining: number;
}

/**
 * Sliding one-minute windows per key. `admit` counts the request and its estimated tokens at once, so two
 * instances sharing Redis never both admit the last slot; `settle` corrects the token count once the real
 * usage is known.
 */
export interface Limiter {
  admit(keyId: string, limits: KeyLimits, estimatedTokens: number): Promise<LimitDecision>;
  settle(keyId: string, tokensDelta: number): Promise<void>;
  close(): Promise<void>;
}

/** One record per request, written whatever the outcome (blocked, refused, failed upstream, served). */
export interface AuditRecord {
  /** Request id, also sent to the client as `x-request-id`. */
  id: string;
  /** ISO time the request arrived. */
  time: string;
  keyId?: string;
  method: string;
  route: string;
  status: number;
  model?: string;
  upstream?: string;
  stream: boolean;
  inputAction: GuardAction | 'skipped';
  outputAction: GuardAction | 'skipped';
  ruleIds: string[];
  /** Total time in the gateway, and the part spent waiting on the upstream. */
  latencyMs: number;
  upstreamMs?: number;
  promptTokens?: number;
  completionTokens?: number;
  /** What went wrong, in words, when the request failed (refused, upstream error, stream cut). */
  error?: string;
  /** Only when `audit.logText` is on, and already redacted of secrets and PII. */
  prompt?: string;
  completion?: string;
}

export interface AuditLog {
  /** Queues a record; it reaches disk within the flush interval or batch size, whichever comes first. */
  write(record: AuditRecord): void;
  /** Writes every queued record now. */
  flush(): void;
  /** Flushes and closes; records written after close are dropped with no error. */
  close(): void;
}
