import express from 'express';

/**
 * The floor for the gateway's cheapest route: a bare express app answering a constant, run as its
 * own process like the gateway (`node dist/bench/bare-express.js <port>`).
 */
const port = Number(process.argv[2]);
const app = express();
app.get('/healthz', (_req, res) => {
  res.json({ status: 'ok' });
});
const server = app.listen(port, '127.0.0.1', () => process.send?.('ready'));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
