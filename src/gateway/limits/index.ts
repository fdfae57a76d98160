/**
 * The gateway's rate limiter: in-process by default, shared through Redis when the config names one.
 * Both count the same way (sliding one-minute windows of one-second buckets, see `memory.ts`).
 */
import type { GatewayConfig } from '../config-types.ts';
import type { Limiter } from '../contracts.ts';
import { createMemoryLimiter } from './memory.ts';
import { createRedisLimiter } from './redis.ts';

export {
  createMemoryLimiter,
  LimiterUnavailableError,
  type MemoryLimiter,
  type MemoryLimiterOptions,
} from './memory.ts';
export { createRedisLimiter, type RedisLimiterOptions } from './redis.ts';

/** The limiter `config` asks for: Redis-shared when `config.redis` is set, else in-process. */
export function createLimiter(config: Pick<GatewayConfig, 'redis'>): Limiter {
  return config.redis ? createRedisLimiter({ url: config.redis }) : createMemoryLimiter();
}
