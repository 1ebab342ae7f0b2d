import { importJWK, type JWK } from 'jose';
import { GatewayError } from '../gateway/errors/gateway-error.js';
import { findKey } from '../gateway/partners/key-lookup.js';
import type { KeySource, KeyStatus, VerificationKey } from '../gateway/partners/key-source.js';
import type { Partner, TrustBundle, TrustedPartner } from '../gateway/types/schemas.js';

/**
 * The KeySource of the verifier library: the keys a trust bundle carries for each partner — the
 * ones the gateway itself verifies with, after its key filter — imported once per bundle. The
 * answers are the gateway's (key-cache.ts): an algorithm the partner is not pinned to is
 * ERR_JWS_ALG_NOT_ALLOWED, keys the gateway could not have are ERR_KEYS_UNAVAILABLE, a kid the
 * partner does not publish is ERR_KID_UNKNOWN, and the lookup itself is key-lookup.ts.
 */
export class BundleKeySource implements KeySource {
  private readonly byId: Map<string, TrustedPartner>;
  private readonly imported = new Map<string, Promise<VerificationKey[]>>();

  constructor(private readonly bundle: TrustBundle) {
    this.byId = new Map(bundle.partners.map((p) => [p.descriptor.id, p]));
  }

  async getKey(partner: Partner, kid: string | undefined, alg: string): Promise<VerificationKey> {
    if (!(partner.algorithms as readonly string[]).includes(alg)) throw new GatewayError('ERR_JWS_ALG_NOT_ALLOWED');
    if (partner.status !== 'active') throw new GatewayError('ERR_ISSUER_SUSPENDED');
    const keys = await this.keysOf(partner.id);
    if (keys === null) throw new GatewayError('ERR_KEYS_UNAVAILABLE');
    const found = findKey(keys, kid, alg);
    if (found === 'unknown') throw new GatewayError('ERR_KID_UNKNOWN');
    return found;
  }

  status(partnerId: string): KeyStatus {
    return { keyCount: this.byId.get(partnerId)?.keys?.length ?? 0, lastFetchAt: Date.parse(this.bundle.generatedAt), lastErrorCode: null };
  }

  async close(): Promise<void> {
    this.imported.clear();
  }

  private keysOf(partnerId: string): Promise<VerificationKey[]> | null {
    const trusted = this.byId.get(partnerId)?.keys;
    if (!trusted) return null;
    let keys = this.imported.get(partnerId);
    if (!keys) {
      // A key WebCrypto cannot import is left out, as the gateway's filter leaves it out.
      keys = Promise.all(trusted.map(async (k) => {
        try {
          return { kid: k.kid, alg: k.alg, jwk: k.jwk, key: await importJWK(k.jwk as JWK, k.alg) } as VerificationKey;
        } catch {
          return undefined;
        }
      })).then((all) => all.filter((k): k is VerificationKey => k !== undefined));
      this.imported.set(partnerId, keys);
    }
    return keys;
  }
}
