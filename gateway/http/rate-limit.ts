import { isIPv6 } from 'node:net';
import type { RequestHandler } from 'express';
import { LRUCache } from 'lru-cache';
import { GatewayError } from '../errors/gateway-error.js';
import type { GatewayConfig } from '../types/schemas.js';

interface Bucket {
  tokens: number;
  /** When `tokens` was last computed (epoch ms). */
  at: number;
}

export type TakeResult = { ok: true } | { ok: false; retryAfterSeconds: number };

/**
 * A token bucket per client: `burst` tokens at most, `perSecond` added continuously, one taken per
 * request. Buckets live in an LRU of `maxClients` entries, so a flood of distinct addresses costs
 * bounded memory; an evicted client simply starts again with a full bucket. Per process: each
 * worker and each instance counts on its own.
 */
export class TokenBuckets {
  private readonly buckets: LRUCache<string, Bucket>;

  constructor(
    private readonly limits: Pick<GatewayConfig['rateLimit'], 'perSecond' | 'burst' | 'maxClients'>,
    private readonly now: () => number,
  ) {
    this.buckets = new LRUCache({ max: limits.maxClients });
  }

  take(client: string): TakeResult {
    const now = this.now();
    const { perSecond, burst } = this.limits;
    const bucket = this.buckets.get(client) ?? { tokens: burst, at: now };
    const elapsedSeconds = Math.max(0, now - bucket.at) / 1000;
    bucket.tokens = Math.min(burst, bucket.tokens + elapsedSeconds * perSecond);
    bucket.at = now;
    this.buckets.set(client, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { ok: true };
    }
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / perSecond)) };
  }
}

/**
 * The key of a client address. IPv6 clients usually hold a whole /64, so they are counted per /64
 * (one address each would let one client rotate through 2^64 buckets).
 */
export function clientKey(address: string | undefined): string {
  if (!address) return 'unknown';
  const v4mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (v4mapped) return v4mapped[1]!;
  if (!isIPv6(address)) return address;
  const [head = '', tail = ''] = address.split('::');
  const headGroups = head ? head.split(':') : [];
  const tailGroups = tail ? tail.split(':') : [];
  const groups = address.includes('::')
    ? [...headGroups, ...Array<string>(8 - headGroups.length - tailGroups.length).fill('0'), ...tailGroups]
    : headGroups;
  return `${groups.slice(0, 4).map((g) => g.toLowerCase().replace(/^0+(?=.)/, '')).join(':')}::/64`;
}

/**
 * 429 ERR_RATE_LIMITED with Retry-After (RFC 9110 §10.2.3, RFC 6585 §4) once a client has spent
 * its bucket. The address is req.ip: the socket address, or X-Forwarded-For when TRUST_PROXY
 * says which proxies to believe (otherwise any client could pick its own bucket).
 */
export function rateLimit(buckets: TokenBuckets): RequestHandler {
  return (req, res, next) => {
    const result = buckets.take(clientKey(req.ip ?? req.socket.remoteAddress));
    if (result.ok) return next();
    res.setHeader('retry-after', String(result.retryAfterSeconds));
    next(new GatewayError('ERR_RATE_LIMITED'));
  };
}
