import type { IncomingHttpHeaders } from 'node:http';
import { request, type Dispatcher } from 'undici';
import { jwksUriProblem } from './jwks-uri.js';

/**
 * One GET of a JSON document a partner publishes (its JWK Set, its status list), under the rules
 * both share: the URI policy (https; http only to loopback under the test setting), the safe
 * dispatcher (no proxy, addresses checked at connect), one deadline for connect, headers and body,
 * no redirects (a 3xx could point at an internal host), a body cap enforced while streaming
 * (Content-Length is not trusted), strict UTF-8 JSON. What the document must contain is the
 * caller's business.
 */
export type TransportFailureReason =
  | 'insecure_uri' | 'address_refused' | 'timeout' | 'network' | 'http_status' | 'redirect' | 'too_large' | 'not_json';

export class PartnerFetchFailure extends Error {
  override name = 'PartnerFetchFailure';
  constructor(readonly reason: TransportFailureReason, readonly detail: string, cause?: unknown) {
    super(`${reason}: ${detail}`, cause === undefined ? undefined : { cause });
  }
}

export interface PartnerFetchOptions {
  dispatcher: Dispatcher;
  /** Deadline of the whole fetch: connect, headers and body together. */
  timeoutMs: number;
  maxBytes: number;
  allowInsecureLoopback: boolean;
}

function classify(error: unknown, aborted: boolean): PartnerFetchFailure {
  if (error instanceof PartnerFetchFailure) return error;
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (code === 'ERR_JWKS_ADDRESS_REFUSED') return new PartnerFetchFailure('address_refused', e.message, error);
    if (typeof code === 'string' && /TIMEOUT/.test(code)) return new PartnerFetchFailure('timeout', code, error);
  }
  if (aborted) return new PartnerFetchFailure('timeout', 'deadline exceeded', error);
  const code = (error as { code?: unknown } | null)?.code;
  return new PartnerFetchFailure('network', typeof code === 'string' ? code : 'request failed', error);
}

/** Drops a body we will not read; undici reports the abort as an 'error' event nobody needs. */
function discard(body: Dispatcher.ResponseData['body']): void {
  body.on('error', () => {});
  body.destroy();
}

async function readCapped(body: Dispatcher.ResponseData['body'], maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > maxBytes) {
      discard(body);
      throw new PartnerFetchFailure('too_large', `body over ${maxBytes} bytes`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, total);
}

/**
 * The transport of fetchPartnerJson, for a document that is not JSON (a federation's trust list
 * is a compact JWS): the same URI policy, dispatcher, deadline, redirect refusal and body cap.
 * `uriName` names the setting or partner-file member in messages (jwksUri, statusUri, TRUST_LIST_URI).
 */
export async function fetchPartnerBytes(
  uri: string,
  uriName: string,
  accept: string,
  options: PartnerFetchOptions,
): Promise<{ bytes: Buffer; headers: IncomingHttpHeaders }> {
  const problem = jwksUriProblem(uri, { allowInsecureLoopback: options.allowInsecureLoopback });
  if (problem) throw new PartnerFetchFailure('insecure_uri', `${uriName} ${problem}`);
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), options.timeoutMs);
  try {
    const response = await request(uri, { dispatcher: options.dispatcher, method: 'GET', headers: { accept }, signal: controller.signal });
    const { statusCode, headers, body } = response;
    if (statusCode < 200 || statusCode > 299) {
      discard(body);
      throw new PartnerFetchFailure(statusCode >= 300 && statusCode < 400 ? 'redirect' : 'http_status', `HTTP ${statusCode}`);
    }
    const declared = Number(headers['content-length']);
    if (Number.isFinite(declared) && declared > options.maxBytes) {
      discard(body);
      throw new PartnerFetchFailure('too_large', `content-length over ${options.maxBytes} bytes`);
    }
    return { bytes: await readCapped(body, options.maxBytes), headers };
  } catch (error) {
    throw classify(error, controller.signal.aborted);
  } finally {
    clearTimeout(timer);
  }
}

/** `uriName` names the partner-file member in messages (jwksUri, statusUri). */
export async function fetchPartnerJson(
  uri: string,
  uriName: string,
  accept: string,
  options: PartnerFetchOptions,
): Promise<{ value: unknown; headers: IncomingHttpHeaders }> {
  const { bytes, headers } = await fetchPartnerBytes(uri, uriName, accept, options);
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw new PartnerFetchFailure('not_json', 'body is not UTF-8 JSON');
  }
  return { value, headers };
}
