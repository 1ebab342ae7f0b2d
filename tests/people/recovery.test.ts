import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { createTestGateway, personDeclaration, type TestGateway } from '../helpers/test-gateway.js';
import { createLogger } from '../../gateway/observability/logger.js';
import { loadConfig, ConfigError } from '../../gateway/config/load-config.js';
import { declared, getCode, type Body } from '../issuer/issuer-helpers.js';
import { lastCodeTo, outbox, recovered, startRecovery, verifyRecovery } from '../issuer/recovery-helpers.js';

/**
 * Issue 17, item 2: a resident on a new phone gets its code back with a one-time code sent to the
 * phone it declared — the same answer whether or not anything matched, 5 minutes, 3 tries, one
 * use, a new token that ends every earlier one, limits per document and address, and nothing
 * personal in logs or metrics.
 */

const MINUTE_MS = 60_000;
const applicant = (body: Body) => body['applicant'] as { document: { type: string; number: string }; phone: string; name: string };

let gw: TestGateway;
const lines: string[] = [];
beforeEach(async () => {
  lines.length = 0;
  gw = await createTestGateway({ logger: createLogger('trace', { write: (line: string) => void lines.push(line) }) });
});
afterEach(async () => {
  await gw.close();
});

describe('recovering a code with the registered phone', () => {
  test('a resident who lost its token gets a code on its phone, then a new token; the old token answers 401 at once', async () => {
    const body = personDeclaration(1);
    const before = await declared(gw, body);
    const { document, phone } = applicant(body);
    const started = await startRecovery(gw, { document, phone });
    expect(started.status).toBe(202);
    expect(started.body).toEqual({ status: 'sent_if_registered', expiresInSeconds: 300 });
    expect(outbox(gw)).toEqual([{ to: phone, text: expect.stringMatching(/验证码 \d{6}，5分钟内有效/) }]);
    const res = await verifyRecovery(gw, { document, code: lastCodeTo(gw, phone) });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ subjectId: before.subjectId, holderToken: expect.stringMatching(/^hct_/) });
    expect((await getCode(gw, before.subjectId, res.body.holderToken)).status).toBe(200);
    const old = await getCode(gw, before.subjectId, before.holderToken);
    expect(old.status).toBe(401);
    expect(old.body.error.code).toBe('ERR_UNAUTHENTICATED');
  });

  test('a wrong phone or an unknown document gets exactly the same answer, and no message is sent', async () => {
    const body = personDeclaration(2);
    await declared(gw, body);
    const { document, phone } = applicant(body);
    const matched = await startRecovery(gw, { document, phone });
    const wrongPhone = await startRecovery(gw, { document, phone: '13900000999' });
    const unknown = await startRecovery(gw, { document: applicant(personDeclaration(3)).document, phone });
    for (const res of [wrongPhone, unknown]) {
      expect(res.status).toBe(matched.status);
      expect(res.body).toEqual(matched.body);
    }
    expect(outbox(gw).map((m) => m.to)).toEqual([phone]);
  });

  test('three wrong codes use up the code: even the right one is then refused with ERR_RECOVERY_CODE_INVALID', async () => {
    const body = personDeclaration(4);
    await declared(gw, body);
    const { document, phone } = applicant(body);
    await startRecovery(gw, { document, phone }).expect(202);
    const right = lastCodeTo(gw, phone)!;
    const wrong = right === '000000' ? '000001' : '000000';
    for (let i = 0; i < 3; i++) {
      const res = await verifyRecovery(gw, { document, code: wrong });
      expect(res.status).toBe(400);
      expect(res.body.error).toEqual(expect.objectContaining({ code: 'ERR_RECOVERY_CODE_INVALID', field: 'code' }));
    }
    expect((await verifyRecovery(gw, { document, code: right })).body.error.code).toBe('ERR_RECOVERY_CODE_INVALID');
  });

  test('a code lasts 5 minutes and works once', async () => {
    const body = personDeclaration(5);
    await declared(gw, body);
    const { document, phone } = applicant(body);
    await startRecovery(gw, { document, phone }).expect(202);
    gw.clock.advance(5 * MINUTE_MS + 1);
    expect((await verifyRecovery(gw, { document, code: lastCodeTo(gw, phone) })).body.error.code).toBe('ERR_RECOVERY_CODE_INVALID');
    await startRecovery(gw, { document, phone }).expect(202);
    gw.clock.advance(4 * MINUTE_MS);
    const code = lastCodeTo(gw, phone);
    expect((await verifyRecovery(gw, { document, code })).status).toBe(200);
    expect((await verifyRecovery(gw, { document, code })).body.error.code).toBe('ERR_RECOVERY_CODE_INVALID');
  });

  test('a document is limited to 5 recovery requests an hour: the 6th gets 429 ERR_RATE_LIMITED with Retry-After', async () => {
    const body = personDeclaration(6);
    await declared(gw, body);
    const { document, phone } = applicant(body);
    for (let i = 0; i < 5; i++) await startRecovery(gw, { document, phone }).expect(202);
    const sixth = await startRecovery(gw, { document, phone });
    expect(sixth.status).toBe(429);
    expect(sixth.body.error.code).toBe('ERR_RATE_LIMITED');
    expect(Number(sixth.headers['retry-after'])).toBeGreaterThan(0);
    expect(outbox(gw)).toHaveLength(5);
    // The window is the shared limiter's (gateway/limits/, wall clock, as every instance sees it): up to an hour.
    expect(Number(sixth.headers['retry-after'])).toBeLessThanOrEqual(3600);
  });

  test('one client address is limited across documents (RECOVERY_ADDRESS_PER_HOUR): the next gets 429, verifications count too', async () => {
    const limited = await createTestGateway({ overrides: { recovery: { perDocumentPerHour: 5, perAddressPerHour: 3 } } });
    try {
      const docs = [11, 12, 13].map((n) => applicant(personDeclaration(n)));
      await startRecovery(limited, { document: docs[0]!.document, phone: docs[0]!.phone }).expect(202);
      await startRecovery(limited, { document: docs[1]!.document, phone: docs[1]!.phone }).expect(202);
      await verifyRecovery(limited, { document: docs[2]!.document, code: '123456' }).expect(400);
      const fourth = await startRecovery(limited, { document: docs[2]!.document, phone: docs[2]!.phone });
      expect(fourth.status).toBe(429);
      expect(fourth.body.error.code).toBe('ERR_RATE_LIMITED');
    } finally {
      await limited.close();
    }
  });

  test('bad input is refused with a stable code and sends nothing', async () => {
    const { document } = applicant(personDeclaration(7));
    const cases: Array<[unknown, string]> = [
      [{ document, phone: 'not a phone' }, 'ERR_PHONE_INVALID'],
      [{ document: { type: 'resident_id', number: '130181198501010000' }, phone: '13900000001' }, 'ERR_DOCUMENT_CHECKSUM'],
      [{ document }, 'ERR_VALIDATION'],
    ];
    for (const [body, code] of cases) expect((await startRecovery(gw, body)).body.error.code).toBe(code);
    expect((await verifyRecovery(gw, { document, code: '12345' })).body.error.code).toBe('ERR_VALIDATION');
    expect(outbox(gw)).toEqual([]);
  });

  test('without a sender (production without SMS_WEBHOOK_URL) recovery answers 503 ERR_RECOVERY_UNAVAILABLE', async () => {
    const body = personDeclaration(8);
    await declared(gw, body);
    (gw.deps as { smsSender: unknown }).smsSender = undefined;
    const res = await startRecovery(gw, { document: applicant(body).document, phone: applicant(body).phone });
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe('ERR_RECOVERY_UNAVAILABLE');
  });

  test('the logs and /metrics never carry the phone, the document number, the name or the code', async () => {
    const body = personDeclaration(9);
    await declared(gw, body);
    const { document, phone, name } = applicant(body);
    await startRecovery(gw, { document, phone: '13900000998' }).expect(202);
    const own = await recovered(gw, body);
    const code = lastCodeTo(gw, phone)!;
    const metrics = (await request(gw.app).get('/metrics')).text;
    expect(metrics).toMatch(/gateway_recovery_requests_total\{outcome="no_match"\} 1/);
    expect(metrics).toMatch(/gateway_recovery_verifications_total\{outcome="verified"\} 1/);
    const logged = lines.join('\n');
    expect(lines.length).toBeGreaterThan(3);
    for (const secret of [phone, '13900000998', document.number, name, code, own.holderToken]) {
      expect({ secret, inLogs: logged.includes(secret), inMetrics: metrics.includes(secret) }).toEqual({ secret, inLogs: false, inMetrics: false });
    }
  });
});

describe('the senders', () => {
  test('the SMS webhook receives the documented JSON body with the bearer token', async () => {
    const received: Array<{ auth: string | undefined; type: string | undefined; body: unknown }> = [];
    let arrived = (): void => undefined;
    const delivered = new Promise<void>((resolve) => (arrived = resolve));
    const server: Server = createServer((req: IncomingMessage, res) => {
      let text = '';
      req.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
      req.on('end', () => {
        received.push({ auth: req.headers.authorization, type: req.headers['content-type'], body: JSON.parse(text) });
        res.writeHead(204).end();
        arrived();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const hooked = await createTestGateway({ overrides: { sms: { webhookUrl: `http://127.0.0.1:${port}/sms`, webhookToken: 'sms-gateway-token-0123456789' } } });
    try {
      const body = personDeclaration(10);
      await declared(hooked, body);
      const { document, phone } = applicant(body);
      await startRecovery(hooked, { document, phone }).expect(202);
      await delivered;
      expect(received).toEqual([{ auth: 'Bearer sms-gateway-token-0123456789', type: 'application/json', body: { to: phone, text: expect.stringMatching(/验证码 \d{6}/) } }]);
      const code = /(\d{6})/.exec((received[0]!.body as { text: string }).text)![1];
      expect((await verifyRecovery(hooked, { document, code })).status).toBe(200);
      expect(outbox(hooked)).toEqual([]);
    } finally {
      await hooked.close();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  test('production refuses the development file sender, and has no file sender by default', () => {
    const production = { GATEWAY_ENV: 'production', ISSUER_URL: 'https://gateway.xinji.example', ADMIN_TOKEN: 'admin-token-0123456789abcdefghij', ADMIN_PORT: '9090', RISK_FEED_TOKEN: 'risk-feed-token-0123456789' };
    expect(() => loadConfig({ ...production, SMS_OUTBOX_FILE: '/tmp/outbox.jsonl' })).toThrow(ConfigError);
    expect(() => loadConfig({ ...production, SMS_OUTBOX_FILE: '/tmp/outbox.jsonl' })).toThrow(/SMS_OUTBOX_FILE/);
    expect(loadConfig(production).sms?.outboxFile).toBeUndefined();
    expect(loadConfig({ DATA_DIR: '/srv/data' }).sms?.outboxFile).toBe('/srv/data/sms-outbox.jsonl');
  });
});
