import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { normalizeDocumentNumber } from '../identity/documents.js';
import type { IdentityDocument } from '../types/schemas.js';

/** Opaque subject ids: random, never derived from the document (so they reveal nothing). */
export function newSubjectId(): string {
  return `sub_${randomBytes(16).toString('base64url')}`;
}

/** Whether a string from a URL can be a subject id at all (checked before it reaches a query). */
export function isSubjectId(value: string): boolean {
  return /^sub_[A-Za-z0-9_-]{22}$/.test(value);
}

/** Holder tokens: 256 random bits, shown once; only their SHA-256 is stored. */
export function newHolderToken(): string {
  return `hct_${randomBytes(32).toString('base64url')}`;
}

/** A plain hash suffices: the token has 256 bits of entropy, so there is nothing to guess. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Keyed so that the database alone cannot be searched for a known document number. */
export function documentKey(pepper: Buffer, document: IdentityDocument): string {
  return createHmac('sha256', pepper).update(`doc\0${document.type}:${normalizeDocumentNumber(document.number)}`).digest('hex');
}

/** Proof that a second proxy knows the person: name and phone, keyed like the document. */
export function identityKey(pepper: Buffer, name: string, canonicalPhone: string): string {
  return createHmac('sha256', pepper).update(`id\0${name.trim().normalize('NFC')}\0${canonicalPhone}`).digest('hex');
}

/** Compares secrets in constant time, whatever their lengths (hashing first equalises them). */
export function safeEqual(a: string, b: string): boolean {
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}

/** The token of an `Authorization: Bearer <token>` header, or undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const match = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/.exec(header.trim());
  return match?.[1];
}

/** The calendar day in Asia/Shanghai (UTC+8, no daylight saving) — the notice's "每天" (Q7). */
export function shanghaiDay(now: number): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
}
