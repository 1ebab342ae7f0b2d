import type { RequestHandler } from 'express';
import type { ReadinessState } from '../lifecycle/readiness.js';

/** GET /readyz — readiness: 200 when the gateway can serve, 503 naming what fails (readiness.schema.json). */
export function getReady(readiness: ReadinessState): RequestHandler {
  return async (_req, res) => {
    const result = await readiness.check();
    res.status(result.status === 'ready' ? 200 : 503).json(result);
  };
}
