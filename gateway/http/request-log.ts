import { randomUUID } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import type { Metrics } from '../observability/metrics.js';

/** Methods labelled as themselves; any other is "OTHER", so hostile methods cannot grow the label set. */
export const LABELLED_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

/** The route label of requests no route matched. */
export const UNMATCHED_ROUTE = 'unmatched';

/**
 * A UUID (RFC 9562 text form, or its 32 hex digits without hyphens, as nginx's $request_id): what
 * Envoy, most load balancers and this gateway generate. Nothing looser is taken: a charset rule
 * alone would let a client put a phone or ID number (digits) into every log line of its request,
 * and control characters or quotes would be a log- and header-injection channel.
 */
const REQUEST_ID = /^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{32})$/i;

/** The incoming X-Request-Id when it is well-formed, else a fresh one. */
export function requestId(header: string | string[] | undefined): string {
  return typeof header === 'string' && REQUEST_ID.test(header) ? header : randomUUID();
}

/** The route pattern that answered the request, or UNMATCHED_ROUTE. */
export function routeLabel(req: Request): string {
  // Express lets a HEAD request into a route of any method and leaves req.route set when that
  // route does not handle it: only a route that handles the method names the request.
  const route = req.route as { path: unknown; methods: Record<string, boolean> } | undefined;
  const method = req.method === 'HEAD' ? 'get' : req.method.toLowerCase();
  return route && (route.methods[method] || route.methods['_all']) ? `${req.baseUrl}${String(route.path)}` : UNMATCHED_ROUTE;
}

/** The catalogue code of an error answer, set by the error handler for the request line. */
export function setErrorCode(res: Response, code: string): void {
  res.locals['errorCode'] = code;
}

/**
 * One log line and one metric sample per request, from an allowlist of fields: request id,
 * method, route pattern (`/v1/subjects/:subjectId/code`, never the raw URL), status, duration and
 * the error code of an error answer. The line is informational at every status: an unexpected
 * error is logged once, with its stack, where it is handled (error-handler.ts).
 */
export function requestLog(logger: Logger, metrics: Metrics): RequestHandler {
  return (req, res, next) => {
    const start = process.hrtime.bigint();
    const reqId = requestId(req.headers['x-request-id']);
    res.locals['reqId'] = reqId;
    res.setHeader('x-request-id', reqId);
    res.on('finish', () => {
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      const route = routeLabel(req);
      const method = (LABELLED_METHODS as readonly string[]).includes(req.method) ? req.method : 'OTHER';
      const status = res.statusCode;
      metrics.httpDuration.observe({ method, route, status_class: `${Math.floor(status / 100)}xx` }, seconds);
      const code = res.locals['errorCode'] as string | undefined;
      logger.info({ reqId, method, route, status, ms: Math.round(seconds * 1000), ...(code ? { code } : {}) }, 'request');
    });
    next();
  };
}
