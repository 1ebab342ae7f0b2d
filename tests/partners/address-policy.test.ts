import { classifyAddress, isAddressAllowed, isLoopbackHost } from '../../gateway/partners/address-policy.js';

const strict = { allowInsecureLoopback: false };
const loose = { allowInsecureLoopback: true };

describe('address policy', () => {
  it.each([
    ['0.0.0.0', 'unspecified'], ['0.1.2.3', 'this-network'], ['0.255.255.255', 'this-network'],
    ['10.0.0.0', 'private'], ['10.255.255.255', 'private'], ['11.0.0.0', 'public'], ['9.255.255.255', 'public'],
    ['100.63.255.255', 'public'], ['100.64.0.0', 'cgnat'], ['100.127.255.255', 'cgnat'], ['100.128.0.0', 'public'],
    ['127.0.0.1', 'loopback'], ['127.255.255.254', 'loopback'], ['126.255.255.255', 'public'], ['128.0.0.0', 'public'],
    ['169.254.0.1', 'link-local'], ['169.254.169.254', 'link-local'], ['169.253.255.255', 'public'], ['169.255.0.0', 'public'],
    ['172.15.255.255', 'public'], ['172.16.0.0', 'private'], ['172.31.255.255', 'private'], ['172.32.0.0', 'public'],
    ['192.0.0.8', 'reserved'], ['192.0.2.1', 'documentation'], ['192.0.3.0', 'public'], ['192.88.99.1', 'reserved'],
    ['192.167.255.255', 'public'], ['192.168.0.1', 'private'], ['192.168.255.255', 'private'], ['192.169.0.0', 'public'],
    ['198.17.255.255', 'public'], ['198.18.0.0', 'benchmarking'], ['198.19.255.255', 'benchmarking'], ['198.20.0.0', 'public'],
    ['198.51.100.7', 'documentation'], ['203.0.113.9', 'documentation'], ['203.0.114.0', 'public'],
    ['223.255.255.255', 'public'], ['224.0.0.1', 'multicast'], ['239.255.255.255', 'multicast'],
    ['240.0.0.1', 'reserved'], ['255.255.255.254', 'reserved'], ['255.255.255.255', 'broadcast'],
    ['8.8.8.8', 'public'], ['1.1.1.1', 'public'], ['114.114.114.114', 'public'],
  ])('classifies the IPv4 address %s as %s', (address, cls) => {
    expect(classifyAddress(address)).toBe(cls);
  });

  it.each([
    ['::', 'unspecified'], ['::1', 'loopback'], ['0:0:0:0:0:0:0:1', 'loopback'], ['::2', 'reserved'],
    ['::ffff:127.0.0.1', 'loopback'], ['::ffff:7f00:1', 'loopback'], ['::FFFF:10.1.2.3', 'private'],
    ['::ffff:169.254.169.254', 'link-local'], ['::ffff:8.8.8.8', 'public'], ['::ffff:0:0', 'unspecified'],
    ['::127.0.0.1', 'reserved'], ['64:ff9b::10.0.0.1', 'private'], ['64:ff9b::8.8.8.8', 'public'],
    ['64:ff9b:1::1', 'private'], ['2002:0a00:0001::1', 'private'], ['2002:0808:0808::1', 'public'],
    ['2001:db8::1', 'documentation'], ['2001:0db8:ffff:ffff:ffff:ffff:ffff:ffff', 'documentation'],
    ['2001:2::1', 'benchmarking'], ['2001::1', 'reserved'], ['3fff::1', 'documentation'],
    ['fc00::1', 'private'], ['fdff:ffff::1', 'private'], ['fe80::1', 'link-local'], ['fe80::1%eth0', 'link-local'],
    ['febf:ffff::1', 'link-local'], ['fec0::1', 'private'], ['ff02::1', 'multicast'], ['ff0e::1', 'multicast'],
    ['100::1', 'reserved'], ['4000::1', 'reserved'], ['1fff:ffff::1', 'reserved'],
    ['2400:3200::1', 'public'], ['2606:4700:4700::1111', 'public'], ['[2001:4860:4860::8888]', 'public'],
  ])('classifies the IPv6 address %s as %s', (address, cls) => {
    expect(classifyAddress(address)).toBe(cls);
  });

  it.each(['', 'localhost', 'example.com', '127.1', '0x7f.0.0.1', '256.0.0.1', '1.2.3', ':::1', '1::2::3', '::ffff:1.2.3.999'])(
    'treats %j as not an IP address', (text) => {
      expect(classifyAddress(text)).toBe('invalid');
      expect(isAddressAllowed(text, loose)).toBe(false);
    },
  );

  it('classifies compressed, expanded and dotted-quad forms of one IPv6 address alike', () => {
    for (const form of ['::ffff:192.168.1.1', '0:0:0:0:0:ffff:c0a8:101', '::FFFF:C0A8:0101']) expect(classifyAddress(form)).toBe('private');
    for (const form of ['64:ff9b::127.0.0.1', '64:ff9b:0:0:0:0:7f00:1', '2002:7f00:0001:ffff::']) expect(classifyAddress(form)).toBe('loopback');
    expect(classifyAddress('1:2:3:4:5:6:7::')).toBe('reserved');
  });

  it('allows public addresses and refuses every internal one by default', () => {
    expect(isAddressAllowed('8.8.8.8', strict)).toBe(true);
    expect(isAddressAllowed('2400:3200::1', strict)).toBe(true);
    for (const a of ['127.0.0.1', '::1', '::ffff:127.0.0.1', '10.0.0.1', '169.254.169.254', 'fd00::1', '100.64.0.1', '0.0.0.0', '::']) {
      expect(isAddressAllowed(a, strict)).toBe(false);
    }
  });

  it('allows loopback, and only loopback, when the insecure loopback setting is on', () => {
    expect(isAddressAllowed('127.0.0.1', loose)).toBe(true);
    expect(isAddressAllowed('127.8.9.10', loose)).toBe(true);
    expect(isAddressAllowed('::1', loose)).toBe(true);
    expect(isAddressAllowed('::ffff:127.0.0.1', loose)).toBe(true);
    for (const a of ['10.0.0.1', '192.168.1.1', '169.254.169.254', 'fe80::1', '0.0.0.0', '::', '224.0.0.1']) {
      expect(isAddressAllowed(a, loose)).toBe(false);
    }
  });

  it('recognises loopback host names as written in URLs', () => {
    expect(isLoopbackHost('localhost')).toBe(true);
    expect(isLoopbackHost('LOCALHOST.')).toBe(true);
    expect(isLoopbackHost('[::1]')).toBe(true);
    expect(isLoopbackHost('127.0.0.2')).toBe(true);
    expect(isLoopbackHost('localhost.example.com')).toBe(false);
    expect(isLoopbackHost('10.0.0.1')).toBe(false);
  });
});
