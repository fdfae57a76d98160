/**
 * The in-process rate limiter, and the window model the Redis limiter repeats in Lua.
 *
 * Model: a sliding-window counter with one-second buckets. Each key keeps, for every second in which it was
 * used, how many requests and tokens were recorded then. A bucket counts until one minute after the END of
 * its second, so a recorded request counts for between 60 and 61 seconds. Why this and not an exact log of
 * timestamps: a log's memory grows with the limit (a key allowed 100,000 requests a minute would hold
 * 100,000 entries), while buckets cap it at 61 per key whatever the limits; rounding up to the bucket's end
 * (rather than down to its start) keeps the guarantee a limiter must give: no 60-second interval ever sees
 * more than the limit. The price is up to one second of extra wait, and `retryAfterMs` says exactly when
 * the oldest needed bucket ends, so a client that waits that long is admitted.
 */
import type { KeyLimits, LimitDecision, Limiter } from '../contracts.ts';

/**
 * The limiter cannot decide: Redis is unreachable or too slow, or the limiter was closed. The gateway fails
 * closed on it: the request is refused with 503 (`limiter_unavailable`), never let through unlimited.
 */
export class LimiterUnavailableError extends Error {
  readonly code = 'LIMITER_UNAVAILABLE';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LimiterUnavailableError';
  }
}

/** Width of one bucket. */
export const BUCKET_MS = 1000;
/** The window length: a bucket counts until this long after the end of its second. */
export const WINDOW_MS = 60_000;
/**
 * Largest token count recorded at once. Keeps the arithmetic exact (in JavaScript and in Redis's Lua,
 * whose numbers are doubles) when an estimate is absurd or infinite; such a request is refused anyway.
 */
export const MAX_TOKENS_RECORDED = 1e12;

/** The limit as a whole number, or 0 for no limit (0, undefined, negative, NaN and Infinity all are). */
export function normalizeLimit(limit: number | undefined): number {
  if (limit === undefined || !Number.isFinite(limit) || limit <= 0) return 0;
  // A fractional limit such as 0.5 must not round down to 0, which would mean "unlimited".
  return Math.max(1, Math.floor(limit));
}

/** Tokens as a whole number in [0, MAX_TOKENS_RECORDED]; NaN counts as 0, Infinity as the maximum. */
export function normalizeTokens(tokens: number): number {
  if (Number.isNaN(tokens) || tokens <= 0) return 0;
  return Math.min(MAX_TOKENS_RECORDED, Math.ceil(tokens));
}

/** The moment bucket `bucket` stops counting. */
export function bucketExpiry(bucket: number): number {
  return (bucket + 1) * BUCKET_MS + WINDOW_MS;
}

/** One second of one key's use. */
export interface Bucket {
  second: number;
  requests: number;
  tokens: number;
}

/** One key's live buckets, oldest first: at most 61 (the current second and the 60 before it). */
interface KeyWindow {
  buckets: Bucket[];
}

export interface MemoryLimiterOptions {
  /** Milliseconds on any fixed origin; default a monotonic clock, so wall-clock jumps change nothing. */
  now?: () => number;
}

/** The in-process limiter, plus the number of keys it holds (idle keys are evicted). */
export interface MemoryLimiter extends Limiter {
  readonly keyCount: number;
}

/**
 * Per-key limits held in this process: right for one gateway instance. Several instances behind a load
 * balancer each count alone (a key gets N times its limit): use `createRedisLimiter` there.
 */
export function createMemoryLimiter(options: MemoryLimiterOptions = {}): MemoryLimiter {
  const now = options.now ?? (() => performance.timeOrigin + performance.now());
  const windows = new Map<string, KeyWindow>();
  let nextSweep = Number.NEGATIVE_INFINITY;
  let closed = false;

  /** Drops the buckets that stopped counting; the current bucket is the later of now's and the newest. */
  function prune(window: KeyWindow, time: number): void {
    let dead = 0;
    while (dead < window.buckets.length && bucketExpiry(window.buckets[dead]!.second) <= time) dead += 1;
    if (dead > 0) window.buckets.splice(0, dead);
  }

  /**
   * Evicts keys with no live bucket, at most once a window: O(keys) each time, so O(1) per call amortised,
   * and an idle key's memory is gone within two windows of its last use.
   */
  function sweep(time: number): void {
    if (time < nextSweep) return;
    nextSweep = time + WINDOW_MS;
    for (const [keyId, window] of windows) {
      prune(window, time);
      if (window.buckets.length === 0) windows.delete(keyId);
    }
  }

  function windowFor(keyId: string, time: number): KeyWindow {
    let window = windows.get(keyId);
    if (!window) {
      window = { buckets: [] };
      windows.set(keyId, window);
    } else {
      prune(window, time);
    }
    return window;
  }

  /** The bucket new counts go to. If the clock stepped back, the newest bucket, so order is kept. */
  function currentBucket(window: KeyWindow, time: number): Bucket {
    const second = Math.floor(time / BUCKET_MS);
    const newest = window.buckets.at(-1);
    if (newest && newest.second >= second) return newest;
    const bucket = { second, requests: 0, tokens: 0 };
    window.buckets.push(bucket);
    return bucket;
  }

  return {
    get keyCount() {
      return windows.size;
    },

    async admit(keyId: string, limits: KeyLimits, estimatedTokens: number): Promise<LimitDecision> {
      if (closed) throw new LimiterUnavailableError('the rate limiter is closed');
      const time = now();
      sweep(time);
      const window = windowFor(keyId, time);
      let requests = 0;
      let tokens = 0;
      for (const bucket of window.buckets) {
        requests += bucket.requests;
        tokens += bucket.tokens;
      }
      const decision = decide(
        window.buckets,
        { requests, tokens },
        normalizeLimit(limits.requestsPerMinute),
        normalizeLimit(limits.tokensPerMinute),
        normalizeTokens(estimatedTokens),
        time,
      );
      if (decision.allowed) {
        const bucket = currentBucket(window, time);
        bucket.requests += 1;
        bucket.tokens += normalizeTokens(estimatedTokens);
      } else if (window.buckets.length === 0) {
        windows.delete(keyId);
      }
      return decision;
    },

    async settle(keyId: string, tokensDelta: number): Promise<void> {
      // Settling happens after the response; a limiter closed meanwhile (reload, shutdown) has nothing to fix.
      if (closed || Number.isNaN(tokensDelta) || tokensDelta === 0) return;
      const time = now();
      if (tokensDelta > 0) {
        currentBucket(windowFor(keyId, time), time).tokens += normalizeTokens(tokensDelta);
        return;
      }
      const window = windows.get(keyId);
      if (!window) return;
      prune(window, time);
      // The estimate being corrected was recorded recently: take the surplus back from the newest buckets.
      let refund = normalizeTokens(-tokensDelta);
      for (let i = window.buckets.length - 1; i >= 0 && refund > 0; i -= 1) {
        const bucket = window.buckets[i]!;
        const taken = Math.min(bucket.tokens, refund);
        bucket.tokens -= taken;
        refund -= taken;
      }
    },

    async close(): Promise<void> {
      closed = true;
      windows.clear();
    },
  };
}

/** Sums of one key's live buckets. */
export interface WindowTotals {
  requests: number;
  tokens: number;
}

/**
 * The admission decision from one key's live buckets (oldest first) and totals. Both budgets must allow;
 * when refused, `retryAfterMs` is the wait until BOTH would allow, and `reason` names the request budget
 * when both ran out. A request whose estimate alone exceeds the token limit can never be admitted: it is
 * refused for `tokens` (whatever the request budget says) with a full window as its wait; the caller can
 * tell this case by comparing the estimate with `limit`, and answer 400 rather than 429.
 */
export function decide(
  buckets: readonly Bucket[],
  totals: WindowTotals,
  requestLimit: number,
  tokenLimit: number,
  tokens: number,
  time: number,
): LimitDecision {
  const requestsOver = requestLimit > 0 ? totals.requests + 1 - requestLimit : 0;
  const tokensOver = tokenLimit > 0 ? totals.tokens + tokens - tokenLimit : 0;
  if (requestsOver <= 0 && tokensOver <= 0) {
    return {
      allowed: true,
      retryAfterMs: 0,
      limit: requestLimit,
      remaining: requestLimit > 0 ? requestLimit - totals.requests - 1 : 0,
    };
  }
  const hopeless = tokenLimit > 0 && tokens > tokenLimit;
  let wait = 0;
  if (requestsOver > 0) wait = Math.max(wait, waitToFree(buckets, 'requests', requestsOver, time));
  if (tokensOver > 0) {
    wait = Math.max(wait, hopeless ? WINDOW_MS + BUCKET_MS : waitToFree(buckets, 'tokens', tokensOver, time));
  }
  const reason = requestsOver > 0 && !hopeless ? 'requests' : 'tokens';
  const limit = reason === 'requests' ? requestLimit : tokenLimit;
  const used = reason === 'requests' ? totals.requests : totals.tokens;
  return { allowed: false, reason, retryAfterMs: wait, limit, remaining: Math.max(0, limit - used) };
}

/** How long until the oldest buckets holding at least `amount` of `field` have stopped counting. */
function waitToFree(buckets: readonly Bucket[], field: 'requests' | 'tokens', amount: number, time: number) {
  let freed = 0;
  for (const bucket of buckets) {
    freed += bucket[field];
    if (freed >= amount) return Math.max(1, bucketExpiry(bucket.second) - time);
  }
  // Only reachable if the totals and buckets disagree; a full window is always enough.
  return WINDOW_MS + BUCKET_MS;
}
