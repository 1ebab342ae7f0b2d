import { classifyAddress, ipLiteral, isLoopbackHost, type AddressPolicyOptions } from './address-policy.js';

/**
 * Why a JWKS URI may not be fetched, or null when it may. Keys fetched over plain http could be
 * swapped by anyone on the path, so https is required (RFC 7517 §8: the JWK Set must be obtained
 * over an integrity-protected channel); plain http is tolerated only on loopback, and only with
 * the insecure loopback setting. An IP literal is checked against the address policy here too,
 * so the operator hears about it at load time rather than at the first fetch.
 */
export function jwksUriProblem(uri: string, options: AddressPolicyOptions): string | null {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return 'must be an absolute URL';
  }
  if (url.username !== '' || url.password !== '') return 'must not carry credentials';
  const loopback = isLoopbackHost(url.hostname);
  if (url.protocol === 'http:') {
    if (!options.allowInsecureLoopback) return 'must be https (plain http only on loopback with ALLOW_INSECURE_LOOPBACK_JWKS)';
    if (!loopback) return 'must be https (plain http is allowed only on a loopback host)';
    return null;
  }
  if (url.protocol !== 'https:') return 'must be https';
  if (loopback && !options.allowInsecureLoopback) return 'must not point at a loopback host';
  if (ipLiteral(url.hostname)) {
    const cls = classifyAddress(url.hostname);
    if (cls !== 'public' && !(cls === 'loopback' && options.allowInsecureLoopback)) return `must not point at a ${cls} address`;
  }
  return null;
}
