import request from 'supertest';
import type { IdentityDocument } from '../../gateway/types/schemas.js';
import { personDeclaration, residentId, type TestGateway } from '../helpers/test-gateway.js';
import { asDevice, registerDevice } from '../helpers/devices.js';
import { PartnerCity } from './partner-city.js';
import { BEIJING } from './profiles.js';
import { gatewayWith, metric, type Body } from './setup.js';

/**
 * The checkpoint at city scale (issue 10): Xinji's own codes are checked by a lookup of the
 * document's keyed hash (no scrypt), partner codes by scrypt on a bounded pool with their matches
 * remembered, a code is locked after 3 mismatches, and slow work beyond the pools is refused with
 * 503 ERR_OVERLOADED at once.
 */
let beijing: PartnerCity;
let gw: TestGateway;
let device: { authorization: string };
const holder: IdentityDocument = { type: 'resident_id', number: residentId('11010119900101002') };
const strangers = ['11010119851231004', '11010119851231012', '11010119851231020', '11010119851231039'].map(
  (first17): IdentityDocument => ({ type: 'resident_id', number: residentId(first17) }),
);

beforeAll(async () => {
  beijing = await PartnerCity.start(BEIJING);
  // One slot and no queue in either pool, so a test can fill a pool by holding its one slot.
  gw = await gatewayWith([beijing.partner()], { overrides: { admission: { bindingConcurrency: 1, bindingQueue: 0, issueConcurrency: 1, issueQueue: 0 }, declarationQueue: { enabled: false, worker: true, pollMs: 250 } } });
  device = asDevice(await registerDevice(gw));
});

afterAll(async () => {
  await gw.close();
  await beijing.close();
});

const scan = (code: string, document: IdentityDocument, temperatureC = 36.5): request.Test =>
  request(gw.app).post('/v1/checkpoint/scans').set(device).send({ code, temperatureC, document });

async function decision(code: string, document: IdentityDocument): Promise<Body> {
  const res = await scan(code, document);
  expect(res.status).toBe(200);
  return res.body as Body;
}

const checks = (method: string, outcome?: string): Promise<number> =>
  metric(gw, 'gateway_binding_checks_total', outcome ? { method, outcome } : { method }).then((v) => v ?? 0);

async function declare(n: number): Promise<{ jws: string; document: IdentityDocument; subjectId: string; holderToken: string; declaration: Body }> {
  const declaration = personDeclaration(n);
  const res = await request(gw.app).post('/v1/declarations').send(declaration);
  expect(res.status).toBe(201);
  const document = (declaration['applicant'] as { document: IdentityDocument }).document;
  return { jws: res.body.credential.jws as string, document, subjectId: res.body.subjectId as string, holderToken: res.body.holderToken as string, declaration };
}

/** Holds the one slot of a pool until the returned function is called. */
function occupy(pool: TestGateway['pools']['binding']): () => Promise<void> {
  let release!: () => void;
  const held = pool.run(() => new Promise<void>((resolve) => (release = resolve)));
  return async () => {
    release();
    await held;
  };
}

describe("Xinji's own codes are checked by lookup, without scrypt", () => {
  it('passes the declared document and denies another one as document_mismatch, computing no scrypt', async () => {
    const own = await declare(101);
    const scryptBefore = await checks('scrypt');
    expect(await decision(own.jws, own.document)).toMatchObject({ decision: 'pass', reasons: [] });
    expect(await decision(own.jws, strangers[0]!)).toMatchObject({ decision: 'deny', color: 'green', reasons: ['document_mismatch'] });
    expect(await checks('lookup', 'match')).toBeGreaterThanOrEqual(1);
    expect(await checks('lookup', 'document_mismatch')).toBeGreaterThanOrEqual(1);
    expect(await checks('scrypt')).toBe(scryptBefore);
  });

  it('still answers while the binding pool is full: own codes need no slot', async () => {
    const own = await declare(102);
    const release = occupy(gw.pools.binding);
    try {
      expect(await decision(own.jws, own.document)).toMatchObject({ decision: 'pass' });
    } finally {
      await release();
    }
  });

  it('never passes a code issued before the document changed, with the old or the new document', async () => {
    const own = await declare(103);
    const changed = personDeclaration(103, {});
    const newDocument: IdentityDocument = { type: 'resident_id', number: residentId('13018119850101777') };
    (changed['applicant'] as Body)['document'] = newDocument;
    const modified = await request(gw.app).put(`/v1/subjects/${own.subjectId}/declaration`).set('authorization', `Bearer ${own.holderToken}`).send(changed);
    expect(modified.status).toBe(200);
    for (const document of [own.document, newDocument]) {
      expect(await decision(own.jws, document)).toMatchObject({ decision: 'deny', reasons: ['code_invalid'], error: { code: 'ERR_CREDENTIAL_REVOKED' } });
    }
    // The fresh code names the new document only.
    const fresh = modified.body.credential.jws as string;
    expect(await decision(fresh, newDocument)).toMatchObject({ decision: 'pass' });
    expect(await decision(fresh, own.document)).toMatchObject({ decision: 'deny', reasons: ['document_mismatch'] });
  });

  it('never passes a revoked code, even with its own document', async () => {
    const own = await declare(104);
    await gw.deps.store.invalidateCredentials(own.subjectId, 'revoked', gw.clock.now());
    expect(await decision(own.jws, own.document)).toMatchObject({ decision: 'deny', color: null, reasons: ['code_invalid'], error: { code: 'ERR_CREDENTIAL_REVOKED' } });
  });
});

describe('partner codes: scrypt on a bounded pool, matches remembered', () => {
  it('computes scrypt for the first scan and remembers the match for the next scan of the same person', async () => {
    const code = await beijing.code({ color: '未见异常', now: gw.clock.now(), document: holder });
    const [scryptBefore, cacheBefore] = [await checks('scrypt', 'match'), await checks('cache', 'match')];
    expect(await decision(code, holder)).toMatchObject({ decision: 'pass' });
    expect(await decision(code, holder)).toMatchObject({ decision: 'pass' });
    expect(await checks('scrypt', 'match')).toBe(scryptBefore + 1);
    expect(await checks('cache', 'match')).toBe(cacheBefore + 1);
  });

  it('lets no remembered match outlive its code: once expired the code is refused on exp', async () => {
    const code = await beijing.code({ color: '未见异常', now: gw.clock.now(), document: holder });
    expect(await decision(code, holder)).toMatchObject({ decision: 'pass' });
    gw.clock.advance(2 * 86_400_000);
    expect(await decision(code, holder)).toMatchObject({ decision: 'deny', reasons: ['code_invalid'], error: { code: 'ERR_TOKEN_EXPIRED' } });
  });

  it('answers 503 ERR_OVERLOADED with Retry-After at once when the binding pool is full, and serves the scan once it has room', async () => {
    const code = await beijing.code({ color: '未见异常', now: gw.clock.now(), document: holder });
    const release = occupy(gw.pools.binding);
    const started = Date.now();
    const refused = await scan(code, holder);
    const elapsed = Date.now() - started;
    await release();
    expect({ status: refused.status, code: refused.body.error?.code, retryAfter: refused.headers['retry-after'] }).toEqual({ status: 503, code: 'ERR_OVERLOADED', retryAfter: '1' });
    expect(elapsed).toBeLessThan(1000);
    expect(await metric(gw, 'gateway_overloaded_total', { pool: 'binding' })).toBeGreaterThanOrEqual(1);
    expect(await decision(code, holder)).toMatchObject({ decision: 'pass' });
  });
});

describe('the binding is not an oracle', () => {
  it('locks a partner code after 3 mismatches: the holder\'s own document is then denied as document_mismatch_locked, without scrypt', async () => {
    const code = await beijing.code({ color: '未见异常', now: gw.clock.now(), document: holder });
    const locksBefore = (await metric(gw, 'gateway_binding_locks_total')) ?? 0;
    for (const stranger of strangers.slice(0, 3)) expect(await decision(code, stranger)).toMatchObject({ decision: 'deny', reasons: ['document_mismatch'] });
    const scryptBefore = await checks('scrypt');
    expect(await decision(code, holder)).toMatchObject({ decision: 'deny', color: 'green', reasons: ['document_mismatch_locked'] });
    expect(await decision(code, strangers[3]!)).toMatchObject({ decision: 'deny', reasons: ['document_mismatch_locked'] });
    expect(await checks('scrypt')).toBe(scryptBefore);
    expect(await metric(gw, 'gateway_binding_locks_total')).toBe(locksBefore + 1);
    expect(await metric(gw, 'gateway_checkpoint_decisions_total', { decision: 'deny', reason: 'document_mismatch_locked' })).toBeGreaterThanOrEqual(2);
    // Another code of the same person is not affected.
    expect(await decision(await beijing.code({ color: '未见异常', now: gw.clock.now(), document: holder }), holder)).toMatchObject({ decision: 'pass' });
  });

  it('locks a Xinji code after 3 mismatches too', async () => {
    const own = await declare(105);
    for (const stranger of strangers.slice(0, 3)) expect(await decision(own.jws, stranger)).toMatchObject({ reasons: ['document_mismatch'] });
    expect(await decision(own.jws, own.document)).toMatchObject({ decision: 'deny', reasons: ['document_mismatch_locked'] });
  });

  it('counts concurrent scans of one code in flight, so a burst of guesses gets no more than 3 computations', async () => {
    const code = await beijing.code({ color: '未见异常', now: gw.clock.now(), document: holder });
    const scryptBefore = await checks('scrypt');
    // One slot, no queue: the burst is refused or locked, never computed beyond the first three.
    const answers = await Promise.all(strangers.map((s) => scan(code, s)));
    expect(answers.every((a) => a.status === 200 || a.status === 503)).toBe(true);
    expect((await checks('scrypt')) - scryptBefore).toBeLessThanOrEqual(3);
  });
});

// The launch-day queue is off here, so a full issue pool refuses (with the queue on, it answers 202: tests/issuer/declaration-queue.test.ts).
describe('admission control for declarations', () => {
  it('answers 503 ERR_OVERLOADED with Retry-After at once when the issue pool is full, and stores nothing for it', async () => {
    const declaration = personDeclaration(106);
    const release = occupy(gw.pools.issue);
    const started = Date.now();
    const refused = await request(gw.app).post('/v1/declarations').send(declaration);
    const elapsed = Date.now() - started;
    await release();
    expect({ status: refused.status, code: refused.body.error?.code, retryAfter: refused.headers['retry-after'] }).toEqual({ status: 503, code: 'ERR_OVERLOADED', retryAfter: '1' });
    expect(elapsed).toBeLessThan(1000);
    expect(await metric(gw, 'gateway_overloaded_total', { pool: 'issue' })).toBeGreaterThanOrEqual(1);
    // Nothing was stored: the same person declares again and gets a code (not 409).
    expect((await request(gw.app).post('/v1/declarations').send(declaration)).status).toBe(201);
  });

  it('verifies codes while the issue pool is full: verification needs no slow work', async () => {
    const own = await declare(107);
    const release = occupy(gw.pools.issue);
    try {
      const res = await request(gw.app).post('/v1/verify').send({ code: own.jws });
      expect(res.body).toMatchObject({ valid: true });
    } finally {
      await release();
    }
  });
});

describe('devices', () => {
  it('refuses a scan without a device token, with an unknown token or with a revoked one: 401 ERR_DEVICE_UNAUTHORIZED', async () => {
    const code = await beijing.code({ color: '未见异常', now: gw.clock.now(), document: holder });
    const body = { code, temperatureC: 36.5, document: holder };
    const token = await registerDevice(gw, 'gate-to-revoke');
    expect((await request(gw.app).post('/v1/checkpoint/scans').set(asDevice(token)).send(body)).status).toBe(200);
    expect(await gw.deps.store.revokeDevice('gate-to-revoke', gw.clock.now())).toBe(true);
    for (const headers of [{}, asDevice(token), asDevice('dvt_unknown'), { authorization: 'Basic Zm9vOmJhcg==' }]) {
      const res = await request(gw.app).post('/v1/checkpoint/scans').set(headers).send(body);
      expect({ status: res.status, code: res.body.error?.code }).toEqual({ status: 401, code: 'ERR_DEVICE_UNAUTHORIZED' });
      expect(res.headers['www-authenticate']).toBe('Bearer realm="checkpoint-devices"');
    }
  });

  it('keeps /v1/verify public', async () => {
    const code = await beijing.code({ color: '未见异常', now: gw.clock.now(), document: holder });
    expect((await request(gw.app).post('/v1/verify').send({ code })).body).toMatchObject({ valid: true });
  });
});
