import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import type { IdentityDocument } from '../types/schemas.js';

/**
 * The one piece of personal data a queued declaration must keep until its worker runs: the
 * document the binding is computed from (the store otherwise holds only its keyed hash). It is
 * sealed with AES-256-GCM under a key derived from the pepper (which every gateway process and
 * worker sharing the database already holds), with the subject id as associated data so a sealed
 * document cannot be moved to another job, and it is deleted with the job in the transaction that
 * writes the binding. A database dump alone therefore shows no document number, queued or not.
 *
 *   v1.<iv, 12 bytes>.<ciphertext>.<tag, 16 bytes>   (base64url)
 */
const VERSION = 'v1';

function sealKey(pepper: Buffer): Buffer {
  return createHmac('sha256', pepper).update('declaration-queue\0seal\0v1').digest();
}

export function sealDocument(pepper: Buffer, subjectId: string, document: IdentityDocument): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', sealKey(pepper), iv);
  cipher.setAAD(Buffer.from(subjectId, 'utf8'));
  const body = Buffer.concat([cipher.update(JSON.stringify({ type: document.type, number: document.number }), 'utf8'), cipher.final()]);
  return [VERSION, iv.toString('base64url'), body.toString('base64url'), cipher.getAuthTag().toString('base64url')].join('.');
}

/** The sealed document, or undefined when it cannot be opened (another pepper, a changed row). */
export function openDocument(pepper: Buffer, subjectId: string, sealed: string): IdentityDocument | undefined {
  const [version, iv, body, tag] = sealed.split('.');
  if (version !== VERSION || iv === undefined || body === undefined || tag === undefined) return undefined;
  try {
    const decipher = createDecipheriv('aes-256-gcm', sealKey(pepper), Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(subjectId, 'utf8'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    const text = Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
    return JSON.parse(text) as IdentityDocument;
  } catch {
    return undefined;
  }
}
