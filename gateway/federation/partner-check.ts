import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { Dispatcher } from 'undici';
import type { Partner } from '../types/schemas.js';
import { fetchPartnerJson, PartnerFetchFailure } from '../partners/fetch-partner-json.js';
import { fetchStatusList, StatusListFetchError } from '../partners/fetch-status-list.js';
import { toVerificationKeys } from '../partners/jwk-filter.js';
import { STATUS_LIST_MAX_BYTES } from '../partners/status-cache.js';
import { jwksEntries } from '../partners/jwks-shape.js';
import { KEY_SKIP_REASONS } from '../partners/key-skip-reasons.js';
import type { VerificationKey } from '../partners/key-source.js';
import { describeSchemaErrors, partnerUriProblem } from '../partners/registry.js';
import { validator } from '../schemas/registry.js';
import { checkSamples } from './partner-check-samples.js';
import { checkTokenStatusList } from './partner-check-token-status.js';
import type { Finding } from './partner-check-finding.js';

/**
 * The self-test of a city that wants to join (npm run partner-check): everything the gateway
 * would do with its partner file, keys, status list and codes, done once, with every problem
 * reported instead of the first one refusing. It uses the gateway's own fetch discipline
 * (fetch-partner-json.ts), key filter (jwk-filter.ts) and verifier, so "ready" here means the
 * gateway will accept the city's codes.
 */
export type { Finding, Severity } from './partner-check-finding.js';

export interface PartnerCheckOptions {
  dispatcher: Dispatcher;
  timeoutMs: number;
  maxBytes: number;
  maxKeys: number;
  allowInsecureLoopback: boolean;
  clockToleranceSeconds: number;
  now: () => number;
}

export interface PartnerCheckResult {
  ready: boolean;
  partner: Pick<Partner, 'id' | 'name' | 'region'> | null;
  checkedAt: string;
  findings: Finding[];
}

/** The gateway's default bound on a code's lifetime (exp − iat) when the partner file sets no maxLifetimeSeconds: 7 days. */
export const DEFAULT_MAX_LIFETIME_SECONDS = 604_800;

function readPartner(path: string, options: PartnerCheckOptions, findings: Finding[]): Partner | null {
  const subject = 'partner file';
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    findings.push({ check: 'partner_file_invalid', severity: 'fail', subject, message: `${basename(path)} is not a readable JSON file (${(error as Error).message}).` });
    return null;
  }
  const validate = validator<Partner>('partner');
  if (!validate(value)) {
    findings.push({ check: 'partner_file_invalid', severity: 'fail', subject, message: `${basename(path)} does not match schemas/partner.schema.json: ${describeSchemaErrors(validate.errors)}.` });
    return null;
  }
  findings.push({ check: 'partner_file', severity: 'ok', subject, message: `${basename(path)} matches the partner schema.` });
  if (basename(path) !== `${value.id}.json`) {
    findings.push({ check: 'file_name', severity: 'warn', subject, message: `In a gateway's PARTNERS_DIR this file must be named ${value.id}.json (on a trust list the name does not matter).` });
  }
  const problem = partnerUriProblem(value, options);
  if (problem) findings.push({ check: 'uri_unsafe', severity: 'fail', subject, message: `${problem}.` });
  if (value.typ === undefined) findings.push({ check: 'typ_not_pinned', severity: 'warn', subject, message: 'The file sets no typ, so the gateway cannot tell your health codes from any other JWS signed with the same key.' });
  if (value.claims.binding === undefined) {
    findings.push({ check: 'binding_unchecked', severity: 'fail', subject, message: 'claims.binding is not set: a checkpoint cannot match your codes to the ID card shown, so they never pass (deny reason binding_missing).' });
  }
  for (const [layout, pointers] of Object.entries(value.claimLayouts?.layouts ?? {})) {
    if (pointers?.binding === undefined) {
      findings.push({ check: 'binding_unchecked', severity: 'fail', subject, message: `claimLayouts.layouts.${layout}.binding is not set: a checkpoint cannot match codes of that layout to the ID card shown, so they never pass (deny reason binding_missing).` });
    }
  }
  return value;
}

async function checkKeys(partner: Partner, options: PartnerCheckOptions, findings: Finding[]): Promise<VerificationKey[]> {
  const subject = `keys ${partner.jwksUri}`;
  let value: unknown;
  try {
    ({ value } = await fetchPartnerJson(partner.jwksUri, 'jwksUri', 'application/json, application/jwk-set+json', options));
  } catch (error) {
    const reason = error instanceof PartnerFetchFailure ? error.reason : 'network';
    const unsafe = reason === 'insecure_uri' || reason === 'address_refused' || reason === 'redirect';
    findings.push({ check: unsafe ? 'uri_unsafe' : 'jwks_unreachable', severity: 'fail', subject, message: `The key set could not be fetched (${error instanceof Error ? error.message : reason}).` });
    return [];
  }
  const count = (value as { keys?: unknown } | null)?.keys;
  if (Array.isArray(count) && count.length > options.maxKeys) {
    findings.push({ check: 'jwks_invalid', severity: 'fail', subject, message: `The key set has ${count.length} keys; the gateway accepts at most ${options.maxKeys}.` });
    return [];
  }
  const entries = jwksEntries(value);
  if (typeof entries === 'string') {
    findings.push({ check: 'jwks_invalid', severity: 'fail', subject, message: `The key set is not a public JWK Set: ${entries}.` });
    return [];
  }
  const { keys, skipped } = await toVerificationKeys(entries, partner.algorithms);
  for (const s of skipped) {
    const which = s.kid === null ? `#${s.index} (no kid)` : `"${s.kid}"`;
    findings.push({ check: 'key_unusable', severity: 'fail', subject, message: `Key ${which} is skipped by the gateway (${s.reason}): ${KEY_SKIP_REASONS[s.reason]}` });
  }
  const usable = [...new Set(keys.map((k) => k.kid))];
  if (usable.length === 0) {
    findings.push({ check: 'no_usable_key', severity: 'fail', subject, message: `None of the ${entries.length} published keys can verify ${partner.algorithms.join(', ')}.` });
    return keys;
  }
  findings.push({ check: 'keys', severity: 'ok', subject, message: `${usable.length} usable key(s): ${usable.map((k) => k ?? '(no kid)').join(', ')}.` });
  for (const k of keys) {
    if (k.kid !== null && usable.includes(k.kid) && k.jwk.alg === undefined) {
      findings.push({ check: 'key_alg_unbound', severity: 'warn', subject, message: `Key "${k.kid}" has no alg member: name the one algorithm it signs with (RFC 8725 §3.1).` });
    }
  }
  const unused = partner.algorithms.filter((a) => !keys.some((k) => k.alg === a));
  if (unused.length > 0) findings.push({ check: 'alg_unused', severity: 'warn', subject, message: `The file allows ${unused.join(', ')} but no published key can verify it: list only the algorithms you sign with.` });
  return keys;
}

async function checkStatusList(partner: Partner, options: PartnerCheckOptions, findings: Finding[]): Promise<void> {
  // A Token Status List alone (statusListUri) is a status list too (checked by checkTokenStatusList).
  if (partner.statusUri === undefined && partner.statusListUri !== undefined) return;
  if (partner.statusUri === undefined) {
    findings.push({ check: 'no_status_list', severity: 'warn', subject: 'status list', message: 'No statusUri: a code you withdraw or replace stays valid at our checkpoints until its exp.' });
    return;
  }
  const subject = `status list ${partner.statusUri}`;
  try {
    const { list } = await fetchStatusList(partner, { ...options, maxBytes: STATUS_LIST_MAX_BYTES });
    findings.push({ check: 'status_list', severity: 'ok', subject, message: `Reachable, ${list.entries.length} entries.` });
  } catch (error) {
    const reason = error instanceof StatusListFetchError ? error.reason : 'network';
    const check = reason === 'insecure_uri' || reason === 'address_refused' || reason === 'redirect' ? 'uri_unsafe'
      : reason === 'invalid_list' || reason === 'issuer_mismatch' || reason === 'not_json' ? 'status_list_invalid' : 'status_list_unreachable';
    findings.push({ check, severity: 'fail', subject, message: `The status list could not be used (${error instanceof Error ? error.message : reason}).` });
  }
}

/** Runs every check; `codes` are sample codes as a checkpoint would scan them (JWS or QR text). */
export async function checkPartner(path: string, codes: readonly string[], options: PartnerCheckOptions): Promise<PartnerCheckResult> {
  const findings: Finding[] = [];
  const partner = readPartner(path, options, findings);
  if (partner) {
    const safe = !findings.some((f) => f.check === 'uri_unsafe');
    const keys = safe ? await checkKeys(partner, options, findings) : [];
    if (safe) await checkStatusList(partner, options, findings);
    const tokenStatusList = safe ? await checkTokenStatusList(partner, keys, options, findings) : null;
    const maxLifetime = (partner as { maxLifetimeSeconds?: number }).maxLifetimeSeconds ?? DEFAULT_MAX_LIFETIME_SECONDS;
    findings.push(...(await checkSamples(partner, keys, codes, { ...options, maxLifetimeSeconds: maxLifetime, tokenStatusList })));
  }
  return {
    ready: !findings.some((f) => f.severity === 'fail'),
    partner: partner ? { id: partner.id, name: partner.name, region: partner.region } : null,
    checkedAt: new Date(options.now()).toISOString(),
    findings,
  };
}
