import { runPassesCommand } from '../../gateway/cli/passes-command.js';
import { DAY_MS, personDeclaration, type TestGateway } from '../helpers/test-gateway.js';
import { declared, payloadOf, personEvent, postEvents, TEST_DATABASE_URL, useStoreGateway, warnPostgresSkipped } from './issuer-helpers.js';

/**
 * The passes of both stores (issue 25, migration 10): recorded with their credential row in one
 * transaction, listed newest first with their status, superseded with the person's codes, revoked
 * at the counter, and pruned with the credentials once long expired.
 */
function passesOf(kind: 'sqlite' | 'postgres'): void {
  let gw: TestGateway;
  useStoreGateway(kind, 'each', (made) => (gw = made));

  const run = async (...argv: string[]): Promise<string[]> => {
    const out: string[] = [];
    expect(await runPassesCommand(argv, { deps: gw.deps, out: (l) => out.push(l), err: () => undefined })).toBe(0);
    return out;
  };

  test('lists a subject\'s passes newest first: superseded by an event, revoked at the counter, then gone once pruned', async () => {
    const body = personDeclaration(3101);
    const { subjectId } = await declared(gw, body);
    const first = payloadOf((await run('issue', subjectId)).at(-1)!)['jti'] as string;
    await postEvents(gw, [personEvent(gw, 'close_contact', body)]).expect(200);
    gw.clock.advance(14 * DAY_MS);
    const second = payloadOf((await run('issue', subjectId)).at(-1)!)['jti'] as string;
    gw.clock.advance(1000);
    const third = payloadOf((await run('issue', subjectId)).at(-1)!)['jti'] as string;
    await run('revoke', third);
    const listed = (await run('list', subjectId)).map((l) => l.split('  ').slice(0, 2));
    expect(listed).toEqual([[third, 'revoked'], [second, 'active'], [first, 'superseded']]);

    gw.clock.advance(31 * DAY_MS);
    expect((await run('list', subjectId)).map((l) => l.split('  ')[1])).toEqual(['revoked', 'expired', 'superseded']);
    await gw.deps.store.deleteExpiredCredentials(gw.clock.now());
    expect(await run('list', subjectId)).toEqual([]);
    expect(await gw.deps.store.getPass(second)).toBeUndefined();
  });
}

describe('passes on SQLite', () => passesOf('sqlite'));
warnPostgresSkipped('passes');
(TEST_DATABASE_URL ? describe : describe.skip)('passes on PostgreSQL', () => passesOf('postgres'));
