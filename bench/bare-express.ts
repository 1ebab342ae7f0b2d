import { readFileSync } from 'node:fs';
import express from 'express';

/**
 * The floor for the gateway's cheapest route: a bare express app answering a constant, run as its
 * own process like the gateway (`node dist/bench/bare-express.js <port> [file]`). With a file, GET
 * /file answers its bytes as a static file server keeps them: read once, sent from memory.
 */
const port = Number(process.argv[2]);
const file = process.argv[3] ? readFileSync(process.argv[3]) : undefined;
const app = express();
app.get('/healthz', (_req, res) => {
  res.json({ status: 'ok' });
});
if (file) {
  app.get('/file', (_req, res) => {
    res.setHeader('content-type', 'application/jwt');
    res.setHeader('content-length', file.length);
    res.end(file);
  });
}
const server = app.listen(port, '127.0.0.1', () => process.send?.('ready'));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
