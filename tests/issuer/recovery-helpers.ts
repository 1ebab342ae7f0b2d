import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import type { TestGateway } from '../helpers/test-gateway.js';
import type { Body } from './issuer-helpers.js';

/** Shortcuts over 找回健康码 (issue 17): the development sender writes each SMS to the outbox file. */

export function outboxFile(gw: TestGateway): string {
  return gw.config.sms?.outboxFile ?? join(gw.dir, 'data', 'sms-outbox.jsonl');
}

/** Every message the development sender wrote, oldest first. */
export function outbox(gw: TestGateway): Array<{ to: string; text: string }> {
  let text = '';
  try {
    text = readFileSync(outboxFile(gw), 'utf8');
  } catch {
    return [];
  }
  return text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as { to: string; text: string });
}

/** The 6-digit code of the last message sent to `phone`, if any. */
export function lastCodeTo(gw: TestGateway, phone: string): string | undefined {
  const last = outbox(gw).filter((m) => m.to === phone).at(-1);
  return last && /(\d{6})/.exec(last.text)?.[1];
}

export function startRecovery(gw: TestGateway, body: unknown): request.Test {
  return request(gw.app).post('/v1/recovery').send(body as object);
}

export function verifyRecovery(gw: TestGateway, body: unknown): request.Test {
  return request(gw.app).post('/v1/recovery/verify').send(body as object);
}

/** The person of `declaration` recovers its code with the phone it declared: a new owner token. */
export async function recovered(gw: TestGateway, declaration: Body): Promise<{ subjectId: string; holderToken: string }> {
  const { document, phone, name } = declaration['applicant'] as { document: unknown; phone: string; name: string };
  const started = await startRecovery(gw, { document, phone, name });
  expect(started.status).toBe(202);
  const code = lastCodeTo(gw, phone);
  expect(code).toMatch(/^\d{6}$/);
  const res = await verifyRecovery(gw, { document, code });
  expect(res.status).toBe(200);
  return res.body as { subjectId: string; holderToken: string };
}
