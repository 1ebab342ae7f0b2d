import { GatewayError } from '../errors/gateway-error.js';
import { validator } from '../schemas/registry.js';
import type { CredentialStatusList, Partner } from '../types/schemas.js';
import { fetchPartnerJson, PartnerFetchFailure, type PartnerFetchOptions, type TransportFailureReason } from './fetch-partner-json.js';

/** Why a status-list fetch failed: for status and logs (a list carries no personal data). */
export type StatusListFailureReason = TransportFailureReason | 'invalid_list' | 'issuer_mismatch' | 'no_status_uri' | 'older_list' | 'generated_in_future';

/** A failed status-list fetch. The verifier sees only ERR_STATUS_UNAVAILABLE; `reason` says why. */
export class StatusListFetchError extends GatewayError {
  constructor(readonly reason: StatusListFailureReason, detail: string, cause?: unknown) {
    super('ERR_STATUS_UNAVAILABLE', `The issuer's status list cannot be obtained right now (${reason}: ${detail}).`, { cause });
  }
}

/** The same transport rules as key fetches (fetch-partner-json.ts). */
export type FetchStatusListOptions = PartnerFetchOptions;

export interface FetchedStatusList {
  list: CredentialStatusList;
  /** Cache-Control max-age of the answer in seconds (RFC 9111 §5.2.2.1), 0 for no-cache / no-store, null when absent. */
  maxAgeSeconds: number | null;
}

/** max-age of a Cache-Control header; a malformed or repeated value counts as absent. */
export function maxAgeOf(header: string | string[] | undefined): number | null {
  const value = Array.isArray(header) ? header.join(',') : header;
  if (!value) return null;
  const directives = value.toLowerCase().split(',').map((d) => d.trim());
  if (directives.includes('no-store') || directives.includes('no-cache')) return 0;
  const ages = directives.filter((d) => d.startsWith('max-age=')).map((d) => d.slice('max-age='.length).replace(/^"(.*)"$/, '$1'));
  if (ages.length !== 1 || !/^[0-9]{1,10}$/.test(ages[0]!)) return null;
  return Number(ages[0]);
}

function parseList(value: unknown, partner: Partner): CredentialStatusList {
  const validate = validator<CredentialStatusList>('credential-status');
  if (!validate(value)) throw new StatusListFetchError('invalid_list', `${validate.errors?.[0]?.instancePath || '/'} ${validate.errors?.[0]?.message ?? 'is invalid'}`);
  // A list speaks for one issuer only, as keys do: a list naming another issuer could let one
  // partner revoke (or, by omission, keep alive) another partner's codes.
  if (value.issuer !== partner.issuer) throw new StatusListFetchError('issuer_mismatch', 'the list names another issuer');
  return value;
}

/**
 * Fetches `partner`'s credential-status list (schemas/credential-status.schema.json) over the
 * given safe dispatcher. Fails closed with StatusListFetchError (code ERR_STATUS_UNAVAILABLE) on
 * anything unexpected: no or insecure statusUri, non-2xx, any redirect, a body over the cap,
 * non-JSON, a list that breaks the schema, or a list of another issuer.
 */
export async function fetchStatusList(partner: Partner, options: FetchStatusListOptions): Promise<FetchedStatusList> {
  if (partner.statusUri === undefined) throw new StatusListFetchError('no_status_uri', 'the partner has no statusUri');
  let fetched: Awaited<ReturnType<typeof fetchPartnerJson>>;
  try {
    fetched = await fetchPartnerJson(partner.statusUri, 'statusUri', 'application/json', options);
  } catch (error) {
    if (error instanceof PartnerFetchFailure) throw new StatusListFetchError(error.reason, error.detail, error.cause);
    throw error;
  }
  return { list: parseList(fetched.value, partner), maxAgeSeconds: maxAgeOf(fetched.headers['cache-control']) };
}
