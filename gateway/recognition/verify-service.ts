import { isGatewayError } from '../errors/gateway-error.js';
import { checkOwnCode } from '../declarations/own-code-status.js';
import type { IssuerDeps } from '../declarations/code-issuer.js';
import type { Verifier, VerifyOutcome } from '../verify/verify-code.js';

export interface VerifyServiceDeps {
  verifier: Verifier;
  /** The gateway's own partner id: its codes are also checked against its own records. */
  selfPartnerId: string;
  issuer: IssuerDeps;
}

/**
 * One path for every code (跨域互认): partners' codes and Xinji's own are verified the same way;
 * a Xinji code must then also be neither superseded nor revoked in Xinji's records.
 */
export function createVerifyService(deps: VerifyServiceDeps): (code: string) => Promise<VerifyOutcome> {
  const { metrics } = deps.issuer;
  return async (code) => {
    let outcome = await deps.verifier(code);
    if (outcome.valid && outcome.partner.id === deps.selfPartnerId) {
      try {
        await checkOwnCode(deps.issuer, outcome.jti);
      } catch (error) {
        if (!isGatewayError(error) || !error.expose) throw error;
        outcome = { valid: false, error, partnerId: deps.selfPartnerId };
      }
    }
    // Partner ids come from the registry (a bounded set); an unregistered iss is "unknown".
    const partner = outcome.valid ? outcome.partner.id : (outcome.partnerId ?? 'unknown');
    metrics.verifications.inc({ partner, result: outcome.valid ? 'valid' : outcome.error.code });
    return outcome;
  };
}
