import type { RequestHandler } from 'express';
import { deviceOfToken } from '../checkpoint/devices.js';
import { bearerToken } from '../declarations/secrets.js';
import { GatewayError } from '../errors/gateway-error.js';
import type { Store } from '../store/store.js';
import type { Limiter } from '../limits/limiter.js';
import { rateLimited } from './rate-limit.js';

/**
 * Checkpoint scans need `Authorization: Bearer <deviceToken>` (RFC 6750 §2.1) of a registered,
 * unrevoked device, else 401 ERR_DEVICE_UNAUTHORIZED — checked before the body is even parsed.
 * Scans are then rate-limited per device, not per address: many checkpoints can sit behind one
 * NAT address, and one device cannot take more than its budget however many addresses it uses.
 * The budget is shared by every instance on the same Redis or PostgreSQL (limits/limiter.ts).
 */
export function deviceAuth(store: Store, perDevice: Limiter | undefined): RequestHandler {
  return (req, res, next) => {
    const check = async (): Promise<void> => {
      const deviceId = await deviceOfToken(store, bearerToken(req.headers.authorization));
      if (deviceId === undefined) {
        res.setHeader('www-authenticate', 'Bearer realm="checkpoint-devices"');
        return next(new GatewayError('ERR_DEVICE_UNAUTHORIZED'));
      }
      const taken = perDevice ? await perDevice.take(deviceId) : { ok: true as const };
      if (!taken.ok) return next(rateLimited(res, taken.retryAfterSeconds, 'device'));
      res.locals['deviceId'] = deviceId;
      next();
    };
    check().catch(next);
  };
}
