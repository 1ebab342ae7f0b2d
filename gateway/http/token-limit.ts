import type { RequestHandler } from 'express';
import { bearerToken, hashToken } from '../declarations/secrets.js';
import type { Limiter } from '../limits/limiter.js';
import { rateLimited } from './rate-limit.js';

/**
 * A limit per holder token (issue 19, item 1): one token sending modifications from many
 * addresses, or many streams from one, gets MODIFY_RATE_LIMIT_POINTS per window and then 429
 * before its body is read or any scrypt runs. Keyed by the token's SHA-256, never the token.
 * A request without a token passes on to its 401.
 */
export function perTokenLimit(limiter: Limiter | undefined): RequestHandler[] {
  if (!limiter) return [];
  return [
    (req, res, next) => {
      const token = bearerToken(req.headers.authorization);
      if (token === undefined) return next();
      limiter.take(hashToken(token)).then((taken) => next(taken.ok ? undefined : rateLimited(res, taken.retryAfterSeconds, 'token')), next);
    },
  ];
}
