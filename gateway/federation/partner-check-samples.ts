import { GatewayError, isGatewayError } from '../errors/gateway-error.js';
import { isCheckableBinding } from '../identity/binding.js';
import type { KeySource, VerificationKey } from '../partners/key-source.js';
import { findKey } from '../partners/key-lookup.js';
import type { Partner } from '../types/schemas.js';
import { claimPointersFor } from '../verify/claim-layout.js';
import { mapColor, selectColorMap } from '../verify/color-map.js';
import { decodeCode } from '../verify/decode-qr.js';
import { checkHeader } from '../verify/jws-header.js';
import { verifySignature } from '../verify/jws-signature.js';
import { resolvePointer } from '../verify/json-pointer.js';
import { decodePayload, parseCompact } from '../verify/parse-compact.js';
import { createVerifier } from '../verify/verify-code.js';
import type { AcceptedStatusList } from '../verify/status-list-token.js';
import { checkStatusReference } from '../verify/token-status-list.js';
import type { Finding } from './partner-check-finding.js';

export interface SampleCheckOptions {
  now: () => number;
  clockToleranceSeconds: number;
  maxLifetimeSeconds: number;
  /** The city's Token Status List as the check took it: each accepted sample is looked up in it. */
  tokenStatusList?: AcceptedStatusList | null;
}

type Fail = (check: string, message: string) => void;

/** The keys the check fetched, as the verifier's key source: no second fetch. */
export function fixedKeys(keys: readonly VerificationKey[]): KeySource {
  return {
    getKey: async (_partner, kid, alg) => {
      const found = findKey(keys, kid, alg);
      if (found === 'unknown') throw new GatewayError('ERR_KID_UNKNOWN');
      return found;
    },
    status: () => ({ keyCount: keys.length, lastFetchAt: null, lastErrorCode: null }),
    close: async () => {},
  };
}

function headerFinding(error: unknown): [string, string] {
  const code = isGatewayError(error) ? error.code : 'ERR_JWS_HEADER_INVALID';
  const message = error instanceof Error ? error.message : 'The JWS header is not acceptable.';
  if (code === 'ERR_JWS_ALG_NOT_ALLOWED') return ['alg_not_pinned', 'It is signed with an algorithm the partner file does not list in algorithms.'];
  if (/typ/.test(message)) return ['typ_mismatch', 'Its JWS typ header is not the typ the partner file names (nor one of its typAliases).'];
  return ['sample_malformed', message];
}

/** Why the gateway would refuse one sample, every reason at once; nothing means it would accept it. */
async function diagnose(partner: Partner, keys: readonly VerificationKey[], code: string, options: SampleCheckOptions, fail: Fail, warn: Fail): Promise<void> {
  let parsed;
  let payload: Record<string, unknown>;
  try {
    parsed = parseCompact(decodeCode(code));
    payload = decodePayload(parsed);
  } catch (error) {
    return fail('sample_malformed', error instanceof Error ? error.message : 'Not a compact JWS.');
  }
  if (payload['iss'] !== partner.issuer) fail('issuer_mismatch', `Its iss is not "${partner.issuer}", the issuer the partner file names.`);
  try {
    const { alg, kid } = checkHeader(parsed.header, partner);
    const key = findKey(keys, kid, alg);
    if (keys.length === 0) warn('signature_unchecked', 'Its signature was not checked: no usable key could be had (see the keys above).');
    else if (key === 'unknown') fail('kid_unknown', kid === undefined ? 'Its header has no kid, and no single usable published key fits its algorithm.' : `It is signed with kid "${kid.slice(0, 64)}", which is not among the usable published keys.`);
    else await verifySignature(parsed, alg, key.key).catch(() => fail('signature_invalid', `Its signature does not verify with published key "${(kid ?? key.kid ?? '(no kid)').slice(0, 64)}".`));
  } catch (error) {
    fail(...headerFinding(error));
  }
  const nowSeconds = options.now() / 1000;
  const iat = payload['iat'];
  const exp = payload['exp'];
  if (typeof iat !== 'number' || typeof exp !== 'number') return fail('claims_invalid', 'It needs numeric iat and exp claims (RFC 7519 §4.1).');
  if (typeof payload['jti'] !== 'string') fail('claims_invalid', 'It needs a jti claim: the status list names codes by it.');
  const ahead = Math.round(iat - nowSeconds);
  if (ahead > options.clockToleranceSeconds) {
    fail('iat_skew', `Its iat is ${ahead} s ahead of this machine's clock; the gateway allows ${options.clockToleranceSeconds} s. Check the issuing servers' NTP.`);
  }
  if (exp - iat > options.maxLifetimeSeconds) fail('lifetime_too_long', `It is valid for ${Math.round(exp - iat)} s (exp − iat); the bound is ${options.maxLifetimeSeconds} s.`);
  if (exp + options.clockToleranceSeconds <= nowSeconds) fail('sample_expired', 'It has expired: issue fresh sample codes just before running the check.');
  // The pointers of the code's own claim layout (claimLayouts), else claims.
  let pointers: Partner['claims'];
  let pointerPath = 'claims';
  try {
    pointers = claimPointersFor(partner, payload);
    const layout = partner.claimLayouts ? resolvePointer(payload, partner.claimLayouts.pointer) : undefined;
    if (layout !== undefined) pointerPath = `claimLayouts.layouts.${String(layout)}`;
  } catch {
    return fail('claim_missing', `Its claim layout at ${partner.claimLayouts?.pointer} is none of the file's claimLayouts.layouts (${Object.keys(partner.claimLayouts?.layouts ?? {}).join(', ')}).`);
  }
  for (const [name, pointer] of Object.entries(pointers)) {
    if (resolvePointer(payload, pointer) === undefined) fail('claim_missing', `${pointerPath}.${name} points at ${pointer}, which is not in the payload.`);
  }
  const value = resolvePointer(payload, pointers.color);
  if (value !== undefined) {
    const map = selectColorMap(partner, iat);
    if (!mapColor(map, value)) fail('color_unmapped', `Its colour value ${JSON.stringify(value).slice(0, 64)} is not in colorMap version ${map.version}; an unmapped colour is never green.`);
  }
  if (pointers.binding !== undefined) {
    const binding = resolvePointer(payload, pointers.binding);
    if (binding !== undefined && !isCheckableBinding(binding)) fail('binding_unchecked', `Its binding at ${pointers.binding} is not in a format the gateway can check (s2 or s1.<logN>.<salt>.<hash>), so a checkpoint cannot match it to an ID card.`);
  }
}

/**
 * Whether the sample's status claim names the city's Token Status List at a VALID index, as the
 * gateway's status check (token-status-cache.ts) would find it; a failure is reported.
 */
function statusFound(code: string, list: AcceptedStatusList, fail: Fail): boolean {
  try {
    checkStatusReference(decodePayload(parseCompact(decodeCode(code))), list.uri, list.list);
    return true;
  } catch (error) {
    if (isGatewayError(error) && error.code === 'ERR_CREDENTIAL_REVOKED') fail('sample_withdrawn', 'Its index in your Token Status List is not VALID: the gateway refuses it as withdrawn. Issue fresh samples, or check how your list is built.');
    else fail('status_reference_invalid', `Its status claim does not point into your Token Status List (${error instanceof Error ? error.message : 'refused'}): the gateway refuses every such code.`);
    return false;
  }
}

/** One finding per problem per sample, then one "accepted" line for each sample the gateway's verifier accepts. */
export async function checkSamples(partner: Partner, keys: readonly VerificationKey[], codes: readonly string[], options: SampleCheckOptions): Promise<Finding[]> {
  const findings: Finding[] = [];
  if (codes.length === 0) {
    findings.push({ check: 'no_samples', severity: 'fail', subject: 'samples', message: 'No sample codes were given (--codes): claim layout, colours, binding, clock and lifetimes are unchecked.' });
    return findings;
  }
  const registry = { byIssuer: (iss: string) => (iss === partner.issuer ? partner : undefined) };
  const verify = createVerifier({ registry, keySource: fixedKeys(keys), now: options.now, clockToleranceSeconds: options.clockToleranceSeconds });
  for (const [i, code] of codes.entries()) {
    const subject = `sample ${i + 1}`;
    const before = findings.length;
    const report = (severity: 'fail' | 'warn'): Fail => (check, message) => findings.push({ check, severity, subject, message });
    await diagnose(partner, keys, code, options, report('fail'), report('warn'));
    // The verifier's verdict needs keys, and would only repeat a problem named above.
    if (findings.length > before) continue;
    const outcome = await verify(code);
    if (outcome.valid && options.tokenStatusList && !statusFound(code, options.tokenStatusList, report('fail'))) continue;
    if (outcome.valid) {
      const { color, advisory } = outcome.credential;
      findings.push({ check: 'sample', severity: 'ok', subject, message: `Accepted by the gateway's verifier: ${color}${advisory ? ' (advisory: never passes)' : ''}.` });
    } else {
      findings.push({ check: 'sample_refused', severity: 'fail', subject, message: `Refused by the gateway's verifier: ${outcome.error.code} — ${outcome.error.message}` });
    }
  }
  return findings;
}
