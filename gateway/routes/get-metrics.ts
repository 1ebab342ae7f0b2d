import type { RequestHandler } from 'express';
import type { Metrics } from '../observability/metrics.js';

/** GET /metrics — Prometheus text format; with several workers, `scrape` returns the cluster-wide aggregate. */
export function getMetrics(metrics: Metrics, scrape?: () => Promise<string>): RequestHandler {
  return async (_req, res) => {
    res.type(metrics.registry.contentType).send(await (scrape ? scrape() : metrics.registry.metrics()));
  };
}
