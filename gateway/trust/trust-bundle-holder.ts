import { createHash } from 'node:crypto';
import type { TrustBundle } from '../types/schemas.js';

/** Within this long of the last check, the held bundle is served as it is (unless changed() was called). */
export const BUNDLE_RECHECK_MS = 5_000;
/** A bundle whose content did not change is signed again after this long, so its age (generatedAt) stays honest. */
export const BUNDLE_RESIGN_MS = 60_000;

export interface HeldTrustBundle {
  jws: string;
  /** The JWS as sent: encoded once, not on every request. */
  body: Buffer;
  etag: string;
  generatedAt: number;
}

export interface TrustBundleHolderDeps {
  build: () => Promise<TrustBundle>;
  sign: (bundle: TrustBundle) => Promise<string>;
  now: () => number;
}

/** What a bundle says, without when it was made: two bundles with the same content are the same snapshot. */
function contentOf(bundle: TrustBundle): string {
  const { generatedAt: _, expiresAt: __, ...content } = bundle;
  return createHash('sha256').update(JSON.stringify(content)).digest('base64url');
}

/**
 * The signed trust bundle, kept in memory (issue 18, item 4). It used to be built and signed on
 * every request — 100–130 ms each with a large status list, so a handful of concurrent requests
 * stalled /healthz. Now a request is answered from memory; at most every BUNDLE_RECHECK_MS one
 * request (the others join it) takes a fresh snapshot of keys, partners and status lists, and the
 * bundle is signed again only when that content changed or BUNDLE_RESIGN_MS passed. changed()
 * (a partner reload, a key reload, a code withdrawn here) makes the next request take one at once.
 * The ETag is the JWS's digest: a verifier polling an unchanged bundle gets 304.
 */
export class TrustBundleHolder {
  private held: (HeldTrustBundle & { content: string; checkedAt: number; generation: number }) | undefined;
  private refreshing: Promise<HeldTrustBundle> | undefined;
  private generation = 0;

  constructor(private readonly deps: TrustBundleHolderDeps) {}

  changed(): void {
    this.generation++;
  }

  current(): Promise<HeldTrustBundle> {
    const held = this.held;
    if (held && held.generation === this.generation && this.deps.now() - held.checkedAt < BUNDLE_RECHECK_MS) return Promise.resolve(held);
    return (this.refreshing ??= this.refresh().finally(() => {
      this.refreshing = undefined;
    }));
  }

  private async refresh(): Promise<HeldTrustBundle> {
    const generation = this.generation;
    const bundle = await this.deps.build();
    const now = this.deps.now();
    const content = contentOf(bundle);
    const held = this.held;
    if (held && held.content === content && now - held.generatedAt < BUNDLE_RESIGN_MS) {
      this.held = { ...held, checkedAt: now, generation };
      return this.held;
    }
    const jws = await this.deps.sign(bundle);
    const etag = `"${createHash('sha256').update(jws).digest('base64url').slice(0, 32)}"`;
    this.held = { jws, body: Buffer.from(jws, 'utf8'), etag, generatedAt: Date.parse(bundle.generatedAt), content, checkedAt: now, generation };
    return this.held;
  }
}
