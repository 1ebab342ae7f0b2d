import { GatewayError } from '../errors/gateway-error.js';

/**
 * Retry-After of a refusal: the shortest whole-second hint (RFC 9110 §10.2.3). A full queue drains
 * in about queue ÷ concurrency × 0.1 s (a second or so at the defaults), and what relieves the
 * gateway is that refused clients come back spread out, not all at a later instant.
 */
const RETRY_AFTER_SECONDS = 1;

export interface WorkPoolOptions {
  /** Jobs running at once (≥ 1). */
  concurrency: number;
  /** Jobs waiting behind them (≥ 0). */
  queue: number;
  /** Told about each refusal (a metric). */
  onRejected?: () => void;
}

/**
 * Admission control for slow work (one scrypt: ~90 ms of a core and 32 MiB at logN 15). At most
 * `concurrency` jobs run at once and at most `queue` wait behind them; a job offered when both are
 * full is refused at once with 503 ERR_OVERLOADED and Retry-After (RFC 9110 §15.6.4, §10.2.3),
 * before it did anything — so nothing is ever half done, and a flood costs the flooder a refusal,
 * not everyone else a timeout. Each kind of slow work has its own pool, so a flood of one kind
 * cannot starve another, nor the paths that need no slow work at all (verification).
 */
export class WorkPool {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly options: WorkPoolOptions) {
    if (!(options.concurrency >= 1) || !(options.queue >= 0)) throw new RangeError('work pool: concurrency ≥ 1 and queue ≥ 0');
  }

  get running(): number {
    return this.active;
  }

  /** Jobs it runs at once. */
  get concurrency(): number {
    return this.options.concurrency;
  }

  get queued(): number {
    return this.waiting.length;
  }

  /** Runs `job` when a slot is free; throws ERR_OVERLOADED at once when the queue is full. */
  async run<T>(job: () => Promise<T>): Promise<T> {
    if (this.active >= this.options.concurrency) {
      if (this.waiting.length >= this.options.queue) {
        this.options.onRejected?.();
        throw new GatewayError('ERR_OVERLOADED', undefined, { retryAfterSeconds: RETRY_AFTER_SECONDS });
      }
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.active += 1;
    }
    try {
      return await job();
    } finally {
      // The slot passes straight to the next waiter: `active` stays counted for it.
      const next = this.waiting.shift();
      if (next) next();
      else this.active -= 1;
    }
  }
}
