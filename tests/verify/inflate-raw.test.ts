import { constants, deflateRawSync } from 'node:zlib';
import { inflateRawBounded } from '../../gateway/verify/inflate-raw.js';

describe('inflateRawBounded: the bound on a zip "DEF" payload', () => {
  it('stops a decompression bomb at the bound instead of inflating all of it first', () => {
    // Three megabytes from under 3 KB (what fits in a 4096-character code), left open (no final
    // block), then bytes that are not DEFLATE. An inflater that stops at the bound reports the
    // bomb; one that inflates the whole input before counting reaches the bad bytes (having held
    // all three megabytes in memory) and reports them instead.
    const bomb = deflateRawSync(Buffer.alloc(3_000_000, 0x20), { level: 9, finishFlush: constants.Z_SYNC_FLUSH });
    expect(bomb.length).toBeLessThan(3072);
    const input = Buffer.concat([bomb, Buffer.from([0xff, 0xff, 0xff, 0xff])]);
    expect(inflateRawBounded(input, 32 * 1024)).toBe('too large');
  });

  it('still inflates a payload up to the bound, in one piece, and refuses a truncated stream', () => {
    const text = Buffer.from(JSON.stringify({ iss: 'https://a.example', pad: 'x'.repeat(20_000) }));
    const compressed = deflateRawSync(text, { level: 9 });
    expect(Buffer.from(inflateRawBounded(compressed, text.length) as Uint8Array).equals(text)).toBe(true);
    expect(inflateRawBounded(compressed, text.length - 1)).toBe('too large');
    expect(inflateRawBounded(compressed.subarray(0, compressed.length - 2), 32 * 1024)).toBe('invalid');
    const random = deflateRawSync(Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 7919) % 251)));
    expect(inflateRawBounded(random, 32 * 1024)).toHaveLength(3000);
  });
});
