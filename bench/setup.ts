import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { loadConfig } from '../gateway/config/load-config.js';
import { createGateway, type Gateway } from '../gateway/gateway.js';
import { declare } from '../gateway/declarations/declaration-service.js';
import type { SubjectRecord } from '../gateway/store/store.js';
import type { IdentityDocument } from '../gateway/types/schemas.js';

/**
 * The system under measurement: a real gateway (SQLite store, generated ES256 key, default rules)
 * on a temporary directory, listening on 127.0.0.1, and one real Xinji code issued through the
 * declaration service — so the verify path includes Xinji's own-records check, as in production.
 */
export const BENCH_DOCUMENT: IdentityDocument = { type: 'resident_id', number: '130181199003071239' };

export interface BenchGateway {
  gateway: Gateway;
  url: string;
  dir: string;
  jws: string;
  subject: SubjectRecord;
}

export async function startBenchGateway(root: string = mkdtempSync(join(tmpdir(), 'hcg-bench-'))): Promise<BenchGateway> {
  const dir = join(root, 'inprocess');
  mkdirSync(join(dir, 'partners'), { recursive: true });
  const config = loadConfig(
    {},
    {
      port: 0,
      host: '127.0.0.1',
      dataDir: join(dir, 'data'),
      certsDir: join(dir, 'certs'),
      partnersDir: join(dir, 'partners'),
      binding: { scryptLogN: 12 },
      logLevel: 'silent',
      // One loopback client drives the whole benchmark: a per-client limit would measure itself.
      rateLimit: { enabled: false, perSecond: 20, burst: 40, maxClients: 10_000 },
    },
  );
  const gateway = await createGateway(config, { logger: pino({ level: 'silent' }), backgroundRefresh: false });
  const server = await gateway.listen();
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('the gateway is not listening on TCP');
  const { result } = await declare(gateway.deps, declaration(), undefined);
  const subject = await gateway.deps.store.getSubject(result.subjectId);
  if (!subject) throw new Error('the declared subject is not in the store');
  return { gateway, url: `http://127.0.0.1:${address.port}`, dir: root, jws: result.credential.jws, subject };
}

export function declaration(): Record<string, unknown> {
  return {
    applicant: { name: '张永猛', document: BENCH_DOCUMENT, phone: '13012340604', residence: 'permanent' },
    travel14d: ['130100'],
    symptoms: [],
    contactWithCase: false,
    attestTruthful: true,
  };
}
