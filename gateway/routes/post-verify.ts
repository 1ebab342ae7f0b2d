import type { RequestHandler } from 'express';
import { assertValid } from '../schemas/registry.js';
import type { VerifyOutcome } from '../verify/verify-code.js';
import type { VerifyRequest, VerifyResult } from '../types/schemas.js';

/**
 * POST /v1/verify — 200 { valid: true, credential } or 200 { valid: false, error }: a refused code
 * is an answer, not a failed request. Only a body without a string `code` is a 400.
 */
export function postVerify(verify: (code: string) => Promise<VerifyOutcome>): RequestHandler {
  return async (req, res) => {
    const { code } = assertValid<VerifyRequest>('verify-request', req.body);
    const outcome = await verify(code);
    const result: VerifyResult = outcome.valid
      ? { valid: true, credential: outcome.credential }
      : { valid: false, error: outcome.error.toJSON() };
    res.setHeader('cache-control', 'no-store');
    res.json(result);
  };
}
