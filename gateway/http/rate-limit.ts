import { isIPv6 } from 'node:net';
import type { RequestHandler } from 'express';
import { GatewayError } from '../errors/gateway-error.js';
import type { Limiter } from '../limits/limiter.js';
import type { RateLimitKind } from '../observability/label-sets.js';

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


/** Which limit a 429 of this request came from, for the request log's count (request-log.ts). */
export function markRateLimit(res: { locals: Record<string, unknown> }, limit: RateLimitKind): void {
  res.locals['rateLimit'] = limit;
}

/** 429 ERR_RATE_LIMITED with Retry-After (RFC 9110 §10.2.3, RFC 6585 §4), counted under `limit`. */
export function rateLimited(res: { setHeader(name: string, value: string): unknown; locals: Record<string, unknown> }, retryAfterSeconds: number, limit: RateLimitKind): GatewayError {
  res.setHeader('retry-after', String(retryAfterSeconds));
  markRateLimit(res, limit);
  return new GatewayError('ERR_RATE_LIMITED');
}

/** The limited key of a request's client address (req.ip: see rateLimit). */
export function addressKey(req: { ip?: string | undefined; socket: { remoteAddress?: string | undefined } }): string {
  return clientKey(req.ip ?? req.socket.remoteAddress);
}

/**
 * 429 ERR_RATE_LIMITED with Retry-After once a client address has spent its window (limiter.ts;
 * shared by every instance on the same Redis or PostgreSQL). The address is req.ip: the socket
 * address, or X-Forwarded-For when TRUST_PROXY says which proxies to believe (otherwise any client
 * could pick its own budget).
 */
export function rateLimit(limiter: Limiter, limit: 'address' | 'issue'): RequestHandler {
  return (req, res, next) => {
    limiter.take(addressKey(req)).then((taken) => next(taken.ok ? undefined : rateLimited(res, taken.retryAfterSeconds, limit)), next);
  };
}
