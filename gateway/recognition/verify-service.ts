import { isGatewayError } from '../errors/gateway-error.js';
import { checkOwnCode } from '../declarations/own-code-status.js';
import type { IssuerDeps } from '../declarations/code-issuer.js';
import type { Partner } from '../types/schemas.js';
import type { Verifier, VerifyOutcome } from '../verify/verify-code.js';

/** Partners' published status lists (partners/status-cache.ts). */
export interface PartnerStatusCheck {
  /** Throws a GatewayError when `partner`'s list names `jti` or cannot be had; resolves otherwise. */
  check(partner: Partner, jti: string): Promise<void>;
}

export interface VerifyServiceDeps {
  verifier: Verifier;
  /** The gateway's own partner id: its codes are also checked against its own records. */
  selfPartnerId: string;
  issuer: IssuerDeps;
  /** Other partners' codes are checked against their status lists when they publish one. */
  partnerStatus?: PartnerStatusCheck;
  /** …and against their IETF Token Status Lists (partners/token-status-cache.ts), by the code's own status claim. */
  partnerTokenStatus?: { check(partner: Partner, payload: Record<string, unknown>): Promise<void> };
}

/**
 * One path for every code (跨域互认): partners' codes and Xinji's own are verified the same way;
 * then a Xinji code must be neither superseded nor revoked in Xinji's records, and a partner's
 * code must not be named in the partner's published status list. Both run only after the
 * signature verified, so an unknown, suspended or forged issuer causes no status fetch.
 */
export function createVerifyService(deps: VerifyServiceDeps): (code: string) => Promise<VerifyOutcome> {
  const { metrics } = deps.issuer;
  return async (code) => {
    const start = process.hrtime.bigint();
    let outcome = await deps.verifier(code);
    if (outcome.valid) {
      const { partner, jti } = outcome;
      try {
        if (partner.id === deps.selfPartnerId) {
          const subject = await checkOwnCode(deps.issuer, jti);
          outcome = { ...outcome, own: { documentKey: subject.documentKey, binding: subject.binding } };
        } else {
          await deps.partnerStatus?.check(partner, jti);
          await deps.partnerTokenStatus?.check(partner, outcome.payload);
        }
      } catch (error) {
        if (!isGatewayError(error) || !error.expose) throw error;
        outcome = { valid: false, error, partnerId: partner.id };
      }
    }
    // Partner ids come from the registry (a bounded set); an unregistered iss is "unknown".
    const partner = outcome.valid ? outcome.partner.id : (outcome.partnerId ?? 'unknown');
    metrics.verifications.inc({ partner, result: outcome.valid ? 'valid' : outcome.error.code });
    metrics.verificationDuration.observe({ partner }, Number(process.hrtime.bigint() - start) / 1e9);
    return outcome;
  };
}
