import type { RequestHandler } from 'express';
import QRCode from 'qrcode';
import { qrSegments } from '../issuer/qr-segments.js';
import { freshCode } from '../declarations/declaration-service.js';
import { bearerToken } from '../declarations/secrets.js';
import { GatewayError } from '../errors/gateway-error.js';
import type { IssuerDeps } from '../declarations/code-issuer.js';

const FORMATS = ['json', 'svg', 'png'] as const;
type Format = (typeof FORMATS)[number];

function chooseFormat(query: unknown, accept: (types: string[]) => string | false): Format {
  if (query !== undefined) {
    if (typeof query === 'string' && (FORMATS as readonly string[]).includes(query)) return query as Format;
    throw new GatewayError('ERR_VALIDATION', 'format must be one of: json, svg, png.', { field: 'format' });
  }
  const preferred = accept(['application/json', 'image/svg+xml', 'image/png']);
  return preferred === 'image/svg+xml' ? 'svg' : preferred === 'image/png' ? 'png' : 'json';
}

/**
 * GET /v1/subjects/:subjectId/code — a fresh code with the current colour, as JSON or, with
 * `?format=svg|png` (or Accept), as the QR image of the same JWS (numeric mode: issuer/qr-segments.ts). Codes are personal: no caching.
 */
export function getSubjectCode(deps: IssuerDeps): RequestHandler<{ subjectId: string }> {
  return async (req, res) => {
    const format = chooseFormat(req.query['format'], (types) => req.accepts(types));
    const result = await freshCode(deps, req.params.subjectId, bearerToken(req.headers.authorization));
    res.setHeader('cache-control', 'no-store');
    res.setHeader('x-health-code-color', result.color);
    if (format === 'svg') {
      res.type('image/svg+xml').send(await QRCode.toString(qrSegments(result.credential.jws), { type: 'svg', errorCorrectionLevel: 'M', margin: 2 }));
    } else if (format === 'png') {
      res.type('image/png').send(await QRCode.toBuffer(qrSegments(result.credential.jws), { type: 'png', errorCorrectionLevel: 'M', margin: 2, scale: 4 }));
    } else {
      res.json(result);
    }
  };
}
