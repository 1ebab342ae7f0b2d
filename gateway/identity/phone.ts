import { GatewayError } from '../errors/gateway-error.js';

/**
 * Mainland mobile numbers only: 1[3-9] + 9 digits, optionally prefixed +86 / 0086. The notice
 * (Q10) says foreign numbers are not supported; they get their own code so the client can say so.
 * Returns the number in canonical 11-digit form.
 */
export function validatePhone(phone: string, field: string): string {
  const compact = phone.replace(/[\s-]/g, '');
  const national = compact.replace(/^(\+86|0086)/, '');
  if (/^1[3-9]\d{9}$/.test(national)) return national;
  if (!/^(\+86|0086)/.test(compact) && /^(\+|00)\d{6,15}$/.test(compact)) {
    throw new GatewayError('ERR_PHONE_FOREIGN', `${field}: foreign mobile numbers are not supported; use a mainland number.`, { field });
  }
  throw new GatewayError('ERR_PHONE_INVALID', `${field} must be a mainland mobile number (11 digits starting 13–19).`, { field });
}
