import type { RequestHandler } from 'express';
import { GatewayError } from '../errors/gateway-error.js';

/**
 * POLICY_END (issue 19, item 6): the notice calls the health code 疫情防控期间一项临时性政策.
 * From that time on, declarations, modifications, code requests and scans answer 410
 * ERR_POLICY_ENDED (RFC 9110 §15.5.11: gone, and not coming back) before any work, so no new
 * personal data arrives while `subjects -- purge --all` deletes what is held.
 */
export function policyEnd(policyEndIso: string | undefined, now: () => number): RequestHandler[] {
  if (policyEndIso === undefined) return [];
  const end = Date.parse(policyEndIso);
  return [(_req, _res, next) => next(now() >= end ? new GatewayError('ERR_POLICY_ENDED') : undefined)];
}

/** Whether the policy has ended at `now` (the subjects command refuses purge --all before). */
export function policyEnded(policyEndIso: string | undefined, now: number): boolean {
  return policyEndIso !== undefined && now >= Date.parse(policyEndIso);
}
