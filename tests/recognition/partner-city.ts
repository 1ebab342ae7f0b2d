import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { CompactSign, calculateJwkThumbprint, exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose';
import { createBinding } from '../../gateway/identity/binding.js';
import type { ColorMap, IdentityDocument, Partner } from '../../gateway/types/schemas.js';
import { setPointer } from '../../gateway/verify/json-pointer.js';
import { LoopbackServer } from '../partners/loopback-server.js';

/**
 * A simulated partner city for end-to-end tests: a real key server on 127.0.0.1:0 serving
 * /.well-known/jwks.json, with controls a test needs and demo/sim-city.ts does not have (key
 * rotation, outages, a server that never answers, a request counter), and a signer that writes
 * the city's own claim layout. It is NOT the gateway: any issuer that publishes keys is enough.
 */
export type CityAlg = 'ES256' | 'EdDSA';
export type ServerMode = 'ok' | 'unavailable' | 'hang' | 'stall' | 'reset' | 'error500' | 'garbage' | 'not_jwks' | 'oversized' | 'redirect';

export interface CityKey {
  kid: string;
  alg: CityAlg;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

export interface CityProfile {
  id: string;
  name: string;
  region: string;
  alg: CityAlg;
  typ?: string;
  /** JSON Pointers (RFC 6901) of the city's payload layout. */
  claims: Partner['claims'];
  colorMap: ColorMap;
}

export interface CodeOptions {
  /** The colour claim value, as the city writes it (may be one its map does not name). */
  color: string | number;
  /** Epoch ms of issue (the gateway's TestClock). */
  now: number;
  /** Document to bind; null: no binding claim at all. */
  document?: IdentityDocument | null;
  ttlSeconds?: number;
  iss?: string;
  kid?: string;
  key?: CityKey;
  header?: Record<string, unknown>;
}

export const BINDING_LOG_N = 10;
export const JWKS_PATH = '/.well-known/jwks.json';

export async function newKey(alg: CityAlg): Promise<CityKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(jwk);
  return { kid, alg, privateKey, publicJwk: { ...jwk, kid, alg, use: 'sig' } };
}

/** Writes `value` at `pointer`, creating objects on the way. */
export class PartnerCity extends LoopbackServer {
  /** Requests received on any path. */
  requests = 0;
  mode: ServerMode = 'ok';
  /** Keys served in the JWKS; `signingKey` signs new codes. */
  published: CityKey[] = [];
  signingKey!: CityKey;
  /** Members served beside `keys` in the key set (RFC 7517 §5: a verifier ignores those it does not know). */
  setMembers: Record<string, unknown> = {};
  /** Where mode 'redirect' sends the key fetch (a 302 Location). */
  redirectTo = 'http://127.0.0.1:9/';

  constructor(readonly profile: CityProfile) {
    super();
  }

  static async start(profile: CityProfile): Promise<PartnerCity> {
    const city = new PartnerCity(profile);
    city.signingKey = await newKey(profile.alg);
    city.published = [city.signingKey];
    await city.listen(0);
    return city;
  }

  get base(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The iss of this city's codes. */
  get issuer(): string {
    return `${this.base}/hc`;
  }

  get jwksUri(): string {
    return this.base + JWKS_PATH;
  }

  /** The gateway's registry entry for this city (write it as partners/<id>.json). */
  partner(extra: Partial<Partner> = {}): Partner {
    const { id, name, region, alg, typ, claims, colorMap } = this.profile;
    return { id, name, region, issuer: this.issuer, jwksUri: this.jwksUri, algorithms: [alg], ...(typ ? { typ } : {}), claims, colorMap, status: 'active', ...extra };
  }

  /** Starts signing with a fresh key, published beside the old ones. Returns the new key. */
  async rotate(): Promise<CityKey> {
    const key = await newKey(this.profile.alg);
    this.published = [...this.published, key];
    this.signingKey = key;
    return key;
  }

  /** Stops publishing a key. */
  retire(kid: string): void {
    this.published = this.published.filter((k) => k.kid !== kid);
  }

  /** Signs `payload` as is, with a header the test controls (kid/alg default to the signing key). */
  async sign(payload: Record<string, unknown>, options: { kid?: string; alg?: string; key?: CityKey; header?: Record<string, unknown> } = {}): Promise<string> {
    const key = options.key ?? this.signingKey;
    const header = { alg: options.alg ?? key.alg, kid: options.kid ?? key.kid, ...(this.profile.typ ? { typ: this.profile.typ } : {}), ...options.header };
    return new CompactSign(new TextEncoder().encode(JSON.stringify(payload))).setProtectedHeader(header as { alg: string }).sign(key.privateKey);
  }

  /** The payload of a code in this city's layout. */
  async payload(options: CodeOptions): Promise<Record<string, unknown>> {
    const { claims } = this.profile;
    const iat = Math.floor(options.now / 1000);
    const payload: Record<string, unknown> = { iss: options.iss ?? this.issuer, jti: randomUUID(), iat, exp: iat + (options.ttlSeconds ?? 900) };
    setPointer(payload, claims.color, options.color);
    if (claims.nameMasked) setPointer(payload, claims.nameMasked, '张*猛');
    if (claims.documentType) setPointer(payload, claims.documentType, options.document?.type ?? 'resident_id');
    if (claims.documentMasked) setPointer(payload, claims.documentMasked, '1101**********002X');
    if (claims.binding && options.document) setPointer(payload, claims.binding, await createBinding(options.document, BINDING_LOG_N));
    return payload;
  }

  /** A signed code in this city's layout. */
  async code(options: CodeOptions): Promise<string> {
    const signOptions = { ...(options.kid ? { kid: options.kid } : {}), ...(options.key ? { key: options.key } : {}), ...(options.header ? { header: options.header } : {}) };
    return this.sign(await this.payload(options), signOptions);
  }

  protected handle(req: IncomingMessage, res: ServerResponse): void {
    const url = req.url ?? '';
    this.requests += 1;
    switch (this.mode) {
      case 'hang':
        return; // never answers; stop() destroys the socket
      case 'stall':
        // Headers and the start of a key set, then silence (a slow-loris body).
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"keys":[');
        return;
      case 'reset':
        res.socket?.destroy();
        return;
      case 'unavailable':
        res.writeHead(503, { 'content-type': 'text/plain' }).end('down for maintenance');
        return;
      case 'error500':
        res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":"internal"}');
        return;
      case 'garbage':
        res.writeHead(200, { 'content-type': 'application/json' }).end('<html>{"keys":[ \u0000');
        return;
      case 'not_jwks':
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: 'all of them', ok: true }));
        return;
      case 'oversized': {
        // A valid key set padded past the gateway's 64 KiB cap, without Content-Length (chunked).
        const keys = this.published.map((k) => k.publicJwk);
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write(`{"keys":${JSON.stringify(keys)},"padding":"`);
        for (let i = 0; i < 10; i++) res.write('x'.repeat(16 * 1024));
        res.end('"}');
        return;
      }
      case 'redirect':
        res.writeHead(302, { location: this.redirectTo }).end();
        return;
      case 'ok':
        if (url.split('?')[0] !== JWKS_PATH) {
          res.writeHead(404).end();
          return;
        }
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ...this.setMembers, keys: this.published.map((k) => k.publicJwk) }));
    }
  }
}
