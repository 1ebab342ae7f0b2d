import { deflateRawSync } from 'node:zlib';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from 'jose';
import { GatewayError } from '../../gateway/errors/gateway-error.js';
import type { KeySource, KeyStatus, VerificationKey } from '../../gateway/partners/key-source.js';
import { assertValid } from '../../gateway/schemas/registry.js';
import type { Partner, PublicJwk } from '../../gateway/types/schemas.js';

/** Test support for tests/verify: real keys, real signatures, an honest in-memory KeySource. */

export type TestAlg = 'ES256' | 'EdDSA';

export interface TestKey {
  kid: string;
  alg: TestAlg;
  privateKey: CryptoKey;
  publicJwk: PublicJwk;
}

export async function makeKey(alg: TestAlg): Promise<TestKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(jwk);
  return { kid, alg, privateKey, publicJwk: { ...(jwk as PublicJwk), kid, alg, use: 'sig' } };
}

/**
 * The KeySource contract over fixed JWK sets, one per partner id: keys belong to their issuer,
 * a kid outside the partner's own set is ERR_KID_UNKNOWN, a key not meant for signatures or for
 * this alg is not handed out. Counts getKey calls so tests can prove no key was looked up.
 */
export class FakeKeySource implements KeySource {
  calls: Array<{ partnerId: string; kid: string; alg: string }> = [];

  constructor(private readonly sets: Record<string, readonly PublicJwk[]>) {}

  async getKey(partner: Partner, kid: string, alg: string): Promise<VerificationKey> {
    this.calls.push({ partnerId: partner.id, kid, alg });
    const jwk = (this.sets[partner.id] ?? []).find((candidate) => candidate.kid === kid);
    if (!jwk) throw new GatewayError('ERR_KID_UNKNOWN');
    if ((jwk.use !== undefined && jwk.use !== 'sig') || (jwk.alg !== undefined && jwk.alg !== alg)) {
      throw new GatewayError('ERR_KID_UNKNOWN');
    }
    if (jwk.key_ops !== undefined && !jwk.key_ops.includes('verify')) throw new GatewayError('ERR_KID_UNKNOWN');
    const key = (await importJWK({ ...(jwk as JWK), key_ops: undefined, use: undefined }, alg)) as CryptoKey;
    return { kid, alg, jwk, key };
  }

  status(partnerId: string): KeyStatus {
    return { keyCount: this.sets[partnerId]?.length ?? 0, lastFetchAt: 0, lastErrorCode: null };
  }

  async close(): Promise<void> {}
}

/** A partner record, validated against partner.schema.json like a real partner file. */
export function makePartner(overrides: Partial<Partner> = {}): Partner {
  const partner: Partner = {
    id: 'beijing',
    name: 'Beijing Health Kit',
    region: '110000',
    issuer: 'https://codes.beijing.example/issuer',
    jwksUri: 'https://codes.beijing.example/.well-known/jwks.json',
    algorithms: ['ES256', 'EdDSA'],
    claims: {
      color: '/hc/status',
      nameMasked: '/sub/name',
      documentType: '/sub/docType',
      documentMasked: '/sub/doc',
      binding: '/sub/binding',
    },
    colorMap: {
      version: 'bj-1',
      valueType: 'string',
      values: {
        未见异常: 'green',
        居家观察: 'yellow',
        集中观察: 'red',
        弹窗: { color: 'yellow', advisory: true },
      },
    },
    status: 'active',
    ...overrides,
  };
  return assertValid<Partner>('partner', partner);
}

const b64u = (bytes: Uint8Array | string) => Buffer.from(bytes).toString('base64url');

export interface SignOptions {
  key: TestKey;
  /** A header object (alg and kid filled in unless given), or raw header JSON text. */
  header?: Record<string, unknown> | string;
  /** Claims object, or raw payload JSON text. */
  payload: Record<string, unknown> | string;
  deflate?: boolean;
}

/**
 * A compact JWS signed with WebCrypto directly, so tests can build headers jose would refuse to
 * produce (crit, duplicate names, alg none). ECDSA WebCrypto signatures are already r‖s (JOSE).
 */
export async function signToken(options: SignOptions): Promise<string> {
  const { key } = options;
  const header =
    typeof options.header === 'string' ? options.header : JSON.stringify({ alg: key.alg, kid: key.kid, ...options.header });
  const text = typeof options.payload === 'string' ? options.payload : JSON.stringify(options.payload);
  const payloadBytes = options.deflate ? deflateRawSync(Buffer.from(text)) : Buffer.from(text);
  const signingInput = `${b64u(header)}.${b64u(payloadBytes)}`;
  const algorithm = key.alg === 'ES256' ? { name: 'ECDSA', hash: 'SHA-256' } : { name: 'Ed25519' };
  const signature = await crypto.subtle.sign(algorithm, key.privateKey, Buffer.from(signingInput));
  return `${signingInput}.${b64u(new Uint8Array(signature))}`;
}

export const T0 = Date.UTC(2024, 2, 16, 8, 0, 0); // 2024-03-16T08:00:00Z
export const T0S = T0 / 1000;

/** Claims of a typical Beijing-style code issued at T0 for one hour. */
export function beijingClaims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    iss: 'https://codes.beijing.example/issuer',
    jti: 'bj-0001',
    iat: T0S,
    exp: T0S + 3600,
    hc: { status: '未见异常' },
    sub: { name: '张*猛', docType: 'resident_id', doc: '1101**********1234' },
    ...overrides,
  };
}
