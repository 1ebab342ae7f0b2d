import { pino, type Logger, type DestinationStream } from 'pino';

/**
 * Structured logs without personal data. Requests are logged through an allowlist serializer
 * (after fastify's): method, route pattern, status, duration, request id — never bodies, headers,
 * query strings or tokens. Error objects are reduced to name, code and message; messages of
 * GatewayErrors never contain personal data by construction (gateway/errors/gateway-error.ts).
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'health-code-gateway' },
      timestamp: pino.stdTimeFunctions.isoTime,
      serializers: { err: serializeError, error: serializeError },
      // Belt and braces: should a careless call pass one of these, it is censored.
      redact: {
        paths: ['*.number', '*.name', '*.phone', '*.holderToken', '*.authorization', 'req.headers', 'body', '*.body'],
        censor: '[redacted]',
      },
    },
    destination,
  );
}

export function serializeError(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { message: String(error) };
  const out: Record<string, unknown> = { type: error.name, message: error.message };
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') out['code'] = code;
  if (!(error as { expose?: boolean }).expose) out['stack'] = error.stack;
  return out;
}
