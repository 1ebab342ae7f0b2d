import type { RequestHandler } from 'express';
import { bearerToken, hashToken } from '../declarations/secrets.js';
import { GatewayError } from '../errors/gateway-error.js';
import type { Store } from '../store/store.js';
import type { CheckpointDevice } from '../types/schemas.js';

/**
 * GET /v1/checkpoint/device — which device this token is (issue 21, item 5): the checkpoint page
 * checks the token when the officer signs in, not at the first scan, and shows the device's id.
 * Behind deviceAuth (http/device-auth.ts): an unknown or revoked token is 401 before this runs.
 */
export function getCheckpointDevice(store: Store): RequestHandler {
  return async (req, res) => {
    const device = await store.getDeviceByTokenHash(hashToken(bearerToken(req.headers.authorization) ?? ''));
    if (!device || device.revokedAt !== null) throw new GatewayError('ERR_DEVICE_UNAUTHORIZED');
    const body: CheckpointDevice = { deviceId: device.id, registeredAt: new Date(device.createdAt).toISOString() };
    res.setHeader('cache-control', 'no-store');
    res.json(body);
  };
}
