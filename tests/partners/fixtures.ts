import { exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose';
import type { Partner } from '../../gateway/types/schemas.js';

/** A valid partner (Beijing-style vocabulary, including the 弹窗 pop-up state). */
export function partner(overrides: Partial<Partner> = {}): Partner {
  return {
    id: 'beijing',
    name: '北京健康宝',
    region: '110000',
    issuer: 'https://healthkit.beijing.example',
    jwksUri: 'https://healthkit.beijing.example/.well-known/jwks.json',
    algorithms: ['ES256'],
    claims: { color: '/hc/color' },
    colorMap: {
      version: '1',
      valueType: 'string',
      values: { 未见异常: 'green', 居家观察: 'yellow', 集中观察: 'red', 弹窗: { color: 'red', advisory: true } },
    },
    status: 'active',
    ...overrides,
  };
}

export interface TestKey {
  kid: string;
  publicJwk: JWK;
  privateKey: CryptoKey;
}

/** A real key pair; the public JWK carries kid, alg and use like a partner would publish it. */
export async function testKey(kid: string, alg: 'ES256' | 'ES384' | 'EdDSA' | 'RS256' | 'PS256' = 'ES256', extra: Partial<JWK> = {}): Promise<TestKey> {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true, ...(alg === 'EdDSA' ? { crv: 'Ed25519' } : {}) });
  const jwk = await exportJWK(publicKey);
  return { kid, publicJwk: { ...jwk, kid, alg, use: 'sig', ...extra }, privateKey };
}
