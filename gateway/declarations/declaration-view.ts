import { authenticate, authorize } from './holder-auth.js';
import { currentColor, type IssuerDeps } from './code-issuer.js';
import { shanghaiDay } from './secrets.js';
import { MAX_PEOPLE_PER_PROXY } from '../store/store.js';
import type { DeclarationView } from '../types/schemas.js';

/**
 * GET /v1/subjects/{id}/declaration — what 修改信息 and 代人申请 start from (issue 21, item 3): the
 * health facts as declared, the identity masked (the full name, number and phone are not stored,
 * so they cannot be shown), and the refusals the caller would meet, told before any typing: the
 * day's modification already used, a proxy's identity fields, and declaring for others while
 * not green or already for 3 people.
 */
export async function declarationView(deps: IssuerDeps, subjectId: string, token: string | undefined): Promise<DeclarationView> {
  const { viaProxy, ...subject } = await authorize(deps, token, subjectId);
  const caller = viaProxy ? await authenticate(deps, token) : subject;
  const now = deps.now();
  const today = shanghaiDay(now);
  const [{ color }, actedFor, recent] = await Promise.all([
    currentColor(deps, caller),
    deps.store.countPeopleActedFor(caller.id),
    deps.store.checkIns(subject.id, now - 86_400_000),
  ]);
  const refusal = color !== 'green' ? 'ERR_PROXY_NOT_GREEN' : actedFor >= MAX_PEOPLE_PER_PROXY ? 'ERR_PROXY_HOLDER_LIMIT' : undefined;
  const { declaration } = subject;
  return {
    subjectId: subject.id,
    name: subject.nameMasked,
    documentType: subject.documentType,
    documentMasked: subject.documentMasked,
    residence: declaration.residence,
    travel14d: declaration.travel14d,
    symptoms: declaration.symptoms,
    contactWithCase: declaration.contactWithCase,
    declaredAt: new Date(subject.declaredAt).toISOString(),
    modifiableToday: subject.modifiedDay !== today,
    checkedInToday: recent.some((checkIn) => checkIn.day === today),
    viaProxy,
    declareForOthers: refusal ? { allowed: false, refusal } : { allowed: true },
  };
}
