import { randomBytes } from 'node:crypto';
import { hashToken } from '../declarations/secrets.js';
import type { DeviceRecord, Store } from '../store/store.js';

/**
 * Checkpoint devices: the scanners that may POST /v1/checkpoint/scans. Each has an operator-chosen
 * id and a bearer token of 256 random bits, shown once by `npm run devices -- add <id>`; only its
 * SHA-256 is stored (hashToken: with that much entropy there is nothing to guess, so no slow hash
 * is needed). Every scan looks its token up in the database, so a revocation takes effect at once
 * on every gateway instance sharing that database.
 */
export const DEVICE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export function newDeviceToken(): string {
  return `dvt_${randomBytes(32).toString('base64url')}`;
}

/** Registers a device and returns its token, or undefined when the id is taken (revoked ids too: never reused). */
export async function addDevice(store: Store, id: string, now: number): Promise<string | undefined> {
  if (!DEVICE_ID.test(id)) throw new RangeError('a device id is 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit');
  const token = newDeviceToken();
  const device: DeviceRecord = { id, tokenHash: hashToken(token), createdAt: now, revokedAt: null };
  return (await store.insertDevice(device)) ? token : undefined;
}

/** The id of the unrevoked device holding `token`, or undefined. */
export async function deviceOfToken(store: Store, token: string | undefined): Promise<string | undefined> {
  if (token === undefined) return undefined;
  const device = await store.getDeviceByTokenHash(hashToken(token));
  return device && device.revokedAt === null ? device.id : undefined;
}
