/**
 * The shared rate limiter: the same one-second-bucket windows as `memory.ts`, kept in Redis so every
 * gateway instance behind a load balancer counts against the same budgets.
 *
 * Each key is one Redis hash, `<prefix><keyId>`, with fields `r<second>` (requests) and `t<second>`
 * (tokens). All of check-and-record runs in ONE Lua script, which Redis executes atomically: two instances
 * can never both read "one slot left" and both take it. The script reads the Redis server's clock
 * (`TIME`), so instances with skewed clocks still agree on the window; the hash expires once its newest
 * bucket stops counting, so idle keys leave nothing behind.
 *
 * Fail closed: when Redis is unreachable, slow (no answer within `commandTimeoutMs`) or the limiter is
 * closed, `admit` and `settle` reject with `LimiterUnavailableError`, which the gateway answers with 503.
 * Nothing waits in a queue for Redis to come back: requests fail fast while ioredis reconnects in the
 * background, and the first command after it is back succeeds.
 */
import { Redis } from 'ioredis';
import { ParapetError } from '../../core/errors.ts';
import type { KeyLimits, LimitDecision, Limiter } from '../contracts.ts';
import { BUCKET_MS, LimiterUnavailableError, normalizeLimit, normalizeTokens, WINDOW_MS } from './memory.ts';

export interface RedisLimiterOptions {
  /** `redis://[user:password@]host:port[/db]` (or `rediss://` for TLS). */
  url: string;
  /** Prepended to every key id. Default `parapet:rl:`. */
  prefix?: string;
  /** Milliseconds since the epoch, for tests; default the Redis server's own clock. */
  now?: () => number;
  /** How long to wait for the TCP connection. Default 1000. */
  connectTimeoutMs?: number;
  /** How long to wait for an answer before failing closed. Default 1000. */
  commandTimeoutMs?: number;
}

// Shared by both scripts: the clock, and the sweep of buckets that stopped counting. A bucket `b` counts
// while now < (b + 1) * BUCKET + WINDOW, exactly as `bucketExpiry` in memory.ts.
const LUA_PRELUDE = `
local BUCKET = ${BUCKET_MS}
local WINDOW = ${WINDOW_MS}
local now = tonumber(ARGV[1])
if not now then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local cur = math.floor(now / BUCKET)
local raw = redis.call('HGETALL', KEYS[1])
local seconds, requests, tokens, dead = {}, {}, {}, {}
for i = 1, #raw, 2 do
  local field = raw[i]
  local second = tonumber(string.sub(field, 2))
  local kind = string.sub(field, 1, 1)
  if not second or (second + 1) * BUCKET + WINDOW <= now then
    dead[#dead + 1] = field
  else
    if requests[second] == nil then
      seconds[#seconds + 1] = second
      requests[second] = 0
      tokens[second] = 0
    end
    if kind == 'r' then requests[second] = tonumber(raw[i + 1]) else tokens[second] = tonumber(raw[i + 1]) end
    -- A clock that stepped back must not write behind the newest bucket.
    if second > cur then cur = second end
  end
end
if #dead > 0 then redis.call('HDEL', KEYS[1], unpack(dead)) end
table.sort(seconds)
-- Relative, so an injected test clock far from Redis's own works too; a bucket of slack for rounding.
local function keep()
  redis.call('PEXPIRE', KEYS[1], (cur + 1) * BUCKET + WINDOW - now + BUCKET)
end
`;

/**
 * ARGV: now ('' = server clock), request limit, token limit, tokens (limits 0 = none).
 * Returns { allowed 0|1, reason 0 none|1 requests|2 tokens, retryAfterMs, limit, remaining }.
 * The same decision as `decide` in memory.ts.
 */
const ADMIT_LUA = `${LUA_PRELUDE}
local requestLimit = tonumber(ARGV[2])
local tokenLimit = tonumber(ARGV[3])
local cost = tonumber(ARGV[4])
local usedRequests, usedTokens = 0, 0
for _, second in ipairs(seconds) do
  usedRequests = usedRequests + requests[second]
  usedTokens = usedTokens + tokens[second]
end
local requestsOver = 0
if requestLimit > 0 then requestsOver = usedRequests + 1 - requestLimit end
local tokensOver = 0
if tokenLimit > 0 then tokensOver = usedTokens + cost - tokenLimit end
if requestsOver <= 0 and tokensOver <= 0 then
  redis.call('HINCRBY', KEYS[1], 'r' .. cur, 1)
  if cost > 0 then redis.call('HINCRBY', KEYS[1], 't' .. cur, cost) end
  keep()
  local remaining = 0
  if requestLimit > 0 then remaining = requestLimit - usedRequests - 1 end
  return { 1, 0, 0, requestLimit, remaining }
end
local function waitToFree(counts, amount)
  local freed = 0
  for _, second in ipairs(seconds) do
    freed = freed + counts[second]
    if freed >= amount then return math.max(1, (second + 1) * BUCKET + WINDOW - now) end
  end
  return WINDOW + BUCKET
end
local hopeless = tokenLimit > 0 and cost > tokenLimit
local wait = 0
if requestsOver > 0 then wait = math.max(wait, waitToFree(requests, requestsOver)) end
if tokensOver > 0 then
  if hopeless then
    wait = math.max(wait, WINDOW + BUCKET)
  else
    wait = math.max(wait, waitToFree(tokens, tokensOver))
  end
end
if requestsOver > 0 and not hopeless then
  return { 0, 1, wait, requestLimit, math.max(0, requestLimit - usedRequests) }
end
return { 0, 2, wait, tokenLimit, math.max(0, tokenLimit - usedTokens) }
`;

/** ARGV: now ('' = server clock), tokens delta. Adds to the current bucket, or refunds newest first. */
const SETTLE_LUA = `${LUA_PRELUDE}
local delta = tonumber(ARGV[2])
if delta > 0 then
  redis.call('HINCRBY', KEYS[1], 't' .. cur, delta)
  keep()
  return 0
end
local refund = -delta
for i = #seconds, 1, -1 do
  if refund <= 0 then break end
  local second = seconds[i]
  local taken = math.min(tokens[second], refund)
  if taken > 0 then
    redis.call('HINCRBY', KEYS[1], 't' .. second, -taken)
    refund = refund - taken
  end
end
return 0
`;

interface ScriptedRedis extends Redis {
  parapetAdmit(key: string, now: string, requests: number, tokens: number, cost: number): Promise<number[]>;
  parapetSettle(key: string, now: string, delta: number): Promise<number>;
}

/**
 * Per-key limits shared through Redis. Connects on first use; see the file comment for the failure
 * behaviour. Requires Redis 5 or later (scripts that read `TIME` and then write). Throws a `USAGE`
 * ParapetError at once for a URL that is not `redis://` or `rediss://` with a host.
 */
export function createRedisLimiter(options: RedisLimiterOptions): Limiter {
  const prefix = options.prefix ?? 'parapet:rl:';
  const commandTimeout = options.commandTimeoutMs ?? 1000;
  checkRedisUrl(options.url);
  let redis: ScriptedRedis;
  try {
    redis = new Redis(options.url, {
      lazyConnect: true,
      connectTimeout: options.connectTimeoutMs ?? 1000,
      commandTimeout,
      // No queue while disconnected: a request fails closed at once instead of waiting for Redis.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      // Keep reconnecting in the background (at most every 2 s) so the limiter heals when Redis returns.
      retryStrategy: (attempt) => Math.min(attempt * 100, 2000),
    }) as ScriptedRedis;
  } catch (err) {
    throw new ParapetError('USAGE', `invalid Redis URL for rate limits: ${describe(err)}`, { cause: err });
  }
  // ioredis reports connection errors as events and prints them when nobody listens; a library must not
  // print. The error reaches the caller as the rejection of the command that needed the connection.
  let lastError: unknown;
  redis.on('error', (err) => {
    lastError = err;
  });
  redis.on('ready', () => {
    lastError = undefined;
  });
  redis.defineCommand('parapetAdmit', { numberOfKeys: 1, lua: ADMIT_LUA });
  redis.defineCommand('parapetSettle', { numberOfKeys: 1, lua: SETTLE_LUA });

  let connecting: Promise<void> | undefined;
  let closed = false;

  /** Connects on first use (concurrent callers share the attempt); fails fast while reconnecting. */
  async function ready(): Promise<void> {
    if (closed) throw new LimiterUnavailableError('the rate limiter is closed');
    if (redis.status === 'ready') return;
    if (!connecting && (redis.status === 'wait' || redis.status === 'end')) {
      connecting = redis.connect().finally(() => {
        connecting = undefined;
      });
    }
    if (connecting) {
      try {
        await connecting;
        return;
      } catch (err) {
        // ioredis rejects with a bare "Connection is closed"; the error event said why (ECONNREFUSED...).
        throw unavailable(lastError ?? err);
      }
    }
    throw unavailable(lastError);
  }

  function unavailable(err: unknown): LimiterUnavailableError {
    if (err instanceof LimiterUnavailableError) return err;
    const why = err === undefined ? `not connected (${redis.status})` : describe(err);
    return new LimiterUnavailableError(`Redis for rate limits is unavailable: ${why}`, { cause: err });
  }

  const clock = () => (options.now ? String(Math.floor(options.now())) : '');

  return {
    async admit(keyId: string, limits: KeyLimits, estimatedTokens: number): Promise<LimitDecision> {
      await ready();
      let reply: number[];
      try {
        reply = await redis.parapetAdmit(
          prefix + keyId,
          clock(),
          normalizeLimit(limits.requestsPerMinute),
          normalizeLimit(limits.tokensPerMinute),
          normalizeTokens(estimatedTokens),
        );
      } catch (err) {
        throw unavailable(err);
      }
      const [allowed, reason, retryAfterMs, limit, remaining] = reply.map(Number);
      if (allowed === 1) {
        return { allowed: true, retryAfterMs: 0, limit: limit ?? 0, remaining: remaining ?? 0 };
      }
      return {
        allowed: false,
        reason: reason === 1 ? 'requests' : 'tokens',
        retryAfterMs: retryAfterMs ?? WINDOW_MS + BUCKET_MS,
        limit: limit ?? 0,
        remaining: remaining ?? 0,
      };
    },

    async settle(keyId: string, tokensDelta: number): Promise<void> {
      if (closed || Number.isNaN(tokensDelta) || tokensDelta === 0) return;
      const delta = Math.sign(tokensDelta) * normalizeTokens(Math.abs(tokensDelta));
      await ready();
      try {
        await redis.parapetSettle(prefix + keyId, clock(), delta);
      } catch (err) {
        throw unavailable(err);
      }
    },

    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      if (redis.status === 'ready') {
        try {
          await redis.quit();
          return;
        } catch {
          // Lost the connection while quitting: nothing left to say goodbye to.
        }
      }
      redis.disconnect();
    },
  };
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Refuses what ioredis would silently reinterpret: it takes `garbage` for a host name, `http://x:1` for a
 * socket path and an invalid port for 6379. The message never repeats the URL, which may hold a password.
 */
function checkRedisUrl(url: string): void {
  const usage = 'the Redis URL for rate limits must look like redis://[user:password@]host:port[/db]';
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ParapetError('USAGE', `${usage} (it is not a URL)`);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new ParapetError('USAGE', `${usage} (it starts with ${parsed.protocol})`);
  }
  if (!parsed.hostname) throw new ParapetError('USAGE', `${usage} (it has no host)`);
}
