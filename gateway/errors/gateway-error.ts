import { ERROR_CATALOGUE, type ErrorCode } from './catalogue.js';

/**
 * The one error class of the gateway (after panva/jose's JOSEError): a stable `code` from the
 * catalogue, the HTTP `status` that goes with it, and `expose` — whether the message may be shown
 * to the client. 5xx errors other than 503 (deliberate overload answers) are never exposed; their body says only ERR_INTERNAL.
 *
 * Messages must never contain personal data (document numbers, names, phones): they are logged
 * and returned verbatim.
 */
export class GatewayError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly expose: boolean;
  readonly field: string | undefined;
  /** Seconds the client should wait before retrying (the Retry-After header, RFC 9110 §10.2.3). */
  readonly retryAfterSeconds: number | undefined;

  constructor(code: ErrorCode, message?: string, options: { field?: string; cause?: unknown; retryAfterSeconds?: number } = {}) {
    super(message ?? ERROR_CATALOGUE[code].message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'GatewayError';
    this.code = code;
    this.status = ERROR_CATALOGUE[code].status;
    // 503 is the gateway saying "not now" on purpose (admission control): the client needs its code.
    this.expose = this.status < 500 || this.status === 503;
    this.field = options.field;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }

  /** The `{ code, message, field? }` object clients see. */
  toJSON(): { code: string; message: string; field?: string } {
    if (!this.expose) return { code: 'ERR_INTERNAL', message: 'ERR_INTERNAL' };
    return this.field === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, field: this.field };
  }
}

export function isGatewayError(error: unknown): error is GatewayError {
  return error instanceof GatewayError;
}
