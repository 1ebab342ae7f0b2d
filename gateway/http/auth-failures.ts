import type { RequestHandler } from 'express';
import type { Limiter } from '../limits/limiter.js';
import { addressKey, rateLimited } from './rate-limit.js';

/**
 * Failed authentications count against the client address (issue 19, item 3): every 401 on a
 * route that takes a token (holder, device, feed, admin) is counted, and once an address has
 * caused AUTH_FAILURE_LIMIT of them in the window, those routes answer it 429 ERR_RATE_LIMITED
 * before any work — no token lookup, no body parsing. Tokens have 256 random bits, so guessing is
 * hopeless anyway; what this bounds is the work an address can make the gateway do for nothing.
 * Successful requests cost nothing here, so a NAT address full of honest phones is not affected.
 */
export function authFailureGuard(limiter: Limiter | undefined): RequestHandler[] {
  if (!limiter) return [];
  return [
    (req, res, next) => {
      const key = addressKey(req);
      limiter.peek(key).then((seen) => {
        if (seen.consumed >= limiter.points) return next(rateLimited(res, seen.retryAfterSeconds, 'auth_failures'));
        res.on('finish', () => {
          if (res.statusCode === 401) void limiter.take(key).catch(() => undefined);
        });
        next();
      }, next);
    },
  ];
}
