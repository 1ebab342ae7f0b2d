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
 * a worker that exits while asked is left out instead of failing the scrape.
 *
 * Counters stay monotonic when a worker dies (WorkerTotals): the primary keeps each worker's last
 * answer and, once the worker is gone, carries its counters and histograms on in the sum. A drop
 * would be read by Prometheus as a counter reset, and increase() would add the survivors' whole
 * totals again. What a worker counted after its last collection is lost with it.
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

type MetricJson = WorkerMetrics[number];

/** Counters and histograms only: a gone worker's gauges (cache size, keys held) are not the cluster's. */
const CUMULATIVE = new Set(['counter', 'histogram']);

/** A histogram's values name their series (_bucket, _sum, _count); a counter's do not. */
function seriesKey(metric: MetricJson, value: MetricJson['values'][number]): string {
  const name = (value as { metricName?: string }).metricName ?? metric.name;
  const labels = value.labels;
  return `${name}${JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))}`;
}

/** Sums the cumulative series of `from` into `into` (same metric, same labels: one value). */
function addCumulative(into: Map<string, MetricJson>, from: WorkerMetrics): void {
  for (const metric of from) {
    if (!CUMULATIVE.has(String(metric.type))) continue;
    const held = into.get(metric.name) ?? { ...metric, values: [] };
    const values = new Map(held.values.map((v) => [seriesKey(metric, v), { ...v }]));
    for (const v of metric.values) {
      const key = seriesKey(metric, v);
      const known = values.get(key);
      if (known) known.value += v.value;
      else values.set(key, { ...v });
    }
    into.set(metric.name, { ...held, values: [...values.values()] });
  }
}

/**
 * In the primary: what each worker last answered, and the counts of workers that are gone, so
 * the cluster's counters never go down when a worker dies and is replaced.
 */
export class WorkerTotals {
  private readonly last = new Map<number, WorkerMetrics>();
  private readonly gone = new Map<string, MetricJson>();

  record(workerId: number, metrics: WorkerMetrics): void {
    this.last.set(workerId, metrics);
  }

  /** The worker exited: its last counts stay in every later sum. */
  retire(workerId: number): void {
    const last = this.last.get(workerId);
    this.last.delete(workerId);
    if (last) addCumulative(this.gone, last);
  }

  /**
   * What to sum for a scrape: each answer, the cumulative part of the last answer of each worker
   * that did not answer this time (it exits, or its exit is not handled yet), and the gone ones.
   */
  sources(answered: ReadonlyMap<number, WorkerMetrics>): WorkerMetrics[] {
    for (const [id, metrics] of answered) this.record(id, metrics);
    const silent = new Map<string, MetricJson>();
    for (const [id, metrics] of this.last) if (!answered.has(id)) addCumulative(silent, metrics);
    return [...answered.values(), [...silent.values()], [...this.gone.values()]].filter((m) => m.length > 0);
  }
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
export async function collectClusterMetrics(workers: Iterable<Worker>, timeoutMs: number, primary: Registry, totals: WorkerTotals): Promise<string> {
  const asked = [...workers].filter((worker) => worker.isConnected());
  const answers = await Promise.all(asked.map(async (worker) => [worker.id, await collectFrom(worker, timeoutMs)] as const));
  const answered = new Map(answers.filter((a): a is readonly [number, WorkerMetrics] => a[1] !== undefined));
  const own = await primary.getMetricsAsJSON();
  return AggregatorRegistry.aggregate([...totals.sources(answered), own]).metrics();
}
