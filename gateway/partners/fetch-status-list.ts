import { request, type Dispatcher } from 'undici';
import { GatewayError } from '../errors/gateway-error.js';
import { validator } from '../schemas/registry.js';
import type { CredentialStatusList, Partner } from '../types/schemas.js';
import { classify, discard, JwksFetchError, readCapped } from './fetch-jwks.js';
import { jwksUriProblem } from './jwks-uri.js';

/** Why a status-list fetch failed: for status and logs (a list carries no personal data). */
export type StatusListFailureReason =
  | 'insecure_uri' | 'address_refused' | 'timeout' | 'network' | 'http_status' | 'redirect'
  | 'too_large' | 'not_json' | 'invalid_list' | 'issuer_mismatch' | 'no_status_uri';

/** A failed status-list fetch. The verifier sees only ERR_STATUS_UNAVAILABLE; `reason` says why. */
export class StatusListFetchError extends GatewayError {
  constructor(readonly reason: StatusListFailureReason, detail: string, cause?: unknown) {
    super('ERR_STATUS_UNAVAILABLE', `The issuer's status list cannot be obtained right now (${reason}: ${detail}).`, { cause });
  }
}

export interface FetchStatusListOptions {
  /** The same safe dispatcher as key fetches (no proxy, no redirects, address policy at connect). */
  dispatcher: Dispatcher;
  timeoutMs: number;
  maxBytes: number;
  allowInsecureLoopback: boolean;
}

export interface FetchedStatusList {
  list: CredentialStatusList;
  /** Cache-Control max-age of the answer in seconds (RFC 9111 §5.2.2.1), 0 for no-cache / no-store, null when absent. */
  maxAgeSeconds: number | null;
}

/** The key-fetch helpers speak JwksFetchError; their reasons are shared, only the code differs. */
function rewrap(error: unknown, aborted: boolean): StatusListFetchError {
  if (error instanceof StatusListFetchError) return error;
  const jwks: JwksFetchError = classify(error, aborted);
  const reason = jwks.reason as StatusListFailureReason;
  return new StatusListFetchError(reason, jwks.message, error);
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

function parseList(bytes: Buffer, partner: Partner): CredentialStatusList {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw new StatusListFetchError('not_json', 'body is not UTF-8 JSON');
  }
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
  const problem = jwksUriProblem(partner.statusUri, { allowInsecureLoopback: options.allowInsecureLoopback });
  if (problem) throw new StatusListFetchError('insecure_uri', `statusUri ${problem}`);
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), options.timeoutMs);
  try {
    let response: Dispatcher.ResponseData;
    try {
      response = await request(partner.statusUri, {
        dispatcher: options.dispatcher,
        method: 'GET',
        headers: { accept: 'application/json' },
        signal: controller.signal,
      });
    } catch (error) {
      throw rewrap(error, controller.signal.aborted);
    }
    const { statusCode, headers, body } = response;
    if (statusCode < 200 || statusCode > 299) {
      discard(body);
      throw new StatusListFetchError(statusCode >= 300 && statusCode < 400 ? 'redirect' : 'http_status', `HTTP ${statusCode}`);
    }
    const declared = Number(headers['content-length']);
    if (Number.isFinite(declared) && declared > options.maxBytes) {
      discard(body);
      throw new StatusListFetchError('too_large', `content-length over ${options.maxBytes} bytes`);
    }
    let bytes: Buffer;
    try {
      bytes = await readCapped(body, options.maxBytes);
    } catch (error) {
      throw rewrap(error, controller.signal.aborted);
    }
    return { list: parseList(bytes, partner), maxAgeSeconds: maxAgeOf(headers['cache-control']) };
  } finally {
    clearTimeout(timer);
  }
}
