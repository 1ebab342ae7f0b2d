import { GatewayError } from '../errors/gateway-error.js';
import type { Partner, PublicJwk } from '../types/schemas.js';
import { toVerificationKeys } from './jwk-filter.js';
import type { KeySource, KeyStatus, VerificationKey } from './key-source.js';
import { findKey } from './key-lookup.js';

/**
 * The gateway's own published keys (the keystore's next/active/retired public JWKs), for
 * verifying codes it issued itself: no network. The same filter as for partners applies, and an
 * imported key is reused as long as the published set does not change.
 */
export class LocalKeySource implements KeySource {
  private cache: { signature: string; keys: VerificationKey[] } | null = null;
  private readonly loadedAt: number;

  constructor(private readonly published: () => PublicJwk[], now: () => number = Date.now) {
    this.loadedAt = now();
  }

  async getKey(partner: Partner, kid: string | undefined, alg: string): Promise<VerificationKey> {
    if (!(partner.algorithms as readonly string[]).includes(alg)) throw new GatewayError('ERR_JWS_ALG_NOT_ALLOWED');
    if (partner.status !== 'active') throw new GatewayError('ERR_ISSUER_SUSPENDED');
    const keys = await this.keys(partner);
    const found = findKey(keys, kid, alg);
    if (found === 'unknown') throw new GatewayError('ERR_KID_UNKNOWN');
    return found;
  }

  status(): KeyStatus {
    return { keyCount: this.published().length, lastFetchAt: this.loadedAt, lastErrorCode: null };
  }

  snapshot(partner: Partner): Promise<readonly VerificationKey[]> {
    return this.keys(partner);
  }

  async close(): Promise<void> {
    this.cache = null;
  }

  private async keys(partner: Partner): Promise<VerificationKey[]> {
    const jwks = this.published();
    const signature = `${partner.algorithms.join(',')}\n${JSON.stringify(jwks)}`;
    if (this.cache?.signature !== signature) {
      this.cache = { signature, keys: (await toVerificationKeys(jwks, partner.algorithms)).keys };
    }
    return this.cache.keys;
  }
}

/** Routes the gateway's own issuer to the local keys and every partner to the remote ones. */
export class CompositeKeySource implements KeySource {
  constructor(
    private readonly selfId: string,
    private readonly local: KeySource,
    private readonly remote: KeySource,
  ) {}

  getKey(partner: Partner, kid: string | undefined, alg: string): Promise<VerificationKey> {
    return (partner.id === this.selfId ? this.local : this.remote).getKey(partner, kid, alg);
  }

  status(partnerId: string): KeyStatus {
    return (partnerId === this.selfId ? this.local : this.remote).status(partnerId);
  }

  async snapshot(partner: Partner): Promise<readonly VerificationKey[] | null> {
    const source = partner.id === this.selfId ? this.local : this.remote;
    return source.snapshot ? source.snapshot(partner) : null;
  }

  async close(): Promise<void> {
    await Promise.all([this.local.close(), this.remote.close()]);
  }
}
