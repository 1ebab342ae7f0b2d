import { fork } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../demo/processes.js';
import { load, type LoadResult } from './load.js';
import type { BenchPartner } from './partner.js';
import { ratioRow, type Row } from './report.js';
import { benchEnv, CONNECTIONS, startGatewayProcess, verifyLoad, warmLoad } from './rows-http.js';

/**
 * Issue 22: POST /v1/verify of partner codes against what the partner city would write instead —
 * a bare express route calling jose.jwtVerify on the issuer's published JWKS
 * (bench/bare-jose-verify.ts), in its own process, the same codes, the same connections. The two
 * processes are loaded in turn, A B, B A, A B, so drift of a shared machine falls on both alike.
 */
const ROUNDS = 3;
const BARE = fileURLToPath(new URL('./bare-jose-verify.js', import.meta.url));

function startBare(port: number, partner: BenchPartner): Promise<{ url: string; stop(): Promise<void> }> {
  const child = fork(BARE, [String(port), partner.partner().jwksUri, partner.issuer], { stdio: 'ignore' });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`bare jose verifier exited (${code})`)));
    child.once('message', () => resolve({
      url: `http://127.0.0.1:${port}`,
      stop: () => new Promise<void>((done) => { child.removeAllListeners('exit'); child.once('exit', () => done()); child.kill('SIGTERM'); }),
    }));
  });
}

export async function bareJoseRow(dir: string, partner: BenchPartner, codes: readonly string[], seconds: number): Promise<Row> {
  const gw = await startGatewayProcess(join(dir, 'vs-jose'), 'vs-jose', partner, benchEnv());
  const bare = await startBare(await freePort(), partner);
  const rounds: Record<'gateway' | 'bare', LoadResult[]> = { gateway: [], bare: [] };
  try {
    const perRound = Math.max(1, Math.round(seconds / ROUNDS));
    await warmLoad(verifyLoad(gw.url, codes, perRound));
    await warmLoad(verifyLoad(bare.url, codes, perRound));
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? (['gateway', 'bare'] as const) : (['bare', 'gateway'] as const);
      for (const which of order) rounds[which].push(await load(verifyLoad(which === 'gateway' ? gw.url : bare.url, codes, perRound)));
    }
  } finally {
    await gw.stop();
    await bare.stop();
  }
  const rate = (rs: LoadResult[]): number => rs.reduce((a, r) => a + r.requests, 0) / rs.reduce((a, r) => a + r.seconds, 0);
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
  return ratioRow({
    id: 'verify-vs-bare-jose',
    name: `POST /v1/verify vs a bare express + jose.jwtVerify route (own process), distinct partner codes, ${CONNECTIONS} connections, ${ROUNDS} interleaved rounds`,
    value: rate(rounds.gateway), unit: 'req/s',
    baseline: { name: 'express + jose.jwtVerify on the partner JWKS', value: rate(rounds.bare) },
    p50Ms: median(rounds.gateway.map((r) => r.p50Ms)), p99Ms: median(rounds.gateway.map((r) => r.p99Ms)),
    failures: [...rounds.gateway, ...rounds.bare].reduce((a, r) => a + r.failures, 0),
    notes: [
      `req/s per round — gateway: ${rounds.gateway.map((r) => Math.round(r.perSecond)).join(', ')}; bare jose: ${rounds.bare.map((r) => Math.round(r.perSecond)).join(', ')}`,
      `bare p50/p99 (median of rounds) ${median(rounds.bare.map((r) => r.p50Ms))}/${median(rounds.bare.map((r) => r.p99Ms))} ms`,
    ],
    bound: 'what the gateway does beyond the signature: strict parsing, header and claim rules, normalisation with its schema check, status list, result cache, request log, metrics, security headers — with autocannon on the same two cores',
  }, 0.9);
}
