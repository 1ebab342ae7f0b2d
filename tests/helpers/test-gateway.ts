import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import pg from 'pg';
import { loadConfig } from '../../gateway/config/load-config.js';
import { createGateway, type Gateway, type GatewayOptions } from '../../gateway/gateway.js';
import type { GatewayConfig } from '../../gateway/types/schemas.js';
import { recordContract, takeViolations } from './contract.js';

/**
 * Every suite that uses a test gateway is a contract test: each response is checked against
 * openapi.yaml (tests/helpers/contract.ts), and a test fails when one of its responses broke the
 * contract (undocumented route or status, wrong content type, body not matching its schema).
 */
if (typeof afterEach === 'function') {
  const expectNoViolations = (): void => {
    expect({ contractViolations: takeViolations() }).toEqual({ contractViolations: [] });
  };
  afterEach(expectNoViolations);
  afterAll(expectNoViolations);
}

/** A clock tests move by hand: every time-dependent rule is deterministic. */
export class TestClock {
  constructor(public ms: number = Date.parse('2026-11-27T08:00:00+08:00')) {}
  readonly now = (): number => this.ms;
  advance(ms: number): void {
    this.ms += ms;
  }
  set(iso: string): void {
    this.ms = Date.parse(iso);
  }
}

export const DAY_MS = 86_400_000;
export const RISK_FEED_TOKEN = 'risk-feed-token-for-tests-0123456789';
export const ADMIN_TOKEN = 'admin-token-for-tests-0123456789abcd';

export interface TestGateway extends Gateway {
  clock: TestClock;
  dir: string;
  config: Gateway['deps']['config'];
}

export interface TestGatewayOptions extends Omit<GatewayOptions, 'now'> {
  clock?: TestClock;
  overrides?: Partial<GatewayConfig>;
  /** Use PostgreSQL (TEST_DATABASE_URL) in a fresh schema instead of SQLite. */
  postgres?: boolean;
  /** Reuse directories (data, certs, partners) of an earlier gateway. */
  dir?: string;
}

/** A gateway on temporary directories with a fast binding cost and a silent logger. */
export async function createTestGateway(options: TestGatewayOptions = {}): Promise<TestGateway> {
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'hcg-test-'));
  mkdirSync(join(dir, 'partners'), { recursive: true });
  const clock = options.clock ?? new TestClock();
  const databaseUrl = options.postgres ? process.env['TEST_DATABASE_URL'] : undefined;
  if (options.postgres && !databaseUrl) throw new Error('TEST_DATABASE_URL is not set');
  const config = loadConfig(
    {},
    {
      dataDir: join(dir, 'data'),
      certsDir: join(dir, 'certs'),
      partnersDir: join(dir, 'partners'),
      riskFeedToken: RISK_FEED_TOKEN,
      adminToken: ADMIN_TOKEN,
      binding: { scryptLogN: 10 },
      logLevel: 'silent',
      // Off in tests (one loopback address sends everything); the rate-limit tests turn it on.
      rateLimit: { enabled: false, perSecond: 20, burst: 40, maxClients: 10_000 },
      ...(databaseUrl ? { databaseUrl } : {}),
      ...options.overrides,
    },
  );
  const pgSchema = options.postgres ? (options.pgSchema ?? `t_${randomBytes(6).toString('hex')}`) : undefined;
  const gateway = await createGateway(config, {
    logger: pino({ level: 'silent' }),
    backgroundRefresh: false,
    ...options,
    now: clock.now,
    ...(pgSchema ? { pgSchema } : {}),
  });
  recordContract(gateway.app);
  const close = async (): Promise<void> => {
    await gateway.close();
    // A schema this harness made is dropped with the gateway; one passed in belongs to the caller.
    if (pgSchema && !options.pgSchema) {
      const client = new pg.Client({ connectionString: databaseUrl });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS "${pgSchema}" CASCADE`);
      await client.end();
    }
  };
  return {
    ...gateway,
    clock,
    dir,
    config,
    async close() {
      await close();
      if (!options.dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The example declaration of the issue (张永猛, a valid resident ID, travel within Hebei). */
export function exampleDeclaration(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    applicant: {
      name: '张永猛',
      document: { type: 'resident_id', number: '130181199003071239' },
      phone: '13012340604',
      residence: 'permanent',
    },
    travel14d: ['130100'],
    symptoms: [],
    contactWithCase: false,
    attestTruthful: true,
    ...overrides,
  };
}

/** A valid resident ID number for a given 17-digit prefix (GB 11643 check character added). */
export function residentId(first17: string): string {
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...first17].reduce((acc, d, i) => acc + Number(d) * weights[i]!, 0);
  return first17 + '10X98765432'[sum % 11];
}

/** A declaration for the n-th distinct person (valid ID, unique name and phone). */
export function personDeclaration(n: number, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const seq = String(100 + (n % 900)).padStart(3, '0');
  const day = String(1 + (Math.floor(n / 900) % 28)).padStart(2, '0');
  return exampleDeclaration({
    applicant: {
      name: `测试${n}号`,
      document: { type: 'resident_id', number: residentId(`130181` + `198501` + day + seq) },
      phone: `139${String(10_000_000 + n).slice(-8)}`,
      residence: 'permanent',
    },
    ...overrides,
  });
}
