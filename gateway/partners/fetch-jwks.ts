import { request, type Dispatcher } from 'undici';
import { GatewayError } from '../errors/gateway-error.js';
import type { Jwks, Partner } from '../types/schemas.js';
import { jwksUriProblem } from './jwks-uri.js';
import { toVerificationKeys, type FilterResult } from './jwk-filter.js';
import { jwksProblem } from './jwks-shape.js';

/** Why a fetch failed: finer than the public code, for status and logs (no personal data here). */
export type JwksFailureReason =
  | 'insecure_uri' | 'address_refused' | 'timeout' | 'network' | 'http_status' | 'redirect'
  | 'too_large' | 'not_json' | 'invalid_jwks' | 'too_many_keys' | 'no_usable_key';

/** A failed key fetch. The verifier sees only ERR_KEYS_UNAVAILABLE; `reason` says why. */
export class JwksFetchError extends GatewayError {
  constructor(readonly reason: JwksFailureReason, detail: string, cause?: unknown) {
    super('ERR_KEYS_UNAVAILABLE', `The issuer's keys cannot be obtained right now (${reason}: ${detail}).`, { cause });
  }
}

export interface FetchJwksOptions {
  dispatcher: Dispatcher;
  /** Deadline of the whole fetch: connect, headers and body together. */
  timeoutMs: number;
  maxBytes: number;
  maxKeys: number;
  allowInsecureLoopback: boolean;
}

export function classify(error: unknown, aborted: boolean): JwksFetchError {
  if (error instanceof JwksFetchError) return error;
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (code === 'ERR_JWKS_ADDRESS_REFUSED') return new JwksFetchError('address_refused', e.message, error);
    if (typeof code === 'string' && /TIMEOUT/.test(code)) return new JwksFetchError('timeout', code, error);
  }
  if (aborted) return new JwksFetchError('timeout', 'deadline exceeded', error);
  const code = (error as { code?: unknown } | null)?.code;
  return new JwksFetchError('network', typeof code === 'string' ? code : 'request failed', error);
}

/** Drops a body we will not read; undici reports the abort as an 'error' event nobody needs. */
export function discard(body: Dispatcher.ResponseData['body']): void {
  body.on('error', () => {});
  body.destroy();
}

/** Reads at most `maxBytes`, aborting the transfer as soon as the cap is crossed (Content-Length is not trusted). */
export async function readCapped(body: Dispatcher.ResponseData['body'], maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > maxBytes) {
      discard(body);
      throw new JwksFetchError('too_large', `body over ${maxBytes} bytes`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, total);
}

function parseJwks(bytes: Buffer, maxKeys: number): Jwks {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw new JwksFetchError('not_json', 'body is not UTF-8 JSON');
  }
  // Counted before validation so a huge key array costs nothing more.
  const keys = (value as { keys?: unknown } | null)?.keys;
  if (Array.isArray(keys) && keys.length > maxKeys) throw new JwksFetchError('too_many_keys', `more than ${maxKeys} keys`);
  // A private member anywhere refuses the whole set: a partner that publishes a private key has
  // a bigger problem than one bad entry (RFC 7517 §9.2), and none of its keys can be trusted.
  const problem = jwksProblem(value);
  if (problem) throw new JwksFetchError('invalid_jwks', problem);
  return value as Jwks;
}

/**
 * Fetches `partner`'s JWK Set over the given (safe) dispatcher and returns the keys that may
 * verify its codes. Fails closed with JwksFetchError (code ERR_KEYS_UNAVAILABLE) on anything
 * unexpected: non-2xx, any redirect (a 3xx could point at an internal host), a body over the cap,
 * non-JSON, a set that breaks the schema, too many keys, or no usable key at all.
 */
export async function fetchJwks(partner: Partner, options: FetchJwksOptions): Promise<FilterResult> {
  const problem = jwksUriProblem(partner.jwksUri, { allowInsecureLoopback: options.allowInsecureLoopback });
  if (problem) throw new JwksFetchError('insecure_uri', `jwksUri ${problem}`);
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), options.timeoutMs);
  try {
    let response: Dispatcher.ResponseData;
    try {
      response = await request(partner.jwksUri, {
        dispatcher: options.dispatcher,
        method: 'GET',
        headers: { accept: 'application/json, application/jwk-set+json' },
        signal: controller.signal,
      });
    } catch (error) {
      throw classify(error, controller.signal.aborted);
    }
    const { statusCode, headers, body } = response;
    if (statusCode < 200 || statusCode > 299) {
      discard(body);
      throw new JwksFetchError(statusCode >= 300 && statusCode < 400 ? 'redirect' : 'http_status', `HTTP ${statusCode}`);
    }
    const declared = Number(headers['content-length']);
    if (Number.isFinite(declared) && declared > options.maxBytes) {
      discard(body);
      throw new JwksFetchError('too_large', `content-length over ${options.maxBytes} bytes`);
    }
    let bytes: Buffer;
    try {
      bytes = await readCapped(body, options.maxBytes);
    } catch (error) {
      throw classify(error, controller.signal.aborted);
    }
    const jwks = parseJwks(bytes, options.maxKeys);
    const result = await toVerificationKeys(jwks.keys, partner.algorithms);
    if (result.keys.length === 0) throw new JwksFetchError('no_usable_key', `${result.skipped.length} keys, none usable`);
    return result;
  } finally {
    clearTimeout(timer);
  }
}
