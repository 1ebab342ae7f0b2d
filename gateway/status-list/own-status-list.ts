import { createHash } from 'node:crypto';
import { CompactSign } from 'jose';
import type { Keystore } from '../issuer/keystore.js';
import type { Store } from '../store/store.js';
import { compressStatusArray } from './compress-status-list.js';
import {
  emptyStatusArray,
  setStatus,
  STATUS_INVALID,
  STATUS_LIST_TYP,
  type StatusBits,
} from '../verify/token-status-list.js';
import { STATUS_LIST_SIZE } from './allocate-index.js';

/** Where Xinji's Token Status List is served: short, since every code carries it (its QR grows with it). */
export const TOKEN_STATUS_LIST_PATH = '/sl/1';

/** How long a relying party may cache the list before fetching it again (the draft's `ttl`, §5.1). */
export const STATUS_LIST_TTL_SECONDS = 30;

/** A list built less than this long ago is served again unless a code changed status in this process meanwhile. */
const REBUILD_AFTER_MS = 5_000;

export interface OwnStatusListDeps {
  store: Pick<Store, 'listInvalidStatusIndices'>;
  keystore: Pick<Keystore, 'activeKey'>;
  /** ISSUER_URL: the list's `iss`, and with TOKEN_STATUS_LIST_PATH its `sub` and every code's `uri`. */
  issuer: string;
  now: () => number;
  /** exp − iat of the signed list: how long a verifier that cannot refresh may keep using it. */
  lifetimeSeconds: number;
  size?: number;
}

/** The list as signed and as the trust bundle carries it. */
export interface SignedStatusList {
  jwt: string;
  etag: string;
  uri: string;
  bits: StatusBits;
  lst: string;
  iat: number;
  exp: number;
}

export function tokenStatusListUri(issuer: string): string {
  return issuer.replace(/\/+$/, '') + TOKEN_STATUS_LIST_PATH;
}

/**
 * Xinji's Token Status List (draft-ietf-oauth-status-list §5): one bit per index, INVALID (1) for
 * every code superseded or revoked before its exp, VALID (0) for everything else — expired codes
 * are not marked (§13.3: an expired token is refused on its exp), so the list stays as sparse as
 * the codes withdrawn in the last 15 minutes and compresses to almost nothing.
 *
 * Built from the store on demand and kept: served again for REBUILD_AFTER_MS unless changed() was
 * called (a code of this process changed status), and re-signed only when its bits changed or it
 * passed half its lifetime, so the ETag stays while the list does.
 */
export class OwnStatusList {
  readonly uri: string;
  private held: (SignedStatusList & { builtAt: number; generation: number; kid: string }) | undefined;
  private building: Promise<SignedStatusList> | undefined;
  private generation = 0;

  constructor(private readonly deps: OwnStatusListDeps) {
    this.uri = tokenStatusListUri(deps.issuer);
  }

  /** A code changed status: the next read rebuilds. */
  changed(): void {
    this.generation++;
  }

  async current(): Promise<SignedStatusList> {
    const held = this.held;
    if (held && held.generation === this.generation && this.deps.now() - held.builtAt < REBUILD_AFTER_MS) return held;
    return (this.building ??= this.build().finally(() => {
      this.building = undefined;
    }));
  }

  private async build(): Promise<SignedStatusList> {
    const generation = this.generation;
    const now = this.deps.now();
    const list = emptyStatusArray(this.deps.size ?? STATUS_LIST_SIZE, 1);
    for (const idx of await this.deps.store.listInvalidStatusIndices(now)) if (idx < (this.deps.size ?? STATUS_LIST_SIZE)) setStatus(list, idx, STATUS_INVALID);
    const lst = compressStatusArray(list);
    const iat = Math.floor(now / 1000);
    const previous = this.held;
    const key = this.deps.keystore.activeKey();
    if (previous && previous.lst === lst && previous.kid === key.kid && iat < previous.iat + this.deps.lifetimeSeconds / 2) {
      this.held = { ...previous, builtAt: now, generation };
      return this.held;
    }
    const exp = iat + this.deps.lifetimeSeconds;
    const payload = { iss: this.deps.issuer, sub: this.uri, iat, exp, ttl: STATUS_LIST_TTL_SECONDS, status_list: { bits: 1, lst } };
    const jwt = await new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
      .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: STATUS_LIST_TYP })
      .sign(key.privateKey);
    const etag = `"${createHash('sha256').update(jwt).digest('base64url').slice(0, 32)}"`;
    this.held = { jwt, etag, uri: this.uri, bits: 1, lst, iat, exp, builtAt: now, generation, kid: key.kid };
    return this.held;
  }
}
