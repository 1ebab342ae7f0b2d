import { GatewayError } from '../errors/gateway-error.js';
import { createBinding } from '../identity/binding.js';
import { codeLayoutSettings } from '../issuer/sign-credential.js';
import { maskDocumentNumber, maskName } from '../identity/documents.js';
import { isQueued, QUEUED_BINDING, StoreConflict, type StoredDeclaration, type SubjectRecord } from '../store/store.js';
import { validateDeclaration } from './validate-declaration.js';
import { documentKey, hashToken, identityKey, newHolderToken, newSubjectId, shanghaiDay } from './secrets.js';
import { currentColor, invalidateCodes, issueCode, reasonsUntil, type IssuerDeps } from './code-issuer.js';
import { requestProxy } from './proxy-consent.js';
import { recordActivity } from '../store/activity.js';
import { currentOrFreshCode } from './code-reuse.js';
import { authenticate, authorize } from './holder-auth.js';
import type { Declaration, DeclarationQueued, DeclarationResult, ProxyRequestPending, ReasonUntil } from '../types/schemas.js';
import { phoneKey } from '../people/phone-key.js';
import { claimCodeHash } from '../people/one-time-codes.js';
import { ticketAdmits } from '../people/sign-in-ticket.js';
import { vacantToken } from '../store/store.js';

const CONFLICTS = {
  document_exists: 'ERR_DOCUMENT_ALREADY_REGISTERED',
  proxy_holder_limit: 'ERR_PROXY_HOLDER_LIMIT',
  proxy_subject_limit: 'ERR_PROXY_SUBJECT_LIMIT',
  proxy_exists: 'ERR_DOCUMENT_ALREADY_REGISTERED', // not reached: a new subject has no links yet
  claim_required: 'ERR_DOCUMENT_CLAIM_REQUIRED',
} as const;

/**
 * The binding of a new or changed document: one scrypt, admitted through the issue pool. It runs
 * before anything is written, so a 503 ERR_OVERLOADED leaves nothing half done: no declaration
 * that was refused is stored, and none that was acknowledged (201/200) is lost.
 */
function bindingOf(deps: IssuerDeps, document: Declaration['applicant']['document']): Promise<string> {
  const { bindingMethod } = codeLayoutSettings(deps.config.issuer.codeLayout);
  const compute = (): Promise<string> => createBinding(document, deps.config.binding.scryptLogN, bindingMethod);
  return deps.issuePool ? deps.issuePool.run(compute) : compute();
}

function conflictError(error: unknown): unknown {
  return error instanceof StoreConflict ? new GatewayError(CONFLICTS[error.kind]) : error;
}

/** The declared facts the colour rules read: the applicant's identity stays out. */
function storedFacts(declaration: Declaration): StoredDeclaration {
  const { travel14d, symptoms, contactWithCase } = declaration;
  return { residence: declaration.applicant.residence, travel14d, symptoms, contactWithCase };
}


export type DeclareOutcome = { status: 201; result: DeclarationResult } | { status: 202; result: ProxyRequestPending | DeclarationQueued };

/**
 * POST /v1/declarations. Without a token: a person declares for themself. With a holder token:
 * 代人申请 — only a green holder, at most 3 people per holder and 3 holders per person (the store
 * enforces both limits atomically). A proxy naming a person who already has a code, with the same
 * name and phone, only asks (202, proxy-consent.ts): nothing about the person is answered, and the
 * link exists once the person approves it with its own holder token.
 */
export async function declare(deps: IssuerDeps, body: unknown, token: string | undefined): Promise<DeclareOutcome> {
  const now = deps.now();
  const { declaration, canonicalPhone } = validateDeclaration(body, now);
  const { applicant } = declaration;
  const docKey = documentKey(deps.pepper, applicant.document);
  const idKey = identityKey(deps.pepper, applicant.name, canonicalPhone);

  let proxy: SubjectRecord | undefined;
  if (token !== undefined) {
    proxy = await authenticate(deps, token);
    if (proxy.documentKey === docKey) throw new GatewayError('ERR_PROXY_SELF');
    if ((await currentColor(deps, proxy)).color !== 'green') throw new GatewayError('ERR_PROXY_NOT_GREEN');
  }

  const existing = await deps.store.getSubjectByDocumentKey(docKey);
  if (existing) {
    if (!proxy || existing.identityKey !== idKey) throw new GatewayError('ERR_DOCUMENT_ALREADY_REGISTERED');
    return { status: 202, result: { requestId: await requestProxy(deps, proxy, existing), status: 'pending' } };
  }

  // Issue 17, item 3: a proxy creating a person's record becomes its proxy, never its owner: the
  // owner slot waits for the person (recovery by phone code, sign-in), and no owner token is made.
  const id = newSubjectId();
  const holderToken = proxy ? undefined : newHolderToken();
  const unbound: SubjectRecord = {
    id,
    documentType: applicant.document.type,
    documentKey: docKey,
    identityKey: idKey,
    nameMasked: maskName(applicant.name),
    documentMasked: maskDocumentNumber(applicant.document.number),
    binding: QUEUED_BINDING,
    holderTokenHash: holderToken ? hashToken(holderToken) : vacantToken(id),
    declaration: storedFacts(declaration),
    declaredAt: now,
    modifiedDay: null,
    createdAt: now,
    phoneKey: phoneKey(deps.pepper, canonicalPhone),
    tokenUsedAt: now,
  };
  const claimCode = declaration.claimCode;
  const verified = ticketAdmits(deps.pepper, declaration.signInTicket, docKey, unbound.nameMasked, now);
  const claim = { codeHash: claimCode === undefined ? undefined : claimCodeHash(deps.pepper, docKey, claimCode), now, verified };
  // Issue 22: while the issue pool is busy (or others already wait), store now and bind later.
  const queue = deps.declarationQueue;
  const enqueue = async (): Promise<DeclareOutcome> => {
    const place = await queue!.enqueue(unbound, applicant.document, proxy?.id, claim).catch((error: unknown) => {
      throw conflictError(error);
    });
    deps.metrics.declarations.inc({ kind: proxy ? 'proxy' : 'self' });
    return { status: 202, result: { status: 'queued', position: place.position, etaSeconds: place.etaSeconds, subjectId: unbound.id, ...(holderToken ? { holderToken } : {}) } };
  };
  if (queue?.busy()) return enqueue();
  let binding: string;
  try {
    binding = await bindingOf(deps, applicant.document);
  } catch (error) {
    // The pool filled between the look and the run: queue rather than refuse.
    if (queue && error instanceof GatewayError && error.code === 'ERR_OVERLOADED') return enqueue();
    throw error;
  }
  const subject: SubjectRecord = { ...unbound, binding };
  await deps.store.insertSubject(subject, proxy?.id, claim).catch((error: unknown) => {
    throw conflictError(error);
  });
  deps.metrics.declarations.inc({ kind: proxy ? 'proxy' : 'self' });
  const issued = await issueCode(deps, subject);
  return {
    status: 201,
    result: { subjectId: subject.id, color: issued.color, reasons: issued.reasons, ...(await untilOf(deps, subject, issued.reasons)), ...(holderToken ? { holderToken } : {}), credential: issued.credential },
  };
}

/**
 * PUT /v1/subjects/{id}/declaration: at most one modification per calendar day in Asia/Shanghai
 * (notice Q7, "每天可修改1次"). The colour is derived again; a changed document revokes every
 * outstanding code, since their binding names the old document.
 */
export async function modify(deps: IssuerDeps, subjectId: string, body: unknown, token: string | undefined): Promise<DeclarationResult> {
  const { viaProxy, ...subject } = await authorize(deps, token, subjectId);
  // A queued declaration's job would write the binding of the document it holds, over any change.
  if (isQueued(subject)) throw new GatewayError('ERR_DECLARATION_QUEUED');
  const now = deps.now();
  const { declaration, canonicalPhone } = validateDeclaration(body, now);
  const { applicant } = declaration;
  const docKey = documentKey(deps.pepper, applicant.document);
  const documentChanged = docKey !== subject.documentKey || applicant.document.type !== subject.documentType;
  const idKey = identityKey(deps.pepper, applicant.name, canonicalPhone);
  // Issue 9, item 1: a proxy acts on the person's health facts only; who the person is stays theirs.
  if (viaProxy && (documentChanged || idKey !== subject.identityKey)) throw new GatewayError('ERR_PROXY_IDENTITY_CHANGE');
  // Issue 19, item 1: every cheap refusal comes before the scrypt of a changed document, so a
  // token that already modified today cannot keep the issue pool busy with refused attempts.
  // The store checks the day again atomically (a modification racing this one still loses).
  if (subject.modifiedDay === shanghaiDay(now)) throw new GatewayError('ERR_MODIFICATION_LIMIT');
  const update = {
    documentType: applicant.document.type,
    documentKey: docKey,
    identityKey: idKey,
    nameMasked: maskName(applicant.name),
    documentMasked: maskDocumentNumber(applicant.document.number),
    binding: documentChanged ? await bindingOf(deps, applicant.document) : subject.binding,
    declaration: storedFacts(declaration),
    declaredAt: now,
    phoneKey: phoneKey(deps.pepper, canonicalPhone),
  };
  const outcome = await deps.store.updateDeclaration(subject.id, update, shanghaiDay(now)).catch((error: unknown) => {
    throw conflictError(error);
  });
  if (outcome === 'not_found') throw new GatewayError('ERR_SUBJECT_NOT_FOUND');
  if (outcome === 'already_modified_today') throw new GatewayError('ERR_MODIFICATION_LIMIT');
  deps.metrics.declarations.inc({ kind: 'modification' });
  const revoked = documentChanged || update.nameMasked !== subject.nameMasked ? await invalidateCodes(deps, subject.id, 'revoked') : [];
  const issued = await issueCode(deps, { ...subject, ...update, modifiedDay: shanghaiDay(now) });
  // Revoked codes are replaced by the new one: a colour change is noticed through them too.
  deps.metrics.countColorTransitions(revoked, issued.color);
  const modified = { ...subject, ...update };
  return { subjectId: subject.id, color: issued.color, reasons: issued.reasons, ...(await untilOf(deps, modified, issued.reasons)), credential: issued.credential };
}

/**
 * GET /v1/subjects/{id}/code: a code with the current colour — the current one again while it may be
 * (code-reuse.ts) — or — while the declaration is
 * still queued (issue 22) — its place in the queue.
 */
export async function freshCode(deps: IssuerDeps, subjectId: string, token: string | undefined): Promise<DeclarationResult | DeclarationQueued> {
  const { viaProxy: _, ...subject } = await authorize(deps, token, subjectId);
  // A code request keeps the subject's data from RETENTION_DAYS (subjects/retention.ts).
  await recordActivity(deps.store, subject.id, deps.now());
  if (isQueued(subject)) {
    const place = await deps.declarationQueue?.place(subject.id);
    if (place) return { status: 'queued', position: place.position, etaSeconds: place.etaSeconds, subjectId: subject.id };
    // The job finished between the two reads: the subject now has its binding.
    const bound = await deps.store.getSubject(subject.id);
    if (!bound) throw new GatewayError('ERR_SUBJECT_NOT_FOUND');
    if (isQueued(bound)) return { status: 'queued', position: 1, etaSeconds: 1, subjectId: subject.id };
    return freshCode(deps, subjectId, token);
  }
  const issued = await currentOrFreshCode(deps, subject);
  return { subjectId: subject.id, color: issued.color, reasons: issued.reasons, ...(await untilOf(deps, subject, issued.reasons)), credential: issued.credential };
}

/** When each reason ends by itself (only when there are reasons): the page says when the code may turn green. */
async function untilOf(deps: IssuerDeps, subject: SubjectRecord, reasons: readonly string[]): Promise<{ until?: ReasonUntil[] }> {
  return reasons.length === 0 ? {} : { until: await reasonsUntil(deps, subject) };
}
