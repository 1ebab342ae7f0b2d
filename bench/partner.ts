import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateKeyPairSync, randomUUID, sign, type KeyObject } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { calculateJwkThumbprint, importJWK, type CryptoKey, type JWK } from 'jose';
import { createBinding } from '../gateway/identity/binding.js';
import { gb11643CheckChar } from '../gateway/identity/documents.js';
import type { Partner } from '../gateway/types/schemas.js';
import { setPointer } from '../gateway/verify/json-pointer.js';
import { BEIJING } from '../demo/cities.js';

/**
 * The partner whose codes the verification rows read: a city with its own ES256 key, served by a
 * real key server on 127.0.0.1 (JWKS + an empty status list, both cacheable), registered through a
 * partner file like any other partner — the partner path, not Xinji's own. It counts the key
 * fetches it answers, for the cold-cache row.
 *
 * Codes are signed with node:crypto directly (r‖s, RFC 7518 §3.4) so tens of thousands of distinct
 * codes are ready in a second or two; each has its own jti. They all carry one well-formed
 * binding: /v1/verify passes it on without checking it (checkpoints do).
 */
export class BenchPartner {
  keyFetches = 0;
  statusFetches = 0;
  private server: Server | undefined;
  private base = '';
  private readonly privateKey: KeyObject;
  private readonly jwk: JWK;
  private kid = '';
  private binding = '';

  constructor(readonly id = 'beijing') {
    const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    this.privateKey = pair.privateKey;
    this.jwk = pair.publicKey.export({ format: 'jwk' }) as JWK;
  }

  async start(): Promise<this> {
    this.kid = await calculateJwkThumbprint(this.jwk);
    this.binding = await createBinding(BenchPartner.DOCUMENT, 10);
    const server = createServer((req, res) => {
      const path = (req.url ?? '').split('?')[0];
      const headers = { 'content-type': 'application/json', 'cache-control': 'max-age=300' };
      if (path === '/.well-known/jwks.json') {
        this.keyFetches += 1;
        res.writeHead(200, headers).end(JSON.stringify({ keys: [this.publicJwk] }));
      } else if (path === '/status') {
        this.statusFetches += 1;
        res.writeHead(200, headers).end(JSON.stringify({ issuer: this.issuer, generatedAt: new Date().toISOString(), entries: [] }));
      } else {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return this;
  }

  get issuer(): string {
    return `${this.base}/hc`;
  }

  get publicJwk(): JWK {
    return { ...this.jwk, kid: this.kid, alg: 'ES256', use: 'sig' };
  }

  /** The public key as jose imports it, for the raw compactVerify baseline. */
  publicKey(): Promise<CryptoKey> {
    return importJWK(this.publicJwk, 'ES256') as Promise<CryptoKey>;
  }

  partner(): Partner {
    return {
      id: this.id,
      name: BEIJING.name,
      region: BEIJING.region,
      issuer: this.issuer,
      jwksUri: `${this.base}/.well-known/jwks.json`,
      statusUri: `${this.base}/status`,
      algorithms: ['ES256'],
      typ: BEIJING.typ,
      claims: BEIJING.claims,
      colorMap: BEIJING.colorMap,
      status: 'active',
    };
  }

  writePartnerFile(partnersDir: string): void {
    writeFileSync(join(partnersDir, `${this.id}.json`), JSON.stringify(this.partner(), null, 2));
  }

  /** The document the codes' binding was made for. */
  static readonly DOCUMENT = { type: 'resident_id', number: `11010119900101002${gb11643CheckChar('11010119900101002')}` } as const;

  /** `count` distinct valid green codes, valid for `ttlSeconds` from now (with another binding of DOCUMENT if given). */
  codes(count: number, ttlSeconds = 7200, binding = this.binding): string[] {
    const header = Buffer.from(JSON.stringify({ alg: 'ES256', kid: this.kid, typ: BEIJING.typ })).toString('base64url');
    const iat = Math.floor(Date.now() / 1000);
    const out: string[] = [];
    for (let i = 0; i < count; i++) {
      const payload: Record<string, unknown> = { iss: this.issuer, jti: randomUUID(), iat, exp: iat + ttlSeconds };
      setPointer(payload, BEIJING.claims.color, '未见异常');
      setPointer(payload, BEIJING.claims.nameMasked!, '张*猛');
      setPointer(payload, BEIJING.claims.documentMasked!, '1101**************');
      setPointer(payload, BEIJING.claims.documentType!, 'resident_id');
      setPointer(payload, BEIJING.claims.binding!, binding);
      const input = `${header}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
      const signature = sign('sha256', Buffer.from(input), { key: this.privateKey, dsaEncoding: 'ieee-p1363' });
      out.push(`${input}.${signature.toString('base64url')}`);
    }
    return out;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }
}
