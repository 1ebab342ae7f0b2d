import { buildWeb } from '../web/build-web.js';

/** `npm run build` (after tsc): the pages into dist/web, where the gateway reads them at start. */
const dir = await buildWeb();
process.stdout.write(`pages built into ${dir}\n`);
