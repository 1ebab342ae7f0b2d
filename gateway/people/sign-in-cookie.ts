import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';

/**
 * What a sign-in must remember between the redirect to the identity provider and the person's
 * return — state, nonce and the PKCE verifier (RFC 7636 §4.1) — kept in the person's browser,
 * sealed with AES-256-GCM under a key derived from the pepper, so any instance of the gateway can
 * finish a sign-in another started, and nobody can forge or read one. It lives 10 minutes.
 */
export interface PendingSignIn {
  state: string;
  nonce: string;
  verifier: string;
  expiresAt: number;
}

export const SIGN_IN_COOKIE = 'hc_signin';
export const SIGN_IN_TTL_MS = 10 * 60_000;

function key(pepper: Buffer): Buffer {
  return createHmac('sha256', pepper).update('oidc sign-in cookie').digest();
}

export function seal(pepper: Buffer, pending: PendingSignIn): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key(pepper), iv);
  const sealed = Buffer.concat([cipher.update(JSON.stringify(pending), 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString('base64url');
}

/** The pending sign-in of a cookie value, or undefined when it is absent, forged, garbled or expired. */
export function unseal(pepper: Buffer, value: string | undefined, now: number): PendingSignIn | undefined {
  if (!value || value.length > 2048) return undefined;
  try {
    const raw = Buffer.from(value, 'base64url');
    const decipher = createDecipheriv('aes-256-gcm', key(pepper), raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(12, 28));
    const text = Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
    const pending = JSON.parse(text) as PendingSignIn;
    return typeof pending.expiresAt === 'number' && pending.expiresAt > now ? pending : undefined;
  } catch {
    return undefined;
  }
}

/** The value of one cookie of a Cookie header (RFC 6265 §5.4), without a parser dependency. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return v.join('=');
  }
  return undefined;
}
