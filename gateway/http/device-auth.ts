import type { RequestHandler } from 'express';
import { deviceOfToken } from '../checkpoint/devices.js';
import { bearerToken } from '../declarations/secrets.js';
import { GatewayError } from '../errors/gateway-error.js';
import type { Store } from '../store/store.js';
import type { TokenBuckets } from './rate-limit.js';

/**
 * Checkpoint scans need `Authorization: Bearer <deviceToken>` (RFC 6750 §2.1) of a registered,
 * unrevoked device, else 401 ERR_DEVICE_UNAUTHORIZED — checked before the body is even parsed.
 * Scans are then rate-limited per device, not per address: many checkpoints can sit behind one
 * NAT address, and one device cannot take more than its bucket however many addresses it uses.
 */
export function deviceAuth(store: Store, buckets: TokenBuckets | undefined): RequestHandler {
  return (req, res, next) => {
    deviceOfToken(store, bearerToken(req.headers.authorization)).then((deviceId) => {
      if (deviceId === undefined) {
        res.setHeader('www-authenticate', 'Bearer realm="checkpoint-devices"');
        return next(new GatewayError('ERR_DEVICE_UNAUTHORIZED'));
      }
      const taken = buckets?.take(`device:${deviceId}`) ?? { ok: true };
      if (!taken.ok) {
        res.setHeader('retry-after', String(taken.retryAfterSeconds));
        return next(new GatewayError('ERR_RATE_LIMITED'));
      }
      res.locals['deviceId'] = deviceId;
      next();
    }, next);
  };
}
