import { request } from 'undici';
import { fetchJwks } from '../../gateway/partners/fetch-jwks.js';
import { AddressRefusedError, createSafeDispatcher, safeLookup } from '../../gateway/partners/safe-dispatcher.js';
import { partner, testKey } from './fixtures.js';
import { JwksServer } from './jwks-server.js';

let s: JwksServer;
beforeEach(async () => {
  s = await new JwksServer().start();
  s.keys = [(await testKey('k1')).publicJwk];
});
afterEach(async () => { await s.close(); });

const limits = { timeoutMs: 1000, maxBytes: 65536, maxKeys: 20 };

describe('safe dispatcher', () => {
  it.each(['127.0.0.1', 'localhost'])('refuses to connect to loopback (%s) when the insecure loopback setting is off', async (host) => {
    const dispatcher = createSafeDispatcher({ timeoutMs: 1000, allowInsecureLoopback: false });
    try {
      // The URI check is told loopback is fine, so only the connect-time check stands in the way.
      const p = partner({ jwksUri: s.url(host) });
      await expect(fetchJwks(p, { ...limits, dispatcher, allowInsecureLoopback: true })).rejects.toMatchObject({
        code: 'ERR_KEYS_UNAVAILABLE', reason: 'address_refused',
      });
      expect(s.requests).toBe(0);
    } finally {
      await dispatcher.close();
    }
  });

  it.each(['127.0.0.1', 'localhost'])('connects to loopback (%s) when the insecure loopback setting is on', async (host) => {
    const dispatcher = createSafeDispatcher({ timeoutMs: 1000, allowInsecureLoopback: true });
    try {
      const result = await fetchJwks(partner({ jwksUri: s.url(host) }), { ...limits, dispatcher, allowInsecureLoopback: true });
      expect(result.keys.map((k) => k.kid)).toEqual(['k1']);
      expect(s.requests).toBe(1);
    } finally {
      await dispatcher.close();
    }
  });

  it('refuses a private address literal even for plain requests through the dispatcher', async () => {
    const dispatcher = createSafeDispatcher({ timeoutMs: 1000, allowInsecureLoopback: true });
    try {
      await expect(request('http://10.255.255.1:9/', { dispatcher })).rejects.toBeInstanceOf(AddressRefusedError);
      await expect(request('http://[::ffff:169.254.169.254]/', { dispatcher })).rejects.toBeInstanceOf(AddressRefusedError);
    } finally {
      await dispatcher.close();
    }
  });

  it('refuses a host name whose DNS answer is a loopback address', async () => {
    const lookup = safeLookup({ allowInsecureLoopback: false });
    const error = await new Promise<Error | null>((resolve) => lookup('localhost', { all: true }, (err) => resolve(err)));
    expect(error).toBeInstanceOf(AddressRefusedError);
  });

  it('tells its observer the class of each refused address, never the address itself', async () => {
    const seen: string[] = [];
    const dispatcher = createSafeDispatcher({ timeoutMs: 1000, allowInsecureLoopback: false, onRefused: (cls) => seen.push(cls) });
    try {
      await expect(request('http://10.255.255.1:9/', { dispatcher })).rejects.toBeInstanceOf(AddressRefusedError);
      await expect(request('http://[::ffff:169.254.169.254]/', { dispatcher })).rejects.toBeInstanceOf(AddressRefusedError);
      await expect(request('http://localhost:9/', { dispatcher })).rejects.toBeInstanceOf(AddressRefusedError);
    } finally {
      await dispatcher.close();
    }
    expect(seen).toEqual(['private', 'link-local', 'loopback']);
  });

  it('still refuses when its observer throws', async () => {
    const dispatcher = createSafeDispatcher({ timeoutMs: 1000, allowInsecureLoopback: false, onRefused: () => { throw new Error('observer broke'); } });
    try {
      await expect(request('http://localhost:9/', { dispatcher })).rejects.toBeInstanceOf(AddressRefusedError);
      await expect(request('http://10.255.255.1:9/', { dispatcher })).rejects.toBeInstanceOf(AddressRefusedError);
    } finally {
      await dispatcher.close();
    }
  });
});
