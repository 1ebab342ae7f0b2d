import { scryptSync } from 'node:crypto';
import request from 'supertest';
import { createBinding, matchesBinding } from '../../gateway/identity/binding.js';
import { createTestGateway, type TestGateway } from '../helpers/test-gateway.js';

/**
 * Issue 9: a partner checking Xinji's document binding offline must know exactly how the number is
 * normalised before hashing (a lower-case x would otherwise give document_mismatch), and that exp
 * and jti are required. The issuer metadata says so, and a partner following it to the letter
 * computes the same hash as the gateway.
 */
let gw: TestGateway;
beforeAll(async () => { gw = await createTestGateway(); });
afterAll(async () => { await gw.close(); });

describe('the binding rule and required claims in the issuer metadata', () => {
  it('publishes the required claims, exp and jti among them, and the exact normalisation of the binding input', async () => {
    const res = await request(gw.app).get('/.well-known/health-code-issuer');
    expect(res.status).toBe(200);
    expect(res.body.required_claims).toEqual(['iss', 'iat', 'exp', 'jti']);
    expect(res.body.binding_input).toMatchObject({ method: 's2', input: expect.stringContaining('<document type>:<normalised number>') });
    // New bindings are s2; codes and subjects made earlier carry s1, which partners must keep reading.
    expect(res.body.binding_methods_supported).toEqual(['s1', 's2']);
    expect(res.body.binding_input.kdf).toMatch(/dkLen = 16 for s2, 32 for s1/);
    expect(res.body.binding_input.number_normalization).toMatch(/trim\(\).*toUpperCase\(\)/);
  });

  it('lets a partner that follows the published rule reproduce the hash for a number typed with a lower-case x and spaces', async () => {
    const binding = await createBinding({ type: 'resident_id', number: ' 13018119900307123x ' }, 10);
    const [, logN, salt, hash] = binding.split('.') as [string, string, string, string];
    // What a partner computes from the metadata alone: trim, upper-case, "<type>:<number>", UTF-8, scrypt.
    const input = Buffer.from(`resident_id:${' 13018119900307123x '.trim().toUpperCase()}`, 'utf8');
    const partnerHash = scryptSync(input, Buffer.from(salt, 'base64url'), 16, { N: 2 ** Number(logN), r: 8, p: 1 });
    expect(partnerHash.toString('base64url')).toBe(hash);
    // Hashing the number as typed, without the normalisation, does not match: the reason to publish it.
    const raw = scryptSync(Buffer.from('resident_id: 13018119900307123x ', 'utf8'), Buffer.from(salt, 'base64url'), 16, { N: 2 ** Number(logN), r: 8, p: 1 });
    expect(raw.toString('base64url')).not.toBe(hash);
    expect(await matchesBinding(binding, { type: 'resident_id', number: '13018119900307123X' })).toBe(true);
  });
});
