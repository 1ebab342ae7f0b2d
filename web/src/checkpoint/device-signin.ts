import { api, type ApiError } from '../shared/api.js';

/** The device's id as the gateway named it at sign-in (not personal: the operator's name for the device). */
export const DEVICE_ID = 'hc.deviceId';

/**
 * Signs in: the token is checked with GET /v1/checkpoint/device before it is kept, so a mistyped
 * or withdrawn code is told at once, not at the first person's scan. No answer (network) is an
 * error too: without the gateway the token cannot be known good.
 */
export async function checkDevice(token: string): Promise<{ deviceId: string } | { error: ApiError }> {
  const answer = await api<{ deviceId: string }>('GET', '/v1/checkpoint/device', { token, timeoutMs: 10_000 });
  if (answer.body) return { deviceId: answer.body.deviceId };
  return { error: answer.error ?? { code: 'NETWORK', message: '', status: answer.status } };
}
