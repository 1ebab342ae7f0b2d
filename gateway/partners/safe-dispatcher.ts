import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { Agent, buildConnector } from 'undici';
import { classifyAddress, isAddressAllowed, type AddressClass, type AddressPolicyOptions } from './address-policy.js';

/** Raised at connect time when the peer address is one the policy refuses (SSRF defence). */
export class AddressRefusedError extends Error {
  override name = 'AddressRefusedError';
  readonly code = 'ERR_JWKS_ADDRESS_REFUSED';
  /** The class of the refused address (a bounded set: fine as a metric label; the address is not). */
  constructor(readonly hostname: string, readonly addressClass: AddressClass) {
    super(`refusing to connect to ${hostname}: the address is not a public one`);
  }
}

/** Tells an observer (metrics) about a refusal; a throwing observer must not stall the connect. */
function observe(onRefused: ((cls: AddressClass) => void) | undefined, cls: AddressClass): void {
  try {
    onRefused?.(cls);
  } catch { /* ignored: the refusal itself must still be reported to the caller */ }
}

/**
 * A `lookup` for net/tls.connect that resolves like dns.lookup and then refuses the whole answer
 * if ANY address in it is refused. Checking here — after resolution, right before the socket is
 * opened — is what defeats DNS rebinding: there is no second resolution between check and use.
 * Refusing the whole answer (rather than filtering) fails closed on names that mix public and
 * internal addresses, a usual rebinding trick.
 */
export function safeLookup(policy: AddressPolicyOptions, onRefused?: (cls: AddressClass) => void): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
      if (err) return callback(err, '', 0);
      const refused = addresses.find((a) => !isAddressAllowed(a.address, policy));
      if (addresses.length === 0 || refused) {
        const cls = refused ? classifyAddress(refused.address) : 'invalid';
        observe(onRefused, cls);
        return callback(new AddressRefusedError(hostname, cls), '', 0);
      }
      // net asks with `all: true` when Happy Eyeballs (autoSelectFamily) is on.
      if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
      const first = addresses[0]!;
      callback(null, first.address, first.family);
    });
  };
}

export interface SafeDispatcherOptions extends AddressPolicyOptions {
  /** Connect, headers and body timeouts (config jwks.timeoutMs). */
  timeoutMs: number;
  /** Observer of every refused connection, by address class (metrics). */
  onRefused?: (cls: AddressClass) => void;
}

/**
 * The undici Agent every partner key fetch goes through. No proxy (a proxy would do the DNS
 * resolution out of our sight), no redirect interceptor (undici does not follow redirects unless
 * told to; fetch-jwks treats 3xx as a failure), and the address policy enforced in the connector:
 * IP literals are checked before connecting (net.connect skips `lookup` for them), names through
 * `safeLookup`, and the connected socket's remote address once more as a last line of defence.
 */
export function createSafeDispatcher(options: SafeDispatcherOptions): Agent {
  const policy: AddressPolicyOptions = { allowInsecureLoopback: options.allowInsecureLoopback };
  const refuse = (hostname: string, address: string | undefined): AddressRefusedError => {
    const cls = address === undefined ? 'invalid' : classifyAddress(address);
    observe(options.onRefused, cls);
    return new AddressRefusedError(hostname, cls);
  };
  const base = buildConnector({ timeout: options.timeoutMs, lookup: safeLookup(policy, options.onRefused) });
  const connect: buildConnector.connector = (opts, callback) => {
    if (isIP(opts.hostname) !== 0 && !isAddressAllowed(opts.hostname, policy)) {
      callback(refuse(opts.hostname, opts.hostname), null);
      return;
    }
    base(opts, (err, socket) => {
      if (err) return callback(err, null);
      const remote = socket!.remoteAddress;
      if (remote === undefined || !isAddressAllowed(remote, policy)) {
        socket!.destroy();
        return callback(refuse(opts.hostname, remote), null);
      }
      callback(null, socket!);
    });
  };
  return new Agent({
    connect,
    headersTimeout: options.timeoutMs,
    bodyTimeout: options.timeoutMs,
    connections: 4,
    keepAliveTimeout: 10_000,
  });
}
