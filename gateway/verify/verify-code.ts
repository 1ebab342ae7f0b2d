import { GatewayError, isGatewayError } from '../errors/gateway-error.js';
import type { KeySource } from '../partners/key-source.js';
import type { NormalizedCredential, Partner } from '../types/schemas.js';
import { checkTimeClaims } from './claims.js';
import { decodeCode } from './decode-qr.js';
import { checkHeader } from './jws-header.js';
import { verifySignature, type SignatureCheck } from './jws-signature.js';
import { normalizeCredential } from './normalize.js';
import { decodePayload, parseCompact } from './parse-compact.js';
import type { VerifiedCache } from './verified-cache.js';

/** What the gateway holds about its own code's subject (recognition/verify-service.ts fills it in; checkpoint/document-check.ts compares with it). */
export interface OwnSubjectBinding {
  documentKey: string;
  binding: string;
}

/**
 * Verification of a code scanned at a checkpoint or posted by a partner, in the order RFC 8725
 * asks for: strict parsing first, then the issuer named by the (still unverified) iss selects the
 * rules and the keys — keys belong to their issuer, so a token cannot borrow another issuer's key
 * — then the signature, then the claims, then normalisation.
 *
 * verify() never throws for anything a client sends: each refusal is { valid: false, error }.
 * Only a fault of the gateway itself (a KeySource throwing something that is not a GatewayError,
 * a bug) is thrown, for the route to answer 500.
 */
export type VerifyOutcome =
  | {
      valid: true; credential: NormalizedCredential; partner: Partner; binding?: string; jti: string; payload: Record<string, unknown>;
      /** Xinji's own codes: what the gateway holds about the subject (added by verify-service.ts, never cached). */
      own?: OwnSubjectBinding;
    }
  | { valid: false; error: GatewayError; /** The registered partner the code named, once known. */ partnerId?: string };

export interface VerifierDeps {
  registry: { byIssuer(iss: string): Partner | undefined };
  keySource: KeySource;
  now: () => number;
  clockToleranceSeconds: number;
  /** Results of codes verified moments ago, re-checked on every hit (verified-cache.ts). */
  cache?: VerifiedCache<ValidOutcome> | undefined;
  /** The signature check (default WebCrypto, jws-signature.ts; the gateway passes node:crypto's, jws-signature-node.ts). */
  verifySignature?: SignatureCheck | undefined;
}

export type ValidOutcome = Extract<VerifyOutcome, { valid: true }>;

export type Verifier = (code: string) => Promise<VerifyOutcome>;

const MAX_ISS_CHARS = 512; // partner.schema.json: issuer maxLength

/**
 * Written as two literals, not `{ ...base, binding }`: V8 gives spread copies made in a hot loop
 * a hidden class each, and the verified-result cache keeps up to VERIFY_CACHE_MAX_ENTRIES of them
 * (a heap snapshot of a soak showed 10 000 one-off maps).
 */
function validOutcome(credential: NormalizedCredential, partner: Partner, jti: string, payload: Record<string, unknown>, binding: string | undefined): ValidOutcome {
  return binding === undefined ? { valid: true, credential, partner, jti, payload } : { valid: true, credential, partner, jti, payload, binding };
}

export function createVerifier(deps: VerifierDeps): Verifier {
  const { cache } = deps;
  const checkSignature = deps.verifySignature ?? verifySignature;
  const timeClaims = (payload: Record<string, unknown>, partner: Partner, pass: boolean) =>
    checkTimeClaims(payload, deps.now(), deps.clockToleranceSeconds, pass ? partner.pass?.maxLifetimeSeconds : partner.maxLifetimeSeconds);

  async function run(jws: string, named: { partnerId?: string }): Promise<ValidOutcome> {
    const parsed = parseCompact(jws);
    const payload = decodePayload(parsed);

    const iss = payload['iss'];
    if (typeof iss !== 'string' || iss.length === 0 || iss.length > MAX_ISS_CHARS) {
      throw new GatewayError('ERR_CLAIMS_INVALID', 'The code has no iss claim.');
    }
    const partner = deps.registry.byIssuer(iss);
    // No key is fetched for an issuer we do not know or have suspended: a hostile iss must not
    // make the gateway reach out anywhere.
    if (!partner || partner.issuer !== iss) throw new GatewayError('ERR_ISSUER_UNKNOWN');
    named.partnerId = partner.id;
    if (partner.status !== 'active') throw new GatewayError('ERR_ISSUER_SUSPENDED');

    // A printed 通行证 has the typ its issuer registered for passes (issuer/sign-pass.ts), its own
    // lifetime bound and no colour. Without a status list nobody could learn that its holder
    // stopped being green, so a pass of an issuer that publishes none is refused (fail closed).
    const pass = partner.pass !== undefined && parsed.header['typ'] === partner.pass.typ;
    if (pass && partner.statusUri === undefined && partner.statusListUri === undefined) throw new GatewayError('ERR_PASS_UNVERIFIABLE');
    const { alg, kid } = checkHeader(parsed.header, pass ? { algorithms: partner.algorithms, typ: partner.pass!.typ, zip: partner.zip } : partner);
    const key = await deps.keySource.getKey(partner, kid, alg);
    await checkSignature(parsed, alg, key.key, key.jwk);

    const claims = timeClaims(payload, partner, pass);
    const { credential, binding } = normalizeCredential(partner, payload, claims, pass ? 'pass' : 'code');
    const outcome = validOutcome(credential, partner, claims.jti, payload, binding);
    cache?.set(jws, { outcome, partner, key, kid, alg });
    return outcome;
  }

  /**
   * A cached result, if everything it rested on still holds now: same registry entry, active,
   * the key source still trusting the very key that verified it, and the time claims valid at the
   * current time. Anything else (including a key source that now throws) is a miss, and the full
   * verification says what is true.
   */
  async function fromCache(jws: string): Promise<VerifyOutcome | undefined> {
    const entry = cache?.get(jws);
    if (!entry) return undefined;
    const { outcome, partner } = entry;
    try {
      if (deps.registry.byIssuer(partner.issuer) !== partner || partner.status !== 'active') throw new Error('partner changed');
      if ((await deps.keySource.getKey(partner, entry.kid, entry.alg)) !== entry.key) throw new Error('key changed');
      timeClaims(outcome.payload, partner, outcome.credential.kind === 'pass');
    } catch {
      cache!.delete(jws);
      return undefined;
    }
    // A copy, so a caller cannot change the cached result.
    return validOutcome(outcome.credential, outcome.partner, outcome.jti, outcome.payload, outcome.binding);
  }

  return async function verify(code: string): Promise<VerifyOutcome> {
    const named: { partnerId?: string } = {};
    try {
      const jws = decodeCode(code);
      return (cache && (await fromCache(jws))) || (await run(jws, named));
    } catch (error) {
      if (isGatewayError(error) && error.status < 500) return { valid: false, error, ...named };
      throw error;
    }
  };
}
