import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildWeb } from '../../gateway/web/build-web.js';

/**
 * The pages built for one test file into a directory of its own (`webDir` of a test gateway):
 * `npm test` on a clean clone needs no prior `npm run build`, and never reads or writes dist/.
 */
export async function buildPagesForTest(): Promise<{ dir: string; remove(): void }> {
  const dir = await buildWeb(mkdtempSync(join(tmpdir(), 'hcg-web-')));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
