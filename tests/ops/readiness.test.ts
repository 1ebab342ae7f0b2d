import request from 'supertest';
import { createTestGateway, type TestGateway } from '../helpers/test-gateway.js';
import { ReadinessState } from '../../gateway/lifecycle/readiness.js';
import { validator } from '../../gateway/schemas/registry.js';
import type { Readiness } from '../../gateway/types/schemas.js';

/**
 * /healthz says the process answers; /readyz says it can do its work. A load balancer keeps an
 * instance in rotation only while /readyz is 200, and takes it out as soon as shutdown begins.
 */
const matchesSchema = (body: unknown): boolean => validator<Readiness>('readiness')(body);

describe('GET /readyz on a running gateway', () => {
  let gw: TestGateway;
  beforeEach(async () => {
    gw = await createTestGateway();
  });
  afterEach(async () => {
    await gw.close();
  });

  test('answers 200 ready with nothing failing when the store answers and keys and partners are loaded', async () => {
    const res = await request(gw.app).get('/readyz');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ready', failing: [] });
    expect(matchesSchema(res.body)).toBe(true);
  });

  test('answers 503 naming the store when the database no longer answers, while /healthz stays 200', async () => {
    await gw.deps.store.close();
    const res = await request(gw.app).get('/readyz');
    expect(res.status).toBe(503);
    expect(res.body).toEqual({ status: 'not_ready', failing: ['store'] });
    expect(matchesSchema(res.body)).toBe(true);
    expect((await request(gw.app).get('/healthz')).status).toBe(200);
  });

  test('answers 503 naming shutting_down once the gateway starts draining', async () => {
    gw.deps.readiness.startDraining();
    const res = await request(gw.app).get('/readyz');
    expect(res.status).toBe(503);
    expect(res.body.failing).toEqual(['shutting_down']);
  });
});

describe('readiness checks', () => {
  const ok = { pingStore: async () => undefined, hasSigningKey: () => true, partnersLoaded: () => true };

  test('name every failing part at once: store, signing key and partners', async () => {
    const state = new ReadinessState({ pingStore: async () => Promise.reject(new Error('down')), hasSigningKey: () => false, partnersLoaded: () => false });
    expect(await state.check()).toEqual({ status: 'not_ready', failing: ['store', 'signing_key', 'partners'] });
  });

  test('count a store that does not answer within the bound as failing instead of hanging the probe', async () => {
    const state = new ReadinessState({ ...ok, pingStore: () => new Promise<void>(() => undefined), pingTimeoutMs: 50 });
    expect(await state.check()).toEqual({ status: 'not_ready', failing: ['store'] });
  });

  test('count a check that throws as failing', async () => {
    const state = new ReadinessState({
      ...ok,
      hasSigningKey: () => {
        throw new Error('no key');
      },
    });
    expect((await state.check()).failing).toEqual(['signing_key']);
  });
});
