import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from 'pino';
import { GatewayError } from '../errors/gateway-error.js';
import { routeLabel, setErrorCode } from './request-log.js';

export const notFound: RequestHandler = (_req, _res, next) => next(new GatewayError('ERR_NOT_FOUND'));

/**
 * The last handler: GatewayErrors become `{ error: { code, message, field? } }` with their status;
 * anything else is a bug, answered with 500 ERR_INTERNAL and nothing more. This is the one place
 * such an error is logged (with its stack); the request line then carries only its code.
 */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error, req, res, _next) => {
    let known: GatewayError;
    if (error instanceof GatewayError) {
      known = error;
    } else if (error instanceof URIError) {
      // The router could not percent-decode a path parameter (`/v1/subjects/%ZZ/code`, RFC 3986
      // §2.1): no resource has that name. Found by the fuzzer (tests/fuzz/regressions.test.ts).
      known = new GatewayError('ERR_NOT_FOUND');
    } else {
      known = new GatewayError('ERR_INTERNAL');
      logger.error({ err: error, reqId: res.locals['reqId'], route: routeLabel(req) }, 'unhandled error');
    }
    setErrorCode(res, known.toJSON().code);
    // Too late for an error body: the answer is cut off, so the client sees a failure instead of
    // waiting forever for a response nobody will finish (express's own final handler does the same).
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (known.retryAfterSeconds !== undefined) res.setHeader('retry-after', String(known.retryAfterSeconds));
    res.status(known.status).json({ error: known.toJSON() });
  };
}
