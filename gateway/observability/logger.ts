import { hostname } from 'node:os';
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
      // pid and hostname where log collectors look for them (pino's default base, kept with ours).
      base: { service: 'health-code-gateway', pid: process.pid, hostname: hostname() },
      timestamp: pino.stdTimeFunctions.isoTime,
      serializers: { err: serializeError, error: serializeError },
      // Belt and braces: should a careless call pass one of these, it is censored.
      redact: {
        paths: ['*.number', '*.name', '*.phone', '*.holderToken', '*.authorization', 'req.headers', 'body', '*.body'],
        censor: '[redacted]',
      },
    },
    // Synchronous writes to stdout unless a test or tool passes its own stream. pino's default
    // writes each line with an fs.write on libuv's thread pool, where it waits behind the
    // pool's scrypt work, and a process.exit while one is pending writes the later lines first (a CI
    // run's shutdown ended with "shutting down" after "stopped"). One line is one write either way
    // (the default buffers nothing), so this costs no extra system calls and keeps the order.
    destination ?? pino.destination({ dest: 1, sync: true }),
  );
}

/**
 * Messages of unexpected errors are not ours to vouch for: a driver or parser may quote the value
 * it choked on (PostgreSQL's `invalid input syntax ...: "<value>"`, JSON.parse's snippet). Before
 * they are logged, long digit runs (ID, phone and passport numbers), CJK text (names), holder
 * tokens and bearer credentials are masked; the error's type, code and stack frames stay.
 */
export function scrubText(text: string): string {
  return text
    .replace(/Bearer\s+\S+/gi, 'Bearer [redacted]')
    .replace(/hct_[A-Za-z0-9_-]+/g, 'hct_[redacted]')
    .replace(/\d{7,}[0-9Xx]?/g, '[digits]')
    .replace(/[\u3400-\u9fff\uf900-\ufaff]+/g, '[text]');
}

export function serializeError(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { message: scrubText(String(error)) };
  const out: Record<string, unknown> = { type: error.name, message: scrubText(error.message) };
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') out['code'] = code;
  if (!(error as { expose?: boolean }).expose && error.stack) out['stack'] = scrubText(error.stack);
  return out;
}
