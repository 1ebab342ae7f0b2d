import type { Worker } from 'node:cluster';
import { AggregatorRegistry, Counter, Gauge, Registry } from 'prom-client';

/**
 * Cluster-wide metrics (WORKERS > 1): the primary asks each worker for its registry as JSON and
 * sums them with prom-client's aggregator.
 *
 * Why not prom-client's own `clusterMetrics()`: it asks every forked worker, including one still
 * starting (restarted after a crash, or slow at launch) that has not installed its answering
 * listener yet, and then fails the whole scrape after 5 s. Here only workers that are listening
 * are asked (a worker installs its answer before it listens, so every one asked can answer), and
 * a worker that exits while asked is left out instead of failing the scrape: its counts are gone
 * with it, and Prometheus reads the drop as a counter reset.
 */
const COLLECT = 'gateway:metrics-collect';
const COLLECTED = 'gateway:metrics-collected';

type WorkerMetrics = Awaited<ReturnType<Registry['getMetricsAsJSON']>>;

interface CollectMessage {
  type: typeof COLLECT;
  id: number;
}
interface CollectedMessage {
  type: typeof COLLECTED;
  id: number;
  metrics?: WorkerMetrics;
  error?: string;
}

/** In a worker, before it listens: answer the primary's collection requests with this registry. */
export function answerMetricsCollection(registry: Registry): void {
  process.on('message', (message: CollectMessage) => {
    if (message?.type !== COLLECT) return;
    registry.getMetricsAsJSON().then(
      (metrics) => process.send?.({ type: COLLECTED, id: message.id, metrics } satisfies CollectedMessage),
      (error: unknown) => process.send?.({ type: COLLECTED, id: message.id, error: (error as Error).message } satisfies CollectedMessage),
    );
  });
}

let nextId = 0;

/** One worker's registry, or `undefined` if it exits (or disconnects) before answering. */
function collectFrom(worker: Worker, timeoutMs: number): Promise<WorkerMetrics | undefined> {
  const id = nextId++;
  return new Promise((resolve, reject) => {
    const finish = (): void => {
      clearTimeout(timer);
      worker.off('message', onMessage);
      worker.off('exit', onGone);
      worker.off('disconnect', onGone);
    };
    const onMessage = (message: CollectedMessage): void => {
      if (message?.type !== COLLECTED || message.id !== id) return;
      finish();
      if (message.metrics) resolve(message.metrics);
      else reject(new Error(`a worker could not read its metrics: ${message.error ?? 'no reason given'}`));
    };
    const onGone = (): void => {
      finish();
      resolve(undefined);
    };
    const timer = setTimeout(() => {
      finish();
      reject(new Error(`a worker did not answer the metrics collection within ${timeoutMs} ms`));
    }, timeoutMs);
    worker.on('message', onMessage);
    worker.on('exit', onGone);
    worker.on('disconnect', onGone);
    worker.send({ type: COLLECT, id } satisfies CollectMessage);
  });
}

/** The primary's own metrics: how many workers serve, and how often one had to be replaced. */
export interface PrimaryMetrics {
  registry: Registry;
  workerReplaced(): void;
}

export function primaryMetrics(listeningWorkers: () => number): PrimaryMetrics {
  const registry = new Registry();
  new Gauge({
    name: 'gateway_cluster_workers_listening',
    help: 'Worker processes serving the port now (WORKERS > 1); below WORKERS while one starts or after one died',
    registers: [registry],
    collect() {
      this.set(listeningWorkers());
    },
  });
  const replaced = new Counter({
    name: 'gateway_cluster_worker_restarts_total',
    help: 'Workers that died after starting and were replaced by a new one',
    registers: [registry],
  });
  return { registry, workerReplaced: () => replaced.inc() };
}

/**
 * In the primary: every listening worker's metrics, summed, with the primary's own, in the
 * Prometheus text format.
 */
export async function collectClusterMetrics(workers: Iterable<Worker>, timeoutMs: number, primary: Registry): Promise<string> {
  const asked = [...workers].filter((worker) => worker.isConnected());
  const answers = await Promise.all(asked.map((worker) => collectFrom(worker, timeoutMs)));
  const own = await primary.getMetricsAsJSON();
  return AggregatorRegistry.aggregate([...answers.filter((answer): answer is WorkerMetrics => answer !== undefined), own]).metrics();
}
