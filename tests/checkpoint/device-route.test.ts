import request from 'supertest';
import { createTestGateway, type TestGateway } from '../helpers/test-gateway.js';
import { asDevice, registerDevice } from '../helpers/devices.js';

/** GET /v1/checkpoint/device: the checkpoint page checks a device token at sign-in (issue 21, item 5). */
let gw: TestGateway;
beforeEach(async () => {
  gw = await createTestGateway();
});
afterEach(async () => {
  await gw.close();
});

test('a registered device token is answered with the device it belongs to', async () => {
  const token = await registerDevice(gw, 'gate-north-1');
  const res = await request(gw.app).get('/v1/checkpoint/device').set(asDevice(token));
  expect(res.status).toBe(200);
  expect(res.body).toEqual({ deviceId: 'gate-north-1', registeredAt: new Date(gw.clock.ms).toISOString() });
  expect(res.headers['cache-control']).toBe('no-store');
});

test('a mistyped, missing or revoked token is refused with 401 ERR_DEVICE_UNAUTHORIZED', async () => {
  const token = await registerDevice(gw, 'gate-south-1');
  const mistyped = await request(gw.app).get('/v1/checkpoint/device').set(asDevice(token.slice(0, -1)));
  expect([mistyped.status, mistyped.body.error.code]).toEqual([401, 'ERR_DEVICE_UNAUTHORIZED']);
  expect(mistyped.headers['www-authenticate']).toBe('Bearer realm="checkpoint-devices"');
  const missing = await request(gw.app).get('/v1/checkpoint/device');
  expect([missing.status, missing.body.error.code]).toEqual([401, 'ERR_DEVICE_UNAUTHORIZED']);
  await gw.deps.store.revokeDevice('gate-south-1', gw.clock.ms);
  const revoked = await request(gw.app).get('/v1/checkpoint/device').set(asDevice(token));
  expect([revoked.status, revoked.body.error.code]).toEqual([401, 'ERR_DEVICE_UNAUTHORIZED']);
});
