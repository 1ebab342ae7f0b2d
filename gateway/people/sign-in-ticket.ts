import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';

/**
 * What a sign-in proves when the verified document has no record yet (never declared, or released
 * at a counter): the person may declare that document, with that name, within 10 minutes. Sealed
 * (AES-256-GCM, a key derived from the pepper) so it names the document only as its keyed hash and
 * cannot be forged or read; the claims themselves are never stored.
 */
export const TICKET_TTL_MS = 10 * 60_000;

interface Ticket {
  documentKey: string;
  nameMasked: string;
  expiresAt: number;
}

function key(pepper: Buffer): Buffer {
  return createHmac('sha256', pepper).update('oidc declare ticket').digest();
}

export function sealTicket(pepper: Buffer, ticket: Ticket): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key(pepper), iv);
  const sealed = Buffer.concat([cipher.update(JSON.stringify(ticket), 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString('base64url');
}

/** Whether `value` is an unexpired ticket for this document key and masked name. */
export function ticketAdmits(pepper: Buffer, value: string | undefined, documentKey: string, nameMasked: string, now: number): boolean {
  if (!value) return false;
  try {
    const raw = Buffer.from(value, 'base64url');
    const decipher = createDecipheriv('aes-256-gcm', key(pepper), raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(12, 28));
    const ticket = JSON.parse(Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8')) as Ticket;
    return ticket.documentKey === documentKey && ticket.nameMasked === nameMasked && ticket.expiresAt > now;
  } catch {
    return false;
  }
}
