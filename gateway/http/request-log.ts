import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Logger } from 'pino';
import type { Metrics } from '../observability/metrics.js';

/**
 * One log line and one metric sample per request, from an allowlist of fields: method, route
 * pattern (`/v1/subjects/:subjectId/code`, never the raw URL), status, duration, request id.
 * Unmatched paths are labelled "unmatched" so hostile URLs cannot grow the label set.
 */
export function requestLog(logger: Logger, metrics: Metrics): RequestHandler {
  return (req, res, next) => {
    const start = process.hrtime.bigint();
    const reqId = randomUUID();
    res.locals['reqId'] = reqId;
    res.setHeader('x-request-id', reqId);
    res.on('finish', () => {
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      const route = req.route ? `${req.baseUrl}${String(req.route.path)}` : 'unmatched';
      const method = ['GET', 'POST', 'PUT', 'DELETE', 'HEAD', 'OPTIONS'].includes(req.method) ? req.method : 'OTHER';
      metrics.httpRequests.inc({ route, method, status: String(res.statusCode) });
      metrics.httpDuration.observe({ route, method }, seconds);
      const level = res.statusCode >= 500 ? 'error' : 'info';
      logger[level]({ reqId, method, route, status: res.statusCode, ms: Math.round(seconds * 1000) }, 'request');
    });
    next();
  };
}
