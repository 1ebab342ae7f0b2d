import { randomUUID } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import type { Metrics } from '../observability/metrics.js';
import type { RateLimitKind } from '../observability/label-sets.js';

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

/** Routes machines poll (orchestrator probes, Prometheus scrapes): their lines are debug, not info. */
export const POLLED_ROUTES: ReadonlySet<string> = new Set(['/healthz', '/readyz', '/metrics']);

const START = Symbol('start');
type Timed = Response & { [START]?: bigint };

const elapsedSeconds = (res: Timed): number => Number(process.hrtime.bigint() - (res[START] ?? process.hrtime.bigint())) / 1e9;

/**
 * One log line and one metric sample per request. The line is built from an allowlist (fastify's
 * way), never from the request object: request id, method, route pattern
 * (`/v1/subjects/:subjectId/code`, never the raw URL, its query or headers), status, duration and
 * the error code of an error answer. It is info at every status — an unexpected error is logged
 * once, with its stack, where it is handled (error-handler.ts) — except for probes and scrapes,
 * which are debug: they were a third of an operator's request lines. It is written when the answer
 * is finished, or when the connection closes before that (a client that went away).
 *
 * Written here rather than with pino-http (issue 22): pino-http builds a child logger bound to the
 * whole request object for every request, logged or not; serialising and redacting it was a third
 * of the CPU time of POST /v1/verify under load (npm run bench:profile), and a logger that holds a
 * request's URL and headers is one careless call away from logging them.
 */
export function requestLog(logger: Logger, metrics: Metrics): RequestHandler {
  return (req, res, next) => {
    (res as Timed)[START] = process.hrtime.bigint();
    const reqId = requestId(req.headers['x-request-id']);
    res.setHeader('x-request-id', reqId);
    res.locals['reqId'] = reqId;
    let written = false;
    const write = (): void => {
      if (written) return;
      written = true;
      const route = routeLabel(req);
      const level = POLLED_ROUTES.has(route) ? 'debug' : 'info';
      if (!logger.isLevelEnabled(level)) return;
      const code = res.locals['errorCode'] as string | undefined;
      // The client went away: its request stream was cut before its end (Node 22 may then still
      // finish an error answer to the closed socket), or the answer was not finished. The status is
      // then only what had been set. An answer given before the body was read is not aborted.
      const aborted = req.readableAborted || !res.writableFinished;
      logger[level]({ reqId, method: req.method, route, status: res.statusCode, ms: Math.round(elapsedSeconds(res) * 1000), ...(code ? { code } : {}), ...(aborted ? { aborted } : {}) }, 'request');
    };
    // A finished answer is measured and logged; a connection closed before that is only logged.
    res.once('finish', () => {
      if (res.statusCode === 429 && res.locals['errorCode'] === 'ERR_RATE_LIMITED') {
        metrics.rateLimited.inc({ limit: (res.locals['rateLimit'] as RateLimitKind | undefined) ?? 'address' });
      }
      const method = (LABELLED_METHODS as readonly string[]).includes(req.method) ? req.method : 'OTHER';
      metrics.httpDuration.observe({ method, route: routeLabel(req), status_class: `${Math.floor(res.statusCode / 100)}xx` }, elapsedSeconds(res));
      write();
    });
    res.once('close', write);
    next();
  };
}
