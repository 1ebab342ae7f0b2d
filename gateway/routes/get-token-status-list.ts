import type { RequestHandler } from 'express';
import { STATUS_LIST_MEDIA_TYPE } from '../verify/token-status-list.js';
import { STATUS_LIST_TTL_SECONDS, type SignedStatusList } from '../status-list/own-status-list.js';
import { notModified } from '../http/etag.js';

/**
 * GET /sl/1 — Xinji's Token Status List, a JWT of typ statuslist+jwt served as
 * application/statuslist+jwt (draft-ietf-oauth-status-list §8.1), cacheable for its ttl, with an
 * ETag so a partner polling an unchanged list gets 304 (RFC 9110 §13.1.2).
 */
export function getTokenStatusList(current: () => Promise<SignedStatusList>): RequestHandler {
  return async (req, res) => {
    const list = await current();
    res.setHeader('cache-control', `public, max-age=${STATUS_LIST_TTL_SECONDS}`);
    res.setHeader('etag', list.etag);
    if (notModified(req.headers['if-none-match'], list.etag)) {
      res.status(304).end();
      return;
    }
    res.type(STATUS_LIST_MEDIA_TYPE).send(list.jwt);
  };
}
