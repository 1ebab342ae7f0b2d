import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { loadConfig } from '../gateway/config/load-config.js';
import { createGateway, type Gateway } from '../gateway/gateway.js';
import { gb11643CheckChar } from '../gateway/identity/documents.js';
import type { IdentityDocument } from '../gateway/types/schemas.js';
import type { BenchPartner } from './partner.js';

/**
 * The systems under measurement: a real gateway in this process (for the rows without HTTP) with
 * the bench partner registered by a partner file, SQLite store, generated ES256 key, production
 * defaults otherwise (verified-result cache included); and the declarations the launch-day row
 * sends, each for a different resident.
 */
export const BENCH_DOCUMENT: IdentityDocument = { type: 'resident_id', number: '130181199003071239' };

/** The entries the verified-result cache keeps in every bench gateway (the default). */
export const CACHE_ENTRIES = 10_000;

export interface InProcessGateway {
  gateway: Gateway;
  url: string;
}

export async function startInProcessGateway(dir: string, partner: BenchPartner, options: { backgroundRefresh: boolean }): Promise<InProcessGateway> {
  mkdirSync(join(dir, 'partners'), { recursive: true });
  partner.writePartnerFile(join(dir, 'partners'));
  const config = loadConfig(
    {},
    {
      port: 0,
      host: '127.0.0.1',
      dataDir: join(dir, 'data'),
      certsDir: join(dir, 'certs'),
      partnersDir: join(dir, 'partners'),
      allowInsecureLoopbackJwks: true,
      verifyCacheMaxEntries: CACHE_ENTRIES,
      logLevel: 'silent',
      // One loopback client drives the whole benchmark: a per-client limit would measure itself.
      rateLimit: { enabled: false, perSecond: 20, burst: 40, maxClients: 10_000 },
    },
  );
  const gateway = await createGateway(config, { logger: pino({ level: 'silent' }), backgroundRefresh: options.backgroundRefresh });
  const server = await gateway.listen();
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('the gateway is not listening on TCP');
  return { gateway, url: `http://127.0.0.1:${address.port}` };
}

/**
 * The n-th resident of the launch-day crowd: a valid Xinji resident ID (GB 11643 check character),
 * distinct for n < 1,000,000 (1,000 sequence numbers per birth date from 1940 on), and a phone.
 */
export function residentDeclaration(n: number): Record<string, unknown> {
  const birth = new Date(Date.UTC(1940, 0, 1) + Math.floor(n / 1000) * 86_400_000).toISOString().slice(0, 10).replace(/-/g, '');
  const first17 = `130181${birth}${String(n % 1000).padStart(3, '0')}`;
  return {
    applicant: {
      name: '张永猛',
      document: { type: 'resident_id', number: first17 + gb11643CheckChar(first17) },
      phone: `13${String(n).padStart(9, '0')}`,
      residence: 'permanent',
    },
    travel14d: ['130100'],
    symptoms: [],
    contactWithCase: false,
    attestTruthful: true,
  };
}
