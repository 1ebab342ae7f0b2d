import { BlockList, isIP } from 'node:net';

/**
 * Which IP addresses the gateway may connect to when it fetches a partner's keys. A JWKS URI is
 * configuration, but DNS is not under our control: a name can resolve (or be rebound) to an
 * internal address, so every address is classified at connect time (SSRF defence). The ranges
 * are the IANA special-purpose registries (RFC 6890, updated by RFC 8190), plus RFC 6598
 * (CGNAT), RFC 2544 (benchmarking), RFC 5737 and RFC 3849 / RFC 9637 (documentation).
 *
 * Matching is node:net's BlockList, not code of ours; isIP decides what is an IP literal.
 *
 * Only loopback can ever be allowed, and only with allowInsecureLoopback (tests and demos).
 */
export const ADDRESS_CLASSES = [
  'public', 'loopback', 'private', 'link-local', 'multicast', 'unspecified', 'cgnat',
  'benchmarking', 'documentation', 'broadcast', 'this-network', 'reserved', 'invalid',
] as const;
/** A bounded set: it is the label of gateway_fetch_addresses_refused_total, never the address. */
export type AddressClass = (typeof ADDRESS_CLASSES)[number];

/** One range of the table: a node:net BlockList holding the one subnet, and its class. */
type Range = { family: 'ipv4' | 'ipv6'; list: BlockList; cls: AddressClass };

function range(cidr: string, cls: AddressClass): Range {
  const [ip, bits] = cidr.split('/') as [string, string];
  const family = isIP(ip) === 4 ? 'ipv4' : 'ipv6';
  const list = new BlockList();
  list.addSubnet(ip, Number(bits), family);
  return { family, list, cls };
}

// Order matters: the first matching range wins (more specific ranges first).
const V4_CIDRS: Array<[string, AddressClass]> = [
  ['0.0.0.0/32', 'unspecified'], ['0.0.0.0/8', 'this-network'], ['10.0.0.0/8', 'private'],
  ['100.64.0.0/10', 'cgnat'], ['127.0.0.0/8', 'loopback'], ['169.254.0.0/16', 'link-local'],
  ['172.16.0.0/12', 'private'], ['192.0.0.0/24', 'reserved'], ['192.0.2.0/24', 'documentation'],
  ['192.88.99.0/24', 'reserved'], ['192.168.0.0/16', 'private'], ['198.18.0.0/15', 'benchmarking'],
  ['198.51.100.0/24', 'documentation'], ['203.0.113.0/24', 'documentation'],
  ['224.0.0.0/4', 'multicast'], ['255.255.255.255/32', 'broadcast'], ['240.0.0.0/4', 'reserved'],
];
const V4: Range[] = V4_CIDRS.map(([cidr, cls]) => range(cidr, cls));

/**
 * IPv6 prefixes that reach an embedded IPv4 address are classified by that address: the IPv4 table
 * is carried into the prefix (e.g. 10.0.0.0/8 becomes 64:ff9b::a00:0/104), and what is left of the
 * prefix reaches a public IPv4 address. `at(hi, lo)` writes the prefix with the IPv4 address's two
 * 16-bit groups; `offset`: the prefix length before them.
 */
function embeddingV4(prefix: string, offset: number, at: (hi: string, lo: string) => string): Range[] {
  return [
    ...V4_CIDRS.map(([cidr, cls]) => {
      const [ip, bits] = cidr.split('/') as [string, string];
      const [a, b, c, d] = ip.split('.').map(Number) as [number, number, number, number];
      return range(`${at(((a << 8) | b).toString(16), ((c << 8) | d).toString(16))}/${offset + Number(bits)}`, cls);
    }),
    range(prefix, 'public'),
  ];
}

const V6: Range[] = [
  range('::/128', 'unspecified'), range('::1/128', 'loopback'),
  ...embeddingV4('::ffff:0:0/96', 96, (hi, lo) => `::ffff:${hi}:${lo}`), // IPv4-mapped (RFC 4291 §2.5.5.2)
  range('::/96', 'reserved'), // IPv4-compatible addresses, deprecated by RFC 4291 §2.5.5.1
  ...embeddingV4('64:ff9b::/96', 96, (hi, lo) => `64:ff9b::${hi}:${lo}`), // NAT64 well-known prefix (RFC 6052)
  range('64:ff9b:1::/48', 'private'), // local-use NAT64 (RFC 8215)
  range('2001:2::/48', 'benchmarking'), range('2001:db8::/32', 'documentation'), range('3fff::/20', 'documentation'),
  range('2001::/23', 'reserved'), // IETF protocol assignments, Teredo, ORCHID
  ...embeddingV4('2002::/16', 16, (hi, lo) => `2002:${hi}:${lo}::`), // 6to4 (RFC 3056): the relay reaches the embedded IPv4
  range('5f00::/16', 'reserved'), // SRv6 SIDs (RFC 9602)
  range('fc00::/7', 'private'), range('fec0::/10', 'private'), range('fe80::/10', 'link-local'),
  range('ff00::/8', 'multicast'),
];
const GLOBAL_UNICAST_V6 = range('2000::/3', 'public');

/** The IP literal without URL brackets or an RFC 6874 zone id, and its family; null when it is not one (node:net isIP: strict forms only). */
export function ipLiteral(text: string): { address: string; family: 'ipv4' | 'ipv6' } | null {
  const bare = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  if (isIP(bare) === 4) return { address: bare, family: 'ipv4' };
  const noZone = bare.replace(/%[^%]*$/, '');
  return isIP(noZone) === 6 ? { address: noZone, family: 'ipv6' } : null;
}

/** The class of an IP literal; anything that is not one is 'invalid'. */
export function classifyAddress(address: string): AddressClass {
  const ip = ipLiteral(address);
  if (!ip) return 'invalid';
  const hit = (ip.family === 'ipv4' ? V4 : V6).find((r) => r.list.check(ip.address, r.family));
  if (hit) return hit.cls;
  if (ip.family === 'ipv6' && !GLOBAL_UNICAST_V6.list.check(ip.address, 'ipv6')) return 'reserved'; // not allocated by IANA
  return 'public';
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
