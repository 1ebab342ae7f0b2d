import { createHash } from 'node:crypto';
import type { RequestHandler } from 'express';
import { authorize } from '../declarations/holder-auth.js';
import { currentColor, type IssuerDeps } from '../declarations/code-issuer.js';
import { bearerToken } from '../declarations/secrets.js';
import type { SubjectColor } from '../types/schemas.js';

/**
 * GET /v1/subjects/:subjectId/color — the colour now, for the holder or a proxy, without signing
 * or recording a code (issue 21, item 2): an open code screen polls it every few seconds and
 * fetches a fresh code only when it changed. The ETag names the answer; with a matching
 * If-None-Match the answer is 304 with no body (RFC 9110 §13.1.2), so an unchanged colour costs
 * the store reads of the derivation and a few bytes.
 */
export function getSubjectColor(deps: IssuerDeps): RequestHandler<{ subjectId: string }> {
  return async (req, res) => {
    const { viaProxy: _, ...subject } = await authorize(deps, bearerToken(req.headers.authorization), req.params.subjectId);
    const { color, reasons } = await currentColor(deps, subject);
    const body: SubjectColor = { subjectId: subject.id, color, reasons, declaredAt: new Date(subject.declaredAt).toISOString() };
    const etag = `"${createHash('sha256').update(JSON.stringify(body)).digest('base64url').slice(0, 22)}"`;
    res.setHeader('cache-control', 'no-cache');
    res.setHeader('etag', etag);
    const match = req.headers['if-none-match'];
    if (match !== undefined && match.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag)) {
      res.status(304).end();
      return;
    }
    res.json(body);
  };
}
