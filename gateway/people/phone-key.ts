import { createHmac } from 'node:crypto';

/**
 * Keyed hash of the registered phone (canonical 11 digits), so recovery can check that a number
 * typed by the person is the one declared, without the gateway ever storing a phone number.
 */
export function phoneKey(pepper: Buffer, canonicalPhone: string): string {
  return createHmac('sha256', pepper).update(`phone\0${canonicalPhone}`).digest('hex');
}
