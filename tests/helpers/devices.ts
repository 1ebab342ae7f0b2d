import { addDevice } from '../../gateway/checkpoint/devices.js';
import type { Store } from '../../gateway/store/store.js';

/**
 * Checkpoint scans need a registered device (POST /v1/checkpoint/scans, Authorization: Bearer
 * <deviceToken>). registerDevice adds one to the gateway's store, as `npm run devices -- add` does,
 * and returns its token.
 */
let registered = 0;

export async function registerDevice(gw: { deps: { store: Store; now: () => number } }, id = `test-device-${++registered}`): Promise<string> {
  const token = await addDevice(gw.deps.store, id, gw.deps.now());
  if (token === undefined) throw new Error(`device ${id} exists already`);
  return token;
}

/** The Authorization header of a device token. */
export const asDevice = (token: string): { authorization: string } => ({ authorization: `Bearer ${token}` });
