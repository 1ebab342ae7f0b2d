import type { Logger } from 'pino';
import type { WorkPool } from '../admission/work-pool.js';
import { createBinding, type BindingMethod } from '../identity/binding.js';
import type { Metrics } from '../observability/metrics.js';
import type { ClaimCheck, ClaimedDeclarationJob, QueuedDeclaration, Store, SubjectRecord } from '../store/store.js';
import type { IdentityDocument } from '../types/schemas.js';
import { openDocument, sealDocument } from './queue-seal.js';

/**
 * Issue 22, the launch day (notice FAQ 11: 申请人数过多 … 系统报错、页面打不开). A declaration is
 * bounded by its binding — one scrypt, ~0.1 s of a core — and a city cannot buy cores for one
 * morning. So when the issue pool is busy, a declaration that passed validation is stored at once
 * with its job (durable before the 202 is sent: the holder token it carries works from then on)
 * and its binding is computed later, oldest first, by any gateway process or separate worker
 * (npm run declaration-worker) on the same database. The holder asks for its code with the
 * token; until the binding is written it hears its place and an estimate.
 *
 * Workers take a job only when the issue pool has a free slot, so a taken job starts at once and
 * a job is never held while it waits. A job that cannot be done (its sealed document cannot be
 * opened: another pepper) is left in place, logged and retried, never dropped: what the client was
 * told is stored stays stored.
 */
export interface QueuePlace {
  position: number;
  etaSeconds: number;
}

export interface DeclarationQueueDeps {
  store: Store;
  pepper: () => Buffer;
  pool: WorkPool;
  scryptLogN: number;
  /** The binding method of new declarations (CODE_LAYOUT: s2 with layout 3, s1 with layout 2). */
  bindingMethod?: BindingMethod;
  metrics: Metrics;
  logger: Logger;
  now: () => number;
  /** Idle workers look for jobs queued by other processes this often. */
  pollMs: number;
}

/** Declarations a second before any was measured: a guess of one scrypt at logN 15 per slot (~0.15 s). */
const INITIAL_SECONDS_PER_JOB = 0.15;
/** Weight of the newest throughput sample in the moving estimate. */
const EWMA_WEIGHT = 0.2;
/** A failing store or job is tried again after this pause, not in a tight loop. */
const RETRY_AFTER_ERROR_MS = 1000;

export class DeclarationQueue {
  /** Jobs queued the last time this process looked (enqueue, claim, poll): new declarations queue behind them. */
  private knownDepth = 0;
  /** Declarations finished per second across all workers, as seen from the jobs this process finished. */
  private rate: number;
  private running = false;
  private inFlight = 0;
  private timer: NodeJS.Timeout | undefined;
  private pumping: Promise<void> | undefined;
  private idle: Array<() => void> = [];

  constructor(private readonly deps: DeclarationQueueDeps) {
    this.rate = deps.pool.concurrency / INITIAL_SECONDS_PER_JOB;
  }

  /** Whether a declaration now must queue: the pool has no free slot, or others already wait. */
  busy(): boolean {
    return this.knownDepth > 0 || this.deps.pool.running >= this.deps.pool.concurrency || this.deps.pool.queued > 0;
  }

  /** An estimate for a place: at the throughput recently seen, rounded up to whole seconds. */
  eta(position: number): number {
    return Math.max(1, Math.ceil(position / this.rate));
  }

  /** Stores the subject (binding QUEUED_BINDING) with its job; resolves once both are durable. */
  async enqueue(subject: SubjectRecord, document: IdentityDocument, proxyId?: string, claim?: ClaimCheck): Promise<QueuePlace> {
    const job: QueuedDeclaration = { sealedDocument: sealDocument(this.deps.pepper(), subject.id, document), enqueuedAt: this.deps.now() };
    const { position } = await this.deps.store.enqueueDeclaration(subject, job, proxyId, claim);
    this.knownDepth = Math.max(this.knownDepth, position);
    this.wake();
    return { position, etaSeconds: this.eta(position) };
  }

  /** The subject's place, or undefined when its declaration is not (or no longer) queued. */
  async place(subjectId: string): Promise<QueuePlace | undefined> {
    const position = await this.deps.store.declarationQueuePosition(subjectId);
    return position === undefined ? undefined : { position, etaSeconds: this.eta(position) };
  }

  private working = false;

  /**
   * Starts the background loop: with `work` (DECLARATION_QUEUE_WORKER) this process takes jobs;
   * without, it only looks now and then whether the queue has emptied.
   */
  start(work: boolean): void {
    if (this.running) return;
    this.running = true;
    this.working = work;
    this.wake();
  }

  /** Stops taking jobs and waits for the ones running (their bindings are written). */
  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    await this.pumping;
    if (this.inFlight > 0) await new Promise<void>((resolve) => this.idle.push(resolve));
  }

  /**
   * Takes and finishes jobs until the queue is empty (tests and the worker process's drain):
   * resolves with how many were done by this call.
   */
  async drain(): Promise<number> {
    let done = 0;
    for (;;) {
      const job = await this.deps.store.claimDeclarationJob();
      if (!job) break;
      if (await this.work(job)) done++;
      else break;
    }
    await this.refreshDepth();
    return done;
  }

  private wake(): void {
    if (!this.running || this.pumping) return;
    clearTimeout(this.timer);
    this.pumping = this.pump().finally(() => {
      this.pumping = undefined;
    });
  }

  /** Claims jobs while the pool has free slots; schedules the next look when there is nothing to take. */
  private async pump(): Promise<void> {
    let delay = this.deps.pollMs;
    try {
      if (!this.working) {
        // A process that serves only still learns when the queue has emptied, so it answers 201 again.
        if (this.knownDepth > 0) await this.refreshDepth();
      } else {
        while (this.running && this.inFlight < this.deps.pool.concurrency && this.deps.pool.running < this.deps.pool.concurrency) {
          const job = await this.deps.store.claimDeclarationJob();
          if (!job) {
            this.knownDepth = this.inFlight;
            break;
          }
          this.inFlight++;
          void this.work(job).then((ok) => {
            this.inFlight--;
            if (this.inFlight === 0) for (const resolve of this.idle.splice(0)) resolve();
            if (ok) this.wake();
            else this.schedule(RETRY_AFTER_ERROR_MS);
          });
        }
      }
    } catch (err) {
      this.deps.logger.error({ err }, 'declaration queue: taking a job failed');
      delay = RETRY_AFTER_ERROR_MS;
    }
    this.schedule(delay);
  }

  private schedule(ms: number): void {
    if (!this.running) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.wake(), ms);
    this.timer.unref();
  }

  /** One job: open the document, compute the binding in the issue pool, write it with the job's removal. */
  private async work(job: ClaimedDeclarationJob): Promise<boolean> {
    const document = openDocument(this.deps.pepper(), job.subjectId, job.sealedDocument);
    if (!document) {
      // Kept, not dropped: the pepper this process holds cannot open it (a misconfigured worker).
      this.deps.logger.error({ seq: job.seq }, 'declaration queue: a queued document cannot be opened with this pepper; the job stays queued');
      await job.release().catch(() => undefined);
      return false;
    }
    try {
      const binding = await this.deps.pool.run(() => createBinding(document, this.deps.scryptLogN, this.deps.bindingMethod));
      await job.complete(binding);
      const waited = Math.max(0, this.deps.now() - job.enqueuedAt) / 1000;
      this.deps.metrics.declarationQueueWait.observe(waited);
      // The jobs ahead of it, and it, were finished in `waited` seconds by every worker together.
      if (waited > 0) this.rate = (1 - EWMA_WEIGHT) * this.rate + EWMA_WEIGHT * ((job.ahead + 1) / waited);
      return true;
    } catch (err) {
      this.deps.logger.error({ err, seq: job.seq }, 'declaration queue: a job failed; it stays queued');
      await job.release().catch(() => undefined);
      return false;
    }
  }

  private async refreshDepth(): Promise<void> {
    this.knownDepth = (await this.deps.store.declarationQueueStats()).depth;
  }
}
