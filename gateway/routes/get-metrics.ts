import type { RequestHandler } from 'express';
import type { Metrics } from '../observability/metrics.js';

/** GET /metrics — Prometheus text format. */
export function getMetrics(metrics: Metrics): RequestHandler {
  return async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  };
}
