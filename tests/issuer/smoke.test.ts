import request from 'supertest';
import { createTestGateway, exampleDeclaration } from '../helpers/test-gateway.js';

test('a declaration like the example gets a green code', async () => {
  const gw = await createTestGateway();
  try {
    const res = await request(gw.app).post('/v1/declarations').send(exampleDeclaration());
    expect(res.status).toBe(201);
    expect(res.body.color).toBe('green');
  } finally {
    await gw.close();
  }
});
