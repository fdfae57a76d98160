/**
 * Rate limits: the in-process limiter and the Redis one (against a real redis-server) behave the same on
 * one shared suite driven by an injected clock; Redis also holds its limit across two instances hammered
 * concurrently, expires idle keys, and fails closed, fast, when Redis is gone.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { ParapetError } from '../../src/core/errors.ts';
import type { LimitDecision, Limiter } from '../../src/gateway/contracts.ts';
import {
  createLimiter,
  createMemoryLimiter,
  createRedisLimiter,
  LimiterUnavailableError,
} from '../../src/gateway/limits/index.ts';
import { BUCKET_MS, bucketExpiry, WINDOW_MS } from '../../src/gateway/limits/memory.ts';
import { freePort, type RedisServer, startRedis } from '../fixtures/redis-server.ts';

/** A clock the test moves by hand; starts half-way through a bucket. */
function manualClock() {
  const clock = { time: 1_700_000_000_500, now: () => clock.time };
  return clock;
}

type Clock = ReturnType<typeof manualClock>;
type MakeLimiter = (clock: Clock) => Limiter;

/** The behaviour every limiter must have; each test gets a fresh limiter, clock and key. */
function sharedSuite(make: MakeLimiter): void {
  async function withLimiter(run: (limiter: Limiter, clock: Clock, key: string) => Promise<void>) {
    const clock = manualClock();
    const limiter = make(clock);
    try {
      await run(limiter, clock, `k_${randomUUID()}`);
    } finally {
      await limiter.close();
    }
  }
  const second = (clock: Clock) => Math.floor(clock.time / BUCKET_MS);

  test('requests: the limit is admitted, the next is refused until the first bucket expires', () =>
    withLimiter(async (limiter, clock, key) => {
      const limits = { requestsPerMinute: 3 };
      const first = second(clock);
      for (const remaining of [2, 1, 0]) {
        assert.deepEqual(await limiter.admit(key, limits, 0), {
          allowed: true,
          retryAfterMs: 0,
          limit: 3,
          remaining,
        });
      }
      const refused = await limiter.admit(key, limits, 0);
      assert.deepEqual(refused, {
        allowed: false,
        reason: 'requests',
        retryAfterMs: bucketExpiry(first) - clock.time,
        limit: 3,
        remaining: 0,
      });
      assert.equal(refused.retryAfterMs, WINDOW_MS + BUCKET_MS / 2);
      clock.time += 30_000;
      assert.equal((await limiter.admit(key, limits, 0)).retryAfterMs, WINDOW_MS + BUCKET_MS / 2 - 30_000);
      clock.time = bucketExpiry(first) - 1;
      assert.deepEqual(await limiter.admit(key, limits, 0), { ...refused, retryAfterMs: 1 });
      // Waiting exactly retryAfterMs is enough: all three expire together and three slots open.
      clock.time = bucketExpiry(first);
      for (let i = 0; i < 3; i += 1) assert.equal((await limiter.admit(key, limits, 0)).allowed, true);
      assert.equal((await limiter.admit(key, limits, 0)).allowed, false);
    }));

  test('requests: the window slides, one bucket at a time', () =>
    withLimiter(async (limiter, clock, key) => {
      const limits = { requestsPerMinute: 2 };
      const first = second(clock);
      assert.equal((await limiter.admit(key, limits, 0)).allowed, true);
      clock.time += 10_000;
      const later = second(clock);
      assert.equal((await limiter.admit(key, limits, 0)).allowed, true);
      clock.time += 20_000;
      const refused = await limiter.admit(key, limits, 0);
      assert.equal(refused.allowed, false);
      assert.equal(refused.retryAfterMs, bucketExpiry(first) - clock.time);
      clock.time += refused.retryAfterMs;
      assert.equal((await limiter.admit(key, limits, 0)).allowed, true);
      const next = await limiter.admit(key, limits, 0);
      assert.equal(next.allowed, false);
      assert.equal(next.retryAfterMs, bucketExpiry(later) - clock.time);
    }));

  test('tokens: the estimate is counted on admission; refused requests record nothing', () =>
    withLimiter(async (limiter, clock, key) => {
      const limits = { requestsPerMinute: 2, tokensPerMinute: 100 };
      const first = second(clock);
      assert.deepEqual(await limiter.admit(key, limits, 90), {
        allowed: true,
        retryAfterMs: 0,
        limit: 2,
        remaining: 1,
      });
      assert.deepEqual(await limiter.admit(key, limits, 20), {
        allowed: false,
        reason: 'tokens',
        retryAfterMs: bucketExpiry(first) - clock.time,
        limit: 100,
        remaining: 10,
      });
      // Neither the refused request nor its 20 tokens were counted: 10 tokens and one request remain.
      assert.equal((await limiter.admit(key, limits, 10)).allowed, true);
      assert.equal((await limiter.admit(key, limits, 0)).reason, 'requests');
    }));

  test('tokens: retryAfterMs waits for just enough buckets to expire', () =>
    withLimiter(async (limiter, clock, key) => {
      const limits = { tokensPerMinute: 100 };
      const seconds: number[] = [];
      for (const offset of [0, 5_000, 5_000]) {
        clock.time += offset;
        seconds.push(second(clock));
        assert.equal((await limiter.admit(key, limits, 30)).allowed, true);
      }
      clock.time += 10_000;
      // 90 used, 50 wanted: 40 must expire, which takes the first two buckets.
      const refused = await limiter.admit(key, limits, 50);
      assert.equal(refused.reason, 'tokens');
      assert.equal(refused.retryAfterMs, bucketExpiry(seconds[1]!) - clock.time);
      clock.time += refused.retryAfterMs - 1;
      assert.equal((await limiter.admit(key, limits, 50)).allowed, false);
      clock.time += 1;
      assert.equal((await limiter.admit(key, limits, 50)).allowed, true);
    }));

  test('an estimate larger than the token limit is refused for tokens and records nothing', () =>
    withLimiter(async (limiter, _clock, key) => {
      const limits = { requestsPerMinute: 1, tokensPerMinute: 100 };
      const refused = await limiter.admit(key, limits, 101);
      assert.equal(refused.allowed, false);
      assert.equal(refused.reason, 'tokens');
      assert.equal(refused.limit, 100);
      assert.equal(refused.remaining, 100);
      assert.ok(refused.retryAfterMs >= WINDOW_MS);
      assert.equal((await limiter.admit(key, limits, Number.POSITIVE_INFINITY)).reason, 'tokens');
      assert.equal((await limiter.admit(key, limits, 100)).allowed, true);
      // Still 'tokens' once the request budget is spent too: waiting would never help.
      assert.equal((await limiter.admit(key, limits, 101)).reason, 'tokens');
      assert.equal((await limiter.admit(key, limits, 1)).reason, 'requests');
    }));

  test('both budgets spent: reason requests, and the wait covers both', () =>
    withLimiter(async (limiter, clock, key) => {
      const limits = { requestsPerMinute: 2, tokensPerMinute: 100 };
      assert.equal((await limiter.admit(key, limits, 10)).allowed, true);
      clock.time += 20_000;
      const later = second(clock);
      assert.equal((await limiter.admit(key, limits, 90)).allowed, true);
      const refused = await limiter.admit(key, limits, 50);
      assert.equal(refused.reason, 'requests');
      assert.equal(refused.limit, 2);
      assert.equal(refused.retryAfterMs, bucketExpiry(later) - clock.time);
    }));

  test('no limit: 0, undefined, negative and NaN all mean unlimited', () =>
    withLimiter(async (limiter, _clock, key) => {
      for (const limits of [{}, { requestsPerMinute: 0, tokensPerMinute: 0 }, { requestsPerMinute: -1 }]) {
        for (let i = 0; i < 200; i += 1) {
          assert.deepEqual(await limiter.admit(key, limits, 1_000_000), {
            allowed: true,
            retryAfterMs: 0,
            limit: 0,
            remaining: 0,
          });
        }
      }
      assert.equal((await limiter.admit(key, { tokensPerMinute: Number.NaN }, 5)).allowed, true);
      // Tokens were still counted while unlimited, so a limit that appears later sees them.
      assert.equal((await limiter.admit(key, { tokensPerMinute: 1000 }, 1)).reason, 'tokens');
    }));

  test('a fractional limit is at least 1, never "unlimited"', () =>
    withLimiter(async (limiter, _clock, key) => {
      assert.equal((await limiter.admit(key, { requestsPerMinute: 0.5 }, 0)).allowed, true);
      assert.equal((await limiter.admit(key, { requestsPerMinute: 0.5 }, 0)).allowed, false);
    }));

  test('settle adds real usage and refunds an overestimate, never below zero', () =>
    withLimiter(async (limiter, clock, key) => {
      const limits = { tokensPerMinute: 100 };
      assert.equal((await limiter.admit(key, limits, 50)).allowed, true);
      await limiter.settle(key, 40);
      assert.equal((await limiter.admit(key, limits, 20)).remaining, 10);
      await limiter.settle(key, -40);
      assert.equal((await limiter.admit(key, limits, 20)).allowed, true);
      clock.time += 5_000;
      await limiter.settle(key, -1_000_000);
      // Everything was refunded, across buckets, and no more: the full budget is back, not more.
      assert.equal((await limiter.admit(key, limits, 100)).allowed, true);
      assert.equal((await limiter.admit(key, limits, 1)).allowed, false);
      await limiter.settle(key, Number.NaN);
      await limiter.settle(`k_${randomUUID()}`, -5);
    }));

  test('keys are independent', () =>
    withLimiter(async (limiter, _clock, key) => {
      const limits = { requestsPerMinute: 1 };
      assert.equal((await limiter.admit(key, limits, 0)).allowed, true);
      assert.equal((await limiter.admit(key, limits, 0)).allowed, false);
      assert.equal((await limiter.admit(`${key}-other`, limits, 0)).allowed, true);
    }));

  test('after close, admit fails closed with LimiterUnavailableError and settle does nothing', async () => {
    const limiter = make(manualClock());
    await limiter.close();
    await assert.rejects(limiter.admit('k', { requestsPerMinute: 1 }, 0), LimiterUnavailableError);
    await limiter.settle('k', 10);
    await limiter.close();
  });
}

describe('memory limiter', () => {
  sharedSuite((clock) => createMemoryLimiter({ now: clock.now }));

  test('idle keys are evicted within two windows', async () => {
    const clock = manualClock();
    const limiter = createMemoryLimiter({ now: clock.now });
    for (let i = 0; i < 100; i += 1) await limiter.admit(`k_${i}`, { requestsPerMinute: 5 }, 10);
    assert.equal(limiter.keyCount, 100);
    clock.time += 2 * WINDOW_MS + BUCKET_MS;
    await limiter.admit('k_active', { requestsPerMinute: 5 }, 10);
    assert.equal(limiter.keyCount, 1);
    // A refused request of a key with nothing counted leaves no entry behind.
    await limiter.admit('k_refused', { tokensPerMinute: 5 }, 10);
    assert.equal(limiter.keyCount, 1);
    await limiter.close();
  });

  test('a key used every second for five minutes still only holds one window', async () => {
    const clock = manualClock();
    const limiter = createMemoryLimiter({ now: clock.now });
    const limits = { requestsPerMinute: 61 };
    for (let i = 0; i < 300; i += 1) {
      assert.equal((await limiter.admit('k', limits, 1)).allowed, true, `second ${i}`);
      clock.time += BUCKET_MS;
    }
    // 61 buckets are live (60 s plus the current second): exactly the limit, so the next is refused.
    assert.equal((await limiter.admit('k', limits, 1)).allowed, true);
    assert.equal((await limiter.admit('k', limits, 1)).allowed, false);
    await limiter.close();
  });

  test('a clock that steps back keeps counting in the newest bucket', async () => {
    const clock = manualClock();
    const limiter = createMemoryLimiter({ now: clock.now });
    assert.equal((await limiter.admit('k', { requestsPerMinute: 2 }, 0)).allowed, true);
    clock.time -= 30_000;
    assert.equal((await limiter.admit('k', { requestsPerMinute: 2 }, 0)).allowed, true);
    assert.equal((await limiter.admit('k', { requestsPerMinute: 2 }, 0)).allowed, false);
    await limiter.close();
  });

  test('createLimiter picks the in-process limiter without redis', async () => {
    const limiter = createLimiter({});
    assert.equal('keyCount' in limiter, true);
    await limiter.close();
  });
});

describe('redis limiter', { timeout: 120_000 }, () => {
  let server: RedisServer;
  let inspect: Redis;
  before(async () => {
    server = await startRedis();
    inspect = new Redis(server.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
    await inspect.connect();
  });
  after(async () => {
    await inspect?.quit();
    await server?.stop();
  });

  sharedSuite((clock) => createRedisLimiter({ url: server.url, now: clock.now }));

  test('two instances hammered concurrently admit exactly the limit', async () => {
    const one = createRedisLimiter({ url: server.url });
    const two = createRedisLimiter({ url: server.url });
    try {
      const key = `k_${randomUUID()}`;
      const limits = { requestsPerMinute: 50, tokensPerMinute: 0 };
      const decisions = await Promise.all(
        Array.from({ length: 200 }, (_, i) => (i % 2 === 0 ? one : two).admit(key, limits, 7)),
      );
      assert.equal(decisions.filter((d) => d.allowed).length, 50);
      const remaining = decisions.filter((d) => d.allowed).map((d) => d.remaining);
      assert.deepEqual(
        remaining.sort((a, b) => a - b),
        Array.from({ length: 50 }, (_, i) => i),
      );
      for (const refused of decisions.filter((d) => !d.allowed)) {
        assert.equal(refused.reason, 'requests');
        assert.ok(refused.retryAfterMs > 0 && refused.retryAfterMs <= WINDOW_MS + BUCKET_MS);
      }
      // Tokens too: 50 × 7 recorded, shared by both.
      assert.equal((await one.admit(key, { tokensPerMinute: 350 }, 1)).reason, 'tokens');
      assert.equal((await two.admit(key, { tokensPerMinute: 351 }, 1)).allowed, true);
    } finally {
      await one.close();
      await two.close();
    }
  });

  test("Redis's own clock: refusals name a wait inside the window, keys expire after it", async () => {
    const limiter = createRedisLimiter({ url: server.url, prefix: 'test:rl:' });
    try {
      const key = `k_${randomUUID()}`;
      assert.equal((await limiter.admit(key, { requestsPerMinute: 1 }, 5)).allowed, true);
      const refused = await limiter.admit(key, { requestsPerMinute: 1 }, 5);
      assert.equal(refused.allowed, false);
      assert.ok(refused.retryAfterMs > WINDOW_MS - 5_000 && refused.retryAfterMs <= WINDOW_MS + BUCKET_MS);
      const ttl = await inspect.pttl(`test:rl:${key}`);
      assert.ok(ttl > WINDOW_MS - 5_000 && ttl <= WINDOW_MS + 2 * BUCKET_MS, `ttl ${ttl}`);
      // One request and its tokens, in one bucket named after Redis's clock (within a second or two of now).
      const fields = Object.keys(await inspect.hgetall(`test:rl:${key}`)).sort();
      assert.equal(fields.length, 2);
      const bucket = Number(fields[0]!.slice(1));
      assert.deepEqual(fields, [`r${bucket}`, `t${bucket}`]);
      assert.ok(Math.abs(Math.floor((await serverTime(inspect)) / BUCKET_MS) - bucket) <= 2);
    } finally {
      await limiter.close();
    }
  });

  test('expired buckets are removed from the hash as the window slides', async () => {
    const clock = manualClock();
    const limiter = createRedisLimiter({ url: server.url, prefix: 'test:slide:', now: clock.now });
    try {
      const key = `k_${randomUUID()}`;
      for (let i = 0; i < 5; i += 1) {
        await limiter.admit(key, {}, 1);
        clock.time += 30_000;
      }
      // Now at 150 s: the buckets of 0, 30 and 60 s are gone; those of 90 s (which counts until 150.5 s),
      // 120 s and now remain, with an r and a t field each.
      await limiter.admit(key, {}, 1);
      assert.equal(Object.keys(await inspect.hgetall(`test:slide:${key}`)).length, 6);
    } finally {
      await limiter.close();
    }
  });

  test('createLimiter picks Redis when the config names it', async () => {
    const limiter = createLimiter({ redis: server.url });
    try {
      assert.equal('keyCount' in limiter, false);
      const key = `k_${randomUUID()}`;
      assert.equal((await limiter.admit(key, { requestsPerMinute: 1 }, 0)).allowed, true);
      assert.equal(await inspect.exists(`parapet:rl:${key}`), 1);
    } finally {
      await limiter.close();
    }
  });

  test('a malformed Redis URL is refused at creation, without repeating its password', () => {
    const urls = ['garbage', 'http://127.0.0.1:6379', 'redis://127.0.0.1:notaport', 'redis://', ''];
    for (const url of [...urls, 'redis://user:s3cret@host:notaport', 'http://user:s3cret@host:6379']) {
      assert.throws(
        () => createLimiter({ redis: url || 'x' }),
        (err: unknown) =>
          err instanceof ParapetError && err.code === 'USAGE' && !err.message.includes('s3cret'),
        url,
      );
    }
  });

  test('Redis never reachable: admit fails closed with LimiterUnavailableError, no hang', async () => {
    const limiter = createRedisLimiter({ url: `redis://127.0.0.1:${await freePort()}` });
    try {
      await assert.rejects(limiter.admit('k', { requestsPerMinute: 1 }, 0), (err: unknown) => {
        assert.ok(err instanceof LimiterUnavailableError);
        assert.match(err.message, /Redis for rate limits is unavailable: .*ECONNREFUSED/);
        return true;
      });
      // While ioredis retries in the background, later calls fail at once instead of queueing.
      await assert.rejects(limiter.admit('k', { requestsPerMinute: 1 }, 0), LimiterUnavailableError);
      await assert.rejects(limiter.settle('k', 5), LimiterUnavailableError);
    } finally {
      await limiter.close();
    }
  });

  test('Redis gone mid-use: fails closed, then heals once it is back', async () => {
    let own = await startRedis();
    const limiter = createRedisLimiter({ url: own.url });
    try {
      const key = `k_${randomUUID()}`;
      assert.equal((await limiter.admit(key, { requestsPerMinute: 5 }, 0)).allowed, true);
      await own.stop();
      await assert.rejects(limiter.admit(key, { requestsPerMinute: 5 }, 0), LimiterUnavailableError);
      own = await startRedis({ port: own.port });
      // ioredis reconnects in the background (backoff up to 2 s); poll until it has, 10 s at most.
      let decision: LimitDecision | undefined;
      for (let attempt = 0; attempt < 100 && !decision; attempt += 1) {
        decision = await limiter.admit(key, { requestsPerMinute: 5 }, 0).catch(async (err: unknown) => {
          assert.ok(err instanceof LimiterUnavailableError);
          await new Promise((resolve) => setTimeout(resolve, 100));
          return undefined;
        });
      }
      // The new server started empty: the request before the outage is forgotten, as Redis forgot it.
      assert.equal(decision?.remaining, 4);
    } finally {
      await limiter.close();
      await own.stop();
    }
  });

  test('a server that stops answering fails closed after the command timeout', async () => {
    const own = await startRedis();
    const limiter = createRedisLimiter({ url: own.url, commandTimeoutMs: 300 });
    const pause = new Redis(own.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
    try {
      await pause.connect();
      assert.equal((await limiter.admit('k', {}, 0)).allowed, true);
      // CLIENT PAUSE holds every client's commands, like a Redis stuck on a slow disk or a full CPU.
      await pause.call('CLIENT', 'PAUSE', '3000', 'ALL');
      await assert.rejects(limiter.admit('k', {}, 0), LimiterUnavailableError);
    } finally {
      await limiter.close();
      pause.disconnect();
      await own.stop();
    }
  });
});

async function serverTime(redis: Redis): Promise<number> {
  const [seconds, micros] = await redis.time();
  return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
}
