import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Express } from 'express';
import type { Logger } from 'pino';
import type { GatewayConfig } from '../types/schemas.js';
import { answerClientError } from '../http/client-error.js';

type Timeouts = GatewayConfig['http'];

export interface GatewayServer {
  server: Server;
  /**
   * Stops accepting, lets requests in flight finish, and closes every connection once it has no
   * request left (idle keep-alive connections at once). Past `timeoutMs` the remaining
   * connections are destroyed and the result is 'forced'.
   */
  drain(timeoutMs: number, logger: Logger): Promise<'drained' | 'forced'>;
}

/** How often idle connections are swept while draining: a response that just finished leaves one. */
const SWEEP_MS = 50;

/**
 * The HTTP server of the app, with the client timeouts of the configuration. Node checks
 * headersTimeout and requestTimeout only every connectionsCheckingInterval (30 s by default), so
 * the interval is derived from the shortest bound: a client sending its headers a byte at a time
 * is cut off close to headersTimeoutMs, not up to 30 s later.
 */
export function createGatewayServer(app: Express, timeouts: Timeouts): GatewayServer {
  if (timeouts.headersTimeoutMs > timeouts.requestTimeoutMs) {
    throw new Error(`config.http.headersTimeoutMs (HEADERS_TIMEOUT_MS) must not exceed config.http.requestTimeoutMs (REQUEST_TIMEOUT_MS)`);
  }
  const inFlight = new Set<ServerResponse>();
  let draining = false;
  const server = createServer(
    {
      requestTimeout: timeouts.requestTimeoutMs,
      headersTimeout: timeouts.headersTimeoutMs,
      keepAliveTimeout: timeouts.keepAliveTimeoutMs,
      connectionsCheckingInterval: Math.max(100, Math.min(1000, Math.floor(timeouts.headersTimeoutMs / 5))),
    },
    (req: IncomingMessage, res: ServerResponse) => {
      // While draining, every answer closes its connection (RFC 9112 §9.6), so a client does not
      // send its next request onto a socket that is about to go.
      if (draining) res.setHeader('connection', 'close');
      inFlight.add(res);
      res.once('close', () => inFlight.delete(res));
      app(req, res);
    },
  );
  // Requests Node's parser refuses get the gateway's error body and code too (client-error.ts).
  server.on('clientError', answerClientError);

  return {
    server,
    drain(timeoutMs, logger) {
      draining = true;
      for (const res of inFlight) if (!res.headersSent) res.setHeader('connection', 'close');
      return new Promise((resolve) => {
        if (!server.listening) {
          resolve('drained');
          return;
        }
        let settled = false;
        const sweep = setInterval(() => server.closeIdleConnections(), SWEEP_MS);
        const bound = setTimeout(() => {
          if (settled) return;
          settled = true;
          clearInterval(sweep);
          logger.error({ timeoutMs, requestsInFlight: inFlight.size }, 'shutdown timed out: connections forced closed');
          server.closeAllConnections();
          resolve('forced');
        }, timeoutMs);
        server.close(() => {
          if (settled) return;
          settled = true;
          clearInterval(sweep);
          clearTimeout(bound);
          resolve('drained');
        });
        // Node 19+ closes idle connections in close(); once more for clarity and older behaviour.
        server.closeIdleConnections();
      });
    },
  };
}
