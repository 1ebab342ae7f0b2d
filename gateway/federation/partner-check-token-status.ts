import type { Dispatcher } from 'undici';
import type { Partner } from '../types/schemas.js';
import { fetchPartnerBytes, PartnerFetchFailure } from '../partners/fetch-partner-json.js';
import type { VerificationKey } from '../partners/key-source.js';
import { STATUS_LIST_MAX_BYTES } from '../partners/status-cache.js';
import { acceptStatusListToken, type AcceptedStatusList } from '../verify/status-list-token.js';
import { getStatus, STATUS_LIST_MEDIA_TYPE, STATUS_VALID, statusCount } from '../verify/token-status-list.js';
import type { Finding } from './partner-check-finding.js';
import { fixedKeys } from './partner-check-samples.js';

export interface TokenStatusCheckOptions {
  dispatcher: Dispatcher;
  timeoutMs: number;
  allowInsecureLoopback: boolean;
  clockToleranceSeconds: number;
  now: () => number;
}

/**
 * partner-check's reading of a city's IETF Token Status List (partner file `statusListUri`), as
 * the gateway reads it (token-status-cache.ts): the same safe transport and 4 MiB cap, then
 * acceptStatusListToken — typ statuslist+jwt, signed by one of the keys the check just fetched,
 * sub equal to the URI, not expired (draft-ietf-oauth-status-list §5.1, §8.3). The list taken is
 * returned so the samples can be looked up in it; null when there is none or it is refused.
 */
export async function checkTokenStatusList(partner: Partner, keys: readonly VerificationKey[], options: TokenStatusCheckOptions, findings: Finding[]): Promise<AcceptedStatusList | null> {
  const uri = partner.statusListUri;
  if (uri === undefined) return null;
  const subject = `token status list ${uri}`;
  const fail = (check: string, message: string): null => {
    findings.push({ check, severity: 'fail', subject, message });
    return null;
  };
  let bytes: Buffer;
  try {
    ({ bytes } = await fetchPartnerBytes(uri, 'statusListUri', STATUS_LIST_MEDIA_TYPE, { ...options, maxBytes: STATUS_LIST_MAX_BYTES }));
  } catch (error) {
    const reason = error instanceof PartnerFetchFailure ? error.reason : 'network';
    const unsafe = reason === 'insecure_uri' || reason === 'address_refused' || reason === 'redirect';
    return fail(unsafe ? 'uri_unsafe' : 'token_status_list_unreachable', `The Token Status List could not be fetched (${error instanceof Error ? error.message : reason}).`);
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return fail('token_status_list_invalid', 'The body is not UTF-8 text.');
  }
  if (keys.length === 0) return fail('token_status_list_invalid', 'Its signature cannot be checked: no usable key could be had (see the keys above).');
  try {
    const accepted = await acceptStatusListToken(text, partner, uri, fixedKeys(keys), { now: options.now(), clockToleranceSeconds: options.clockToleranceSeconds });
    const size = statusCount(accepted.list);
    let withdrawn = 0;
    for (let i = 0; i < size; i++) if (getStatus(accepted.list, i) !== STATUS_VALID) withdrawn++;
    findings.push({ check: 'token_status_list', severity: 'ok', subject, message: `Signed by your key and current: ${size} statuses of ${accepted.list.bits} bit(s), ${withdrawn} not VALID.` });
    return accepted;
  } catch (error) {
    const detail = error instanceof Error ? error.message : 'refused';
    return fail('token_status_list_invalid', `The gateway would refuse this list (${detail}), and with it every code of yours.`);
  }
}
