import type { RequestHandler } from 'express';
import { statusList } from '../declarations/own-code-status.js';
import type { IssuerDeps } from '../declarations/code-issuer.js';
import { STATUS_URI_SUNSET } from '../issuer/issuer-metadata.js';
import { tokenStatusListUri } from '../status-list/own-status-list.js';

/**
 * GET /.well-known/health-code-status — Xinji codes superseded or revoked before their exp, as a
 * JSON list. Deprecated for the Token Status List (GET /sl/1): served until STATUS_URI_SUNSET,
 * saying so in every answer (Deprecation, RFC 9745; Sunset, RFC 8594; Link to its successor).
 */
export function getCredentialStatus(deps: IssuerDeps): RequestHandler {
  const sunset = new Date(STATUS_URI_SUNSET).toUTCString();
  const successor = `<${tokenStatusListUri(deps.config.issuer.url)}>; rel="successor-version"`;
  return async (_req, res) => {
    res.setHeader('cache-control', 'public, max-age=30');
    res.setHeader('deprecation', '@1796601600');
    res.setHeader('sunset', sunset);
    res.setHeader('link', successor);
    res.json(await statusList(deps));
  };
}
