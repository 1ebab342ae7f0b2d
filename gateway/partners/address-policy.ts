import { isIP } from 'node:net';

/**
 * Which IP addresses the gateway may connect to when it fetches a partner's keys. A JWKS URI is
 * configuration, but DNS is not under our control: a name can resolve (or be rebound) to an
 * internal address, so every address is classified at connect time (SSRF defence). The ranges
 * are the IANA special-purpose registries (RFC 6890, updated by RFC 8190), plus RFC 6598
 * (CGNAT), RFC 2544 (benchmarking), RFC 5737 and RFC 3849 / RFC 9637 (documentation).
 *
 * Only loopback can ever be allowed, and only with allowInsecureLoopback (tests and demos).
 */
export const ADDRESS_CLASSES = [
  'public', 'loopback', 'private', 'link-local', 'multicast', 'unspecified', 'cgnat',
  'benchmarking', 'documentation', 'broadcast', 'this-network', 'reserved', 'invalid',
] as const;
/** A bounded set: it is the label of gateway_fetch_addresses_refused_total, never the address. */
export type AddressClass = (typeof ADDRESS_CLASSES)[number];

type Range = { bytes: Uint8Array; bits: number; cls: AddressClass | 'embedded-v4' };

function parseV4(text: string): Uint8Array | null {
  if (isIP(text) !== 4) return null;
  return Uint8Array.from(text.split('.').map(Number));
}

function parseV6(text: string): Uint8Array | null {
  if (isIP(text) !== 6) return null;
  let hex = text;
  const lastColon = hex.lastIndexOf(':');
  // A trailing dotted quad (RFC 4291 §2.2, form 3) is the last two groups written in decimal.
  if (hex.slice(lastColon + 1).includes('.')) {
    const v4 = parseV4(hex.slice(lastColon + 1));
    if (!v4) return null;
    hex = `${hex.slice(0, lastColon + 1)}${((v4[0]! << 8) | v4[1]!).toString(16)}:${((v4[2]! << 8) | v4[3]!).toString(16)}`;
  }
  const parse = (s: string): number[] => (s === '' ? [] : s.split(':').map((g) => parseInt(g, 16)));
  const [left, right] = hex.split('::') as [string, string | undefined];
  const l = parse(left);
  const r = right === undefined ? [] : parse(right);
  const fill = right === undefined ? 0 : 8 - l.length - r.length;
  if (fill < 0) return null;
  const groups = [...l, ...new Array<number>(fill).fill(0), ...r];
  if (groups.length !== 8 || groups.some((g) => !(g >= 0 && g <= 0xffff))) return null;
  const out = new Uint8Array(16);
  groups.forEach((g, i) => { out[2 * i] = g >> 8; out[2 * i + 1] = g & 0xff; });
  return out;
}

/** The 4 or 16 bytes of an IP literal (brackets and an RFC 6874 zone id are tolerated), or null. */
export function parseIp(text: string): Uint8Array | null {
  const bare = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  return parseV4(bare) ?? parseV6(bare.replace(/%[^%]*$/, ''));
}

function range(cidr: string, cls: Range['cls']): Range {
  const [ip, bits] = cidr.split('/') as [string, string];
  return { bytes: parseIp(ip)!, bits: Number(bits), cls };
}

function matches(addr: Uint8Array, r: Range): boolean {
  if (addr.length !== r.bytes.length) return false;
  for (let bit = 0; bit < r.bits; bit += 8) {
    const take = Math.min(8, r.bits - bit);
    const mask = (0xff << (8 - take)) & 0xff;
    if ((addr[bit / 8]! & mask) !== (r.bytes[bit / 8]! & mask)) return false;
  }
  return true;
}

// Order matters: the first matching range wins (more specific ranges first).
const V4: Range[] = [
  range('0.0.0.0/32', 'unspecified'), range('0.0.0.0/8', 'this-network'), range('10.0.0.0/8', 'private'),
  range('100.64.0.0/10', 'cgnat'), range('127.0.0.0/8', 'loopback'), range('169.254.0.0/16', 'link-local'),
  range('172.16.0.0/12', 'private'), range('192.0.0.0/24', 'reserved'), range('192.0.2.0/24', 'documentation'),
  range('192.88.99.0/24', 'reserved'), range('192.168.0.0/16', 'private'), range('198.18.0.0/15', 'benchmarking'),
  range('198.51.100.0/24', 'documentation'), range('203.0.113.0/24', 'documentation'),
  range('224.0.0.0/4', 'multicast'), range('255.255.255.255/32', 'broadcast'), range('240.0.0.0/4', 'reserved'),
];

const V6: Range[] = [
  range('::/128', 'unspecified'), range('::1/128', 'loopback'), range('::ffff:0:0/96', 'embedded-v4'),
  range('::/96', 'reserved'), // IPv4-compatible addresses, deprecated by RFC 4291 §2.5.5.1
  range('64:ff9b::/96', 'embedded-v4'), // NAT64 well-known prefix (RFC 6052): reaches the embedded IPv4
  range('64:ff9b:1::/48', 'private'), // local-use NAT64 (RFC 8215)
  range('2001:2::/48', 'benchmarking'), range('2001:db8::/32', 'documentation'), range('3fff::/20', 'documentation'),
  range('2001::/23', 'reserved'), // IETF protocol assignments, Teredo, ORCHID
  range('2002::/16', 'embedded-v4'), // 6to4 (RFC 3056): the relay reaches the embedded IPv4
  range('5f00::/16', 'reserved'), // SRv6 SIDs (RFC 9602)
  range('fc00::/7', 'private'), range('fec0::/10', 'private'), range('fe80::/10', 'link-local'),
  range('ff00::/8', 'multicast'),
];
const GLOBAL_UNICAST_V6 = range('2000::/3', 'public');

function classifyBytes(addr: Uint8Array): AddressClass {
  const table = addr.length === 4 ? V4 : V6;
  const hit = table.find((r) => matches(addr, r));
  if (hit?.cls === 'embedded-v4') {
    // ::ffff:a.b.c.d and 64:ff9b::a.b.c.d carry it in the last 32 bits; 2002:AABB:CCDD:: in bits 16-47.
    const v4 = hit.bits === 16 ? addr.slice(2, 6) : addr.slice(12, 16);
    return classifyBytes(v4);
  }
  if (hit) return hit.cls;
  if (addr.length === 16 && !matches(addr, GLOBAL_UNICAST_V6)) return 'reserved'; // not allocated by IANA
  return 'public';
}

/** The class of an IP literal; anything that is not one is 'invalid'. */
export function classifyAddress(address: string): AddressClass {
  const bytes = parseIp(address);
  return bytes ? classifyBytes(bytes) : 'invalid';
}

export interface AddressPolicyOptions {
  allowInsecureLoopback: boolean;
}

/** True only for public addresses, and for loopback when the insecure loopback setting is on. */
export function isAddressAllowed(address: string, options: AddressPolicyOptions): boolean {
  const cls = classifyAddress(address);
  return cls === 'public' || (cls === 'loopback' && options.allowInsecureLoopback);
}

/** `localhost` (RFC 6761 §6.3) or a loopback literal, as in a URL's hostname. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/\.$/, '');
  return host === 'localhost' || classifyAddress(host) === 'loopback';
}
