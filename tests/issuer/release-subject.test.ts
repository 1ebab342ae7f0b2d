import request from 'supertest';
import { personDeclaration, type TestGateway } from '../helpers/test-gateway.js';
import { runSubjectsCommand } from '../../gateway/subjects/subjects-command.js';
import { declare, declared, getCode, jwsOf, payloadOf, personEvent, postEvents, useStoreGateway, TEST_DATABASE_URL, verify, warnPostgresSkipped, type Body } from './issuer-helpers.js';

/**
 * Issue 9, item 5: a document declared first by someone else blocks its owner (409). The operator
 * releases the squatting subject with an audited command: its codes are revoked (status list), its
 * token stops working, the owner can declare — and no colour is set by hand.
 */

async function run(gw: TestGateway, argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runSubjectsCommand(argv, { store: gw.deps.store, now: gw.clock.now, defaultOperator: 'os-user', pepper: gw.deps.pepper, out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err };
}

function release(kind: 'sqlite' | 'postgres'): void {
  let gw: TestGateway;
  useStoreGateway(kind, 'each', (made) => (gw = made));

  test('releasing a claimed document revokes the squatter codes, disables its token, keeps the events, and lets the owner declare', async () => {
    const owner = personDeclaration(60);
    const squatter = await declared(gw, owner);
    expect((await declare(gw, owner)).body.error.code).toBe('ERR_DOCUMENT_ALREADY_REGISTERED');
    // A close contact of the document's owner was reported meanwhile: the release must not wash it out.
    await postEvents(gw, [personEvent(gw, 'close_contact', owner)]).expect(200);
    const second = jwsOf(await getCode(gw, squatter.subjectId, squatter.holderToken));

    const result = await run(gw, ['release', squatter.subjectId, '--reason', 'ticket 4711: owner showed the ID card at the counter', '--operator', 'ops-wang']);
    expect(result).toEqual({
      code: 0,
      out: [
        expect.stringMatching(new RegExp(`^released ${squatter.subjectId}: 1 code\\(s\\) revoked, document freed; audit rel_`)),
        'claim code for the person at the counter (declare with it until 2026-12-04T00:00:00.000Z):',
        expect.stringMatching(/^[A-Z2-9]{5}-[A-Z2-9]{5}$/),
      ],
      err: [],
    });
    const claimCode = result.out.at(-1)!;

    const list = await request(gw.app).get('/.well-known/health-code-status');
    const status = Object.fromEntries((list.body.entries as Body[]).map((e) => [e['jti'], e['status']]));
    // The green code was superseded by the event; the red one outstanding at the release is revoked.
    expect([status[String(payloadOf(squatter.jws)['jti'])], status[String(payloadOf(second)['jti'])]]).toEqual(['superseded', 'revoked']);
    expect(((await verify(gw, second))['error'] as Body)['code']).toBe('ERR_CREDENTIAL_REVOKED');
    expect((await getCode(gw, squatter.subjectId, squatter.holderToken)).status).toBe(401);

    const mine = await declare(gw, { ...owner, claimCode });
    expect(mine.status).toBe(201);
    expect(mine.body.color).toBe('red');
    expect(mine.body.reasons).toEqual(['close_contact']);

    const audit = await run(gw, ['audit', squatter.subjectId]);
    expect(audit.out).toEqual([expect.stringMatching(/^rel_\S+ {2}2026-11-27T00:00:00\.000Z {2}by ops-wang {2}reason: ticket 4711: owner showed the ID card at the counter$/)]);
  });

  test('the operator defaults to the OS user; a second release only revokes again and writes no second record', async () => {
    const squatter = await declared(gw, personDeclaration(61));
    expect((await run(gw, ['release', squatter.subjectId, '--reason', 'dispute settled'])).code).toBe(0);
    const again = await run(gw, ['release', squatter.subjectId, '--reason', 'run twice']);
    expect(again).toEqual({ code: 0, out: [`${squatter.subjectId} was already released: 0 code(s) revoked now`], err: [] });
    const audit = await run(gw, ['audit', squatter.subjectId]);
    expect(audit.out).toHaveLength(1);
    expect(audit.out[0]).toContain('by os-user');
  });

  test('a release frees the proxy slots the squatter held on both sides', async () => {
    const holder = await declared(gw, personDeclaration(62));
    for (const n of [63, 64, 65]) await declared(gw, personDeclaration(n), holder.holderToken);
    expect((await declare(gw, personDeclaration(66), holder.holderToken)).body.error.code).toBe('ERR_PROXY_HOLDER_LIMIT');
    const released = await run(gw, ['release', holder.subjectId, '--reason', 'claimed document']);
    expect(released.code).toBe(0);
    // The released holder's token is dead; the people it declared for stay, without it as proxy.
    expect((await declare(gw, personDeclaration(66), holder.holderToken)).status).toBe(401);
    const fresh = await declared(gw, { ...personDeclaration(62), claimCode: released.out.at(-1) });
    expect(fresh.color).toBe('green');
  });

  test('refuses without a reason, with a malformed or unknown subject id, and prints the usage for anything else', async () => {
    const squatter = await declared(gw, personDeclaration(67));
    expect(await run(gw, ['release', squatter.subjectId])).toMatchObject({ code: 2, err: [expect.stringContaining('--reason')] });
    expect(await run(gw, ['release', squatter.subjectId, '--reason', '   '])).toMatchObject({ code: 2 });
    expect(await run(gw, ['release', squatter.subjectId, '--reason', 'x'.repeat(501)])).toMatchObject({ code: 2 });
    expect(await run(gw, ['release', 'sub_short', '--reason', 'why'])).toMatchObject({ code: 2 });
    expect(await run(gw, ['release', 'sub_AAAAAAAAAAAAAAAAAAAAAA', '--reason', 'why'])).toMatchObject({ code: 1, err: ['no subject sub_AAAAAAAAAAAAAAAAAAAAAA'] });
    expect(await run(gw, ['colour', squatter.subjectId])).toMatchObject({ code: 2, err: [expect.stringContaining('usage')] });
    // Nothing was released by the refused commands.
    expect((await getCode(gw, squatter.subjectId, squatter.holderToken)).status).toBe(200);
  });
}

describe('releasing a claimed document, SQLite', () => release('sqlite'));
warnPostgresSkipped('the release tests');
(TEST_DATABASE_URL ? describe : describe.skip)('releasing a claimed document, PostgreSQL', () => release('postgres'));
