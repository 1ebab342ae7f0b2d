import express from 'express';
import { createRemoteJWKSet, jwtVerify } from 'jose';

/**
 * Issue 22's baseline for POST /v1/verify: what a partner city would write instead of calling the
 * gateway — a bare express route calling jose.jwtVerify on the issuer's published JWKS — run as
 * its own process like the gateway (`node dist/bench/bare-jose-verify.js <port> <jwksUri> <issuer>`).
 */
const [port, jwksUri, issuer] = process.argv.slice(2) as [string, string, string];
const jwks = createRemoteJWKSet(new URL(jwksUri));
const app = express();
app.use(express.json({ limit: '16kb' }));
app.post('/v1/verify', async (req, res) => {
  const code = (req.body as { code?: unknown } | undefined)?.code;
  if (typeof code !== 'string') {
    res.status(400).json({ valid: false });
    return;
  }
  try {
    const { payload } = await jwtVerify(code, jwks, { issuer, algorithms: ['ES256'] });
    res.json({ valid: true, payload });
  } catch {
    res.json({ valid: false });
  }
});
const server = app.listen(Number(port), '127.0.0.1', () => process.send?.('ready'));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
