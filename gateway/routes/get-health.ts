import type { RequestHandler } from 'express';

/** GET /healthz — liveness: the process answers. */
export const getHealth: RequestHandler = (_req, res) => {
  res.json({ status: 'ok' });
};
