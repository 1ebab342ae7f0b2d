import type { IncomingMessage, ServerResponse } from 'node:http';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import { federationPublicJwk, signTrustList } from '../../gateway/federation/trust-list-jws.js';
import type { Partner } from '../../gateway/types/schemas.js';
import { LoopbackServer } from '../partners/loopback-server.js';

/** A federation key pair: the private JWK signs lists, the public one goes into TRUST_LIST_KEYS. */
export interface FederationKey {
  privateJwk: JWK;
  publicJwk: JWK;
}

export async function federationKey(alg: 'ES256' | 'EdDSA' = 'ES256'): Promise<FederationKey> {
  const { privateKey } = await generateKeyPair(alg, { extractable: true, ...(alg === 'EdDSA' ? { crv: 'Ed25519' } : {}) });
  const privateJwk = await exportJWK(privateKey);
  return { privateJwk, publicJwk: await federationPublicJwk(privateJwk) };
}

/** Writes the JWK Set a gateway pins (TRUST_LIST_KEYS) and returns its path. */
export function writePinnedKeys(dir: string, keys: readonly FederationKey[]): string {
  const path = join(dir, 'federation.jwks.json');
  writeFileSync(path, JSON.stringify({ keys: keys.map((k) => k.publicJwk) }));
  return path;
}

export const TRUST_LIST_PATH = '/federation/trust-list.jws';

/**
 * The federation's list server on 127.0.0.1:0 (real HTTP): it serves whatever compact JWS the
 * test publishes, with a Cache-Control max-age the test sets, and counts requests.
 */
export class TrustListServer extends LoopbackServer {
  requests = 0;
  body = '';
  /** Cache-Control header value; null: none. */
  cacheControl: string | null = 'max-age=60';

  static async start(): Promise<TrustListServer> {
    const server = new TrustListServer();
    await server.listen();
    return server;
  }

  get uri(): string {
    return `http://127.0.0.1:${this.port}${TRUST_LIST_PATH}`;
  }

  /** Signs and serves a list of `members`. Returns the JWS (to replay it later). */
  async publish(members: readonly Partner[], key: FederationKey, sequence: number, options: { now: number; ttlSeconds?: number }): Promise<string> {
    this.body = await signTrustList(members, key.privateJwk, { sequence, now: options.now, ttlSeconds: options.ttlSeconds ?? 86_400 });
    return this.body;
  }

  protected handle(req: IncomingMessage, res: ServerResponse): void {
    this.requests += 1;
    if ((req.url ?? '').split('?')[0] !== TRUST_LIST_PATH) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/jwt', ...(this.cacheControl ? { 'cache-control': this.cacheControl } : {}) }).end(this.body);
  }
}
