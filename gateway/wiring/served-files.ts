import { readFileSync } from 'node:fs';
import type { AppDeps } from '../app.js';
import { fromRoot } from '../paths.js';
import { publishedSchemas, servedOpenApi } from '../schemas/published.js';
import { loadPageAssets } from '../web/page-assets.js';
import type { WiringContext } from './context.js';

/** What the gateway serves as files, read once at start: the pages, openapi.yaml and the schemas it references. */
export function loadServedFiles({ config, options, logger }: WiringContext): Pick<AppDeps, 'pages' | 'openapiYaml' | 'schemas'> {
  const webDir = options.webDir ?? fromRoot('pages');
  const pages = loadPageAssets(webDir);
  if (pages.size === 0) logger.warn({ webDir }, 'the pages are not built (npm run build): GET / and GET /checkpoint answer 404');
  const openapi = readFileSync(fromRoot('openapi.yaml'), 'utf8');
  return {
    pages,
    openapiYaml: servedOpenApi(openapi, config.issuer.url),
    schemas: publishedSchemas(openapi, config.issuer.url),
  };
}
