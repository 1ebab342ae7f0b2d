import type { RequestHandler } from 'express';
import type { Help } from '../types/schemas.js';

/**
 * GET /v1/help — the hotline numbers the resident's help (帮助) and a printed 通行证 show (notice §3:
 * 拨打热线电话（0311-83283507、83283500）进行咨询). Configuration (HELP_HOTLINES), so a city
 * changes them without a build.
 */
export function getHelp(hotlines: string): RequestHandler {
  const body: Help = { hotlines: hotlines.split(',').map((n) => n.trim()).filter((n) => n.length > 0) };
  return (_req, res) => {
    res.setHeader('cache-control', 'public, max-age=3600');
    res.json(body);
  };
}
