import type { TestGateway } from '../helpers/test-gateway.js';
import { DAY_MS, personDeclaration } from '../helpers/test-gateway.js';
import { runSubjectsCommand } from '../../gateway/subjects/subjects-command.js';
import { declare, declared, useStoreGateway, TEST_DATABASE_URL, warnPostgresSkipped } from '../issuer/issuer-helpers.js';
import { sealTicket } from '../../gateway/people/sign-in-ticket.js';
import { documentKey } from '../../gateway/declarations/secrets.js';
import { maskName } from '../../gateway/identity/documents.js';

/**
 * Issue 17, item 4: a release at the counter gives the document back to its owner, not to whoever
 * is fastest — for 7 days only the one-time claim code it printed declares it.
 */

async function release(gw: TestGateway, subjectId: string): Promise<{ out: string[]; claimCode: string }> {
  const out: string[] = [];
  const code = await runSubjectsCommand(['release', subjectId, '--reason', 'ticket 17: owner at counter 2', '--operator', 'ops-li'], {
    store: gw.deps.store, now: gw.clock.now, defaultOperator: 'os-user', pepper: gw.deps.pepper, out: (l) => out.push(l), err: () => undefined,
  });
  expect(code).toBe(0);
  return { out, claimCode: out.at(-1)! };
}

function claims(kind: 'sqlite' | 'postgres'): void {
  let gw: TestGateway;
  useStoreGateway(kind, 'each', (made) => (gw = made));

  test('the squatter who declares again at once gets 409 ERR_DOCUMENT_CLAIM_REQUIRED; the owner declares with the claim code, once', async () => {
    const body = personDeclaration(70);
    const squatter = await declared(gw, body);
    const { claimCode } = await release(gw, squatter.subjectId);
    expect(claimCode).toMatch(/^[A-Z2-9]{5}-[A-Z2-9]{5}$/);
    for (const attempt of [body, { ...body, claimCode: 'AAAAA-AAAAA' }]) {
      const res = await declare(gw, attempt);
      expect(res.status).toBe(409);
      expect(res.body.error.code).toBe('ERR_DOCUMENT_CLAIM_REQUIRED');
    }
    // Typed on a phone: case and the dash do not matter.
    const owner = await declare(gw, { ...body, claimCode: claimCode.toLowerCase().replace('-', '') });
    expect(owner.status).toBe(201);
    expect(owner.body.holderToken).toMatch(/^hct_/);
    // The code is spent: released again, the document waits for the new code, not the old one.
    const second = await release(gw, owner.body.subjectId);
    expect((await declare(gw, { ...body, claimCode })).body.error.code).toBe('ERR_DOCUMENT_CLAIM_REQUIRED');
    expect((await declare(gw, { ...body, claimCode: second.claimCode })).status).toBe(201);
  });

  test('after 7 days the claim lapses and the document can be declared without it', async () => {
    const body = personDeclaration(71);
    const squatter = await declared(gw, body);
    await release(gw, squatter.subjectId);
    gw.clock.advance(7 * DAY_MS - 1);
    expect((await declare(gw, body)).body.error.code).toBe('ERR_DOCUMENT_CLAIM_REQUIRED');
    gw.clock.advance(1);
    expect((await declare(gw, body)).status).toBe(201);
  });

  test('a person signed in for the document (a sign-in ticket, tests/people/oidc-sign-in.test.ts) declares it without the code, and the claim is spent', async () => {
    const body = personDeclaration(74);
    const { name, document } = body['applicant'] as { name: string; document: { type: 'resident_id'; number: string } };
    const squatter = await declared(gw, body);
    const { claimCode } = await release(gw, squatter.subjectId);
    const signInTicket = sealTicket(gw.deps.pepper, { documentKey: documentKey(gw.deps.pepper, document), nameMasked: maskName(name), expiresAt: gw.clock.ms + 60_000 });
    const owner = await declare(gw, { ...body, signInTicket });
    expect(owner.status).toBe(201);
    // The counter's code is spent with the claim: released again later, only a new code counts.
    await release(gw, owner.body.subjectId);
    expect((await declare(gw, { ...body, claimCode })).body.error.code).toBe('ERR_DOCUMENT_CLAIM_REQUIRED');
  });

  test('a proxy cannot take a claimed document for someone either, and the audit never shows the claim code', async () => {
    const body = personDeclaration(72);
    const squatter = await declared(gw, body);
    const relative = await declared(gw, personDeclaration(73));
    const { claimCode } = await release(gw, squatter.subjectId);
    expect((await declare(gw, body, relative.holderToken)).body.error.code).toBe('ERR_DOCUMENT_CLAIM_REQUIRED');
    const audit: string[] = [];
    await runSubjectsCommand(['audit', squatter.subjectId], { store: gw.deps.store, now: gw.clock.now, defaultOperator: 'x', pepper: gw.deps.pepper, out: (l) => audit.push(l), err: () => undefined });
    expect(audit).toEqual([expect.stringMatching(/by ops-li {2}reason: ticket 17: owner at counter 2$/)]);
    expect(audit.join('\n')).not.toContain(claimCode);
  });
}

describe('the counter claim code, SQLite', () => claims('sqlite'));
warnPostgresSkipped('the counter claim tests');
(TEST_DATABASE_URL ? describe : describe.skip)('the counter claim code, PostgreSQL', () => claims('postgres'));
