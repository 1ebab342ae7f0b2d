import express from 'express';
import { pino } from 'pino';
import request from 'supertest';
import { errorHandler } from '../../gateway/http/error-handler.js';

/** The last handler never leaves a request hanging, even when the failure comes mid-answer. */
describe('the error handler', () => {
  test('cuts off an answer whose headers were already sent when a handler then fails, instead of leaving it open', async () => {
    const app = express();
    app.get('/half', (_req, res, next) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"partial":');
      next(new Error('failed mid-answer'));
    });
    app.use(errorHandler(pino({ level: 'silent' })));
    const outcome = await request(app)
      .get('/half')
      .timeout(3000)
      .then(
        () => 'completed',
        (err: Error) => (/timeout/i.test(err.message) ? 'hung' : 'cut off'),
      );
    expect(outcome).toBe('cut off');
  });
});
