import type { Readiness } from '../types/schemas.js';

export type ReadinessPart = Readiness['failing'][number];

export interface ReadinessDeps {
  /** A round trip to the database (Store.ping). */
  pingStore: () => Promise<void>;
  hasSigningKey: () => boolean;
  partnersLoaded: () => boolean;
  /** A store that does not answer within this bound counts as failing (a probe must not hang). */
  pingTimeoutMs?: number;
}

/**
 * What /readyz reports. Liveness (/healthz) says the process answers; readiness says it can do its
 * work — store reachable, signing key loaded, partners loaded — and is not draining. A load
 * balancer takes an instance out while it is not ready, and during shutdown before connections
 * close.
 */
export class ReadinessState {
  private drainingSince: number | undefined;

  constructor(private readonly deps: ReadinessDeps) {}

  get draining(): boolean {
    return this.drainingSince !== undefined;
  }

  startDraining(now: number = Date.now()): void {
    this.drainingSince ??= now;
  }

  async check(): Promise<Readiness> {
    const failing: ReadinessPart[] = [];
    if (!(await this.storeAnswers())) failing.push('store');
    if (!safe(this.deps.hasSigningKey)) failing.push('signing_key');
    if (!safe(this.deps.partnersLoaded)) failing.push('partners');
    if (this.draining) failing.push('shutting_down');
    return { status: failing.length === 0 ? 'ready' : 'not_ready', failing };
  }

  private async storeAnswers(): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), this.deps.pingTimeoutMs ?? 2000);
    });
    try {
      return await Promise.race([this.deps.pingStore().then(() => true, () => false), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}

function safe(check: () => boolean): boolean {
  try {
    return check();
  } catch {
    return false;
  }
}
