import type { RequestHandler } from 'express';

/**
 * GET /openapi.yaml — the contract itself, as the file in the repository (read once at start by
 * the composition root). `application/yaml` is the media type RFC 9512 registers for YAML.
 */
export function getOpenApi(yaml: string): RequestHandler {
  const body = Buffer.from(yaml, 'utf8');
  return (_req, res) => {
    res.type('application/yaml; charset=utf-8').send(body);
  };
}
